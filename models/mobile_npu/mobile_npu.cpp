// Multi-precision mobile NPU running hybrid-precision super-resolution (NAWQ-SR, spec
// ../shared/papers/nawqsr.md; docs/mobile_npu.md).
//
//   DRAM <-> router <-> DMA (one in-order queue) <-> local SRAM (weight / input / output halves)
//   tensor unit (INT8 + A16W8), HVX MACs (INT8), vector unit (element-wise, RQU, copies)
//   dispatcher on the NPU controller: partition switches; CPU fallback; CPU / GPU baselines
//
// The SDM865-like preset has a tensor unit and an HVX; the SDM888-like preset's composable unit
// is the tensor unit with both modes (its INT8/A16W8 mode changes are partition switches).
// The lowering lives in mobile_plan.cpp; this file assembles the parts, feeds the steps of
// every patch to the shared engine, and reports.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <unordered_map>

#include "models/mobile_npu/mobile_plan.h"
#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
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

struct MobileNpuParams {
  Frequency clock;
  Time layer_launch, partition_switch, rqu_eq1, ps_descriptor, fallback_hop;
  int64_t tensor_banks;
  bool fuse_elementwise, rqu_fused_minmax, cpu_fallback;
  Bandwidth cpu_byte_rate;
  double cpu_peak_gmacs, cpu_efficiency, gpu_peak_gmacs, gpu_efficiency;
  Bandwidth cpu_bandwidth, gpu_bandwidth;
  Time cpu_op_overhead, gpu_op_overhead;
  Time sync_quantum;
  bool fast_forward;
};

constexpr uint64_t kSramBase = 1ull << 50;
enum : int8_t { kWeight, kInput, kOutput };

// The compute rule: each unit on the engine its lowering named (mobile_plan.h).
class SrComputeRule : public IComputeRule {
 public:
  SrComputeRule(IMatrixUnit& tensor, IMatrixUnit& hvx, IVectorUnit& vector, StatGroup& g)
      : tensor_(tensor), hvx_(hvx), vector_(vector) {
    for (size_t e = 0; e < kSrEngines; ++e) {
      const std::string n = sr_engine_name(static_cast<SrEngine>(e));
      cycles_[e][0] = &g.counter(n + "_int8_cycles", "cycles", "cycles on " + n + " at <= 8 bits");
      cycles_[e][1] = &g.counter(n + "_wide_cycles", "cycles", "cycles on " + n + " at > 8 bits");
    }
  }
  Cost compute(const WorkUnit& u, OpActivity& act) override {
    const SrEngine e = engine_of(u);
    Cost c;
    c.input_read = u.input_bytes;
    c.weight_read = u.weight_bytes;
    c.output_written = u.store_bytes;
    int bits = u.vw.bits;
    switch (e) {
      case SrEngine::Tensor:
      case SrEngine::Hvx: {
        IMatrixUnit& m = e == SrEngine::Tensor ? tensor_ : hvx_;
        c.cycles = m.cycles(u.mw);
        m.account(u.mw, c.cycles);
        act.add_matrix(u.mw);
        c.macs = u.mw.m * u.mw.k * u.mw.n * u.mw.count;
        c.unit = m.path().c_str();
        bits = u.mw.a_bits;
        break;
      }
      case SrEngine::Vector:
      case SrEngine::Rqu:
        c.cycles = vector_.cycles(u.vw);
        vector_.account(u.vw, c.cycles);
        act.add_vector(u.vw);
        c.unit = vector_.path().c_str();
        break;
      default:  // the CPU or GPU: cycles precomputed by the lowering
        c.cycles = u.lowered_cycles;
        c.unit = e == SrEngine::Gpu ? "gpu" : "cpu";
        break;
    }
    *cycles_[static_cast<size_t>(e)][bits > 8 ? 1 : 0] += c.cycles;
    return c;
  }
  uint64_t cycles(SrEngine e, bool wide) const {
    return cycles_[static_cast<size_t>(e)][wide ? 1 : 0]->value();
  }

 private:
  IMatrixUnit& tensor_;
  IMatrixUnit& hvx_;
  IVectorUnit& vector_;
  std::array<std::array<Counter*, 2>, kSrEngines> cycles_{};
};

}  // namespace

class MobileNpu : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table() {
    using P = MobileNpuParams;
    static const ParamTable t = [] {
      ParamTable tb("mobile_npu",
                    "Multi-precision mobile NPU (NAWQ-SR): tensor unit with INT8 and A16W8, HVX "
                    "INT8 MACs, vector unit with the RQU, banked SRAM, partition switches, CPU "
                    "fallback, and CPU / GPU rooflines for the baselines (docs/mobile_npu.md).");
      tb.param("clock", &P::clock, "clock of the NPU (units, SRAM, DMA)")
          .def("1GHz")
          .param("layer_launch", &P::layer_launch, "fixed cost of every executed layer")
          .def("2us")
          .param("partition_switch", &P::partition_switch,
                 "stall when consecutive layers change unit or INT8/A16W8 mode")
          .def("40us")
          .param("tensor_banks", &P::tensor_banks,
                 "SRAM banks per tensor = the highest tensor rank the NPU runs")
          .def(4)
          .min(1)
          .max(16)
          .param("fuse_elementwise", &P::fuse_elementwise,
                 "fuse element-wise and reduction nodes into their producing convolution")
          .def(ParamValue(true))
          .param("rqu_fused_minmax", &P::rqu_fused_minmax,
                 "the RQU's min/max runs in the producer's output stage (off: its own pass "
                 "over a 16-bit intermediate in DRAM)")
          .def(ParamValue(true))
          .param("rqu_eq1", &P::rqu_eq1, "the RQU's scale and zero-point computation (Eq. 1)")
          .def("1us")
          .param("ps_descriptor", &P::ps_descriptor,
                 "per-channel descriptor of the rank-4 pixel-shuffle rewrite")
          .def("100ns")
          .param("cpu_fallback", &P::cpu_fallback,
                 "operators of rank above tensor_banks may fall back to the CPU")
          .def(ParamValue(true))
          .param("fallback_hop", &P::fallback_hop,
                 "fixed cost of one NPU -> CPU -> NPU round trip (calibrated)")
          .def("1ms")
          .param("cpu_byte_rate", &P::cpu_byte_rate,
                 "bytes per second the CPU dequantises, permutes and quantises in a fallback "
                 "(input + output bytes; calibrated)")
          .def("1GB/s")
          .param("cpu_peak_gmacs", &P::cpu_peak_gmacs, "CPU baseline: peak FP32 MAC rate")
          .def(ParamValue(80.0))
          .min(ParamValue(0.001))
          .unit("GMAC/s")
          .param("cpu_efficiency", &P::cpu_efficiency,
                 "CPU baseline: fraction of the peak MAC rate reached (calibrated)")
          .def(ParamValue(0.3))
          .min(ParamValue(0.0001))
          .max(ParamValue(1.0))
          .param("cpu_bandwidth", &P::cpu_bandwidth, "CPU baseline: DRAM bandwidth")
          .def("20GB/s")
          .param("cpu_op_overhead", &P::cpu_op_overhead, "CPU baseline: fixed cost per node")
          .def("0ns")
          .param("gpu_peak_gmacs", &P::gpu_peak_gmacs, "GPU baseline: peak FP16 MAC rate")
          .def(ParamValue(1200.0))
          .min(ParamValue(0.001))
          .unit("GMAC/s")
          .param("gpu_efficiency", &P::gpu_efficiency,
                 "GPU baseline: fraction of the peak MAC rate reached (calibrated)")
          .def(ParamValue(0.3))
          .min(ParamValue(0.0001))
          .max(ParamValue(1.0))
          .param("gpu_bandwidth", &P::gpu_bandwidth, "GPU baseline: DRAM bandwidth")
          .def("30GB/s")
          .param("gpu_op_overhead", &P::gpu_op_overhead, "GPU baseline: fixed cost per node")
          .def("0ns");
      engine_params<P>(tb)
          .slot("dram", "dram", "simple_dram", "off-chip LPDDR")
          .slot("dma", "dma", "dma_engine", "DMA (one in-order queue is used)")
          .slot("sram", "scratchpad", "scratchpad",
                "local SRAM: 1/4 weight, 3/8 input, 3/8 output buffers, double-buffered")
          .slot("tensor", "matrix_unit", "precision_mac_array",
                "tensor unit (HTA-like; the SDM888-like composable unit)")
          .slot("hvx", "matrix_unit", "precision_mac_array", "HVX MACs (INT8)")
          .slot("vector", "vector_unit", "vector_unit",
                "HVX element pipelines: element-wise nodes, RQU passes, copies");
      return tb;
    }();
    return t;
  }

  explicit MobileNpu(const ComponentArgs& a)
      : IAccelerator(a),
        p_(load_params<MobileNpuParams>(param_table(), kHardwareRootKeys)),
        clock_(p_.clock),
        router_("router"),
        section_(stats().group("sr")) {
    context().clock = &clock_;
    dram_ = attach_dram(own_dram_);
    dma_ = make_child<IDma>("dma");
    sram_ = make_child<IScratchpad>("sram");
    tensor_ = make_child<IMatrixUnit>("tensor");
    hvx_ = make_child<IMatrixUnit>("hvx");
    vector_ = make_child<IVectorUnit>("vector");
    router_.map(*dram_, 0);
    router_.map(*sram_, kSramBase);
    dma_->initiator_socket().bind(router_.target);
    compute_ = std::make_unique<SrComputeRule>(*tensor_, *hvx_, *vector_, section_);
    const uint64_t cap = sram_->capacity_bytes();
    ExecEngine::Config c;
    c.dma = dma_.get();
    c.compute = compute_.get();
    c.clock = &clock_;
    c.buffers = {{kSramBase, cap / 8, sram_.get()},
                 {kSramBase + cap / 4, cap * 3 / 16, sram_.get()},
                 {kSramBase + cap * 5 / 8, cap * 3 / 16, sram_.get()}};
    c.weight_side = {kWeight, kWeight, -1, kWeight};
    c.input_side = {-1, -1, kInput, kInput};
    c.output = kOutput;
    c.quantum_ps = context().shared_memory ? 0 : p_.sync_quantum.ps;
    c.timeline = timeline();
    if (p_.fast_forward) c.units = fast_forward_units({dma_.get(), dram_, sram_.get()});
    c.stats = &stats();
    c.matrix_unit = tensor_.get();
    c.vector_unit = vector_.get();
    engine_ = std::make_unique<ExecEngine>(c, acc_);
  }

  SrPlanHw plan_hw() const {
    SrPlanHw h;
    const uint64_t cap = sram_->capacity_bytes();
    const double hz = static_cast<double>(clock_.frequency().hz);
    auto cyc = [&](Time t) { return clock_.cycle_at_ps(t.ps).n; };
    h.sram_bytes = cap;
    h.weight_half = cap / 8;
    h.input_half = h.output_half = cap * 3 / 16;
    h.tensor_banks = p_.tensor_banks;
    h.tensor_int8_rate = tensor_->peak_macs_per_cycle(8, 8);
    h.tensor_a16w8_rate = tensor_->peak_macs_per_cycle(16, 8);
    h.hvx_int8_rate = hvx_->peak_macs_per_cycle(8, 8);
    h.vector_lanes = vector_->peak_elements_per_cycle(16);
    h.layer_launch = cyc(p_.layer_launch);
    h.partition_switch = cyc(p_.partition_switch);
    h.fuse_elementwise = p_.fuse_elementwise;
    h.rqu_fused_minmax = p_.rqu_fused_minmax;
    h.cpu_fallback = p_.cpu_fallback;
    h.rqu_eq1 = cyc(p_.rqu_eq1);
    h.ps_descriptor = cyc(p_.ps_descriptor);
    h.fallback_hop = cyc(p_.fallback_hop);
    h.cpu_bytes_per_cycle = p_.cpu_byte_rate.bytes_per_s / hz;
    h.cpu_macs_per_cycle = p_.cpu_peak_gmacs * 1e9 * p_.cpu_efficiency / hz;
    h.gpu_macs_per_cycle = p_.gpu_peak_gmacs * 1e9 * p_.gpu_efficiency / hz;
    h.cpu_bytes_per_cycle_mem = p_.cpu_bandwidth.bytes_per_s / hz;
    h.gpu_bytes_per_cycle = p_.gpu_bandwidth.bytes_per_s / hz;
    h.cpu_op_overhead = cyc(p_.cpu_op_overhead);
    h.gpu_op_overhead = cyc(p_.gpu_op_overhead);
    return h;
  }

  void prepare(const Workload& w, const RunOptions&) override {
    workload_ = &w;
    runs_.clear();
    const SrPlanHw hw = plan_hw();
    uint64_t weights = 0;
    for (const Model& m : w.models) {
      if (m.llm) throw MappingError("mobile_npu runs SR graphs; `" + m.name + "` is an LLM");
      Run r;
      r.graph = read_sr_graph(m);
      r.plan = plan_sr(r.graph, hw);
      r.weight_base = weights;
      weights += r.plan.weight_bytes;
      for (const SrStep& st : r.plan.steps)
        act_half_ = std::max({act_half_, st.load_bytes, st.store_bytes});
      runs_.push_back(std::move(r));
    }
    act_base_ = weights;
    if (act_base_ + 2 * act_half_ > dram_->capacity_bytes()) {
      throw MappingError("the SR graphs need " + format_bytes(Bytes{act_base_ + 2 * act_half_}) +
                         " of DRAM but " + config().path() + ".dram.capacity is " +
                         format_bytes(Bytes{dram_->capacity_bytes()}));
    }
  }

  void run_model(size_t index, IRequestContext& ctx) override {
    Run& r = runs_[index];
    const uint64_t peak = tensor_->peak_macs_per_cycle(8, 8);
    for (uint64_t patch = 0; patch < r.graph.patches(); ++patch) {
      ctx.begin_phase("patch", PhaseKind::Inference);
      uint64_t w_off = r.weight_base, parity = 0;
      for (size_t k = 0; k < r.plan.steps.size(); ++k) {
        const SrStep& s = r.plan.steps[k];
        ctx.boundary();
        const size_t id = acc_.begin_op(s.name, s.op_type, peak);
        const bool wrap = patch > 0 && r.plan.wrap_switch && k == r.plan.wrap_step;
        if (s.stall > 0 || wrap) engine_->stall(s.stall + (wrap ? r.plan.switch_cycles : 0));
        // Activations ping-pong between two regions above the weights.
        const OperandBases bases{w_off, act_base_ + parity * act_half_,
                                 act_base_ + (1 - parity) * act_half_};
        w_off += s.weight_bytes;
        parity ^= 1;
        engine_->feed_shared(s.units, id, bases, s.overhead);
      }
    }
    frames_ += 1;
  }

  // The CPU's and GPU's busy time (fallbacks, CPU ops, the FP32 / FP16 baselines) in ns, for
  // the energy table's active power (energy per ns = watts x 1e-9; docs/mobile_npu.md).
  bool activity(ComponentActivity& out) const override {
    const double ns_per_cycle = 1e9 / static_cast<double>(clock_.frequency().hz);
    auto ns = [&](std::initializer_list<SrEngine> es) {
      uint64_t c = 0;
      for (SrEngine e : es) c += compute_->cycles(e, false) + compute_->cycles(e, true);
      return static_cast<uint64_t>(std::llround(static_cast<double>(c) * ns_per_cycle));
    };
    out.actions = {{"cpu_active_ns", ns({SrEngine::CpuFallback, SrEngine::Cpu})},
                   {"gpu_active_ns", ns({SrEngine::Gpu})}};
    return true;
  }

  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

  RunResult result() override {
    RunResult r = RunResult::of_inferences(acc_, clock_, frames_);
    r.throughput_unit = "frames/s";
    Json s = Json::object();
    const double hz = static_cast<double>(clock_.frequency().hz);
    Json models = Json::array();
    uint64_t rqu_fixed = 0;
    for (const Run& run : runs_) {
      const SrPlan& p = run.plan;
      const uint64_t n = run.graph.patches();
      Json m = Json::object();
      m["model"] = run.graph.model;
      m["variant"] = run.graph.schedule.variant;
      m["patches"] = n;
      m["partitions"] = p.partitions * n;
      m["partition_switches"] = switches(run);
      m["dre_layers"] = p.dre_layers;
      m["fallbacks"] = p.fallbacks * n;
      Json bytes = Json::object();
      for (size_t b = 1; b < p.act_bytes_by_bits.size(); ++b)
        if (p.act_bytes_by_bits[b] > 0) bytes[std::to_string(b)] = p.act_bytes_by_bits[b] * n;
      m["activation_bytes_by_bits"] = bytes;
      m["weight_bytes"] = p.weight_bytes * n;
      Json layers = Json::array();
      for (const SrStep& st : p.steps) {
        Json l = Json::object();
        l["name"] = st.name;
        l["unit"] = sr_engine_name(st.engine);
        l["bits"] = st.bits;
        l["dre"] = st.dre;
        l["resident"] = st.resident;
        l["load_bytes"] = st.load_bytes;
        l["store_bytes"] = st.store_bytes;
        layers.push_back(l);
        if (st.rqu) rqu_fixed += st.overhead * n;
      }
      m["steps"] = layers;
      uint64_t fused = 0;
      for (bool f : p.fused) fused += f ? 1 : 0;
      m["fused_nodes"] = fused;
      models.push_back(m);
    }
    s["models"] = models;
    Json by_unit = Json::object();
    for (size_t e = 0; e < kSrEngines; ++e) {
      for (bool wide : {false, true}) {
        const uint64_t c = compute_->cycles(static_cast<SrEngine>(e), wide);
        if (c > 0)
          by_unit[std::string(sr_engine_name(static_cast<SrEngine>(e))) +
                  (wide ? ".wide" : ".int8")] = c;
      }
    }
    s["cycles_by_unit"] = by_unit;
    const uint64_t switches_cycles = clock_.cycle_at_ps(p_.partition_switch.ps).n * [&] {
      uint64_t k = 0;
      for (const Run& run : runs_) k += switches(run);
      return k;
    }();
    const uint64_t dre =
        compute_->cycles(SrEngine::Rqu, false) + compute_->cycles(SrEngine::Rqu, true) + rqu_fixed;
    const uint64_t fb = compute_->cycles(SrEngine::CpuFallback, false) +
                        compute_->cycles(SrEngine::CpuFallback, true);
    const double total = static_cast<double>(std::max<uint64_t>(r.total_cycles, 1));
    s["partition_switch_seconds"] = static_cast<double>(switches_cycles) / hz;
    s["partition_switch_share"] = static_cast<double>(switches_cycles) / total;
    s["dre_seconds"] = static_cast<double>(dre) / hz;
    s["dre_share"] = static_cast<double>(dre) / total;
    s["fallback_seconds"] = static_cast<double>(fb) / hz;
    s["fallback_share"] = static_cast<double>(fb) / total;
    s["frame_seconds"] = r.total_seconds / static_cast<double>(std::max<uint64_t>(frames_, 1));
    r.sections["mobile_npu"] = s;
    return r;
  }

 private:
  struct Run {
    SrGraph graph;
    SrPlan plan;
    uint64_t weight_base = 0;
  };
  // Per frame: within every patch, and between patches when they start in another mode.
  static uint64_t switches(const Run& r) {
    const uint64_t n = r.graph.patches();
    return r.plan.switches * n + (r.plan.wrap_switch ? n - 1 : 0);
  }
  MobileNpuParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> sram_;
  std::unique_ptr<IMatrixUnit> tensor_, hvx_;
  std::unique_ptr<IVectorUnit> vector_;
  AddressRouter router_;
  StatGroup& section_;
  std::unique_ptr<SrComputeRule> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;
  const Workload* workload_ = nullptr;
  std::vector<Run> runs_;
  uint64_t act_base_ = 0, act_half_ = 0, frames_ = 0;
};

NPUSIM_REGISTER_COMPONENT(MobileNpu, "accelerator", "mobile_npu",
                          "Multi-precision mobile NPU for hybrid-precision SR (NAWQ-SR)");

[[maybe_unused]] static const bool npusim_mobile_npu_sections =
    register_model_section({"sr",
                            "the SR graph, patch grid and precision schedule the mobile NPU runs "
                            "(docs/mobile_npu.md)",
                            false});

}  // namespace npusim
