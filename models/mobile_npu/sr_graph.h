// The super-resolution graph a trace's `sr:` model section carries (written by
// workloads/exporters/sr_models.py; docs/mobile_npu.md) and the per-layer schedule that goes
// with it: which activation width each scheduled layer reads, whether its range is estimated
// at run time (DRE), and where the run goes (the NPU, or the CPU / GPU baselines).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/workload/trace.h"

namespace npusim {

enum class SrNodeType {
  Conv,
  Dw,
  Pw,
  MeanShift,
  Prelu,
  Lrelu,
  Relu,
  Sigmoid,
  Add,
  Mul,
  Concat,
  Split,
  Pool,
  Std,
  PixelShuffle,
  ChannelShuffle,
  PatchSplit,
  Stitch
};
const char* sr_node_type_name(SrNodeType t);
// Convolutions: the layers a schedule assigns a width to.
bool is_scheduled(SrNodeType t);
// Element-wise and reduction nodes a convolution's output stage can absorb (spec §8.4).
bool is_fusable(SrNodeType t);

struct SrNode {
  std::string name;
  SrNodeType type = SrNodeType::Conv;
  std::vector<size_t> producers;       // indices of earlier nodes
  std::array<int64_t, 3> in{}, out{};  // [c, h, w]
  int64_t rank = 4, kernel = 0, groups = 1, factor = 0;
  uint64_t macs = 0, weight_bytes = 0, elements = 0;
  std::string source;  // "file:line"
  uint64_t in_elements() const { return static_cast<uint64_t>(in[0] * in[1] * in[2]); }
};

enum class SrTarget { Npu, CpuFp32, GpuFp16 };
enum class PixelShufflePolicy { Native, Rewrite, Fallback };
enum class Int8Unit { Tensor, Vector };

struct SrLayerChoice {
  int act_bits = 8;
  bool dre = false;
};

struct SrSchedule {
  std::string model, variant;
  SrTarget target = SrTarget::Npu;
  PixelShufflePolicy pixel_shuffle = PixelShufflePolicy::Fallback;
  Int8Unit int8_unit = Int8Unit::Tensor;
  std::vector<SrLayerChoice> layers;  // one per scheduled node, in node order
  std::string source;
};

struct SrGraph {
  std::string model;
  int64_t scale = 4, lr_h = 0, lr_w = 0, rows = 1, cols = 1, halo = 0;
  std::vector<SrNode> nodes;
  SrSchedule schedule;
  std::vector<int> bits;      // per node: the width of its output tensor (schedule applied)
  std::vector<int> layer_of;  // per node: its index among the scheduled layers, or -1
  uint64_t patches() const { return static_cast<uint64_t>(rows * cols); }
};

// Reads and checks the model's `sr:` section and its schedule (inline, or a file relative to
// the trace). Every problem is a WorkloadError naming the file, line and node or layer.
SrGraph read_sr_graph(const Model& m);

}  // namespace npusim
