// A MAC array with per-precision rates, e.g. a mobile NPU's engine (NAWQ-SR spec §2): a
// Hexagon-like tensor unit (HTA: INT8 and A16W8), its vector unit's MAC side (HVX: INT8
// only), or the SDM888's one composable unit. Weights are always 8 bits; the activation
// width picks the mode:
//     rate(a <= 8)  = int8_macs_per_cycle
//     rate(a <= 16) = floor(int8_macs_per_cycle x a16w8_rate)     (0: the mode is unsupported)
// and a block of m x k x n (x count) takes
//     pipeline_depth + ceil(m x k x n x count / rate(a_bits))
// cycles: the rate is sustained whatever the block's shape (the compiler packs channels and
// pixels onto the array; per-shape under-use is not modelled). 32-bit accumulators; the
// per-layer requantisation runs in the output stage, inside pipeline_depth.
#include <algorithm>
#include <cmath>

#include "sim/compute/i_matrix_unit.h"
#include "sim/core/errors.h"
#include "sim/energy/activity.h"

namespace npusim {
namespace {

struct MacArrayParams {
  int64_t int8_macs_per_cycle;
  double a16w8_rate;
  int64_t pipeline_depth;
};

}  // namespace

class PrecisionMacArray : public IMatrixUnit {
 public:
  static const ParamTable& param_table() {
    using P = MacArrayParams;
    static const ParamTable t =
        ParamTable("precision_mac_array",
                   "MAC engine with per-mode rates: INT8 (8-bit activations) and A16W8 (16-bit "
                   "activations, 8-bit weights) at a rate factor (NAWQ-SR's HTA / HVX).")
            .param("int8_macs_per_cycle", &P::int8_macs_per_cycle,
                   "MACs per cycle with 8-bit activations and weights")
            .def(1024)
            .min(1)
            .max(1 << 24)
            .unit("MACs/cycle")
            .param("a16w8_rate", &P::a16w8_rate,
                   "A16W8 MAC rate as a fraction of the INT8 rate (0: no A16W8 mode)")
            .def(ParamValue(0.5))
            .min(ParamValue(0.0))
            .max(ParamValue(1.0))
            .param("pipeline_depth", &P::pipeline_depth,
                   "cycles from a block's first operand to its last requantised output")
            .def(16)
            .min(0)
            .unit("cycles");
    return t;
  }

  explicit PrecisionMacArray(const ComponentArgs& a)
      : IMatrixUnit(a),
        p_(load_params<MacArrayParams>(param_table())),
        blocks_(stats().counter("blocks", "blocks", "blocks executed")),
        macs_(stats().counter("macs", "MACs", "multiply-accumulates performed")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles spent computing")),
        mac_classes_(stats()) {}

  uint64_t peak_macs_per_cycle(int a_bits, int w_bits) const override {
    if (w_bits > 8 || a_bits > 16 || a_bits < 1) return 0;
    if (a_bits <= 8) return static_cast<uint64_t>(p_.int8_macs_per_cycle);
    return static_cast<uint64_t>(
        std::floor(static_cast<double>(p_.int8_macs_per_cycle) * p_.a16w8_rate));
  }

  uint64_t cycles(const MatrixWork& w) override {
    const uint64_t macs = w.m * w.k * w.n * w.count;
    if (macs == 0) return 0;
    const uint64_t rate = peak_macs_per_cycle(w.a_bits, w.w_bits);
    // The model checks the modes before time passes; a zero rate here is a bug.
    if (rate == 0) throw InternalError("precision_mac_array: no mode for these widths");
    return static_cast<uint64_t>(p_.pipeline_depth) + (macs + rate - 1) / rate;
  }

  void account(const MatrixWork& w, uint64_t cycles_spent) override {
    ++blocks_;
    macs_ += w.m * w.k * w.n * w.count;
    mac_classes_.add(w);
    busy_ += cycles_spent;
  }

  bool activity(ComponentActivity& out) const override {
    mac_classes_.list(out);
    out.size_unit = "mac_lane";
    out.size = static_cast<double>(p_.int8_macs_per_cycle);
    return true;
  }

  MatrixGranule granule(int, int) const override { return {1, 1, 1}; }

 private:
  MacArrayParams p_;
  Counter& blocks_;
  Counter& macs_;
  Counter& busy_;
  MacClassCounters mac_classes_;
};

NPUSIM_REGISTER_COMPONENT(PrecisionMacArray, "matrix_unit", "precision_mac_array",
                          "MAC engine with INT8 and A16W8 rates (mobile NPU, NAWQ-SR)");

}  // namespace npusim
