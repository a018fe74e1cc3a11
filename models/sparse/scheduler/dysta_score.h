// Dysta's dynamic-level score (spec docs/sparse.md; Fan et al., MICRO'23, as in its artifact).
// At every layer boundary, for every request i in the request table (times in seconds):
//   gamma_i = density_gamma (sim/runtime/layer_progress.h): the mean over its finished layers j
//             of measured_density_j / mean_density_j (predictor avg_all; last_one; last_n)
//   R_i = gamma_i x sum of the pattern-aware LUT over its remaining layers
//   U_i = max(0, D_i - now - R_i)           (slack_mode clamp_minus_R; raw: no clamp;
//                                            rtl: max(0, D_i - now), the RTL's)
//   P_i = ((now - last_exec_i) / T_iso_i) / |table|   (T_iso_i = sum of the LUT: estimated)
//   score_i = R_i + beta x (U_i + P_i); the lowest runs, ties to the earlier arrival.
// Variants: naive ("Dysta w/o sparse"): the per-model LUT and gamma = 1; oracle: the request's
// true remaining and isolated latencies. A request without a layer profile uses its profiled
// remaining and isolated latencies (gamma = 1); without an SLO its U is 0.
#pragma once

#include <algorithm>
#include <vector>

#include "sim/runtime/i_scheduler.h"

namespace npusim {

enum class DystaSlack { ClampMinusR, Raw, Rtl };
enum class DystaVariant { Dysta, Naive, Oracle };

struct DystaScoring {
  double beta = 0.01;
  GammaPredictor predictor = GammaPredictor::AvgAll;
  DystaSlack slack = DystaSlack::ClampMinusR;
  DystaVariant variant = DystaVariant::Dysta;
};

struct DystaEstimate {
  double remaining_s = 0, isolated_s = 0;
};

inline DystaEstimate dysta_estimate(const RequestView& v, const DystaScoring& c) {
  if (v.layers == nullptr) {
    return {static_cast<double>(v.remaining_ps) * 1e-12,
            static_cast<double>(v.isolated_ps) * 1e-12};
  }
  const LayerProgress& p = *v.layers;
  switch (c.variant) {
    case DystaVariant::Oracle:
      return {remaining_s(p.true_s, p.done), remaining_s(p.true_s, 0)};
    case DystaVariant::Naive:
      return {remaining_s(p.model_lut_s, p.done), remaining_s(p.model_lut_s, 0)};
    case DystaVariant::Dysta:
      break;
  }
  return {monitored_remaining_s(p, c.predictor), remaining_s(p.pattern_lut_s, 0)};
}

inline double dysta_score(const RequestView& v, uint64_t now_ps, size_t table,
                          const DystaScoring& c) {
  const DystaEstimate e = dysta_estimate(v, c);
  const double now = static_cast<double>(now_ps) * 1e-12;
  double slack = 0;
  if (v.deadline_ps != 0) {
    const double to_deadline = static_cast<double>(v.deadline_ps) * 1e-12 - now;
    switch (c.slack) {
      case DystaSlack::ClampMinusR:
        slack = std::max(0.0, to_deadline - e.remaining_s);
        break;
      case DystaSlack::Raw:
        slack = to_deadline - e.remaining_s;
        break;
      case DystaSlack::Rtl:
        slack = std::max(0.0, to_deadline);
        break;
    }
  }
  const double waited =
      now_ps > v.last_exec_ps ? static_cast<double>(now_ps - v.last_exec_ps) * 1e-12 : 0.0;
  const double penalty =
      e.isolated_s > 0 ? waited / e.isolated_s / static_cast<double>(std::max<size_t>(1, table))
                       : 0.0;
  return e.remaining_s + c.beta * (slack + penalty);
}

// The lowest score, ties to the earlier arrival (`ready` is in arrival order).
inline size_t dysta_pick(const std::vector<RequestView>& ready, uint64_t now_ps,
                         const DystaScoring& c) {
  size_t best = 0;
  double best_score = dysta_score(ready[0], now_ps, ready.size(), c);
  for (size_t i = 1; i < ready.size(); ++i) {
    const double s = dysta_score(ready[i], now_ps, ready.size(), c);
    if (s < best_score) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

}  // namespace npusim
