// Shortest job first by the requests' profiled isolated latency (a static profile, as PREMA
// and Dysta's static level use). With `preemptive`, shortest remaining time first: at every
// operator boundary the running request yields to a waiting one whose remaining time is
// shorter than its own. Ties go to the earlier arrival. With `estimate: sparse` (Dysta's
// artifact's sjf_sparse) the remaining time is the monitored estimate, gamma x the
// pattern-aware LUT (estimates.h), which changes at every layer boundary: the scheduler then
// re-selects at every boundary over the running and the waiting requests (preemptive SRTF).
#include "sim/runtime/scheduler/estimates.h"

namespace npusim {
namespace {

struct SjfParams {
  bool preemptive;
  EstimateSource estimate;
};

}  // namespace

class Sjf : public IScheduler {
 public:
  static const ParamTable& param_table() {
    using P = SjfParams;
    static const ParamTable t =
        ParamTable("sjf",
                   "Shortest job first by profiled isolated latency; optionally preemptive "
                   "(shortest remaining time first at operator boundaries).")
            .param("preemptive", &P::preemptive,
                   "preempt at operator boundaries for a shorter remaining time")
            .def(ParamValue(false))
            .param_enum("estimate", &P::estimate, estimate_source_names(), kEstimateSourceDoc)
            .def("profile");
    return t;
  }
  explicit Sjf(const ComponentArgs& a) : IScheduler(a), p_(load_params<SjfParams>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t) override {
    size_t best = 0;
    if (p_.estimate == EstimateSource::Sparse) {
      double best_e = remaining_estimate_s(ready[0], p_.estimate);
      for (size_t i = 1; i < ready.size(); ++i) {  // arrival order: ties keep the earlier
        const double e = remaining_estimate_s(ready[i], p_.estimate);
        if (e < best_e) {
          best = i;
          best_e = e;
        }
      }
      return best;
    }
    for (size_t i = 1; i < ready.size(); ++i) {
      if (before(ready[i], ready[best])) best = i;
    }
    return best;
  }
  bool preemptive() const override { return p_.preemptive || reselects(); }
  bool reselects() const override { return p_.estimate == EstimateSource::Sparse; }
  bool preempt(const RequestView& running, const std::vector<RequestView>& ready,
               uint64_t) override {
    for (const RequestView& r : ready) {
      if (r.remaining_ps < running.remaining_ps) return true;
    }
    return false;
  }

 private:
  static bool before(const RequestView& a, const RequestView& b) {
    if (a.remaining_ps != b.remaining_ps) return a.remaining_ps < b.remaining_ps;
    if (a.arrival_ps != b.arrival_ps) return a.arrival_ps < b.arrival_ps;
    return a.id < b.id;
  }
  SjfParams p_;
};

NPUSIM_REGISTER_COMPONENT(Sjf, "scheduler", "sjf",
                          "Shortest job first (optionally preemptive: SRTF)");

}  // namespace npusim
