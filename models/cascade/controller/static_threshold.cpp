// The static-threshold baseline (spec §3, §V-A): every device keeps the threshold chosen for
// its light model on the calibration images; nothing changes at run time. Its period only sets
// how often the fleet logs the queue.
#include "models/cascade/i_cascade_controller.h"

namespace npusim {
namespace {

struct StaticThresholdParams {
  Time period;
};

}  // namespace

class StaticThreshold : public ICascadeController {
 public:
  static const ParamTable& param_table() {
    using P = StaticThresholdParams;
    static const ParamTable t =
        ParamTable("static_threshold",
                   "Static-threshold cascade baseline: per-model thresholds from the "
                   "calibration images, never changed at run time.")
            .param("period", &P::period, "interval of the queue log (no decisions are made)")
            .def("2s")
            .min("1us");
    return t;
  }
  explicit StaticThreshold(const ComponentArgs& a)
      : ICascadeController(a), p_(load_params<StaticThresholdParams>(param_table())) {}

  uint64_t period_ps() const override { return p_.period.ps; }
  void start(const FleetView&, const std::vector<double>&) override {}
  ControlStep decide(const QueueState&, std::vector<double>&) override { return {}; }

 private:
  StaticThresholdParams p_;
};

NPUSIM_REGISTER_COMPONENT(StaticThreshold, "cascade_controller", "static_threshold",
                          "Static per-model forwarding thresholds (MultiTASC's baseline)");

}  // namespace npusim
