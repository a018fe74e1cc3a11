// Precision schedules (PMPD spec §4): which weight bit-width each phase and each decode step
// runs at. A policy is a component built from the trace's `schedule:` section (`type:` picks
// the implementation), so new schedulers are one file each:
//
//   uniform   every step at `bits`; `prefill_bits` differing from it is phase-aware allocation
//   static    high_bits before `switch_step`, low_bits from it on (task-adaptive, prompt-agnostic)
//   learned   like static, with the per-prompt switch point chosen by a classifier run once
//             after prefill on the last layer's KV cache (its cost is simulated); the point
//             comes from the trace (`switch_step`, or `class` of `classes` candidate points)
//   python    a Python callable, called before every decode step (npusim.run(..., policy=f))
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/core/component.h"
#include "sim/workload/trace.h"

namespace npusim {

struct DecodeContext {
  int64_t step = 0;  // tokens generated so far (0-based index of the next token)
  int64_t prompt_len = 0, gen_len = 0;
  int64_t kv_len = 0;         // positions in the KV cache before this step
  int64_t previous_bits = 0;  // bits of the previous step (prefill's for step 0)
};

// The learned scheduler's one-off job after prefill (PMPD spec §4.4), in units of work.
struct ClassifierJob {
  uint64_t kv_read_bytes = 0;       // last layer's K and V
  uint64_t head_mean_elements = 0;  // averaging K and V over heads
  uint64_t attention_macs = 0;      // learned queries against the averaged K and V
  uint64_t mlp_weight_bytes = 0;    // LayerNorm -> Linear -> ReLU -> Linear weights
  uint64_t mlp_macs = 0;
  bool empty() const { return kv_read_bytes == 0 && mlp_weight_bytes == 0; }
};

class IPrecisionPolicy : public Component {
 public:
  using Component::Component;
  virtual int prefill_bits() const = 0;
  virtual int bits_for_token(const DecodeContext& c) = 0;
  virtual ClassifierJob classifier(const LlmArch&, int64_t prompt_len, int kv_bits) const {
    (void)prompt_len, (void)kv_bits;
    return {};
  }
  // Throws a WorkloadError (naming the schedule key) when the schedule cannot run this
  // request; `supported` says whether a weight width can be streamed.
  virtual void validate(const Generation& g, const std::function<bool(int)>& supported,
                        const std::string& supported_text) const = 0;
};

}  // namespace npusim
