// Layer-level progress of a request, for schedulers that re-estimate a request's remaining
// latency from what its finished layers measured (Dysta-style sparsity-aware scheduling).
//
// An accelerator whose layer latencies depend on the request's input sample implements
// ILayerProfile: at admission the runtime asks it for the request's static profile (the
// scheduler's look-up tables) and, for the metrics and the oracle, the request's true per-layer
// latencies. While the request runs, the model publishes each finished layer's monitor reading
// (the density of non-zeros it counted) through the request context, which also implements
// ILayerContext. Schedulers read it from RequestView::layers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace npusim {

struct LayerProgress {
  // The static profile, per layer, in seconds (offline-profiled means over the profiling set).
  std::vector<double> model_lut_s;    // per model architecture (the mean over its patterns)
  std::vector<double> pattern_lut_s;  // per (model, sparsity pattern)
  std::vector<double> mean_density;   // mean monitored density per layer (pattern-aware)
  std::vector<double> true_s;         // this request's own sample (oracle and metrics only)
  // At run time: layers finished and their monitor readings (density of non-zeros).
  size_t done = 0;
  std::vector<double> measured_density;

  size_t layers() const { return true_s.size(); }
};

// Sum of `lut` from layer `from` on, in seconds.
inline double remaining_s(const std::vector<double>& lut, size_t from) {
  double s = 0;
  for (size_t j = from; j < lut.size(); ++j) s += lut[j];
  return s;
}

// gamma, the correction a sparsity-aware scheduler applies to the pattern-aware LUT from the
// monitor's readings: the mean over the finished layers j of measured_density_j /
// mean_density_j (avg_all); the last layer's ratio (last_one); or the sum of the last 3 ratios
// divided by 3 even when fewer have run (last_n, as Dysta's artifact does). 1 before any layer.
enum class GammaPredictor { AvgAll, LastOne, LastN };
constexpr size_t kGammaLastN = 3;

inline double density_gamma(const LayerProgress& p, GammaPredictor predictor) {
  const size_t n = std::min(p.measured_density.size(), p.mean_density.size());
  auto ratio = [&](size_t j) {
    return p.mean_density[j] > 0 ? p.measured_density[j] / p.mean_density[j] : 1.0;
  };
  if (n == 0) return 1.0;
  switch (predictor) {
    case GammaPredictor::LastOne:
      return ratio(n - 1);
    case GammaPredictor::LastN: {
      double s = 0;
      for (size_t j = n - std::min(n, kGammaLastN); j < n; ++j) s += ratio(j);
      return s / static_cast<double>(kGammaLastN);
    }
    case GammaPredictor::AvgAll:
      break;
  }
  double s = 0;
  for (size_t j = 0; j < n; ++j) s += ratio(j);
  return s / static_cast<double>(n);
}

// The sparsity-aware remaining-latency estimate: gamma x the pattern-aware LUT over the layers
// not yet run, in seconds.
inline double monitored_remaining_s(const LayerProgress& p,
                                    GammaPredictor predictor = GammaPredictor::AvgAll) {
  return density_gamma(p, predictor) * remaining_s(p.pattern_lut_s, p.done);
}

inline uint64_t seconds_to_ps(double s) {
  return static_cast<uint64_t>(std::llround(s * 1e12));
}

// Implemented by an accelerator that publishes layer profiles (models/sparse).
class ILayerProfile {
 public:
  virtual ~ILayerProfile() = default;
  // The profile of a request for workload model `model` replaying input sample `sample`.
  virtual LayerProgress profile(size_t model, uint64_t sample) const = 0;
  // Number of input samples model `model` has (a request draws its sample below this).
  virtual uint64_t samples(size_t model) const = 0;
  // The SLO base of model `model`: the mean isolated latency of its architecture over all its
  // patterns' samples, in ps (deadline = arrival + slo_multiplier x this).
  virtual uint64_t slo_base_ps(size_t model) const = 0;
};

// Implemented by the runtime's request context (a model reaches it with dynamic_cast).
class ILayerContext {
 public:
  virtual ~ILayerContext() = default;
  virtual uint64_t sample() const = 0;
  // The request's progress (nullptr when the accelerator publishes no profile).
  virtual LayerProgress* layer_progress() = 0;
};

}  // namespace npusim
