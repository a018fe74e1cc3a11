// SDRM3 (ASPLOS'24) as Dysta's artifact runs it (MapScore = Urgency + alpha x Fairness,
// preference 1): at every layer boundary, for each request
//   urgency  = min(1, E / slack)          (E: remaining latency estimate; negative once late)
//   fairness = idle / estimate of its next layer   (idle: time since it last ran)
// and the highest urgency + alpha x fairness runs; ties go to the earlier arrival, with the same
// negative-score quirk as Planaria (estimates.h). Requests without an SLO have urgency 0. The
// fairness term dominates, which makes it behave like least-recently-run round robin.
#include <algorithm>

#include "sim/runtime/scheduler/estimates.h"

namespace npusim {
namespace {

struct Sdrm3Params {
  double alpha;
  bool negative_score_quirk;
};

}  // namespace

class Sdrm3 : public IScheduler {
 public:
  static const ParamTable& param_table() {
    using P = Sdrm3Params;
    static const ParamTable t =
        ParamTable("sdrm3", "SDRM3's MapScore: urgency + alpha x fairness, highest first.")
            .param("alpha", &P::alpha, "weight of the fairness term")
            .def(ParamValue(1.0))
            .min(ParamValue(0.0))
            .param("negative_score_quirk", &P::negative_score_quirk,
                   "the artifact's scan: a best-so-far with a negative score is replaced by the "
                   "next request scanned")
            .def(ParamValue(true));
    return t;
  }
  explicit Sdrm3(const ComponentArgs& a)
      : IScheduler(a), p_(load_params<Sdrm3Params>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t now) override {
    return argmax_scan(ready, p_.negative_score_quirk,
                       [&](const RequestView& v) { return score(v, now, p_.alpha); });
  }
  static double score(const RequestView& v, uint64_t now, double alpha) {
    const double urgency =
        v.deadline_ps == 0 ? 0.0 : std::min(1.0, remaining_estimate_s(v) / slack_s(v, now, 0.0));
    const double next = next_layer_estimate_s(v);
    const double fairness = next > 0 ? idle_s(v, now) / next : 0.0;
    return urgency + alpha * fairness;
  }
  bool preemptive() const override { return true; }
  bool reselects() const override { return true; }

 private:
  Sdrm3Params p_;
};

NPUSIM_REGISTER_COMPONENT(Sdrm3, "scheduler", "sdrm3",
                          "SDRM3: highest urgency + alpha x fairness at every layer boundary");

}  // namespace npusim
