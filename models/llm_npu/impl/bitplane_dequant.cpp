// Bit-plane dequantiser (PMPD spec §2.3, A8): `weights_per_cycle` indices rebuilt and looked
// up per cycle after a `pipeline_depth`-cycle pipeline; fp16 weights bypass at
// `fp16_weights_per_cycle`. A pass of w weights takes depth + ceil(w / rate) cycles.
#include "models/llm_npu/i_dequant_unit.h"

namespace npusim {
namespace {

struct DequantParams {
  int64_t weights_per_cycle;
  int64_t fp16_weights_per_cycle;
  int64_t pipeline_depth;
};

}  // namespace

class BitplaneDequant : public IDequantUnit {
 public:
  static const ParamTable& param_table() {
    using P = DequantParams;
    static const ParamTable t =
        ParamTable("bitplane_dequant",
                   "Bit-plane unpack + per-row centroid LUT lookup to fp16 (fp16 weights bypass).")
            .param("weights_per_cycle", &P::weights_per_cycle,
                   "quantised weights converted per cycle")
            .def(256)
            .min(1)
            .param("fp16_weights_per_cycle", &P::fp16_weights_per_cycle,
                   "fp16 weights passed per cycle")
            .def(256)
            .min(1)
            .param("pipeline_depth", &P::pipeline_depth, "unpack and lookup stages")
            .def(4)
            .min(0)
            .unit("cycles");
    return t;
  }

  explicit BitplaneDequant(const ComponentArgs& a)
      : IDequantUnit(a),
        p_(load_params<DequantParams>(param_table())),
        weights_(stats().counter("weights", "weights", "weights converted or passed")),
        lookups_(stats().counter("lookups", "weights",
                                 "quantised weights unpacked and looked up in a centroid table")),
        bypassed_(stats().counter("bypassed", "weights", "fp16 weights passed through")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles streaming")) {}

  uint64_t cycles(uint64_t weights, int bits) const override {
    const auto rate =
        static_cast<uint64_t>(bits == 16 ? p_.fp16_weights_per_cycle : p_.weights_per_cycle);
    return static_cast<uint64_t>(p_.pipeline_depth) + (weights + rate - 1) / rate;
  }
  uint64_t pipeline_depth() const override { return static_cast<uint64_t>(p_.pipeline_depth); }
  void account(uint64_t weights, int bits, uint64_t c) override {
    weights_ += weights;
    if (bits == 16) {
      bypassed_ += weights;
    } else {
      lookups_ += weights;
    }
    busy_ += c;
  }
  // `lookup`: a quantised weight unpacked from its bit-planes and looked up; `bypass`: an fp16
  // weight passed through (OpActivity::transform slots 0 and 1, in this order).
  bool activity(ComponentActivity& out) const override {
    out.actions.emplace_back("lookup", lookups_.value());
    out.actions.emplace_back("bypass", bypassed_.value());
    out.size_unit = "weight_lane";
    out.size = static_cast<double>(p_.weights_per_cycle);
    return true;
  }

 private:
  DequantParams p_;
  Counter& weights_;
  Counter& lookups_;
  Counter& bypassed_;
  Counter& busy_;
};

NPUSIM_REGISTER_COMPONENT(BitplaneDequant, "dequant_unit", "bitplane_dequant",
                          "Bit-plane unpack and centroid-LUT lookup to fp16");

}  // namespace npusim
