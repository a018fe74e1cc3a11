// A sparse accelerator shared by many DNN requests (Dysta spec §2): each layer of a request
// takes the cycles its latency model gives for the request's input sample, either replayed
// from the trace (`latency_source: replay`, the CSV's latency_s) or computed by the model's
// analytic rule from the trace's densities (`analytic`). A layer is one work unit on the shared
// execution engine, whose compute is those cycles (DRAM is hidden by double buffering, as in
// the paper: the units move no bytes). After each layer the runtime monitor's reading (the
// trace's density) is published to the request's layer progress, and the accelerator gives the
// runtime every request's static profile (sim/runtime/layer_progress.h):
//   pattern LUT[model][layer] = mean latency over the model's samples;
//   model LUT[arch][layer]    = mean over every sample of every pattern of the architecture;
//   SLO base[arch]            = mean isolated latency over the same samples.
// The two implementations (eyeriss_v2_like.cpp, sanger_like.cpp) supply the latency rule.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/sparse/sparse_trace.h"
#include "sim/core/clock.h"
#include "sim/core/i_accelerator.h"
#include "sim/exec/engine.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/runtime/layer_progress.h"

namespace npusim {

enum class LatencySource { Analytic, Replay };
// Whether DRAM is hidden by double buffering (the paper's assumption: units move no bytes) or
// every layer also moves its compressed weights and input activations in and its outputs out
// through the DMA and the DRAM (a suite extension: memory-bound layers then take longer than
// their compute, and the schedulers' LUTs, built from compute alone, underestimate them).
enum class MemoryMode { Hidden, Dram };

struct SparseNpuOptions {
  LatencySource source = LatencySource::Analytic;
  MemoryMode memory = MemoryMode::Hidden;
  // The samples (dataset_group of the trace; "" = all) the LUTs are profiled on, and those the
  // requests replay: a request's sample k is the k-th of the replayed group (distribution shift:
  // profile on `in_dist`, replay `lowlight`).
  std::string profile_group, replay_group;
};

// Bytes a layer moves in `dram` mode: its non-zero weights, its input activation's non-zeros
// (compressed, without index overhead) and its dense output.
struct LayerBytes {
  uint64_t weights = 0, inputs = 0, outputs = 0;
};

class SparseNpu : public sc_core::sc_module, public IAccelerator, public ILayerProfile {
 public:
  explicit SparseNpu(const ComponentArgs& a);
  ~SparseNpu() override;

  void prepare(const Workload& w, const RunOptions& options) override;
  void run_model(size_t index, IRequestContext& ctx) override;
  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }
  RunResult result() override;

  LayerProgress profile(size_t model, uint64_t sample) const override;
  uint64_t samples(size_t model) const override;
  uint64_t slo_base_ps(size_t model) const override;

  // Cycles of layer `layer` of a sample of model `m` (after prepare()).
  uint64_t layer_cycles(size_t model, uint64_t sample, size_t layer) const {
    return models_[model].cycles[models_[model].replayed[sample]][layer];
  }

 protected:
  // Builds the parts; the implementation calls it from its constructor, with its parameters.
  void assemble(Frequency clock, const SparseNpuOptions& options);
  // The analytic rule: cycles of `op` with the trace row's densities. Throws WorkloadError when
  // the trace lacks a column it needs, MappingError for an operator it cannot run.
  virtual uint64_t analytic_cycles(const Model& m, const Operator& op,
                                   const SparseTraceRow& row) const = 0;
  virtual const char* section_name() const = 0;
  virtual LayerBytes layer_bytes(const Operator& op, const SparseTraceRow& row) const = 0;

 private:
  struct Prepared {
    std::shared_ptr<const SparseModelTrace> trace;
    std::vector<std::vector<uint64_t>> cycles;  // [sample][layer]
    std::vector<double> pattern_lut_s, model_lut_s, mean_density;
    uint64_t slo_base_ps = 0;
    std::vector<uint64_t> profiled, replayed;  // sample indices (the groups)
  };
  void feed_with_traffic(size_t model, uint64_t sample, size_t layer, size_t op_id);
  std::vector<uint64_t> group_samples(const Prepared& p, const std::string& group, const char* key,
                                      const std::string& model) const;

  LatencySource source_ = LatencySource::Analytic;
  MemoryMode memory_ = MemoryMode::Hidden;
  std::string profile_group_, replay_group_;
  ClockDomain clock_{Frequency{1}};
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> glb_;
  AddressRouter router_;
  std::unique_ptr<IComputeRule> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;
  const Workload* workload_ = nullptr;
  std::vector<Prepared> models_;
  std::vector<std::vector<uint64_t>> weight_at_;  // dram mode: [model][layer] DRAM address
  uint64_t act_base_[2] = {0, 0}, parity_ = 0, bytes_moved_ = 0;
  uint64_t inferences_ = 0, layers_run_ = 0, busy_cycles_ = 0;
};

// The parameters every sparse accelerator declares (after its own).
template <class P>
ParamTable& sparse_npu_params(ParamTable& t) {
  return t
      .param_enum("latency_source", &P::latency_source,
                  {{"analytic", LatencySource::Analytic}, {"replay", LatencySource::Replay}},
                  "layer latency from the analytic model applied to the trace's densities, or "
                  "replayed from the trace's latency_s column")
      .def("analytic")
      .param_enum("memory", &P::memory,
                  {{"hidden", MemoryMode::Hidden}, {"dram", MemoryMode::Dram}},
                  "DRAM hidden by double buffering (the paper's), or every layer's traffic through "
                  "the DMA and the DRAM (a suite extension)")
      .def("hidden")
      .param("profile_group", &P::profile_group,
             "profile the schedulers' LUTs on the samples of this dataset_group only (\"\": all)")
      .def("")
      .param("replay_group", &P::replay_group,
             "requests replay samples of this dataset_group only (\"\": all)")
      .def("")
      .slot("dram", "dram", "simple_dram", "off-chip memory (hidden by double buffering)")
      .slot("dma", "dma", "dma_engine", "DMA")
      .slot("glb", "scratchpad", "scratchpad", "global buffer");
}

}  // namespace npusim
