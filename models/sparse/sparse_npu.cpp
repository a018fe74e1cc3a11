#include "models/sparse/sparse_npu.h"

#include <algorithm>
#include <deque>
#include <map>

#include "sim/core/errors.h"
#include "sim/core/kernel.h"
#include "sim/core/text.h"
#include "sim/report/breakdown.h"
#include "sim/workload/phases.h"

namespace npusim {
namespace {

constexpr uint64_t kGlbBase = 1ull << 50;

// A layer's compute is the cycles its latency model gave, queued in program order when the
// layer is fed (the engine computes units once each, in program order).
class LayerCycles : public IComputeRule {
 public:
  void push(uint64_t cycles, uint64_t macs) { queue_.push_back({cycles, macs}); }
  Cost compute(const WorkUnit&, OpActivity&) override {  // (a latency model: no units to count)
    NPUSIM_ASSERT(!queue_.empty(), "sparse NPU: a unit computed that no layer fed");
    const auto [cycles, macs] = queue_.front();
    queue_.pop_front();
    return {cycles, macs, "hw"};
  }

 private:
  std::deque<std::pair<uint64_t, uint64_t>> queue_;
};

}  // namespace

SparseNpu::SparseNpu(const ComponentArgs& a) : IAccelerator(a), router_("router") {}

void SparseNpu::assemble(Frequency clock, const SparseNpuOptions& o) {
  source_ = o.source;
  memory_ = o.memory;
  profile_group_ = o.profile_group;
  replay_group_ = o.replay_group;
  clock_ = ClockDomain(clock);
  context().clock = &clock_;
  dram_ = attach_dram(own_dram_);
  dma_ = make_child<IDma>("dma");
  glb_ = make_child<IScratchpad>("glb");
  router_.map(*dram_, 0);
  router_.map(*glb_, kGlbBase);
  dma_->initiator_socket().bind(router_.target);
  compute_ = std::make_unique<LayerCycles>();
  ExecEngine::Config c;
  c.dma = dma_.get();
  c.compute = compute_.get();
  c.clock = &clock_;
  // The global buffer in thirds (weights, inputs, outputs), each double-buffered.
  const uint64_t third = glb_->capacity_bytes() / 3;
  c.buffers = {
      {kGlbBase, third / 2}, {kGlbBase + third, third / 2}, {kGlbBase + 2 * third, third / 2}};
  c.weight_side = {0, 0, -1, 0};
  c.input_side = {-1, -1, 1, 1};
  c.output = 2;
  c.quantum_ps = context().shared_memory ? 0 : 1000000000;
  c.stats = &stats();  // (no fast-forward: every layer's cycles differ)
  engine_ = std::make_unique<ExecEngine>(c, acc_);
}

SparseNpu::~SparseNpu() = default;

void SparseNpu::prepare(const Workload& w, const RunOptions&) {
  workload_ = &w;
  models_.clear();
  for (const Model& m : w.models) {
    Prepared p;
    p.trace = load_sparse_trace(m);
    if (source_ == LatencySource::Replay && !p.trace->has_latency) {
      throw WorkloadError(p.trace->file +
                          ": `latency_source: replay` needs the column latency_s (" +
                          config().path() + ".latency_source)");
    }
    for (const auto& row : p.trace->rows) {
      std::vector<uint64_t> cyc;
      for (size_t j = 0; j < row.size(); ++j) {
        cyc.push_back(source_ == LatencySource::Replay
                          ? static_cast<uint64_t>(std::llround(
                                row[j].latency_s * static_cast<double>(clock_.frequency().hz)))
                          : analytic_cycles(m, m.layers[j], row[j]));
      }
      p.cycles.push_back(std::move(cyc));
    }
    p.profiled = group_samples(p, profile_group_, "profile_group", m.name);
    p.replayed = group_samples(p, replay_group_, "replay_group", m.name);
    models_.push_back(std::move(p));
  }
  if (memory_ == MemoryMode::Dram) {  // weights at their place, activations ping-pong above
    uint64_t at = 0, act = 0;
    weight_at_.assign(w.models.size(), {});
    for (size_t k = 0; k < w.models.size(); ++k) {
      for (size_t j = 0; j < w.models[k].layers.size(); ++j) {
        weight_at_[k].push_back(at);
        uint64_t wmax = 0;
        for (const auto& row : models_[k].trace->rows) {
          const LayerBytes b = layer_bytes(w.models[k].layers[j], row[j]);
          wmax = std::max(wmax, b.weights);
          act = std::max({act, b.inputs, b.outputs});
        }
        at += wmax;
      }
    }
    act_base_[0] = at;
    act_base_[1] = at + act;
    if (at + 2 * act > dram_->capacity_bytes()) {
      throw MappingError("the workload needs " + format_bytes(Bytes{at + 2 * act}) +
                         " of DRAM but " + config().path() + ".dram.capacity is " +
                         format_bytes(Bytes{dram_->capacity_bytes()}));
    }
  }
  // The LUTs: per model (pattern) and per architecture, means over every sample.
  const double hz = static_cast<double>(clock_.frequency().hz);
  std::map<std::string, std::vector<size_t>> by_arch;
  for (size_t k = 0; k < models_.size(); ++k) {
    Prepared& p = models_[k];
    const size_t layers = w.models[k].layers.size(), n = p.profiled.size();
    p.pattern_lut_s.assign(layers, 0);
    p.mean_density.assign(layers, 0);
    for (uint64_t s : p.profiled) {
      for (size_t j = 0; j < layers; ++j) {
        p.pattern_lut_s[j] += static_cast<double>(p.cycles[s][j]) / hz;
        p.mean_density[j] += p.trace->rows[s][j].density;
      }
    }
    for (size_t j = 0; j < layers; ++j) {
      p.pattern_lut_s[j] /= static_cast<double>(n);
      p.mean_density[j] /= static_cast<double>(n);
    }
    by_arch[p.trace->arch].push_back(k);
  }
  for (const auto& [arch, members] : by_arch) {
    const size_t layers = w.models[members.front()].layers.size();
    std::vector<double> lut(layers, 0);
    double total_s = 0, samples = 0;
    for (size_t k : members) {
      if (w.models[k].layers.size() != layers) {
        throw WorkloadError("models `" + w.models[members.front()].name + "` and `" +
                            w.models[k].name + "` share arch `" + arch + "` but have " +
                            std::to_string(layers) + " and " +
                            std::to_string(w.models[k].layers.size()) + " layers");
      }
      for (uint64_t s : models_[k].profiled) {
        const auto& row = models_[k].cycles[s];
        for (size_t j = 0; j < layers; ++j) {
          lut[j] += static_cast<double>(row[j]) / hz;
          total_s += static_cast<double>(row[j]) / hz;
        }
        samples += 1;
      }
    }
    for (double& v : lut) v /= samples;
    for (size_t k : members) {
      models_[k].model_lut_s = lut;
      models_[k].slo_base_ps = seconds_to_ps(total_s / samples);
    }
  }
}

LayerProgress SparseNpu::profile(size_t model, uint64_t sample) const {
  const Prepared& p = models_.at(model);
  LayerProgress out;
  out.model_lut_s = p.model_lut_s;
  out.pattern_lut_s = p.pattern_lut_s;
  out.mean_density = p.mean_density;
  const double hz = static_cast<double>(clock_.frequency().hz);
  for (uint64_t c : p.cycles.at(p.replayed.at(sample)))
    out.true_s.push_back(static_cast<double>(c) / hz);
  return out;
}

uint64_t SparseNpu::samples(size_t model) const {
  return models_.at(model).replayed.size();
}

std::vector<uint64_t> SparseNpu::group_samples(const Prepared& p, const std::string& group,
                                               const char* key, const std::string& model) const {
  std::vector<uint64_t> out;
  std::vector<std::string> groups;
  for (size_t s = 0; s < p.trace->groups.size(); ++s) {
    if (group.empty() || p.trace->groups[s] == group) out.push_back(s);
    if (std::find(groups.begin(), groups.end(), p.trace->groups[s]) == groups.end())
      groups.push_back(p.trace->groups[s]);
  }
  if (out.empty()) {
    throw ConfigError(
        "`" + config().path() + "." + key + "` = `" + group + "` matches no sample of model `" +
        model + "` (its dataset groups: " + join(groups, ", ") + ")" + did_you_mean(group, groups));
  }
  return out;
}

uint64_t SparseNpu::slo_base_ps(size_t model) const {
  return models_.at(model).slo_base_ps;
}

void SparseNpu::run_model(size_t index, IRequestContext& ctx) {
  const Model& m = workload_->models[index];
  const Prepared& p = models_[index];
  auto* layered = dynamic_cast<ILayerContext*>(&ctx);
  LayerProgress* progress = layered != nullptr ? layered->layer_progress() : nullptr;
  const uint64_t sample = p.replayed.at(layered != nullptr ? layered->sample() : 0);
  ctx.begin_phase("inference", PhaseKind::Inference);
  auto* rule = static_cast<LayerCycles*>(compute_.get());
  for (size_t j = 0; j < m.layers.size(); ++j) {
    if (progress != nullptr && j > 0) {  // the monitor's reading of the layer just finished
      progress->measured_density.push_back(p.trace->rows[sample][j - 1].density);
      progress->done = j;
    }
    ctx.boundary();
    const Operator& op = m.layers[j];
    const size_t id = acc_.begin_op(op.name, op_type_name(op.type), 0);
    busy_cycles_ += p.cycles[sample][j];
    if (memory_ == MemoryMode::Dram) {
      feed_with_traffic(index, sample, j, id);
    } else {
      rule->push(p.cycles[sample][j], 0);
      WorkUnit u;  // compute only: no bytes in or out, no output block
      u.opens_output = u.closes_output = false;
      engine_->feed({u}, id, {}, 0);
    }
    ++layers_run_;
  }
  if (progress != nullptr) {
    progress->measured_density.push_back(p.trace->rows[sample][m.layers.size() - 1].density);
    progress->done = m.layers.size();
  }
  ++inferences_;
}

// dram mode: the layer in k units, each a k-th of its bytes (fitting half of each buffer third)
// and of its cycles (the remainder on the first units), so loads overlap compute.
void SparseNpu::feed_with_traffic(size_t model, uint64_t sample, size_t layer, size_t op_id) {
  const Prepared& p = models_[model];
  const LayerBytes b =
      layer_bytes(workload_->models[model].layers[layer], p.trace->rows[sample][layer]);
  const uint64_t half = glb_->capacity_bytes() / 6, cycles = p.cycles[sample][layer];
  auto parts = [half](uint64_t bytes) { return (bytes + half - 1) / half; };
  const uint64_t k = std::max({uint64_t{1}, parts(b.weights), parts(b.inputs), parts(b.outputs)});
  auto share = [k](uint64_t total, uint64_t i) { return total / k + (i < total % k ? 1 : 0); };
  auto* rule = static_cast<LayerCycles*>(compute_.get());
  std::vector<WorkUnit> units;
  uint64_t wa = 0, ia = 0, oa = 0;
  for (uint64_t i = 0; i < k; ++i) {
    WorkUnit u;
    u.weight_bytes = share(b.weights, i);
    u.weight_addr = wa;
    u.input_bytes = share(b.inputs, i);
    u.input_addr = ia;
    u.store_bytes = share(b.outputs, i);
    u.store_addr = oa;
    wa += u.weight_bytes;
    ia += u.input_bytes;
    oa += u.store_bytes;
    rule->push(share(cycles, i), 0);
    bytes_moved_ += u.weight_bytes + u.input_bytes + u.store_bytes;
    units.push_back(u);
  }
  const uint64_t parity = parity_++ % 2;
  engine_->feed(std::move(units), op_id,
                {weight_at_[model][layer], act_base_[parity], act_base_[1 - parity]}, 0);
}

RunResult SparseNpu::result() {
  RunResult r = RunResult::of_inferences(acc_, clock_, inferences_);
  Json s = Json::object();
  s["layers_run"] = layers_run_;
  s["busy_s"] = clock_.seconds(Cycles(busy_cycles_));
  s["idle_s"] = std::max(0.0, r.total_seconds - clock_.seconds(Cycles(busy_cycles_)));
  s["memory"] = std::string(memory_ == MemoryMode::Dram ? "dram" : "hidden");
  s["dram_bytes_moved"] = bytes_moved_;
  s["latency_source"] = std::string(source_ == LatencySource::Replay ? "replay" : "analytic");
  r.sections[section_name()] = s;
  return r;
}

}  // namespace npusim
