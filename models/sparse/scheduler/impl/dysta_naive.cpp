// Dysta without its dynamic level: per-model LUT, gamma = 1 (Dysta-w/o-sparse).
// The hardware scheduler and the score: models/sparse/scheduler/dysta_hw.h, dysta_score.h.
#include "models/sparse/scheduler/dysta_hw.h"

namespace npusim {

class DystaNaive : public DystaHwScheduler {
 public:
  static const ParamTable& param_table() { return DystaHwScheduler::param_table("dysta_naive"); }
  explicit DystaNaive(const ComponentArgs& a)
      : DystaHwScheduler(a, param_table(), DystaVariant::Naive) {}
};

NPUSIM_REGISTER_COMPONENT(
    DystaNaive, "scheduler", "dysta_naive",
    "Dysta without its dynamic level: per-model LUT, gamma = 1 (Dysta-w/o-sparse)");

}  // namespace npusim
