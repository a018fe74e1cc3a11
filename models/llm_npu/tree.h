// Tree (parallel prompt) decoding, PPD spec §2-§4. Each decode step runs one forward pass over
// a token tree of `tree_size` nodes (candidates plus prompt tokens), verifying the last step's
// guesses and producing the next, and accepts tau(n) tokens on average. tau comes from an
// acceptance table (tree budget -> expected accepted tokens, the tree builder's objective),
// interpolated linearly in log(n) between points, anchored at tau(1) = 1 (plain decoding), and
// scaled by `calibration` (measured / model tau; the spec recommends 1.07 for Vicuna-7B).
// Beyond the last point tau keeps the last segment's slope in log(n): it grows only
// logarithmically there.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/params.h"

namespace npusim {

struct TreeDecoding {
  int64_t tree_size = 1;
  std::vector<int64_t> sizes;
  std::vector<double> tau;
  double calibration = 1.0;
  bool kv_on_chip = true;  // tree tokens' K/V stay on chip for their layer when they fit

  static const ParamTable& table();
  double accepted_per_step(int64_t n) const;  // tau(n), calibrated
  // Tokens accepted by step `k` (0-based): floor((k+1) tau) - floor(k tau), at least 1, so
  // that the running total tracks k x tau exactly.
  int64_t accepted_at(int64_t k) const;
  // Throws via `fail` when the table is malformed (sizes not increasing, tau not >= 1...).
  std::string check() const;
};

}  // namespace npusim
