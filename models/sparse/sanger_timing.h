// The Sanger-like attention accelerator's per-layer latency (Dysta spec §2.2, from the Dysta
// artifact's model): a 64 x 64 PE array with 16 PEs per row at 1 GHz, so dense linear layers run
// at 64 x 16 x 2 = 2,048 GOPS; FP16; the FFN is not modelled, a layer is one attention call.
// With d the attention density (scores kept after pruning), u the PE utilisation after
// pack-and-split, x = d / u, nsub = 4 x n, hidden width h (768) and sequence length n:
//   seconds = n h^2 6 / ops            (dense Q, K, V projections)
//           + n h^2 2 x / ops          (the projection, scaled by x as the artifact does)
//           + (nsub / T) (h + T + nsub + T) (n / T) / f     (T = 64: the sparse score/value part)
// At n = 512: 0.885 ms + 0.295 x ms + 0.256 x (896 + 2048 x) us (x = 0.5: 1.28 ms).
#pragma once

#include <cstdint>

namespace npusim {

struct SangerConfig {
  int64_t seq_len = 512;  // the artifact uses 512 for every model (bug-compatible default)
  int64_t hidden = 768;
  int64_t tile = 64;            // TH = TW
  double ops_per_s = 2.048e12;  // dense linear throughput
  double clock_hz = 1e9;
};

inline double sanger_layer_seconds(double density, double utilisation, const SangerConfig& c) {
  const double n = static_cast<double>(c.seq_len), h = static_cast<double>(c.hidden),
               t = static_cast<double>(c.tile);
  const double x = density / utilisation;
  const double nsub = 4.0 * x * n;
  return n * h * h * 6.0 / c.ops_per_s + n * h * h * 2.0 * x / c.ops_per_s +
         (nsub / t) * (h + t + nsub + t) * (n / t) / c.clock_hz;
}

}  // namespace npusim
