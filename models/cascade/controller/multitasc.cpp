// MultiTASC's threshold controller (spec §3, Eq. 4, with the corrections of §7). Every period:
//   bbar = mean batch size (over the batches served in the last period, counting 0 when none
//          were: `batch_average: period`; or over the last `last_batches`: the paper's L = 5);
//   QL   = the server's queue length; C = min(capacity, largest batch)
//   panic:  QL > panic_factor x C  -> every threshold 0 until QL <= beta x C, then the
//           thresholds before the panic come back (`restore_after_panic`; else they climb back
//           by M per period)
//   lower:  bbar > alpha x C and QL > alpha x C    -> TC = -M
//   raise:  bbar <= beta x C and QL <= beta x C    -> TC = +M
// and TC != 0 moves k = ceil(P x |D|) devices' thresholds by TC (clipped to [0, 1]). Tiers are
// visited by their light model's accuracy: lowering takes the strongest tier first, raising the
// weakest; inside a tier the least recently updated devices go first (round-robin in a
// homogeneous fleet). A device whose threshold is already at the bound in TC's direction is
// skipped (it cannot move), so lowering reaches the next tier once a tier is at 0 [I].
#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/cascade/i_cascade_controller.h"

namespace npusim {
namespace {

enum class BatchAverage { Period, LastBatches };

struct MultitascParams {
  Time period;
  double fraction, step, alpha, beta, panic_factor;
  bool restore_after_panic;
  BatchAverage batch_average;
};

}  // namespace

class Multitasc : public ICascadeController {
 public:
  static const ParamTable& param_table() {
    using P = MultitascParams;
    static const ParamTable t =
        ParamTable("multitasc",
                   "MultiTASC's heterogeneity-aware threshold controller: compares the server's "
                   "queue and recent batch sizes with its capacity and moves a fraction of the "
                   "devices' thresholds every period (docs/cascade.md).")
            .param("period", &P::period, "control period T_sched")
            .def("2s")
            .min("1us")
            .param("fraction", &P::fraction, "P: share of the devices updated at a step")
            .def(ParamValue(0.2))
            .min(ParamValue(0.0))
            .max(ParamValue(1.0))
            .unit("fraction")
            .param("step", &P::step, "M: threshold change of one update")
            .def(ParamValue(0.05))
            .min(ParamValue(0.0))
            .max(ParamValue(1.0))
            .param("alpha", &P::alpha, "lowering trigger, as a share of the capacity")
            .def(ParamValue(0.83))
            .min(ParamValue(0.0))
            .param("beta", &P::beta, "raising trigger (and panic release), share of the capacity")
            .def(ParamValue(0.125))
            .min(ParamValue(0.0))
            .param(
                "panic_factor", &P::panic_factor,
                "panic (every threshold 0) when the queue exceeds this many capacities; 0: never")
            .def(ParamValue(2.0))
            .min(ParamValue(0.0))
            .param("restore_after_panic", &P::restore_after_panic,
                   "restore the thresholds from before a panic once the queue recovers "
                   "(corrections §7.3); false: climb back by `step`")
            .def(ParamValue(true))
            .param_enum(
                "batch_average", &P::batch_average,
                {{"period", BatchAverage::Period}, {"last_batches", BatchAverage::LastBatches}},
                "bbar over the batches of the last period (corrections §7.2) or over "
                "the last 5 batches (the paper's L)")
            .def("period")
            .check<P>([](const P& p) -> std::string {
              if (p.beta > p.alpha)
                return "beta " + std::to_string(p.beta) + " must not exceed alpha " +
                       std::to_string(p.alpha);
              return "";
            });
    return t;
  }
  explicit Multitasc(const ComponentArgs& a)
      : ICascadeController(a), p_(load_params<MultitascParams>(param_table())) {}

  uint64_t period_ps() const override { return p_.period.ps; }

  void start(const FleetView& fleet, const std::vector<double>&) override {
    tier_members_ = {};
    for (size_t d = 0; d < fleet.tier.size(); ++d)
      tier_members_[static_cast<size_t>(fleet.tier[d])].push_back(d);
    devices_ = fleet.tier.size();
    ranked_ = {0, 1, 2};  // weakest light model first (ties: tier order)
    std::stable_sort(ranked_.begin(), ranked_.end(), [&](size_t a, size_t b) {
      return fleet.light_accuracy[a] < fleet.light_accuracy[b];
    });
    last_update_.assign(devices_, 0);
    clock_ = 0;
  }

  ControlStep decide(const QueueState& q, std::vector<double>& c) override {
    ControlStep s;
    const double cap = static_cast<double>(q.capacity);
    const double ql = static_cast<double>(q.queue_length);
    const double bbar =
        p_.batch_average == BatchAverage::Period ? q.mean_batch_period : q.mean_batch_last;
    if (panicking_) {
      if (ql > p_.beta * cap) {
        std::fill(c.begin(), c.end(), 0.0);
        s.panic = true;
        return s;
      }
      panicking_ = false;
      if (p_.restore_after_panic) c = saved_;
      s.restored = true;
      s.updated = devices_;
      return s;
    }
    if (p_.panic_factor > 0 && ql > p_.panic_factor * cap) {
      panicking_ = true;
      saved_ = c;
      std::fill(c.begin(), c.end(), 0.0);
      s.panic = true;
      s.updated = devices_;
      return s;
    }
    if (bbar > p_.alpha * cap && ql > p_.alpha * cap) {
      s.change = -p_.step;
    } else if (bbar <= p_.beta * cap && ql <= p_.beta * cap) {
      s.change = p_.step;
    }
    if (s.change != 0) s.updated = update(c, s.change);
    return s;
  }

 private:
  // Moves up to k = ceil(P |D|) movable thresholds by `change`; returns how many moved.
  uint64_t update(std::vector<double>& c, double change) {
    const auto k =
        static_cast<uint64_t>(std::ceil(p_.fraction * static_cast<double>(devices_) - 1e-9));
    ++clock_;
    uint64_t moved = 0;
    for (size_t r = 0; r < kTiers && moved < k; ++r) {
      const size_t tier = change < 0 ? ranked_[kTiers - 1 - r] : ranked_[r];
      std::vector<size_t> m;
      for (size_t d : tier_members_[tier]) {
        if (change < 0 ? c[d] > 0 : c[d] < 1) m.push_back(d);
      }
      std::stable_sort(m.begin(), m.end(),
                       [&](size_t a, size_t b) { return last_update_[a] < last_update_[b]; });
      for (size_t i = 0; i < m.size() && moved < k; ++i, ++moved) {
        c[m[i]] = std::clamp(c[m[i]] + change, 0.0, 1.0);
        last_update_[m[i]] = clock_;
      }
    }
    return moved;
  }

  MultitascParams p_;
  std::array<std::vector<size_t>, kTiers> tier_members_;
  std::array<size_t, kTiers> ranked_{};
  std::vector<uint64_t> last_update_;
  std::vector<double> saved_;
  size_t devices_ = 0;
  uint64_t clock_ = 0;
  bool panicking_ = false;
};

NPUSIM_REGISTER_COMPONENT(Multitasc, "cascade_controller", "multitasc",
                          "MultiTASC's capacity-based, heterogeneity-aware threshold controller");

}  // namespace npusim
