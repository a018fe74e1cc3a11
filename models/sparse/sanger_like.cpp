// The Sanger-like sparse attention accelerator (Dysta spec §2.2): the latency rule of
// sanger_timing.h on the trace's attention density (density, which the monitor reads) and PE
// utilisation (utilisation). Each layer of the model is one attention call.
#include "models/sparse/sanger_timing.h"
#include "models/sparse/sparse_npu.h"
#include "sim/core/errors.h"

namespace npusim {
namespace {

struct SangerParams {
  Frequency clock;
  int64_t seq_len, hidden;
  LatencySource latency_source;
  MemoryMode memory;
  std::string profile_group, replay_group;
};

}  // namespace

class SangerLike : public SparseNpu {
 public:
  static const ParamTable& param_table() {
    using P = SangerParams;
    static ParamTable t =
        ParamTable("sanger_like",
                   "Sanger-like sparse attention accelerator (Dysta's multi-AttNN setting): a "
                   "64 x 64 PE array, 2,048 GOPS dense.")
            .param("clock", &P::clock, "PE array clock")
            .def("1GHz")
            .param("seq_len", &P::seq_len,
                   "sequence length n of every layer (the artifact's 512 for every model)")
            .def(512)
            .min(1)
            .max(1 << 20)
            .param("hidden", &P::hidden, "hidden width")
            .def(768)
            .min(1)
            .max(1 << 20);
    static const ParamTable& full = sparse_npu_params<P>(t);
    return full;
  }
  explicit SangerLike(const ComponentArgs& a) : SparseNpu(a) {
    const SangerParams p = load_params<SangerParams>(param_table(), kHardwareRootKeys);
    cfg_.seq_len = p.seq_len;
    cfg_.hidden = p.hidden;
    cfg_.clock_hz = static_cast<double>(p.clock.hz);
    assemble(p.clock, {p.latency_source, p.memory, p.profile_group, p.replay_group});
  }

 protected:
  uint64_t analytic_cycles(const Model& m, const Operator&,
                           const SparseTraceRow& row) const override {
    if (row.utilisation < 0) {
      throw WorkloadError("the sparsity trace of model `" + m.name +
                          "` lacks the column utilisation, which sanger_like's analytic latency "
                          "needs");
    }
    return static_cast<uint64_t>(
        std::llround(sanger_layer_seconds(row.density, row.utilisation, cfg_) * cfg_.clock_hz));
  }
  LayerBytes layer_bytes(const Operator&, const SparseTraceRow&) const override {
    // FP16: the Q, K, V and output projections (4 h x h) and the n x h input and output.
    LayerBytes b;
    b.weights = static_cast<uint64_t>(4 * cfg_.hidden * cfg_.hidden * 2);
    b.inputs = b.outputs = static_cast<uint64_t>(cfg_.seq_len * cfg_.hidden * 2);
    return b;
  }
  const char* section_name() const override { return "sanger_like"; }

 private:
  SangerConfig cfg_;
};

NPUSIM_REGISTER_COMPONENT(SangerLike, "accelerator", "sanger_like",
                          "Sanger-like sparse attention accelerator (Dysta multi-AttNN)");

}  // namespace npusim
