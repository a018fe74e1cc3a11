// The CNN engine's PE array (spec §2.1, §2.4): T_C PEs of T_P MACs; a P-tile of `rows`
// activation rows takes `rows` cycles (one row per cycle, pipelined). With input-selective PEs,
// a P-tile with fewer live columns than PEs lets the T_C - cols idle PEs take other rows, which
// the weights reach by rippling down one PE per cycle: Eq. 7 (cnn_timing.h), used when faster,
// or (`selective_timing: explicit`) the per-cycle dealing of rows to helper PEs
// (helper_pe_dealing.h), memoised per (rows, cols).
#include <map>
#include <utility>

#include "models/cnn_engine/cnn_timing.h"
#include "models/cnn_engine/helper_pe_dealing.h"
#include "models/cnn_engine/i_pe_array.h"
#include "sim/core/kernel.h"
#include "sim/energy/activity.h"

namespace npusim {
namespace {

enum class SelectiveTiming { Eq7, Explicit };

struct PeArrayParams {
  int64_t pes;
  int64_t macs_per_pe;
  bool input_selective;
  SelectiveTiming selective_timing;
};

}  // namespace

class InputSelectivePeArray : public IPeArray {
 public:
  static const ParamTable& param_table() {
    using P = PeArrayParams;
    static const ParamTable t =
        ParamTable("input_selective_pe_array",
                   "unzipFPGA's PE array: T_C PEs of T_P 16-bit MACs, optionally input-selective "
                   "(idle PEs take rows from their neighbours, Eq. 7).")
            .param("pes", &P::pes, "T_C: PEs (output columns computed in parallel)")
            .def(64)
            .min(1)
            .max(1 << 16)
            .param("macs_per_pe", &P::macs_per_pe, "T_P: MACs per PE (dot-product width)")
            .def(13)
            .min(1)
            .max(1 << 16)
            .param("input_selective", &P::input_selective,
                   "idle PEs of narrow layers take rows from their neighbours (Eq. 7)")
            .def(ParamValue(false))
            .param_enum("selective_timing", &P::selective_timing,
                        {{"eq7", SelectiveTiming::Eq7}, {"explicit", SelectiveTiming::Explicit}},
                        "with input_selective: eq7, the paper's closed form per P-tile; explicit, "
                        "rows dealt cycle by cycle to helper PEs whose weights ripple down one PE "
                        "per cycle (models/cnn_engine/helper_pe_dealing.h)")
            .def("eq7");
    return t;
  }

  explicit InputSelectivePeArray(const ComponentArgs& a)
      : IPeArray(a),
        p_(load_params<PeArrayParams>(param_table())),
        macs_(stats()),
        busy_(stats().counter("busy_cycles", "cycles", "cycles computing")),
        helped_(stats().counter("helped_cycles_saved", "cycles",
                                "cycles input selection saved against one row per cycle")) {}

  uint64_t pes() const override { return static_cast<uint64_t>(p_.pes); }
  uint64_t macs_per_pe() const override { return static_cast<uint64_t>(p_.macs_per_pe); }
  bool input_selective() const override { return p_.input_selective; }
  uint64_t cycles(uint64_t rows, uint64_t cols) const override {
    if (!p_.input_selective || p_.selective_timing == SelectiveTiming::Eq7) {
      return cnn::engine_cycles_per_ptile(rows, cols, pes(), p_.input_selective);
    }
    // A layer has at most four (rows, cols) tile shapes; the per-cycle model runs once for each.
    auto [it, fresh] = dealt_.try_emplace({rows, cols}, 0);
    if (fresh) it->second = cnn::helper_pe_cycles(rows, cols, pes());
    return it->second;
  }
  void account(const MatrixWork& w, uint64_t c) override {
    macs_.add(w);
    busy_ += c;
    helped_ += w.m - c;
  }
  bool activity(ComponentActivity& out) const override {
    macs_.list(out);
    out.size_unit = "mac";
    out.size = static_cast<double>(p_.pes * p_.macs_per_pe);
    return true;
  }

 private:
  PeArrayParams p_;
  mutable std::map<std::pair<uint64_t, uint64_t>, uint64_t> dealt_;
  MacClassCounters macs_;
  Counter& busy_;
  Counter& helped_;
};

NPUSIM_REGISTER_COMPONENT(InputSelectivePeArray, "pe_array", "input_selective_pe_array",
                          "unzipFPGA PE array: T_C PEs of T_P MACs, optionally input-selective");

}  // namespace npusim
