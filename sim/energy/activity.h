// Activity: what the hardware did, in the actions an energy table prices (sim/energy/
// energy_table.h). Two views of the same work, counted independently and checked equal by the
// tests:
//   - each component counts its own actions in its stats (exact totals, FF-replayed like every
//     stat) and lists them through Component::activity() (ComponentActivity, component.h);
//   - the execution engine counts, per operator, the actions of the compute side (MACs by
//     precision class, vector elements by function, weight-transform elements, the compute
//     units' reads and writes of each on-chip buffer), so that energy can be given per operator.
#pragma once

#include <array>
#include <cstdint>

#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/core/stats.h"

namespace npusim {

// MACs are priced by precision class: the widest operand, rounded up to 2, 4, 8, 16, 32 or 64
// bits (a multiplier's energy grows with the product of its widths, so the widest operand sets
// the datapath; a table for a float datapath prices the class at its float figure).
constexpr size_t kMacClasses = 6;
inline size_t mac_class(int a_bits, int w_bits) {
  const auto widest = static_cast<uint64_t>(a_bits > w_bits ? a_bits : w_bits);
  if (widest <= 2) return 0;
  // ceil(log2(widest)) - 1: 3..4 bits -> 1, 5..8 -> 2, 9..16 -> 3, 17..32 -> 4, wider -> 5.
  const auto c = static_cast<size_t>(64 - __builtin_clzll(widest - 1)) - 1;
  return c < kMacClasses ? c : kMacClasses - 1;
}
inline const char* mac_action(size_t cls) {
  static const char* const names[kMacClasses] = {"mac_2b",  "mac_4b",  "mac_8b",
                                                 "mac_16b", "mac_32b", "mac_64b"};
  return names[cls];
}

constexpr size_t kActivityBuffers = 8;  // = ExecEngine::kMaxBuffers
constexpr size_t kTransformActions = 4;
constexpr size_t kVectorFns = static_cast<size_t>(VectorFn::Count);

// The compute-side actions of one operator (summed over its units), in one flat array so that
// adding two is a single vectorised loop (the run's accounting adds one per operator).
struct OpActivity {
  static constexpr size_t kMac = 0;                      // MACs on the matrix unit, by class
  static constexpr size_t kVector = kMac + kMacClasses;  // vector elements, by function
  // Elements through the weight-transform unit, by the unit's action (the order of its
  // Component::activity() list: a dequantiser's lookups and bypasses, a generator's codes ...).
  static constexpr size_t kTransform = kVector + kVectorFns;
  static constexpr size_t kRead =
      kTransform + kTransformActions;  // compute side, bytes, per buffer
  static constexpr size_t kWritten = kRead + kActivityBuffers;
  static constexpr size_t kSize = kWritten + kActivityBuffers;
  std::array<uint64_t, kSize> n{};
  uint64_t touched = 0;  // bit i: n[i] may be non-zero (an operator uses a few entries)
  static_assert(kSize <= 64, "one bit per entry");

  uint64_t& at(size_t i) {
    touched |= uint64_t{1} << i;
    return n[i];
  }
  uint64_t& macs(size_t cls) { return at(kMac + cls); }
  uint64_t& vector_elements(size_t fn) { return at(kVector + fn); }
  uint64_t& transform(size_t action) { return at(kTransform + action); }
  uint64_t& buffer_read(size_t b) { return at(kRead + b); }
  uint64_t& buffer_written(size_t b) { return at(kWritten + b); }
  uint64_t macs(size_t cls) const { return n[kMac + cls]; }
  uint64_t vector_elements(size_t fn) const { return n[kVector + fn]; }
  uint64_t transform(size_t action) const { return n[kTransform + action]; }
  uint64_t buffer_read(size_t b) const { return n[kRead + b]; }
  uint64_t buffer_written(size_t b) const { return n[kWritten + b]; }

  void add_matrix(const MatrixWork& w) {
    macs(mac_class(w.a_bits, w.w_bits)) += w.m * w.k * w.n * w.count;
  }
  void add_vector(const VectorWork& w) { vector_elements(static_cast<size_t>(w.fn)) += w.elements; }
  // Both walk only the entries the source touched.
  void add(const OpActivity& o) {
    touched |= o.touched;
    for (uint64_t m = o.touched; m; m &= m - 1) {
      const auto i = static_cast<size_t>(__builtin_ctzll(m));
      n[i] += o.n[i];
    }
  }
  // Adds k x (after - before): k repetitions of a stretch (fast-forward).
  void add_delta(const OpActivity& after, const OpActivity& before, uint64_t k) {
    touched |= after.touched;
    for (uint64_t m = after.touched; m; m &= m - 1) {
      const auto i = static_cast<size_t>(__builtin_ctzll(m));
      n[i] += k * (after.n[i] - before.n[i]);
    }
  }
};

// A unit's MACs by class, in its stats ("macs_8b", ...), and as priced actions.
class MacClassCounters {
 public:
  explicit MacClassCounters(StatGroup& g) {
    for (size_t c = 0; c < kMacClasses; ++c) {
      const std::string action = mac_action(c);
      counters_[c] = &g.counter("macs_" + action.substr(4), "MACs",
                                "MACs whose widest operand is " + action.substr(4) +
                                    " or less (the previous class's width exclusive)");
    }
  }
  void add(const MatrixWork& w) {
    *counters_[mac_class(w.a_bits, w.w_bits)] += w.m * w.k * w.n * w.count;
  }
  void add(size_t cls, uint64_t macs) { *counters_[cls] += macs; }
  void list(ComponentActivity& out) const {
    for (size_t c = 0; c < kMacClasses; ++c)
      out.actions.emplace_back(mac_action(c), counters_[c]->value());
  }

 private:
  std::array<Counter*, kMacClasses> counters_{};
};

}  // namespace npusim
