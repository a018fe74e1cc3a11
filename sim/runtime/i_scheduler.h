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
};

}  // namespace npusim
