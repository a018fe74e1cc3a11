#include "sim/memory_ledger/training.h"

#include <cmath>
#include <map>

#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/core/text.h"
#include "sim/memory_ledger/device_energy.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

std::string at(const ConfigNode& n) {
  const std::string w = n.where();
  return w.rfind(" at ", 0) == 0 ? w.substr(4) : w;
}

// Output channels of a trainable operator (the unit of channel selection), 0 if it has none.
uint64_t out_channels(const Operator& op) {
  switch (op.type) {
    case OpType::Conv2d:
      return static_cast<uint64_t>(op.out_channels);
    case OpType::DepthwiseConv2d:
      return static_cast<uint64_t>(op.channels);
    case OpType::Gemm:
    case OpType::Gemv:
      return op.b_operand == BOperand::Weight ? static_cast<uint64_t>(op.n) : 0;
    default:
      return 0;
  }
}

uint64_t selected_channels(double ratio, uint64_t channels) {
  return static_cast<uint64_t>(std::ceil(ratio * static_cast<double>(channels)));
}

[[maybe_unused]] const bool registered =
    register_model_section({"training",
                            "training phases, optimiser and tensor allocation events "
                            "(docs/trace_format.md \"Training\", docs/ondevice_learning.md)",
                            false}) &&
    register_model_section_check("training",
                                 [](const ConfigNode&, const Model& m) { load_training(m); });

}  // namespace

const ParamTable& training_table() {
  using T = TrainingSpec;
  static const ParamTable t =
      ParamTable("training",
                 "A model's training phases (on-device learning). Its `phases` and `tensors` "
                 "lists hold the records below.")
          .param("version", &T::version, "version of the training section (this reader: 1)")
          .def(1)
          .min(1)
          .max(1)
          .param_enum("optimizer", &T::optimizer,
                      {{"sgd", Optimizer::Sgd}, {"adam", Optimizer::Adam}},
                      "optimiser of the updated weights (state: SGD 1, Adam 3 weight copies)")
          .def("adam")
          .param("iterations", &T::iterations, "training iterations the phases repeat for")
          .def(1)
          .min(1)
          .param("batch", &T::batch, "samples per iteration")
          .def(1)
          .min(1)
          .param("weights_in_flash", &T::weights_in_flash,
                 "frozen weights stay in flash (MCU); false: all weights in RAM")
          .def(ParamValue(false));
  return t;
}

const ParamTable& training_phase_table() {
  using P = LayerPhases;
  static const ParamTable t =
      ParamTable("training.phases[]", "The backward phases one layer runs (absent: forward only).")
          .param("layer", &P::layer, "operator name in the model's `layers`")
          .param("bwd_dx", &P::bwd_dx, "computes the gradient of the layer's input")
          .def(ParamValue(false))
          .param("bwd_dw", &P::bwd_dw, "computes the weight gradient and updates the weights")
          .def(ParamValue(false))
          .param("ch_ratio", &P::ch_ratio,
                 "share of output channels whose weights are updated, in (0, 1]")
          .def(1)
          .unit("fraction")
          .param("fisher", &P::fisher, "reduces the Fisher information of each output channel")
          .def(ParamValue(false))
          .check<P>([](const P& p) -> std::string {
            if (!(p.ch_ratio > 0.0 && p.ch_ratio <= 1.0)) {
              return "ch_ratio " + format_double(p.ch_ratio) + " of layer `" + p.layer +
                     "` is outside (0, 1]";
            }
            return "";
          });
  return t;
}

const ParamTable& training_tensor_table() {
  using E = TensorEventSpec;
  static const ParamTable t =
      ParamTable("training.tensors[]",
                 "An allocation or release event, replayed in order by the memory ledger; step "
                 "0 is deployment (the only time flash is written).")
          .param("step", &E::step, "time step of the event (non-decreasing)")
          .min(0)
          .param("event", &E::event, "`alloc` or `free`")
          .choices({"alloc", "free"})
          .param("tensor", &E::tensor, "tensor name (unique while allocated)")
          .param("bytes", &E::bytes, "size (alloc)")
          .def("0B")
          .param_enum("space", &E::space,
                      {{"sram", MemorySpace::Sram},
                       {"flash", MemorySpace::Flash},
                       {"dram", MemorySpace::Dram}},
                      "memory space (alloc)")
          .def("sram")
          .param_enum("kind", &E::kind,
                      {{"weights", TensorKind::Weights},
                       {"optimizer", TensorKind::Optimizer},
                       {"activations", TensorKind::Activations},
                       {"buffers", TensorKind::Buffers}},
                      "what the tensor is, for the breakdown (alloc)")
          .def("activations")
          .check<E>([](const E& e) -> std::string {
            if (e.event == "alloc" && e.bytes.n == 0)
              return "alloc of tensor `" + e.tensor + "` needs bytes above 0";
            return "";
          });
  return t;
}

int64_t optimizer_state_copies(Optimizer o) {
  return o == Optimizer::Adam ? 3 : 1;
}

std::optional<TrainingSpec> load_training(const Model& m) {
  const ConfigNode* node = m.section("training");
  if (node == nullptr) return std::nullopt;
  TrainingSpec t;
  training_table().load(*node, &t, {"phases", "tensors"});
  std::map<std::string, const Operator*> ops;
  std::vector<std::string> names;
  for (const Operator& op : m.layers) {
    ops[op.name] = &op;
    names.push_back(op.name);
  }
  const ConfigNode phases = node->child("phases");
  if (phases.present()) {
    if (!phases.node().IsSequence()) phases.fail("`phases` must be a list of layer records");
    std::map<std::string, bool> seen;
    for (size_t i = 0; i < phases.node().size(); ++i) {
      const ConfigNode rec = phases.element(i);
      LayerPhases p;
      training_phase_table().load(rec, &p);
      p.source = at(rec);
      auto it = ops.find(p.layer);
      if (it == ops.end()) {
        rec.fail("layer `" + p.layer + "` is not in model `" + m.name + "`" +
                 did_you_mean(p.layer, names));
      }
      if (seen[p.layer]) rec.fail("layer `" + p.layer + "` has two phase records");
      seen[p.layer] = true;
      if (p.bwd_dw && out_channels(*it->second) == 0) {
        rec.fail("layer `" + p.layer + "` (" + op_type_name(it->second->type) +
                 ") has no weights to update (bwd_dw)");
      }
      t.phases.push_back(p);
    }
  }
  const ConfigNode tensors = node->child("tensors");
  if (tensors.present()) {
    if (!tensors.node().IsSequence()) tensors.fail("`tensors` must be a list of events");
    MemoryLedger check;  // unlimited spaces: order, flash and double-allocation rules
    for (size_t i = 0; i < tensors.node().size(); ++i) {
      const ConfigNode rec = tensors.element(i);
      TensorEventSpec e;
      training_tensor_table().load(rec, &e);
      LedgerEvent le{e.step, e.event == "alloc", e.tensor, e.bytes.n, e.space, e.kind, at(rec)};
      check.apply(le);
      t.tensors.push_back(le);
    }
  }
  return t;
}

TrainingCosts training_costs(const Model& m, const TrainingSpec& t) {
  TrainingCosts c;
  std::map<std::string, const Operator*> ops;
  for (const Operator& op : m.layers) {
    ops[op.name] = &op;
    c.fwd_macs += op_macs(op);
  }
  const auto k = static_cast<uint64_t>(optimizer_state_copies(t.optimizer));
  for (const LayerPhases& p : t.phases) {
    const Operator& op = *ops.at(p.layer);
    const uint64_t macs = op_macs(op);
    if (p.bwd_dx) c.bwd_dx_macs += macs;
    const uint64_t channels = out_channels(op);
    if (p.bwd_dw) {
      const uint64_t sel = selected_channels(p.ch_ratio, channels);
      c.bwd_dw_macs += sel * (macs / channels);
      const uint64_t updated = sel * (tensor_sizes(op).weight / channels);
      const uint64_t bytes = bytes_for(updated, op.precision.weight);
      c.updated_weights += updated;
      c.updated_weight_bytes += bytes;
      c.optimizer_state_bytes += k * bytes;
    }
    if (p.fisher) c.fisher_macs += tensor_sizes(op).output + channels;
  }
  return c;
}

MemoryLedger replay_training(const TrainingSpec& t,
                             const std::array<SpaceLimit, kMemorySpaces>& limits) {
  MemoryLedger ledger(limits);
  for (const LedgerEvent& e : t.tensors) ledger.apply(e);
  ledger.finish();
  return ledger;
}

IterationCost training_iteration_cost(const OnDeviceTarget& d, const TrainingCosts& c,
                                      const TrainingSpec& t) {
  const auto batch = static_cast<uint64_t>(t.batch);
  const MemoryLedger spaces(memory_limits(d));  // where each tensor lands (SRAM falls to DRAM)
  MemoryTraffic traffic;
  for (const LedgerEvent& e : t.tensors) {
    if (!e.alloc || e.step == 0) continue;
    const auto s = static_cast<size_t>(spaces.resolve(e.space, e.source));
    traffic.written[s] += batch * e.bytes;
    traffic.read[s] += batch * e.bytes;
  }
  return iteration_cost(d, batch * (c.fwd_macs + c.bwd_macs() + c.fisher_macs), traffic);
}

Json training_report_json(const Model& m, const TrainingSpec& t, const MemoryLedger& ledger,
                          const OnDeviceTarget* device) {
  const TrainingCosts c = training_costs(m, t);
  Json out = Json::object();
  out["model"] = m.name;
  out["optimizer"] = t.optimizer == Optimizer::Adam ? "adam" : "sgd";
  out["iterations"] = t.iterations;
  out["weights_in_flash"] = t.weights_in_flash;
  Json macs = Json::object();
  macs["fwd"] = c.fwd_macs;
  macs["bwd_dx"] = c.bwd_dx_macs;
  macs["bwd_dw"] = c.bwd_dw_macs;
  macs["bwd"] = c.bwd_macs();
  macs["fisher"] = c.fisher_macs;
  out["macs_per_iteration"] = macs;
  out["updated_weights"] = c.updated_weights;
  out["updated_weight_bytes"] = c.updated_weight_bytes;
  out["optimizer_state_bytes"] = c.optimizer_state_bytes;
  out["ledger"] = ledger.to_json();
  if (device != nullptr) {
    const IterationCost ic = training_iteration_cost(*device, c, t);
    Json d = Json::object();
    d["name"] = device->name;
    d["compute_s"] = ic.compute_s;
    d["memory_s"] = ic.memory_s;
    d["overhead_s"] = ic.overhead_s;
    Json read = Json::object(), written = Json::object();
    for (size_t s = 0; s < kMemorySpaces; ++s) {
      const char* space = memory_space_name(static_cast<MemorySpace>(s));
      if (ic.traffic.read[s] > 0) read[space] = ic.traffic.read[s];
      if (ic.traffic.written[s] > 0) written[space] = ic.traffic.written[s];
    }
    d["read_bytes"] = read;
    d["written_bytes"] = written;
    d["iteration_s"] = ic.seconds();
    Json energy = ondevice_energy_json(*device, ic);
    d["iteration_j"] = energy["total_j"];
    d["energy"] = std::move(energy);
    d["calibration"] = device->calibration;
    out["device"] = d;
  }
  return out;
}

}  // namespace npusim
