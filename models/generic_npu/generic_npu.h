// The generic tiled NPU: the reference assembly of sim/ parts on the shared execution engine.
//
//   DRAM <-> router <-> DMA (queue 0: loads, queue 1: stores)
//                    <-> ifmap / weight / ofmap scratchpads
//   systolic array and vector unit compute out of the scratchpads.
//
// The model is an assembly (which parts, how they connect), a lowering (sim/mapping: operators
// to tiled work units) and a compute rule (matrix work on the array, vector work on the vector
// unit); the engine (sim/exec/engine.h) issues the work units. Loads run up to `slots` units
// ahead of compute on their own DMA queue and stores go on a second queue as soon as an output
// block is computed, so loads, compute and stores overlap (without double_buffer every stage
// waits for the previous unit). Operators run in trace order; an operator's first input load
// waits until every earlier unit has computed and its stores are done (its input is that
// output), while weights prefetch across the boundary.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "sim/core/i_accelerator.h"
#include "sim/exec/engine.h"
#include "sim/mapping/lowering.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/phases.h"

namespace npusim {

enum class DepthwiseUnit { Vector, Array };
enum class WeightFormat { Dense, Bitmap };

struct GenericNpuParams {
  Frequency clock;
  bool double_buffer;
  DepthwiseUnit depthwise_on;
  int64_t accumulator_bits;
  WeightFormat weight_format;
  Time sync_quantum;
  bool fast_forward;
};

// Matrix work on the array, vector work (and depthwise convolutions mapped there) on the
// vector unit.
class GenericComputeRule : public IComputeRule {
 public:
  // Partial sums and results move at `acc_bits` between the array and the output buffer.
  GenericComputeRule(IMatrixUnit& array, IVectorUnit& vector, int acc_bits)
      : array_(array), vector_(vector), acc_bits_(acc_bits) {}
  Cost compute(const WorkUnit& u, OpActivity& act) override;

 private:
  IMatrixUnit& array_;
  IVectorUnit& vector_;
  int acc_bits_;
};

class GenericNpu : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table();
  explicit GenericNpu(const ComponentArgs& a);

  void prepare(const Workload& w, const RunOptions& options) override;
  void run_model(size_t index, IRequestContext& ctx) override;
  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  RunResult result() override;
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

 private:
  void plan_memory();
  TensorAddresses addresses_for(const Model& m, const Operator& op);

  GenericNpuParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;  // own_dram_, or a platform's shared DRAM
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> ifmap_, weight_, ofmap_;
  std::unique_ptr<IMatrixUnit> array_;
  std::unique_ptr<IVectorUnit> vector_;
  AddressRouter router_;
  uint64_t slots_ = 2;
  std::unique_ptr<Lowering> lowering_;
  std::unique_ptr<GenericComputeRule> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;

  const Workload* workload_ = nullptr;
  RunOptions options_;
  uint64_t total_ops_ = 0, ops_started_ = 0, ops_fed_ = 0;

  // Address plan: weights once per (model, operator name), so decode steps reuse the
  // prefill's; activations ping-pong between two regions sized for the largest operator.
  std::unordered_map<std::string, uint64_t> weight_addr_;
  uint64_t weight_next_ = 0, act_base_[2] = {0, 0};

  uint64_t inferences_ = 0, tokens_ = 0;
  bool has_llm_ = false;
};

}  // namespace npusim
