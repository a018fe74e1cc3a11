// First come, first served: the earliest arrival runs next and runs to completion.
#include "sim/runtime/i_scheduler.h"

namespace npusim {

class Fcfs : public IScheduler {
 public:
  static const ParamTable& param_table() {
    static const ParamTable t("fcfs", "First come, first served; never preempts.");
    return t;
  }
  explicit Fcfs(const ComponentArgs& a) : IScheduler(a) { load_params<Empty>(param_table()); }

  size_t pick(const std::vector<RequestView>& ready, uint64_t) override {
    size_t best = 0;
    for (size_t i = 1; i < ready.size(); ++i) {
      if (ready[i].arrival_ps < ready[best].arrival_ps ||
          (ready[i].arrival_ps == ready[best].arrival_ps && ready[i].id < ready[best].id)) {
        best = i;
      }
    }
    return best;
  }

 private:
  struct Empty {};
};

NPUSIM_REGISTER_COMPONENT(Fcfs, "scheduler", "fcfs", "First come, first served (non-preemptive)");

}  // namespace npusim
