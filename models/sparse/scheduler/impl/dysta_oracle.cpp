// Dysta's score with every request's true latencies (the oracle).
// The hardware scheduler and the score: models/sparse/scheduler/dysta_hw.h, dysta_score.h.
#include "models/sparse/scheduler/dysta_hw.h"

namespace npusim {

class DystaOracle : public DystaHwScheduler {
 public:
  static const ParamTable& param_table() { return DystaHwScheduler::param_table("dysta_oracle"); }
  explicit DystaOracle(const ComponentArgs& a)
      : DystaHwScheduler(a, param_table(), DystaVariant::Oracle) {}
};

NPUSIM_REGISTER_COMPONENT(DystaOracle, "scheduler", "dysta_oracle",
                          "Dysta's score with every request's true latencies (the oracle)");

}  // namespace npusim
