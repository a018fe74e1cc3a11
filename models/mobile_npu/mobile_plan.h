// The mobile NPU's lowering (docs/mobile_npu.md): an SR graph and its schedule become, per
// patch, a list of steps (one per executed node, plus the RQU passes of DRE layers), each a few
// work units for the shared execution engine. Pure arithmetic, no SystemC: the accelerator
// (mobile_npu.cpp) feeds the steps, the tests read them.
//
// Rules (spec §2, §4.5, §6, §8):
//   - a scheduled layer runs on the tensor unit, or (INT8, `int8_unit: vector`) on the HVX MACs,
//     in the mode of its act_bits; a change of (unit, mode) between consecutive scheduled layers
//     is a partition switch (a stall); the dispatcher prepares the next partition otherwise;
//   - element-wise and reduction nodes fuse into their producing convolution's output stage
//     (free, no launch, no traffic) unless `fuse_elementwise` is off; other nodes run on the
//     vector unit; every executed node pays `layer_launch`;
//   - residency (§8.5): a node's input and output stay on chip when both fit in the SRAM;
//     otherwise it loads its input from DRAM and stores its output, in double-buffered tiles;
//     a node whose consumer spills (or falls back) also stores its output;
//   - DRE (§8.6): the RQU's min/max is fused into the producer's output stage (a log2(lanes)
//     tree and Eq. (1) as fixed cost) and a requantise pass at vector rate; unfused, it adds a
//     min/max pass and a 16-bit intermediate through DRAM (2 reads + 1 write);
//   - a node of rank above the scratchpad's tensor banks cannot run on the NPU: pixel-shuffle
//     is rewritten (rank 4: c strided copies, one descriptor each) or falls back to the CPU
//     (hop + the tensor's bytes at the CPU byte rate, its producer storing to DRAM and its
//     consumer loading from it), as the schedule says;
//   - CPU and GPU targets run every node as a roofline: launch + max(MACs / (peak x
//     efficiency), bytes / bandwidth).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/mobile_npu/sr_graph.h"
#include "sim/exec/work_unit.h"

namespace npusim {

// Where a work unit runs (WorkUnit::engine); CPU- and GPU-side units carry the cycles their
// lowering derived in WorkUnit::lowered_cycles.
enum class SrEngine : uint8_t { Tensor, Hvx, Vector, Rqu, CpuFallback, Cpu, Gpu };
constexpr size_t kSrEngines = 7;
const char* sr_engine_name(SrEngine e);
inline void set_engine(WorkUnit& u, SrEngine e) {
  u.engine = static_cast<uint8_t>(e);
}
inline SrEngine engine_of(const WorkUnit& u) {
  return static_cast<SrEngine>(u.engine);
}

// The hardware facts the lowering needs, in cycles and bytes of the NPU clock.
struct SrPlanHw {
  uint64_t sram_bytes = 256 * 1024;
  uint64_t weight_half = 0, input_half = 0, output_half = 0;  // engine buffer halves
  int64_t tensor_banks = 4;
  uint64_t tensor_int8_rate = 1024, tensor_a16w8_rate = 512, hvx_int8_rate = 512;
  uint64_t vector_lanes = 128;  // elements per cycle of the RQU's min/max tree
  uint64_t layer_launch = 2000, partition_switch = 40000;
  bool fuse_elementwise = true, rqu_fused_minmax = true, cpu_fallback = true;
  uint64_t rqu_eq1 = 1000, ps_descriptor = 100;
  uint64_t fallback_hop = 1000000;
  double cpu_bytes_per_cycle = 1.0;  // CPU pass of a fallback
  // Baselines (cycles of the NPU clock per MAC and per byte, and per op).
  double cpu_macs_per_cycle = 25, cpu_bytes_per_cycle_mem = 10, gpu_macs_per_cycle = 500,
         gpu_bytes_per_cycle = 30;
  uint64_t cpu_op_overhead = 0, gpu_op_overhead = 0;
};

struct SrStep {
  std::string name, op_type;
  size_t node = 0;
  SrEngine engine = SrEngine::Vector;
  int bits = 8;
  bool dre = false, rqu = false, fallback = false, resident = true;
  uint64_t stall = 0;     // cycles held before it (a partition switch)
  uint64_t overhead = 0;  // fixed cycles before its first compute (launch, RQU tree + Eq. 1)
  uint64_t load_bytes = 0, store_bytes = 0, weight_bytes = 0;
  std::vector<WorkUnit> units;
};

struct SrPlan {
  std::vector<SrStep> steps;                                             // one patch
  std::vector<bool> fused;                                               // per node
  uint64_t partitions = 0, switches = 0, dre_layers = 0, fallbacks = 0;  // per patch
  // The next patch starts in another (unit, mode) than this one ends in: a switch between
  // patches, paid before the first scheduled layer's step `wrap_step`.
  bool wrap_switch = false;
  size_t wrap_step = 0;
  uint64_t switch_cycles = 0;
  std::array<uint64_t, 33> act_bytes_by_bits{};  // DMA bytes of activations per patch, by width
  uint64_t weight_bytes = 0;                     // per patch
};

// Lowers one patch; WorkloadError / ConfigError (naming the node or layer) when the schedule
// asks for what the hardware cannot do.
SrPlan plan_sr(const SrGraph& g, const SrPlanHw& hw);

}  // namespace npusim
