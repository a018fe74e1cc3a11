// PREMA (HPCA'20) as Dysta's artifact runs it, at every layer boundary over all requests in
// arrival order:
//   - a request seen for the first time gets token = priority;
//   - otherwise token += priority x idle / T_iso (T_iso: estimated isolated latency). With
//     `token_accumulation: cumulative_idle` (the artifact's) idle is the whole time since the
//     request last ran, re-added at each decision; with `incremental` only the time since the
//     previous decision that accounted it;
//   - threshold = 9 if the largest token of the requests updated this round is >= 9, else 3 if
//     >= 3, else 1 (newly seen requests do not count);
//   - candidates: token >= threshold (`candidate_cmp: ge`, Dysta's change) or > (`gt`, PREMA's);
//     none: every request;
//   - the candidate with the shortest remaining estimate runs, ties to the earlier arrival.
//     With `estimate: sparse` (the artifact's prema_sparse) the estimate is gamma x the
//     pattern-aware LUT (estimates.h); with `sparse_gamma: previous_last` every candidate's
//     gamma is the one the token loop computed last, for the last request in arrival order
//     (the artifact's bug; `own`: each request's own gamma).
// Per-request tokens are this scheduler's state: pick() is called once per decision.
#include <algorithm>
#include <unordered_map>

#include "sim/runtime/scheduler/estimates.h"

namespace npusim {
namespace {

enum class TokenAccumulation { CumulativeIdle, Incremental };
enum class CandidateCmp { Ge, Gt };
enum class SparseGamma { Own, PreviousLast };

struct PremaParams {
  TokenAccumulation token_accumulation;
  CandidateCmp candidate_cmp;
  EstimateSource estimate;
  SparseGamma sparse_gamma;
};

}  // namespace

class Prema : public IScheduler {
 public:
  static const ParamTable& param_table() {
    using P = PremaParams;
    static const ParamTable t =
        ParamTable("prema", "PREMA's token-based preemptive policy, as Dysta's artifact runs it.")
            .param_enum("token_accumulation", &P::token_accumulation,
                        {{"cumulative_idle", TokenAccumulation::CumulativeIdle},
                         {"incremental", TokenAccumulation::Incremental}},
                        "cumulative_idle (the artifact's): each decision adds the whole idle time "
                        "since the request last ran; incremental: only the time since the "
                        "previous decision")
            .def("cumulative_idle")
            .param_enum("candidate_cmp", &P::candidate_cmp,
                        {{"ge", CandidateCmp::Ge}, {"gt", CandidateCmp::Gt}},
                        "candidates have token >= threshold (ge, Dysta's) or > (gt, PREMA's)")
            .def("ge")
            .param_enum("estimate", &P::estimate, estimate_source_names(), kEstimateSourceDoc)
            .def("profile")
            .param_enum("sparse_gamma", &P::sparse_gamma,
                        {{"own", SparseGamma::Own}, {"previous_last", SparseGamma::PreviousLast}},
                        "estimate sparse: each request's own gamma (own), or every candidate "
                        "scaled by the gamma of the last request of the token loop "
                        "(previous_last, the artifact's prema_sparse bug)")
            .def("own");
    return t;
  }
  explicit Prema(const ComponentArgs& a)
      : IScheduler(a), p_(load_params<PremaParams>(param_table())) {}

  size_t pick(const std::vector<RequestView>& ready, uint64_t now) override {
    double max_updated = 0;
    bool any_updated = false;
    for (const RequestView& v : ready) {
      auto [it, fresh] = state_.try_emplace(v.id, Token{static_cast<double>(v.priority), now});
      if (fresh) continue;
      Token& t = it->second;
      const uint64_t since = p_.token_accumulation == TokenAccumulation::CumulativeIdle
                                 ? v.last_exec_ps
                                 : std::max(v.last_exec_ps, t.accounted_ps);
      const double idle = now > since ? static_cast<double>(now - since) * 1e-12 : 0.0;
      const double iso = isolated_estimate_s(v);
      if (iso > 0) t.token += static_cast<double>(v.priority) * idle / iso;
      t.accounted_ps = now;
      max_updated = any_updated ? std::max(max_updated, t.token) : t.token;
      any_updated = true;
    }
    const double threshold = max_updated >= 9 ? 9 : max_updated >= 3 ? 3 : 1;
    size_t best = ready.size();
    double best_e = 0;
    for (size_t i = 0; i < ready.size(); ++i) {
      const double token = state_.at(ready[i].id).token;
      const bool candidate =
          p_.candidate_cmp == CandidateCmp::Ge ? token >= threshold : token > threshold;
      if (!candidate) continue;
      const double e = estimate(ready, i);
      if (best == ready.size() || e < best_e) {
        best = i;
        best_e = e;
      }
    }
    if (best == ready.size()) {  // no candidate: the shortest of all
      best = 0;
      best_e = estimate(ready, 0);
      for (size_t i = 1; i < ready.size(); ++i) {
        const double e = estimate(ready, i);
        if (e < best_e) {
          best = i;
          best_e = e;
        }
      }
    }
    return best;
  }
  bool preemptive() const override { return true; }
  bool reselects() const override { return true; }

 private:
  // E_i in seconds (the static profile, or gamma x the pattern LUT; see the header).
  double estimate(const std::vector<RequestView>& ready, size_t i) const {
    const RequestView& v = ready[i];
    if (p_.estimate != EstimateSource::Sparse || v.layers == nullptr)
      return remaining_estimate_s(v);
    if (p_.sparse_gamma == SparseGamma::Own) return monitored_remaining_s(*v.layers);
    const LayerProgress* last = ready.back().layers;
    const double gamma = last != nullptr ? density_gamma(*last, GammaPredictor::AvgAll) : 1.0;
    return gamma * remaining_s(v.layers->pattern_lut_s, v.layers->done);
  }
  struct Token {
    double token = 0;
    uint64_t accounted_ps = 0;  // incremental: idle time accounted up to here
  };
  PremaParams p_;
  std::unordered_map<uint64_t, Token> state_;
};

NPUSIM_REGISTER_COMPONENT(Prema, "scheduler", "prema",
                          "PREMA: token threshold, then shortest estimate, at every boundary");

}  // namespace npusim
