// A request scheduler: which waiting request an accelerator runs next, and whether a running
// request yields at an operator boundary. One small class per policy, registered by name
// (kind "scheduler") and chosen in the workload's `requests.scheduler`.
//
// What it sees at a decision: the waiting requests (RequestView) and the time. What it costs:
// the stream's `decision_latency`, charged by the runtime at every dispatch (the accelerator
// starts nothing meanwhile); a preemption also costs the stream's `context_switch`.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/component.h"
#include "sim/runtime/layer_progress.h"

namespace npusim {

struct RequestView {
  uint64_t id = 0;       // in arrival order
  size_t model = 0;      // index into the workload's models
  int64_t priority = 0;  // larger is more urgent
  uint64_t arrival_ps = 0;
  uint64_t deadline_ps = 0;   // 0: no SLO
  uint64_t isolated_ps = 0;   // the request's latency alone on the accelerator (profiled)
  uint64_t remaining_ps = 0;  // isolated latency x the share of its operators not yet run
  uint64_t preemptions = 0;
  bool started = false;
  // Re-selecting schedulers (below) only: the request that ran the layer just finished is in
  // `ready` too, marked `running`; `last_exec_ps` is when the request last ran a layer (its
  // arrival before that); `layers` is its layer progress when the accelerator publishes one
  // (layer_progress.h; then `isolated_ps` and `remaining_ps` come from the per-model look-up
  // table, not from the request's true latency).
  bool running = false;
  uint64_t last_exec_ps = 0;
  const LayerProgress* layers = nullptr;
};

class IScheduler : public Component {
 public:
  using Component::Component;
  // Index into `ready` (non-empty) of the request to run next.
  virtual size_t pick(const std::vector<RequestView>& ready, uint64_t now_ps) = 0;
  // Whether the scheduler may preempt at operator boundaries (the runtime asks only then).
  virtual bool preemptive() const { return false; }
  // At an operator boundary of `running`, with `ready` non-empty: true to preempt it.
  virtual bool preempt(const RequestView& /*running*/, const std::vector<RequestView>& /*ready*/,
                       uint64_t /*now_ps*/) {
    return false;
  }
  // A re-selecting scheduler decides at every layer boundary over the running request and the
  // waiting ones together, in arrival order: pick() is called exactly once per decision, with
  // one candidate too (schedulers with per-decision state, such as PREMA's tokens), and a pick
  // other than the running request preempts it. preempt() is not used.
  virtual bool reselects() const { return false; }
  // Time one decision over `entries` candidates takes on the scheduler's hardware, in ps (added
  // to the stream's decision_latency; charged at every decision, the accelerator idle).
  virtual uint64_t decision_ps(size_t /*entries*/) const { return 0; }
  // Entries the scheduler's request table holds: only the oldest `table_depth()` candidates are
  // visible to it; later ones wait in the host's backlog (back-pressure, nothing is dropped).
  virtual size_t table_depth() const { return SIZE_MAX; }
};

}  // namespace npusim
