// Unified Matrix Processing Engine (FlightLLM's MPE): one pool of fp16 MACs arranged two
// ways. MV mode (one activation row, decode) is a p_K x p_N grid of dot-product lanes;
// MM mode (several rows: prefill, tree verification) is a p_M x p_K x p_N grid. Weights and
// activations are streamed from the buffers, so a block of m x k x n takes
//     MV (m <= mv_max_rows):  m x ceil(k / p_K) x ceil(n / p_N)              cycles of streaming
//     MM:                     ceil(m / p_M) x ceil(k / p_K) x ceil(n / p_N)  cycles of streaming
// plus the pipeline depth once per call (the reduction tree and output stage). All MACs are
// fp16 x fp16 -> fp32: quantised weights reach the MPE already dequantised to fp16.
#include <algorithm>

#include "sim/compute/i_matrix_unit.h"
#include "sim/energy/activity.h"

namespace npusim {
namespace {

struct MpeParams {
  int64_t mv_k, mv_n;
  int64_t mm_m, mm_k, mm_n;
  int64_t mv_max_rows;
  int64_t pipeline_depth;
};

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

class Mpe : public IMatrixUnit {
 public:
  static const ParamTable& param_table() {
    using P = MpeParams;
    static const ParamTable t =
        ParamTable("mpe",
                   "FlightLLM-style matrix processing engine: MV mode (p_K x p_N) for one "
                   "token, MM mode (p_M x p_K x p_N) for several; fp16 MACs.")
            .param("mv_k", &P::mv_k, "MV mode: reduction lanes (p_K)")
            .def(64)
            .min(1)
            .max(65536)
            .param("mv_n", &P::mv_n, "MV mode: output lanes (p_N)")
            .def(64)
            .min(1)
            .max(65536)
            .param("mm_m", &P::mm_m, "MM mode: rows in parallel (p_M)")
            .def(16)
            .min(1)
            .max(65536)
            .param("mm_k", &P::mm_k, "MM mode: reduction lanes (p_K)")
            .def(16)
            .min(1)
            .max(65536)
            .param("mm_n", &P::mm_n, "MM mode: output lanes (p_N)")
            .def(16)
            .min(1)
            .max(65536)
            .param("mv_max_rows", &P::mv_max_rows,
                   "blocks with at most this many rows run in MV mode")
            .def(1)
            .min(0)
            .param("pipeline_depth", &P::pipeline_depth, "reduction tree and output stages")
            .def(8)
            .min(0)
            .unit("cycles");
    return t;
  }

  explicit Mpe(const ComponentArgs& a)
      : IMatrixUnit(a),
        p_(load_params<MpeParams>(param_table())),
        blocks_(stats().counter("blocks", "blocks", "blocks executed")),
        macs_(stats().counter("macs", "MACs", "multiply-accumulates performed")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles spent computing")),
        mac_classes_(stats()) {
    stats().formula("macs_per_busy_cycle", "MACs/cycle", "average MACs per busy cycle", [this] {
      return busy_.value() ? static_cast<double>(macs_.value()) / static_cast<double>(busy_.value())
                           : 0.0;
    });
  }

  bool mv_mode(uint64_t m) const { return m <= static_cast<uint64_t>(p_.mv_max_rows); }

  uint64_t cycles(const MatrixWork& w) override {
    if (w.m == 0 || w.k == 0 || w.n == 0) return 0;
    uint64_t stream;
    if (mv_mode(w.m)) {
      stream = w.m * ceil_div(w.k, static_cast<uint64_t>(p_.mv_k)) *
               ceil_div(w.n, static_cast<uint64_t>(p_.mv_n));
    } else {
      stream = ceil_div(w.m, static_cast<uint64_t>(p_.mm_m)) *
               ceil_div(w.k, static_cast<uint64_t>(p_.mm_k)) *
               ceil_div(w.n, static_cast<uint64_t>(p_.mm_n));
    }
    return w.count * stream + static_cast<uint64_t>(p_.pipeline_depth);
  }

  void account(const MatrixWork& w, uint64_t cycles_spent) override {
    ++blocks_;
    macs_ += w.m * w.k * w.n * w.count;
    mac_classes_.add(w);
    busy_ += cycles_spent;
  }

  bool activity(ComponentActivity& out) const override {
    mac_classes_.list(out);
    out.size_unit = "mac_lane";  // the larger mode's multipliers
    out.size = static_cast<double>(peak_macs_per_cycle(16, 16));
    return true;
  }

  uint64_t peak_macs_per_cycle(int, int) const override {
    return static_cast<uint64_t>(std::max(p_.mv_k * p_.mv_n, p_.mm_m * p_.mm_k * p_.mm_n));
  }

  MatrixGranule granule(int, int) const override {
    return {static_cast<uint64_t>(p_.mm_m), static_cast<uint64_t>(p_.mm_k),
            static_cast<uint64_t>(p_.mm_n)};
  }

 private:
  MpeParams p_;
  Counter& blocks_;
  Counter& macs_;
  Counter& busy_;
  MacClassCounters mac_classes_;
};

NPUSIM_REGISTER_COMPONENT(Mpe, "matrix_unit", "mpe",
                          "FlightLLM-style MPE: MV mode for one token, MM mode for many; fp16");

}  // namespace npusim
