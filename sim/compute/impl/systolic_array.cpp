// Systolic matrix unit: an R x C PE array whose block timing follows systolic_timing.h.
//
// Precision: each PE multiplies operands of up to `mac_bits`. Narrower operands pack up to
// `max_lanes` MACs into one PE (lanes = mac_bits / widest operand, rounded down to a power of
// two), which widens the array along N (WS/OS) or M (IS). Wider operands take
// ceil(a_bits / mac_bits) x ceil(w_bits / mac_bits) passes, each streaming the data again.
#include <unordered_map>

#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/systolic_timing.h"
#include "sim/energy/activity.h"

namespace npusim {
namespace {

enum class PartialFold { Used, Full };

struct SystolicParams {
  int64_t rows, cols;
  Dataflow dataflow;
  bool overlap_stationary_load;
  int64_t mac_bits;
  int64_t max_lanes;
  PartialFold partial_fold;
  bool os_output_drain;
};

uint64_t floor_pow2(uint64_t v) {
  uint64_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

}  // namespace

class SystolicArray : public IMatrixUnit {
 public:
  static const ParamTable& param_table() {
    using P = SystolicParams;
    static const ParamTable t =
        ParamTable("systolic_array",
                   "R x C systolic array with weight-, output- or input-stationary dataflow "
                   "(timing derived in sim/compute/systolic_timing.h).")
            .param("rows", &P::rows, "PE rows (R)")
            .def(32)
            .min(1)
            .max(4096)
            .unit("PEs")
            .param("cols", &P::cols, "PE columns (C)")
            .def(32)
            .min(1)
            .max(4096)
            .unit("PEs")
            .param_enum("dataflow", &P::dataflow,
                        {{"weight_stationary", Dataflow::WeightStationary},
                         {"output_stationary", Dataflow::OutputStationary},
                         {"input_stationary", Dataflow::InputStationary}},
                        "which operand stays in the PEs")
            .def("weight_stationary")
            .param("overlap_stationary_load", &P::overlap_stationary_load,
                   "shadow weight registers (WS/IS) or double-buffered accumulators (OS), so "
                   "the next tile loads while the current one computes")
            .def(ParamValue(true))
            .param("mac_bits", &P::mac_bits, "operand width of one PE multiplier")
            .def(8)
            .min(1)
            .max(64)
            .unit("bits")
            .param("max_lanes", &P::max_lanes,
                   "most narrow-operand MACs packed into one PE per cycle (1: no packing)")
            .def(1)
            .min(1)
            .max(16)
            .param_enum("partial_fold", &P::partial_fold,
                        {{"used", PartialFold::Used}, {"full", PartialFold::Full}},
                        "how a tile that covers part of the array is charged: `used` = fill and "
                        "skew over the rows and columns it uses, `full` = as a full R x C fold "
                        "(SCALE-Sim v2's convention, docs/scalesim.md)")
            .def("used")
            .param("os_output_drain", &P::os_output_drain,
                   "output-stationary: results leave through R drain registers (R cycles per "
                   "tile); false = read out in parallel at no cost (SCALE-Sim v2's convention)")
            .def(ParamValue(true));
    return t;
  }

  explicit SystolicArray(const ComponentArgs& a)
      : IMatrixUnit(a),
        p_(load_params<SystolicParams>(param_table())),
        blocks_(stats().counter("blocks", "blocks", "GEMM blocks executed")),
        macs_(stats().counter("macs", "MACs", "multiply-accumulates performed")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles spent computing")),
        capacity_(stats().counter("mac_capacity", "MACs",
                                  "MACs the array could have done while busy (peak x cycles)")),
        mac_classes_(stats()) {
    geometry_ = {
        static_cast<uint64_t>(p_.rows), static_cast<uint64_t>(p_.cols),       p_.dataflow,
        p_.overlap_stationary_load,     p_.partial_fold == PartialFold::Full, p_.os_output_drain};
    stats().formula(
        "utilisation_while_busy", "fraction", "MACs / peak MACs over the busy cycles", [this] {
          return capacity_.value()
                     ? static_cast<double>(macs_.value()) / static_cast<double>(capacity_.value())
                     : 0.0;
        });
  }

  uint64_t lanes(int a_bits, int w_bits) const {
    auto widest = static_cast<uint64_t>(std::max(a_bits, w_bits));
    if (widest >= static_cast<uint64_t>(p_.mac_bits)) return 1;
    return std::min(static_cast<uint64_t>(p_.max_lanes),
                    floor_pow2(static_cast<uint64_t>(p_.mac_bits) / widest));
  }

  uint64_t passes(int a_bits, int w_bits) const {
    auto mb = static_cast<uint64_t>(p_.mac_bits);
    return ((static_cast<uint64_t>(a_bits) + mb - 1) / mb) *
           ((static_cast<uint64_t>(w_bits) + mb - 1) / mb);
  }

  uint64_t cycles(const MatrixWork& w) override {
    Key key{w.m, w.k, w.n, w.a_bits, w.w_bits};
    auto it = memo_.find(key);
    uint64_t one;
    if (it != memo_.end()) {
      one = it->second;
    } else {
      uint64_t m = w.m, k = w.k, n = w.n, ps = passes(w.a_bits, w.w_bits);
      switch (geometry_.dataflow) {  // the streamed dimension carries the passes
        case Dataflow::WeightStationary:
          m *= ps;
          break;
        case Dataflow::InputStationary:
          n *= ps;
          break;
        case Dataflow::OutputStationary:
          k *= ps;
          break;
      }
      one = gemm_block_cycles(geometry_, m, k, n, lanes(w.a_bits, w.w_bits));
      memo_.emplace(key, one);
    }
    return one * w.count;
  }

  void account(const MatrixWork& w, uint64_t c) override {
    ++blocks_;
    macs_ += w.m * w.k * w.n * w.count;
    mac_classes_.add(w);
    busy_ += c;
    capacity_ += c * peak_macs_per_cycle(w.a_bits, w.w_bits);
  }

  MatrixTraffic traffic(const MatrixWork& w) const override {
    const ArrayTraffic t = gemm_block_traffic(geometry_, w.m, w.k, w.n, lanes(w.a_bits, w.w_bits),
                                              passes(w.a_bits, w.w_bits));
    return {t.a_reads * w.count, t.w_reads * w.count, t.out_reads * w.count,
            t.out_writes * w.count};
  }

  bool activity(ComponentActivity& out) const override {
    mac_classes_.list(out);
    out.size_unit = "pe";
    out.size = static_cast<double>(p_.rows * p_.cols);
    return true;
  }

  uint64_t peak_macs_per_cycle(int a_bits, int w_bits) const override {
    return static_cast<uint64_t>(p_.rows * p_.cols) * lanes(a_bits, w_bits) /
           passes(a_bits, w_bits);
  }

  MatrixGranule granule(int a_bits, int w_bits) const override {
    auto r = static_cast<uint64_t>(p_.rows),
         c = static_cast<uint64_t>(p_.cols) * lanes(a_bits, w_bits);
    switch (geometry_.dataflow) {
      case Dataflow::WeightStationary:
        return {1, r, c};
      case Dataflow::InputStationary:
        return {c, r, 1};
      case Dataflow::OutputStationary:
        return {r, 1, c};
    }
    return {};
  }

 private:
  struct Key {
    uint64_t m, k, n;
    int a, w;
    bool operator==(const Key& o) const {
      return m == o.m && k == o.k && n == o.n && a == o.a && w == o.w;
    }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      size_t h = k.m * 1000003u ^ k.k * 10007u ^ k.n * 101u;
      return h ^ (static_cast<size_t>(k.a) << 48) ^ (static_cast<size_t>(k.w) << 56);
    }
  };

  SystolicParams p_;
  ArrayGeometry geometry_;
  std::unordered_map<Key, uint64_t, KeyHash> memo_;
  Counter& blocks_;
  Counter& macs_;
  Counter& busy_;
  Counter& capacity_;
  MacClassCounters mac_classes_;
};

NPUSIM_REGISTER_COMPONENT(SystolicArray, "matrix_unit", "systolic_array",
                          "R x C systolic array (WS/OS/IS dataflows)");

}  // namespace npusim
