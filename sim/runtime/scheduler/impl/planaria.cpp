// Planaria (MICRO'20) as Dysta's artifact time-shares it (resource estimate 1): at every layer
// boundary, score = priority / slack (slack = deadline - now), the highest score runs; ties go
// to the earlier arrival. `negative_score_quirk` (the artifact's, on by default): a request
// whose slack is negative has a negative score and loses to whichever request is scanned after
// it. Requests without an SLO score 0. Decides over all requests at every boundary.
#include "sim/runtime/scheduler/estimates.h"

namespace npusim {
namespace {

struct PlanariaParams {
  bool negative_score_quirk;
};

}  // namespace

class Planaria : public IScheduler {
 public:
  static const ParamTable& param_table() {
    using P = PlanariaParams;
    static const ParamTable t =
        ParamTable("planaria", "Planaria's time-shared policy: highest priority / slack first.")
            .param("negative_score_quirk", &P::negative_score_quirk,
                   "the artifact's scan: a best-so-far with a negative score (late) is replaced "
                   "by the next request scanned")
            .def(ParamValue(true));
    return t;
  }
  explicit Planaria(const ComponentArgs& a)
      : IScheduler(a), p_(load_params<PlanariaParams>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t now) override {
    return argmax_scan(ready, p_.negative_score_quirk, [now](const RequestView& v) {
      if (v.deadline_ps == 0) return 0.0;
      return static_cast<double>(v.priority) / slack_s(v, now, 0.0);
    });
  }
  bool preemptive() const override { return true; }
  bool reselects() const override { return true; }

 private:
  PlanariaParams p_;
};

NPUSIM_REGISTER_COMPONENT(Planaria, "scheduler", "planaria",
                          "Planaria: highest priority/slack at every layer boundary");

}  // namespace npusim
