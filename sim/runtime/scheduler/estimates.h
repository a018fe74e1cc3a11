// The static estimates that the multi-DNN baselines (PREMA, Planaria, SDRM3) read from a
// request, in seconds: E_i, the remaining latency estimate; T_iso, the estimated isolated
// latency; the estimate of the next layer. With a layer profile (layer_progress.h) they come
// from the per-model look-up table; otherwise from the profiled isolated latency (then the next
// layer's estimate is the whole remainder).
//
// SJF and PREMA may read E_i instead from the monitored estimate (`estimate: sparse`, the
// artifact's sjf_sparse and prema_sparse): gamma x the pattern-aware LUT over the remaining
// layers (monitored_remaining_s, layer_progress.h), for requests that publish a layer profile.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/runtime/i_scheduler.h"

namespace npusim {

inline double remaining_estimate_s(const RequestView& v) {
  return static_cast<double>(v.remaining_ps) * 1e-12;
}

enum class EstimateSource { Profile, Sparse };

inline std::vector<std::pair<std::string, EstimateSource>> estimate_source_names() {
  return {{"profile", EstimateSource::Profile}, {"sparse", EstimateSource::Sparse}};
}
constexpr const char* kEstimateSourceDoc =
    "remaining-latency estimate: profile (the static per-model profile) or sparse (the "
    "pattern-aware look-up table x the monitor's gamma, for accelerators that publish layer "
    "profiles; the artifact's *_sparse schedulers)";

inline double remaining_estimate_s(const RequestView& v, EstimateSource src) {
  if (src == EstimateSource::Sparse && v.layers != nullptr) return monitored_remaining_s(*v.layers);
  return remaining_estimate_s(v);
}

inline double isolated_estimate_s(const RequestView& v) {
  return static_cast<double>(v.isolated_ps) * 1e-12;
}

inline double next_layer_estimate_s(const RequestView& v) {
  if (v.layers != nullptr && v.layers->done < v.layers->model_lut_s.size())
    return v.layers->model_lut_s[v.layers->done];
  return remaining_estimate_s(v);
}

// Seconds since the request last ran a layer (its arrival if it never ran).
inline double idle_s(const RequestView& v, uint64_t now_ps) {
  return now_ps > v.last_exec_ps ? static_cast<double>(now_ps - v.last_exec_ps) * 1e-12 : 0.0;
}

// Seconds to the deadline (negative once late); `fallback` without an SLO.
inline double slack_s(const RequestView& v, uint64_t now_ps, double fallback) {
  if (v.deadline_ps == 0) return fallback;
  return (static_cast<double>(v.deadline_ps) - static_cast<double>(now_ps)) * 1e-12;
}

// Arg-max of `score` in scan (arrival) order, ties to the earlier; with the artifact's
// negative-score quirk the best so far is replaced by the next request whenever its score is
// below 0, so a late request loses to whichever is scanned after it.
template <class Score>
size_t argmax_scan(const std::vector<RequestView>& ready, bool negative_quirk, Score score) {
  size_t best = 0;
  double best_score = score(ready[0]);
  for (size_t i = 1; i < ready.size(); ++i) {
    const double s = score(ready[i]);
    if (s > best_score || (negative_quirk && best_score < 0)) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

}  // namespace npusim
