// A design on a phone SoC (an accelerator with CPU fallbacks, or the CPU alone) as an
// accelerator of the shared execution engine, so that DNNs running at once on several engines
// of a `platform` contend for its one LPDDR (sim/runtime/platform.h; docs/mobile_soc.md):
//
//   type: platform
//   dram: {type: simple_dram, ...}             # the phone's LPDDR
//   accelerators:
//     cpu: {type: soc_engine, soc: ../mobile_soc/pixel7.yaml, engine: cpu, threads: 4}
//     gpu: {type: soc_engine, soc: ../mobile_soc/pixel7.yaml, engine: gpu}
//
// Lowering: the engine is the design's accelerator (`engine: cpu`: the CPU alone); the model's
// `tflite:` graph is cut by the delegate partitioner (partitioner.h) and runs partition by
// partition, CPU fallbacks at the CPU's rates. Each node is one operator: its inputs and weights
// are loaded from DRAM and its output stored (at its engine's run dtype), in as many chunks as
// the staging buffers need, and it computes for dispatch + work / rate (engines.h, the compute
// side of the roofline: the memory side is the DRAM's own timing, shared with other engines).
// The boundary costs of the design (launch, syncs, copies, layout and dtype conversions) are
// held before the partition they feed, and the outputs' return after the last one.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "models/mobile_soc/partitioner.h"
#include "sim/core/i_accelerator.h"
#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/phases.h"

namespace npusim {
namespace {

struct SocEngineParams {
  Frequency clock;
  std::string soc, engine;
  int64_t threads;
  bool xnnpack;
};

constexpr uint64_t kInputBase = 1ull << 50, kWeightBase = 2ull << 50, kOutputBase = 3ull << 50;
enum : int8_t { kInput, kWeight, kOutput };

// The unit's compute cycles were derived by the lowering (WorkUnit::lowered_cycles).
class PrecomputedCycles : public IComputeRule {
 public:
  explicit PrecomputedCycles(std::string path) : path_(std::move(path)) {}
  Cost compute(const WorkUnit& w, OpActivity&) override {
    Cost c{w.lowered_cycles, 0, path_.c_str()};
    c.weight_read = w.weight_bytes;
    c.input_read = w.input_bytes;
    c.output_written = w.store_bytes;
    return c;
  }

 private:
  std::string path_;
};

struct LoweredNode {
  std::string name, op;
  uint64_t dispatch = 0, compute = 0;  // cycles
  uint64_t input = 0, weight = 0, output = 0;
  // Its engine's active time (ns: dispatch + work, no boundary waits), for the energy table:
  // on the CPU (`cpu`: the design's cores; `copy`: one core, a boundary copy) or the accelerator.
  uint64_t busy_ns = 0;
  bool cpu = false, copy = false;
};

}  // namespace

class SocEngine : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table() {
    using P = SocEngineParams;
    static const ParamTable t =
        ParamTable("soc_engine",
                   "A design on a mobile SoC preset: one accelerator (GPU, NPU, DSP) with CPU "
                   "fallbacks, or the CPU alone; on a platform, designs share the phone's LPDDR "
                   "(docs/mobile_soc.md).")
            .param("clock", &P::clock, "time step of the engine's work units")
            .def("1GHz")
            .param("soc", &P::soc, "the SoC preset (hw_configs/mobile_soc), relative to this file")
            .param("engine", &P::engine,
                   "the design's accelerator (gpu, npu, dsp; the CPU runs what it does not take) "
                   "or cpu "
                   "(the CPU alone)")
            .param("threads", &P::threads,
                   "CPU threads (of the CPU alone, or of the CPU fallbacks)")
            .def(4)
            .min(1)
            .max(8)
            .param("xnnpack", &P::xnnpack,
                   "CPU kernels (alone or fallbacks): XNNPACK (true) or reference (false)")
            .def(ParamValue(true))
            .slot("dram", "dram", "simple_dram", "the LPDDR (a platform's shared one)")
            .slot("dma", "dma", "dma_engine", "the engine's memory port (one in-order queue)")
            .slot("input_sram", "scratchpad", "scratchpad", "staging of input activations")
            .slot("weight_sram", "scratchpad", "scratchpad", "staging of weights")
            .slot("output_sram", "scratchpad", "scratchpad", "staging of outputs");
    return t;
  }

  explicit SocEngine(const ComponentArgs& a)
      : IAccelerator(a),
        p_(load_params<SocEngineParams>(param_table(), kHardwareRootKeys)),
        clock_(p_.clock),
        router_("router") {
    const std::string dir = config().doc().dir;
    const std::string path = std::filesystem::path(p_.soc).is_absolute() || dir.empty()
                                 ? p_.soc
                                 : (std::filesystem::path(dir) / p_.soc).string();
    soc_ = load_mobile_soc(path);
    engine_spec_ = soc_.find(p_.engine);
    if (engine_spec_ == nullptr) {
      config().fail_at(config().node()["engine"], "engine",
                       "SoC `" + soc_.name + "` has no engine `" + p_.engine + "`");
    }
    context().clock = &clock_;
    dram_ = attach_dram(own_dram_);
    dma_ = make_child<IDma>("dma");
    input_ = make_child<IScratchpad>("input_sram");
    weight_ = make_child<IScratchpad>("weight_sram");
    output_ = make_child<IScratchpad>("output_sram");
    router_.map(*dram_, 0);
    router_.map(*input_, kInputBase);
    router_.map(*weight_, kWeightBase);
    router_.map(*output_, kOutputBase);
    dma_->initiator_socket().bind(router_.target);
    compute_ = std::make_unique<PrecomputedCycles>(path_of(p_.engine));
    ExecEngine::Config c;
    c.dma = dma_.get();
    c.compute = compute_.get();
    c.clock = &clock_;
    c.buffers = {{kInputBase, input_->capacity_bytes() / 2, input_.get()},
                 {kWeightBase, weight_->capacity_bytes() / 2, weight_.get()},
                 {kOutputBase, output_->capacity_bytes() / 2, output_.get()}};
    c.weight_side = {kWeight, kWeight, -1, kWeight};
    c.input_side = {-1, -1, kInput, kInput};
    c.output = kOutput;
    c.quantum_ps = context().shared_memory ? 0 : 1000000000;
    c.units = fast_forward_units({dma_.get(), dram_, input_.get(), weight_.get(), output_.get()});
    c.stats = &stats();
    engine_ = std::make_unique<ExecEngine>(c, acc_);
  }

  void prepare(const Workload& w, const RunOptions&) override {
    workload_ = &w;
    const CpuOptions cpu{p_.threads, p_.xnnpack};
    const double hz = static_cast<double>(p_.clock.hz);
    auto cycles = [hz](double s) { return static_cast<uint64_t>(std::ceil(s * hz)); };
    auto ns = [](double s) { return static_cast<uint64_t>(std::llround(s * 1e9)); };
    name_actions(cpu);
    uint64_t weights = 0, activations = 0;
    for (const Model& m : w.models) {
      const SocGraph g = read_soc_graph(m);
      const Engine* accel = engine_spec_->kind == EngineKind::Cpu ? nullptr : engine_spec_;
      const DelegationPlan plan = partition_graph(g, soc_, accel);  // no engine: WorkloadError
      const DesignCost cost = design_cost(g, soc_, plan, cpu);
      const std::vector<EngineMemory> ledger = memory_ledger(g, plan, cost);
      Json mem = Json::object();
      for (const EngineMemory& e : ledger) mem[e.engine] = e.total();
      memory_.push_back(mem);
      const std::string fit = memory_fit(soc_, ledger);
      if (!fit.empty()) throw MappingError("model `" + m.name + "`: " + fit);
      // Boundary time, in seconds, held before a node (index: position in run order) or after
      // the last one: launch + entry sync before an accelerator partition, exit sync before the
      // next partition. Each crossing is a copy node before the partition that reads it
      // (outputs: at the end): the tensor's bytes read and written through the DRAM (the
      // engines share the LPDDR, so a co-running DNN contends with the copy), computing for the
      // delegate's copy, layout and conversion time.
      std::vector<size_t> first_of(g.nodes.size(), 0);  // node -> its partition's first position
      std::vector<double> before(g.nodes.size() + 1, 0);
      size_t pos = 0;
      for (size_t p = 0; p < plan.partitions.size(); ++p) {
        const SocPartition& part = plan.partitions[p];
        for (size_t n : part.nodes) first_of[n] = pos;
        const Engine& pe = *part.engine;
        if (pe.kind != EngineKind::Cpu) {
          before[pos] += (pe.delegate.launch.seconds() + pe.delegate.sync.seconds()) / pe.throttle;
          before[pos + part.nodes.size()] += pe.delegate.sync.seconds() / pe.throttle;
        }
        pos += part.nodes.size();
      }
      std::vector<std::vector<LoweredNode>> copies(g.nodes.size() + 1);
      for (const BoundaryCrossing& b : cost.crossings) {
        LoweredNode l;
        l.name = "boundary." + g.tensor(b.tensor).name + ".to_" + b.to;
        l.op = "BOUNDARY_COPY";
        l.compute = cycles(b.copy_s + b.layout_s + b.convert_s);
        l.busy_ns = ns(b.copy_s + b.layout_s + b.convert_s);
        l.copy = true;
        l.input = b.bytes;
        l.output = b.bytes;
        activations = std::max(activations, b.bytes);
        copies[b.consumer < 0 ? g.nodes.size() : first_of[static_cast<size_t>(b.consumer)]]
            .push_back(std::move(l));
      }
      std::vector<LoweredNode> nodes;
      pos = 0;
      for (const SocPartition& part : plan.partitions) {
        const Engine& pe = *part.engine;
        for (size_t i : part.nodes) {
          for (LoweredNode& c : copies[pos]) nodes.push_back(std::move(c));
          const SocNode& n = g.nodes[i];
          // The compute side of op_seconds (the memory side is the DRAM's timing here).
          const double rate =
              pe.rate(n.out.dtype == SocDtype::Int32 ? SocDtype::Int8 : n.out.dtype, cpu);
          if (rate <= 0) {
            throw ConfigError("engine `" + pe.name + "` of " + soc_.name +
                              " has no arithmetic at " + soc_dtype_name(n.out.dtype) +
                              " for node `" + n.name + "`" + pe.source);
          }
          LoweredNode l;
          l.name = n.name;
          l.op = n.op;
          l.dispatch = cycles(pe.dispatch.seconds() / pe.throttle + before[pos++]);
          l.compute = cycles(node_work(n) / rate / pe.throttle);
          l.busy_ns = ns((pe.dispatch.seconds() + node_work(n) / rate) / pe.throttle);
          l.cpu = pe.kind == EngineKind::Cpu;
          l.weight = n.weight_bytes_read();
          l.output = n.out.elements() * soc_dtype_bytes(pe.run_dtype(n.out.dtype));
          l.input = node_bytes(n, g, pe) - l.weight - l.output;
          weights += n.weight_bytes;
          activations = std::max({activations, l.input, l.output});
          nodes.push_back(l);
        }
      }
      if (before.back() > 0) {  // the last partition's exit sync
        LoweredNode l;
        l.name = "boundary.out";
        l.op = "BOUNDARY";
        l.dispatch = cycles(before.back());
        nodes.push_back(l);
      }
      for (LoweredNode& c : copies.back()) nodes.push_back(std::move(c));  // results to the CPU
      delegated_.push_back(plan.delegated_fraction());
      delegation_.push_back(delegation_report(g, plan, cost));
      graphs_.push_back(std::move(nodes));
    }
    act_base_[0] = weights;
    act_base_[1] = weights + activations;
    if (weights + 2 * activations > dram_->capacity_bytes()) {
      throw MappingError("the workload needs " + format_bytes(Bytes{weights + 2 * activations}) +
                         " of DRAM but " + config().path() + " has " +
                         format_bytes(Bytes{dram_->capacity_bytes()}));
    }
  }

  void run_model(size_t index, IRequestContext& ctx) override {
    ctx.begin_phase("inference", PhaseKind::Inference);
    uint64_t weight_at = 0;
    for (size_t i = 0; i < index; ++i) {
      for (const LoweredNode& l : graphs_[i]) weight_at += l.weight;
    }
    for (const LoweredNode& l : graphs_[index]) {
      ctx.boundary();
      if (l.copy) {
        active_ns_[cpu_cores_.front().first] += l.busy_ns;
      } else if (l.cpu) {
        for (const auto& [action, cores] : cpu_cores_) active_ns_[action] += l.busy_ns * cores;
      } else {
        active_ns_[accelerator_action_] += l.busy_ns;
      }
      const size_t id = acc_.begin_op(l.name, l.op, 0);
      const uint64_t parity = ops_++ % 2;
      const OperandBases bases{weight_at, act_base_[parity], act_base_[1 - parity]};
      weight_at += l.weight;
      // Chunks: as many as the largest operand needs of its buffer half.
      const uint64_t k = std::max<uint64_t>({1, ceil_div(l.input, input_->capacity_bytes() / 2),
                                             ceil_div(l.weight, weight_->capacity_bytes() / 2),
                                             ceil_div(l.output, output_->capacity_bytes() / 2)});
      std::vector<WorkUnit> units;
      for (uint64_t j = 0; j < k; ++j) {
        WorkUnit w;
        w.kind = WorkUnit::Kind::Vector;
        w.input_bytes = share(l.input, k, j);
        w.input_addr = j * ceil_div(l.input, k);
        w.weight_bytes = share(l.weight, k, j);
        w.weight_addr = j * ceil_div(l.weight, k);
        w.store_bytes = share(l.output, k, j);
        w.store_addr = j * ceil_div(l.output, k);
        // A unit that stores nothing (a boundary's sync) holds no output block: one opened
        // and never stored would stay pending into the next request's units.
        w.opens_output = w.closes_output = w.store_bytes > 0;
        w.lowered_cycles = share(l.compute, k, j);
        units.push_back(w);
      }
      engine_->feed(std::move(units), id, bases, l.dispatch);
    }
    ++inferences_;
  }

  // The engines' active time for the energy table (docs/mobile_soc.md, "Energy"): CPU work
  // as core-nanoseconds per cluster (`cpu_<cluster>_core_ns`), an accelerator's as its busy
  // nanoseconds (`<engine>_active_ns`); at P watts a nanosecond costs P nJ.
  bool activity(ComponentActivity& out) const override {
    for (size_t i = 0; i < action_names_.size(); ++i)
      out.actions.emplace_back(action_names_[i], active_ns_[i]);
    return true;
  }

  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

  RunResult result() override {
    RunResult r = RunResult::of_inferences(acc_, clock_, inferences_);
    Json s = Json::object();
    s["soc"] = soc_.name;
    s["engine"] = p_.engine;
    s["threads"] = p_.threads;
    s["xnnpack"] = p_.xnnpack;
    s["work_units"] = engine_->units_issued();
    Json d = Json::array();
    for (double f : delegated_) d.push_back(f);
    s["delegated_work_fraction"] = d;
    Json mem = Json::array();
    for (const Json& m : memory_) mem.push_back(m);
    s["memory_bytes"] = mem;
    Json rep = Json::array();
    for (const Json& x : delegation_) rep.push_back(x);
    s["delegation"] = rep;
    r.sections["soc_engine"] = s;
    return r;
  }

 private:
  // What the delegate did with a model (transformers-mobile.md §5 "Outputs"): nodes and work
  // per engine, the partitions with their node lists, and the partitioner's cost split (seconds,
  // without the DRAM contention the run adds).
  static Json delegation_report(const SocGraph& g, const DelegationPlan& plan,
                                const DesignCost& c) {
    Json j = Json::object();
    j["nodes"] = static_cast<uint64_t>(g.nodes.size());
    j["delegated_nodes"] = plan.delegated_nodes;
    j["candidate_partitions"] = static_cast<uint64_t>(plan.candidate_partitions);
    uint64_t acc = 0, cpu = 0;
    for (const SocPartition& p : plan.partitions) (p.engine == plan.accelerator ? acc : cpu) += 1;
    j["accelerator_partitions"] = plan.accelerator == nullptr ? 0 : acc;
    j["cpu_partitions"] = plan.accelerator == nullptr ? acc + cpu : cpu;
    j["delegated_work_fraction"] = plan.delegated_fraction();
    j["accelerator_s"] = c.accelerator_s;
    j["cpu_s"] = c.cpu_s;
    j["boundary_s"] = c.boundary_s;
    j["sync_s"] = c.sync_s;
    j["total_s"] = c.total_s();
    // The partitions in execution order with their engine, node names and seconds (launch +
    // operators): which ops the delegate kept and which fell back.
    Json parts = Json::array();
    for (size_t i = 0; i < plan.partitions.size(); ++i) {
      const SocPartition& p = plan.partitions[i];
      Json names = Json::array();
      for (size_t n : p.nodes) names.push_back(g.nodes[n].name);
      Json pj = Json::object();
      pj["engine"] = p.engine->name;
      pj["nodes"] = std::move(names);
      pj["seconds"] = i < c.partition_s.size() ? c.partition_s[i] : 0.0;
      parts.push_back(std::move(pj));
    }
    j["partitions"] = std::move(parts);
    return j;
  }
  // The actions of activity(): the clusters whose cores the design's CPU threads occupy (the
  // CPU's placement, at fp32) with the cores used, and the accelerator's.
  void name_actions(const CpuOptions& cpu) {
    action_names_.clear();
    cpu_cores_.clear();
    for (const auto& [cluster, cores] : soc_.cpu().placement(cpu.threads, SocDtype::Fp32)) {
      cpu_cores_.emplace_back(action_names_.size(), static_cast<uint64_t>(cores));
      action_names_.push_back("cpu_" + cluster->name + "_core_ns");
    }
    accelerator_action_ = action_names_.size();
    if (engine_spec_->kind != EngineKind::Cpu)
      action_names_.push_back(engine_spec_->name + "_active_ns");
    active_ns_.assign(action_names_.size(), 0);
  }
  static uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }
  // Part j of `total` split into k nearly equal parts (the first ones one larger).
  static uint64_t share(uint64_t total, uint64_t k, uint64_t j) {
    return total / k + (j < total % k ? 1 : 0);
  }
  std::string path_of(const std::string& slot) const { return config().path() + "." + slot; }

  SocEngineParams p_;
  ClockDomain clock_;
  MobileSoc soc_;
  const Engine* engine_spec_ = nullptr;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> input_, weight_, output_;
  AddressRouter router_;
  std::unique_ptr<PrecomputedCycles> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;
  const Workload* workload_ = nullptr;
  std::vector<std::vector<LoweredNode>> graphs_;
  std::vector<double> delegated_;  // per model: the share of its work the accelerator takes
  std::vector<Json> delegation_;   // per model: delegation_report
  std::vector<Json> memory_;       // per model: bytes per engine (memory_ledger)
  uint64_t act_base_[2] = {0, 0}, ops_ = 0, inferences_ = 0;
  std::vector<std::string> action_names_;               // activity()'s actions
  std::vector<uint64_t> active_ns_;                     // and their counts
  std::vector<std::pair<size_t, uint64_t>> cpu_cores_;  // (action, cores used) per cluster
  size_t accelerator_action_ = 0;
};

NPUSIM_REGISTER_COMPONENT(SocEngine, "accelerator", "soc_engine",
                          "A design on a mobile SoC preset (an accelerator with CPU fallbacks)");

}  // namespace npusim
