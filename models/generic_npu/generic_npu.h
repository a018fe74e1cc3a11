// The generic tiled NPU: the reference assembly of sim/ parts that the other models copy.
//
//   DRAM <-> router <-> DMA (queue 0: loads, queue 1: stores)
//                    <-> ifmap / weight / ofmap scratchpads
//   systolic array and vector unit compute out of the scratchpads.
//
// Three SystemC threads form a pipeline over the lowered steps (lowering.h):
//   loader  : waits for a free input buffer half, issues the step's DMA loads;
//   compute : waits for the loads (and a free output half when it opens an output block),
//             runs the matrix or vector unit for exactly the cycles it needs;
//   storer  : after a step that completes an output block, issues its DMA store.
// With double_buffer the loader runs up to two steps ahead and stores overlap later compute;
// without it every stage waits for the previous step. Operators run in trace order; an
// operator's first input load waits until the previous operator's stores are done (its input
// is that output), while weights prefetch across the boundary.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "sim/mapping/lowering.h"
#include "sim/core/completion.h"
#include "sim/core/i_accelerator.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/phases.h"

namespace npusim {

struct GenericNpuParams {
  Frequency clock;
  bool double_buffer;
  std::string depthwise_on;
  int64_t accumulator_bits;
  std::string weight_format;
};

class GenericNpu : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table();
  explicit GenericNpu(const ComponentArgs& a);

  void prepare(const Workload& w, const RunOptions& options) override;
  RunResult result() override;
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

 private:
  struct Slot {
    Step step;
    uint32_t op;  // index into ops_
    std::vector<std::shared_ptr<Completion>> loads;
    std::shared_ptr<Completion> computed = std::make_shared<Completion>();
    bool last_of_op = false;
  };
  struct OpRun {
    size_t id;                                // in acc_
    uint64_t raw_end_ps = 0;                  // last compute end
    std::shared_ptr<Completion> last_store;   // completion of its last store
    bool stores_issued = false;               // the storer has issued all its stores
  };

  void loader();
  void compute();
  void storer();
  // Generates the steps of the next operator; false when the program is exhausted.
  bool next_operator();
  Slot& slot(uint64_t index) { return window_[index - window_base_]; }
  void retire_slots();
  TensorAddresses addresses_for(const Operator& op);
  void plan_memory();

  GenericNpuParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> dram_;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> ifmap_, weight_, ofmap_;
  std::unique_ptr<IMatrixUnit> array_;
  std::unique_ptr<IVectorUnit> vector_;
  AddressRouter router_;
  std::unique_ptr<Lowering> lowering_;
  uint64_t slots_ = 2;

  // Program cursor.
  const Workload* workload_ = nullptr;
  RunOptions options_;
  size_t model_ = 0, phase_ = 0, op_in_phase_ = 0;
  std::optional<Phase> current_phase_;
  uint64_t total_ops_ = 0, ops_started_ = 0;
  std::vector<Step> pending_;  // steps of the operator being loaded
  size_t pending_next_ = 0;

  // Address plan.
  std::unordered_map<std::string, uint64_t> weight_addr_;
  uint64_t weight_next_ = 0, act_base_[2] = {0, 0};

  // Pipeline state (absolute step indices).
  std::deque<Slot> window_;
  uint64_t window_base_ = 0, loaded_ = 0, computed_ = 0, stored_ = 0;
  bool loader_done_ = false, compute_done_ = false;
  sc_core::sc_event pushed_, computed_event_, store_issued_;
  std::deque<std::shared_ptr<Completion>> output_stores_;  // per output block, pruned
  uint64_t output_base_ = 0, outputs_opened_ = 0;

  std::deque<OpRun> ops_;  // deque: the threads hold references while the loader appends
  RunAccounting acc_;
  uint64_t inferences_ = 0, tokens_ = 0;
  bool has_llm_ = false;
};

}  // namespace npusim
