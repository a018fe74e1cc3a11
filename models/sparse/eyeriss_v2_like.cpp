// The Eyeriss-V2-like sparse CNN accelerator (Dysta spec §2.1): the latency rule of
// eyeriss_v2_timing.h on the layers' shapes (conv2d, depthwise conv2d, gemm as a 1x1 conv)
// and the trace's densities (weight_density: the effectual share of the weights, pattern factor
// included; density: the input activation's, which the monitor reads).
#include <cmath>

#include "models/sparse/eyeriss_v2_timing.h"
#include "models/sparse/sparse_npu.h"
#include "sim/core/errors.h"

namespace npusim {
namespace {

struct EyerissParams {
  Frequency clock;
  int64_t pes, glb_bank_bytes;
  LatencySource latency_source;
  MemoryMode memory;
  std::string profile_group, replay_group;
};

}  // namespace

class EyerissV2Like : public SparseNpu {
 public:
  static const ParamTable& param_table() {
    using P = EyerissParams;
    static ParamTable t =
        ParamTable("eyeriss_v2_like",
                   "Eyeriss-V2-like sparse CNN accelerator (Dysta's multi-CNN setting): "
                   "floor((4 E + A + W) / PEs) cycles per layer.")
            .param("clock", &P::clock, "PE array clock")
            .def("200MHz")
            .param("pes", &P::pes, "processing elements (8 x 2 clusters of 3 x 4)")
            .def(192)
            .min(1)
            .param("glb_bank_bytes", &P::glb_bank_bytes,
                   "bytes of one iact GLB bank (the paper's 2.5 KB; the artifact's 4,000)")
            .def(2560)
            .min(1);
    static const ParamTable& full = sparse_npu_params<P>(t);
    return full;
  }
  explicit EyerissV2Like(const ComponentArgs& a) : SparseNpu(a) {
    const EyerissParams p = load_params<EyerissParams>(param_table(), kHardwareRootKeys);
    cfg_.pes = p.pes;
    cfg_.glb_bank_bytes = p.glb_bank_bytes;
    assemble(p.clock, {p.latency_source, p.memory, p.profile_group, p.replay_group});
  }

 protected:
  uint64_t analytic_cycles(const Model& m, const Operator& op,
                           const SparseTraceRow& row) const override {
    if (row.weight_density < 0) {
      throw WorkloadError("the sparsity trace of model `" + m.name +
                          "` lacks the column weight_density, which eyeriss_v2_like's analytic "
                          "latency needs");
    }
    return eyeriss_cycles(eyeriss_work(shape(op), cfg_, row.weight_density, row.density), cfg_);
  }
  LayerBytes layer_bytes(const Operator& op, const SparseTraceRow& row) const override {
    // INT8: one byte per non-zero weight and input activation, dense outputs (stride 1, 'same').
    const ConvShape l = shape(op);
    const double wd = row.weight_density < 0 ? 1.0 : row.weight_density;
    const int64_t in_channels = op.type == OpType::DepthwiseConv2d ? l.m : l.c;
    LayerBytes b;
    b.weights = static_cast<uint64_t>(std::ceil(static_cast<double>(l.c * l.m * l.r * l.s) * wd));
    b.inputs = static_cast<uint64_t>(
        std::ceil(static_cast<double>(in_channels * l.h * l.w) * row.density));
    b.outputs = static_cast<uint64_t>(l.m * l.h * l.w);
    return b;
  }
  const char* section_name() const override { return "eyeriss_v2_like"; }

 private:
  static ConvShape shape(const Operator& op) {
    switch (op.type) {
      case OpType::Conv2d:
        return {op.in_channels, op.out_channels, op.kernel_h, op.kernel_w, op.in_h, op.in_w};
      case OpType::DepthwiseConv2d:
        return {1, op.channels, op.kernel_h, op.kernel_w, op.in_h, op.in_w};
      case OpType::Gemm:
      case OpType::Gemv:
        return {op.k, op.n, 1, 1, 1, 1};
      default:
        throw MappingError("eyeriss_v2_like runs conv2d, depthwise_conv2d and gemm layers; `" +
                           op.name + "` is " + op_type_name(op.type) + " at " + op.source);
    }
  }
  EyerissConfig cfg_;
};

NPUSIM_REGISTER_COMPONENT(EyerissV2Like, "accelerator", "eyeriss_v2_like",
                          "Eyeriss-V2-like sparse CNN accelerator (Dysta multi-CNN)");

}  // namespace npusim
