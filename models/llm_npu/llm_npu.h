// The LLM-optimised NPU (FlightLLM template, PMPD spec §2): prefill and decode with
// per-phase, per-step weight precision (PMPD) and tree decoding (PPD).
//
//   DRAM <-> router <-> DMA (one in-order queue) <-> weight / act / KV / out buffers
//   weight buffer -> dequant (bit-planes + LUT -> fp16) -> MPE (MV / MM modes)
//   SFU (softmax, norms, RoPE, activations, residuals) beside the MPE
//
// Weights live in DRAM in the bit-plane layout (bitplane.h): a b-bit step streams only the
// first b planes (and the b-bit LUTs when `count_lut`); fp16 runs use a separate fp16 copy.
// In decode, activations stay on chip; only weights, LUTs and the KV cache cross the DRAM
// interface. Prefill runs tiled (sim/mapping) with activations spilling to DRAM. A precision
// policy (policy/) picks each phase's and decode step's width; `decoding:` selects tree
// decoding. The shared execution engine (sim/exec/engine.h) runs the work units with this
// model's compute rule (llm_compute.h) and one in-order DMA queue.
//
// Modelling choices the PMPD spec leaves open are parameters with its defaults: LUT traffic
// (A4, off), lm_head and embedding traffic (A3, off), switch penalty (A14, 0), SFU overlap
// (A10, on), DRAM efficiency (A1, on the DRAM), MAC count and geometry (A7, on the MPE);
// docs/llm_npu.md records them.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "models/llm_npu/bitplane.h"
#include "models/llm_npu/llm_compute.h"
#include "models/llm_npu/llm_lowering.h"
#include "models/llm_npu/policy/i_precision_policy.h"
#include "models/llm_npu/tree.h"
#include "sim/core/i_accelerator.h"
#include "sim/exec/kernel_cost.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/workload/phases.h"

namespace npusim {

enum class AttentionUnit { Mpe, Sfu };

struct LlmNpuParams {
  Frequency clock;
  int64_t max_weight_bits;
  Bytes plane_align;
  bool count_lut;
  bool include_lm_head;
  int64_t lm_head_bits;
  bool include_embedding;
  int64_t embedding_bits;
  bool sfu_overlap;
  AttentionUnit attention_unit;
  int64_t sfu_overlap_elements;
  int64_t switch_penalty_cycles;
  Time kernel_overhead;
  KernelCostForm kernel_cost;
  Time step_overhead;
  Time sync_quantum;
  bool double_buffer;
  bool lowering_cache;
  bool fast_forward;
};

class LlmNpu : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table();
  explicit LlmNpu(const ComponentArgs& a);

  void prepare(const Workload& w, const RunOptions& options) override;
  void run_model(size_t index, IRequestContext& ctx) override;
  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  RunResult result() override;
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

 private:
  struct ModelRun {
    const Model* model = nullptr;
    std::unique_ptr<IPrecisionPolicy> policy;
    TreeDecoding tree;
  };
  struct Placement {                                    // DRAM layout of one model
    std::unordered_map<std::string, uint64_t> weights;  // linear name -> bit-plane copy
    std::unordered_map<std::string, uint64_t> fp16;     // linear name -> fp16 copy
    uint64_t kv_base = 0, kv_layer_bytes = 0;
    uint64_t embedding = 0, classifier = 0;  // embedding table, learned scheduler's MLP
  };

  // llm_program.cpp: the program of each model and the lowering of each phase.
  void run_operator_list(const Model& m, size_t model_index);
  void run_llm(ModelRun& r, size_t model_index);
  void run_prefill(ModelRun& r, size_t model_index);
  void run_classifier(const ModelRun& r, const ClassifierJob& job, size_t model_index);
  void run_decode(ModelRun& r, size_t model_index);
  void feed_tiled(const Operator& op, const std::string& weight_key, size_t model_index,
                  int weight_bits);
  void feed_on_chip(const Operator& op, const Model& m, size_t model_index, int bits,
                    uint64_t on_chip_positions, uint64_t append_tokens, uint64_t kv_position);
  // Feeds the steps `make` lowers; with lowering_cache they are made once per key and reused.
  void feed_lowered(const std::string& key, const std::function<void(std::vector<WorkUnit>&)>& make,
                    size_t op_id, const OperandBases& bases, uint64_t overhead);
  size_t begin_op(const Operator& op);
  // True when every matrix operator's activations of a decode forward fit the on-chip buffers
  // (inputs the activation buffer, outputs the output buffer); otherwise the step runs like a
  // prefill chunk, its activations (and the tree's K/V) through DRAM.
  bool activations_fit(const std::vector<Operator>& ops) const;
  // Whether every layer's weights and K/V are a whole number of address periods apart.
  bool layers_aligned(size_t model_index) const;
  // Registers the operators of the layers from ops[next] on and lets the engine apply them as
  // repetitions of the block between the marks; returns the index of their last operator.
  size_t skip_remaining_layers(const std::vector<Operator>& ops, size_t next,
                               const ExecEngine::BlockMark& before,
                               const ExecEngine::BlockMark& now);

  // llm_npu.cpp
  void build_policy(ModelRun& r, size_t model_index);
  void place(const ModelRun& r, size_t model_index, uint64_t& next);
  bool supported(int bits) const { return layout_.supports(bits); }

  LlmNpuParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;  // own_dram_, or a platform's shared DRAM
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> weight_buf_, act_buf_, kv_buf_, out_buf_;
  std::unique_ptr<IMatrixUnit> mpe_;
  std::unique_ptr<IVectorUnit> sfu_;
  std::unique_ptr<IDequantUnit> dequant_;
  AddressRouter router_;
  BitPlaneLayout layout_;
  std::unique_ptr<LlmLowering> lowering_;
  std::unique_ptr<Lowering> tiled_;
  RunAccounting acc_;
  std::unique_ptr<LlmComputeRule> compute_;
  std::unique_ptr<ExecEngine> engine_;
  IRequestContext* ctx_ = nullptr;  // of the request being fed

  const Workload* workload_ = nullptr;
  RunOptions options_;
  std::vector<ModelRun> runs_;
  std::vector<Placement> placement_;
  uint64_t act_base_[2] = {0, 0};
  size_t op_parity_ = 0;
  std::unordered_map<std::string, std::vector<WorkUnit>> cache_;
  uint64_t total_ops_ = 0, ops_started_ = 0;
  // Results.
  uint64_t generated_ = 0, inferences_ = 0, decode_steps_ = 0, bit_tokens_ = 0, spilled_steps_ = 0;
  double expected_accepted_ = 0;  // sum over decode steps of the tree's calibrated tau (1 untreed)
  bool has_llm_ = false;
};

}  // namespace npusim
