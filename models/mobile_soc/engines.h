// The compute engines of a phone SoC (carin.md §2, §5; transformers-mobile.md §3(e)) and the
// time each takes for one TFLite-level operator. Pure arithmetic, no SystemC: the partitioner
// (partitioner.h) sums these, the tests derive them by hand.
//
// Rules (every rate in FLOP or integer ops per second; an operator's work is 2 x MACs, or one
// op per output element when it has no MACs):
//   CPU   threads are placed on the fastest cores first (big, then mid, then little); TFLite
//         splits an operator evenly over its threads, so the slowest used core paces them:
//           rate = threads x min(clock x ops_per_cycle(dtype)) x efficiency(XNNPACK on/off)
//         fp16 weights are dequantised to fp32 (CPU runs fp32 and fp16 models at the fp32 rate);
//   GPU / DSP / NPU   rate = clock x ops_per_cycle(run dtype) x efficiency; floats run at the
//         engine's float_dtype, and the GPU delegate dequantises int8 (FX8) models to it;
//   every engine      t_op = (dispatch + max(work / rate, bytes / bandwidth)) / throttle
//         bytes = inputs + output (at the engine's run dtype) + weights; `throttle` (0, 1] is the
//         DVFS / thermal state.
// The NPU is the suite's mobile NPU (models/mobile_npu): its clock, its tensor unit's INT8 MACs
// per cycle and its layer launch (the per-operator dispatch) are read from the mobile NPU
// preset the SoC names, never restated here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/mobile_soc/op_support.h"
#include "models/mobile_soc/soc_graph.h"
#include "sim/core/units.h"

namespace npusim {

enum class EngineKind : uint8_t { Cpu, Gpu, Npu, Dsp };
const char* engine_kind_name(EngineKind k);

struct CpuCluster {
  std::string name;  // big | mid | little
  int64_t cores = 1;
  Frequency clock;
  double fp32_flops_per_cycle = 0, int8_ops_per_cycle = 0;  // per core
  double rate(SocDtype d) const;                            // ops per second of one core
};

struct CpuOptions {
  int64_t threads = 4;
  bool xnnpack = true;
};

// A delegate's side of the boundary-cost model (transformers-mobile.md §3(e), §7 item 3).
struct DelegateCost {
  Time launch;               // once per partition
  Time sync;                 // once per partition entry and once per exit
  Bandwidth copy_bandwidth;  // CPU <-> engine copies of boundary tensors
  Bandwidth conv_bandwidth;  // layout change (GPU PHWC4 <-> BHWC); 0: no layout change
  int64_t max_partitions = 1, min_nodes = 0;
};

struct Engine {
  std::string name;  // cpu | gpu | npu | dsp (the slot in the SoC file)
  EngineKind kind = EngineKind::Cpu;
  std::vector<CpuCluster> clusters;                         // CPU only
  double xnnpack_efficiency = 1, reference_efficiency = 1;  // CPU only
  Frequency clock;
  std::array<double, 4> ops_per_cycle{};  // by SocDtype (0: no arithmetic at that dtype)
  double efficiency = 1;
  Bandwidth bandwidth;                    // the engine's sustained share of the LPDDR
  Time dispatch;                          // per operator
  double throttle = 1;                    // DVFS / thermal: every time is divided by it
  SocDtype float_dtype = SocDtype::Fp32;  // floats run at this dtype inside the engine
  DelegateCost delegate;                  // accelerators only
  Bytes memory;                           // what the engine may allocate (ledger limit)
  std::shared_ptr<const OpSupportTable> support;
  std::string source;  // file:line of its section

  // Ops per second at `d` (CPU: with `cpu`'s threads and XNNPACK); 0 when it cannot compute it.
  double rate(SocDtype d, const CpuOptions& cpu) const;
  // CPU: the clusters `threads` occupy, fastest at `d` first, each with the cores it gives.
  std::vector<std::pair<const CpuCluster*, int64_t>> placement(int64_t threads, SocDtype d) const;
  // The dtype a tensor of dtype `d` is computed at inside this engine.
  SocDtype run_dtype(SocDtype d) const;
};

// Work of a node: 2 x MACs, or its output elements when it has none.
double node_work(const SocNode& n);
// Bytes a node moves on `e`: its inputs and output at the engine's run dtype, and its weights.
uint64_t node_bytes(const SocNode& n, const SocGraph& g, const Engine& e);
// Seconds the node takes on `e` (the rule above).
double op_seconds(const SocNode& n, const SocGraph& g, const Engine& e, const CpuOptions& cpu);

struct MobileSoc {
  std::string name, soc, file;
  Bytes ram;
  double cvt_per_element_s = 1e-9;  // dtype conversion at a boundary, per element
  std::vector<Engine> engines;      // cpu first
  const Engine& cpu() const { return engines.front(); }
  const Engine* find(const std::string& name) const;
};

// Loads a SoC preset (hw_configs/mobile_soc/*.yaml); its op-support tables and the mobile NPU
// preset are paths relative to it. Every problem is a ConfigError naming the file and line.
MobileSoc load_mobile_soc(const std::string& path);

}  // namespace npusim
