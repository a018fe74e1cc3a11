// Shortest job first by the requests' profiled isolated latency (a static profile, as PREMA
// and Dysta's static level use). With `preemptive`, shortest remaining time first: at every
// operator boundary the running request yields to a waiting one whose remaining time is
// shorter than its own. Ties go to the earlier arrival.
#include "sim/runtime/i_scheduler.h"

namespace npusim {
namespace {

struct SjfParams {
  bool preemptive;
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
            .def(ParamValue(false));
    return t;
  }
  explicit Sjf(const ComponentArgs& a) : IScheduler(a), p_(load_params<SjfParams>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t) override {
    size_t best = 0;
    for (size_t i = 1; i < ready.size(); ++i) {
      if (before(ready[i], ready[best])) best = i;
    }
    return best;
  }
  bool preemptive() const override { return p_.preemptive; }
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
