// Exact fast-forward of a periodic steady state. A controller that keeps its own local time
// (models/llm_npu) may find that, after a run of identical steps, the whole machine is in the
// same state as one period earlier, only later by the period's length; the following identical
// steps would then repeat that period exactly. It can skip k periods by moving every unit's
// timing state k periods later and adding k periods' worth to every statistic, instead of
// simulating them. Units that keep timing state implement this interface; a unit that does
// not disables fast-forwarding.
#pragma once

#include <cstdint>
#include <vector>

namespace npusim {

struct TimedState {
  std::vector<int64_t> times;    // what shapes future requests, as offsets from the reference
  std::vector<uint64_t> totals;  // monotone internal totals outside the stats tree (busy time)
};

class IFastForward {
 public:
  virtual ~IFastForward() = default;
  // Appends the state that can affect requests arriving at or after `from_ps`, as offsets
  // from `ref_ps` (earlier state is history and left out).
  virtual void timed_state(uint64_t from_ps, uint64_t ref_ps, TimedState& out) const = 0;
  // Moves that state `delta_ps` later and adds k x `per_period` to the totals (per_period: the
  // change of the totals over one period, in timed_state's order).
  virtual void fast_forward(uint64_t from_ps, uint64_t delta_ps,
                            const std::vector<uint64_t>& per_period, uint64_t k) = 0;
  // Requests whose addresses differ by a multiple of this many bytes are timed identically.
  virtual uint64_t address_period() const { return 1; }
};

// Offset of `t` from `ref`, with times before `floor` (which can no longer matter) as `floor`.
inline int64_t offset_from(uint64_t t, uint64_t floor, uint64_t ref) {
  return static_cast<int64_t>(t < floor ? floor : t) - static_cast<int64_t>(ref);
}

}  // namespace npusim
