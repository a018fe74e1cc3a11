#include "models/llm_npu/tree.h"

#include <cmath>

namespace npusim {

const ParamTable& TreeDecoding::table() {
  using P = TreeDecoding;
  static const ParamTable t =
      ParamTable(
          "decoding",
          "Tree (parallel prompt) decoding: each step verifies a token tree of `tree_size` nodes "
          "in one forward pass and accepts tau(tree_size) tokens on average.")
          .param("tree_size", &P::tree_size, "tokens in the tree (1: plain decoding)")
          .def(1)
          .min(1)
          .max(4096)
          .param("sizes", &P::sizes, "tree budgets of the acceptance table")
          .def(ParamValue(std::vector<int64_t>{}))
          .param("tau", &P::tau, "expected accepted tokens per step at each budget")
          .def(ParamValue(std::vector<double>{}))
          .param("calibration", &P::calibration, "measured / modelled tau")
          .def(1)
          .min(ParamValue(0.1))
          .param("kv_on_chip", &P::kv_on_chip,
                 "keep the tree tokens' K/V on chip during their layer")
          .def(ParamValue(true))
          .check<P>([](const P& d) { return d.check(); });
  return t;
}

std::string TreeDecoding::check() const {
  if (sizes.size() != tau.size()) {
    return "sizes (" + std::to_string(sizes.size()) + " entries) and tau (" +
           std::to_string(tau.size()) + " entries) must have the same length";
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 2) return "acceptance sizes must be at least 2 (tau(1) = 1 is implied)";
    if (i > 0 && sizes[i] <= sizes[i - 1]) return "acceptance sizes must increase";
    if (tau[i] < 1.0) return "tau must be at least 1 (a step accepts at least one token)";
  }
  if (tree_size > 1 && sizes.empty()) return "tree_size > 1 needs an acceptance table (sizes, tau)";
  return "";
}

double TreeDecoding::accepted_per_step(int64_t n) const {
  if (n <= 1 || sizes.empty()) return 1.0;
  // Points (log n, tau) with (0, 1) prepended.
  std::vector<double> x{0.0}, y{1.0};
  for (size_t i = 0; i < sizes.size(); ++i) {
    x.push_back(std::log(static_cast<double>(sizes[i])));
    y.push_back(tau[i]);
  }
  const double lx = std::log(static_cast<double>(n));
  size_t i = 1;
  while (i + 1 < x.size() && lx > x[i]) ++i;
  const double slope = (y[i] - y[i - 1]) / (x[i] - x[i - 1]);
  const double t = y[i - 1] + slope * (lx - x[i - 1]);
  return std::max(1.0, t * calibration);
}

int64_t TreeDecoding::accepted_at(int64_t k) const {
  const double t = accepted_per_step(tree_size);
  const auto a = static_cast<int64_t>(std::floor(static_cast<double>(k + 1) * t + 1e-9)) -
                 static_cast<int64_t>(std::floor(static_cast<double>(k) * t + 1e-9));
  return std::max<int64_t>(1, a);
}

}  // namespace npusim
