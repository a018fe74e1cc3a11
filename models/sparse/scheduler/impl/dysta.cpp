// Dysta: sparsity-aware scores (pattern LUT x monitored gamma) on the hardware scheduler.
// The hardware scheduler and the score: models/sparse/scheduler/dysta_hw.h, dysta_score.h.
#include "models/sparse/scheduler/dysta_hw.h"

namespace npusim {

class Dysta : public DystaHwScheduler {
 public:
  static const ParamTable& param_table() { return DystaHwScheduler::param_table("dysta"); }
  explicit Dysta(const ComponentArgs& a)
      : DystaHwScheduler(a, param_table(), DystaVariant::Dysta) {}
};

NPUSIM_REGISTER_COMPONENT(
    Dysta, "scheduler", "dysta",
    "Dysta: sparsity-aware scores (pattern LUT x monitored gamma) on the hardware scheduler");

}  // namespace npusim
