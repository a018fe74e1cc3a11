// Training phases of a model (the `training:` section of a trace, docs/trace_format.md
// "Training"): which layers run which backward phases, the optimiser, the Fisher-information
// reduction of TinyTrain, and the explicit tensor allocation/release events the memory ledger
// replays. The forward pass is the model's operator list.
//
// Phase costs, per iteration and batch element (docs/ondevice_learning.md):
//   FWD     op_macs(l) for every layer;
//   BWD_DX  op_macs(l): the input gradient is a transposed convolution of the same size;
//   BWD_DW  ceil(r · C_out) / C_out · op_macs(l): the weight gradient of the r share of output
//           channels (r = ch_ratio in (0, 1]);
//   OPT     element-wise over the updated weights ceil(r · C_out) · C_in/groups · kh · kw;
//           state bytes k · updated · 4 B with k = 3 for Adam (grad, m, v) and 1 for SGD (grad);
//   FISHER  one multiply-accumulate per output element (Σ_hw a·g) and one square per channel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/json.h"
#include "sim/core/params.h"
#include "sim/memory_ledger/device.h"
#include "sim/memory_ledger/ledger.h"
#include "sim/workload/trace.h"

namespace npusim {

enum class Optimizer : uint8_t { Sgd, Adam };

struct LayerPhases {
  std::string layer;
  bool bwd_dx = false, bwd_dw = false, fisher = false;
  double ch_ratio = 1.0;
  std::string source;
};

struct TensorEventSpec {
  int64_t step = 0;
  std::string event;  // "alloc" or "free"
  std::string tensor;
  Bytes bytes{0};
  MemorySpace space = MemorySpace::Sram;
  TensorKind kind = TensorKind::Activations;
};

struct TrainingSpec {
  int64_t version = 1;
  Optimizer optimizer = Optimizer::Adam;
  int64_t iterations = 1, batch = 1;
  bool weights_in_flash = false;
  std::vector<LayerPhases> phases;
  std::vector<LedgerEvent> tensors;
};

const ParamTable& training_table();
const ParamTable& training_phase_table();
const ParamTable& training_tensor_table();

// Weight copies of optimiser state per updated weight: Adam 3 (grad, m, v), SGD 1 (grad).
int64_t optimizer_state_copies(Optimizer o);

// The model's `training:` section, validated against its layers; nullopt without one.
std::optional<TrainingSpec> load_training(const Model& m);

struct TrainingCosts {
  uint64_t fwd_macs = 0, bwd_dx_macs = 0, bwd_dw_macs = 0, fisher_macs = 0;
  uint64_t updated_weights = 0;        // elements the optimiser updates
  uint64_t optimizer_state_bytes = 0;  // k x updated x weight bytes
  uint64_t updated_weight_bytes = 0;   // the trainable copies
  uint64_t bwd_macs() const { return bwd_dx_macs + bwd_dw_macs; }
};

// Per iteration, for the model's batch as its operators give it.
TrainingCosts training_costs(const Model& m, const TrainingSpec& t);

// Replays the section's tensor events through a ledger with the given limits.
MemoryLedger replay_training(const TrainingSpec& t,
                             const std::array<SpaceLimit, kMemorySpaces>& limits = {});

// Time of one iteration on a device (device.h): the phases' MACs per sample times the batch,
// and as memory traffic every byte allocated at run time (step > 0) written once and read once
// [I], in the space it is allocated in (its energy: device_energy.h).
IterationCost training_iteration_cost(const OnDeviceTarget& d, const TrainingCosts& c,
                                      const TrainingSpec& t);

// {costs, ledger[, device time]} as JSON (the Python module's `training_report`).
Json training_report_json(const Model& m, const TrainingSpec& t, const MemoryLedger& ledger,
                          const OnDeviceTarget* device = nullptr);

}  // namespace npusim
