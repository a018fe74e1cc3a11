#include <algorithm>
#include <limits>
#include <numeric>

#include "models/cascade/cascade_types.h"
#include "sim/core/errors.h"

namespace npusim {

const char* tier_name(Tier t) {
  switch (t) {
    case Tier::Low:
      return "low";
    case Tier::Mid:
      return "mid";
    case Tier::High:
      return "high";
  }
  return "?";
}

uint64_t BatchLatency::of(int64_t b) const {
  const auto it = std::lower_bound(sizes.begin(), sizes.end(), b);
  NPUSIM_ASSERT(it != sizes.end() && *it == b, "batch size not in the server's table");
  return ps[static_cast<size_t>(it - sizes.begin())];
}

uint64_t capacity(const BatchLatency& l, uint64_t budget_ps, CapacitySolver solver) {
  if (l.sizes.empty()) return 0;
  if (solver == CapacitySolver::Greedy) {
    // The spec's greedy: batch sizes by samples per second (b / L(b)), largest first; ties go to
    // the larger batch.
    std::vector<size_t> order(l.sizes.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const unsigned __int128 lhs = static_cast<unsigned __int128>(l.sizes[a]) * l.ps[b];
      const unsigned __int128 rhs = static_cast<unsigned __int128>(l.sizes[b]) * l.ps[a];
      if (lhs != rhs) return lhs > rhs;
      return l.sizes[a] > l.sizes[b];
    });
    uint64_t t = budget_ps, c = 0;
    for (size_t i : order) {
      const uint64_t k = t / l.ps[i];
      c += k * static_cast<uint64_t>(l.sizes[i]);
      t -= k * l.ps[i];
    }
    return c;
  }
  // Exact: T[s] = least time to serve exactly s samples; C = the largest s with T[s] <= budget.
  // s is bounded by the budget at the best samples-per-second rate.
  double best_rate = 0;
  for (size_t i = 0; i < l.sizes.size(); ++i)
    best_rate = std::max(best_rate, static_cast<double>(l.sizes[i]) / static_cast<double>(l.ps[i]));
  const auto bound = static_cast<size_t>(best_rate * static_cast<double>(budget_ps)) + 1;
  NPUSIM_ASSERT(bound < (size_t{1} << 26), "capacity bound too large for the exact solver");
  constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
  std::vector<uint64_t> t(bound + 1, kNever);
  t[0] = 0;
  uint64_t c = 0;
  for (size_t s = 1; s <= bound; ++s) {
    for (size_t i = 0; i < l.sizes.size(); ++i) {
      const auto b = static_cast<size_t>(l.sizes[i]);
      if (b <= s && t[s - b] != kNever) t[s] = std::min(t[s], t[s - b] + l.ps[i]);
    }
    if (t[s] <= budget_ps) c = s;
  }
  return c;
}

}  // namespace npusim
