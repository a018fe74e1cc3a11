// Highest priority first (the mix entry's `priority`; larger is more urgent), first come first
// served among equals. With `preemptive`, a running request yields at an operator boundary to a
// waiting one of higher priority.
#include "sim/runtime/i_scheduler.h"

namespace npusim {
namespace {

struct PriorityParams {
  bool preemptive;
};

}  // namespace

class PriorityScheduler : public IScheduler {
 public:
  static const ParamTable& param_table() {
    using P = PriorityParams;
    static const ParamTable t =
        ParamTable("priority", "Highest priority first, FCFS among equals; optionally preemptive.")
            .param("preemptive", &P::preemptive,
                   "preempt at operator boundaries for a higher priority")
            .def(ParamValue(false));
    return t;
  }
  explicit PriorityScheduler(const ComponentArgs& a)
      : IScheduler(a), p_(load_params<PriorityParams>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t) override {
    size_t best = 0;
    for (size_t i = 1; i < ready.size(); ++i) {
      const RequestView &a = ready[i], &b = ready[best];
      if (a.priority != b.priority
              ? a.priority > b.priority
              : (a.arrival_ps != b.arrival_ps ? a.arrival_ps < b.arrival_ps : a.id < b.id)) {
        best = i;
      }
    }
    return best;
  }
  bool preemptive() const override { return p_.preemptive; }
  bool preempt(const RequestView& running, const std::vector<RequestView>& ready,
               uint64_t) override {
    for (const RequestView& r : ready) {
      if (r.priority > running.priority) return true;
    }
    return false;
  }

 private:
  PriorityParams p_;
};

NPUSIM_REGISTER_COMPONENT(PriorityScheduler, "scheduler", "priority",
                          "Highest priority first, FCFS among equals (optionally preemptive)");

}  // namespace npusim
