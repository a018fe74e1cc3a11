#include "models/generic_npu/generic_npu.h"

#include <algorithm>

#include "sim/core/kernel.h"
#include "sim/report/generation_metrics.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

// Global (router) addresses of the on-chip buffers; DRAM sits at 0.
constexpr uint64_t kIfmapBase = 1ull << 50, kWeightBase = 2ull << 50, kOfmapBase = 3ull << 50;

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

const ParamTable& GenericNpu::param_table() {
  using P = GenericNpuParams;
  static const ParamTable t =
      engine_params<P>(
          ParamTable("generic_npu",
                     "Tiled NPU: DMA, double-buffered ifmap/weight/ofmap scratchpads, a systolic "
                     "array and a vector unit, running a workload operator by operator.")
              .param("clock", &P::clock, "clock of the array, vector unit, scratchpads and DMA")
              .def("1GHz")
              .param("double_buffer", &P::double_buffer,
                     "split each buffer in halves so loads, compute and stores overlap")
              .def(ParamValue(true))
              .param_enum(
                  "depthwise_on", &P::depthwise_on,
                  {{"vector", DepthwiseUnit::Vector}, {"array", DepthwiseUnit::Array}},
                  "unit that runs depthwise convolutions (the array wastes all but one column)")
              .def("vector")
              .param("accumulator_bits", &P::accumulator_bits,
                     "width of partial sums kept in the ofmap buffer while k is split")
              .def(32)
              .min(8)
              .max(64)
              .unit("bits")
              .param_enum(
                  "weight_format", &P::weight_format,
                  {{"dense", WeightFormat::Dense}, {"bitmap", WeightFormat::Bitmap}},
                  "DRAM format of sparse weights (bitmap: presence bits + non-zeros); compute "
                  "stays dense")
              .def("dense"))
          .slot("dram", "dram", "simple_dram", "off-chip memory")
          .slot("dma", "dma", "dma_engine", "DMA engine (queue 0 loads, queue 1 stores)")
          .slot("ifmap_sram", "scratchpad", "scratchpad", "input activation buffer")
          .slot("weight_sram", "scratchpad", "scratchpad", "weight buffer")
          .slot("ofmap_sram", "scratchpad", "scratchpad", "output / partial-sum buffer")
          .slot("array", "matrix_unit", "systolic_array", "matrix unit")
          .slot("vector", "vector_unit", "vector_unit", "vector / special-function unit");
  return t;
}

GenericNpu::GenericNpu(const ComponentArgs& a)
    : IAccelerator(a),
      p_(load_params<GenericNpuParams>(param_table(), kHardwareRootKeys)),
      clock_(p_.clock),
      router_("router") {
  context().clock = &clock_;
  dram_ = attach_dram(own_dram_);
  dma_ = make_child<IDma>("dma");
  ifmap_ = make_child<IScratchpad>("ifmap_sram");
  weight_ = make_child<IScratchpad>("weight_sram");
  ofmap_ = make_child<IScratchpad>("ofmap_sram");
  array_ = make_child<IMatrixUnit>("array");
  vector_ = make_child<IVectorUnit>("vector");
  if (dma_->queues() < 2) {
    config().fail("generic_npu needs a DMA with at least 2 queues (loads and stores); " +
                  config().path() + ".dma.queues is " + std::to_string(dma_->queues()));
  }
  router_.map(*dram_, 0);
  router_.map(*ifmap_, kIfmapBase);
  router_.map(*weight_, kWeightBase);
  router_.map(*ofmap_, kOfmapBase);
  dma_->initiator_socket().bind(router_.target);
  slots_ = p_.double_buffer ? 2 : 1;
  Lowering::Options o;
  o.budget = {ifmap_->capacity_bytes() / slots_, weight_->capacity_bytes() / slots_,
              ofmap_->capacity_bytes() / slots_};
  o.acc_bits = static_cast<int>(p_.accumulator_bits);
  o.depthwise_on_vector = p_.depthwise_on == DepthwiseUnit::Vector;
  o.bitmap_weights = p_.weight_format == WeightFormat::Bitmap;
  o.transfer_costs(*dram_, *dma_, clock_);
  lowering_ = std::make_unique<Lowering>(*array_, *vector_, o);
  compute_ = std::make_unique<GenericComputeRule>(*array_, *vector_,
                                                  static_cast<int>(p_.accumulator_bits));
  enum : int8_t { kIfmap, kWeight, kOfmap };
  ExecEngine::Config c;
  c.dma = dma_.get();
  c.load_queue = 0;
  c.store_queue = 1;
  c.compute = compute_.get();
  c.clock = &clock_;
  c.buffers = {{kIfmapBase, ifmap_->capacity_bytes() / slots_, ifmap_.get()},
               {kWeightBase, weight_->capacity_bytes() / slots_, weight_.get()},
               {kOfmapBase, ofmap_->capacity_bytes() / slots_, ofmap_.get()}};
  c.weight_side = {kWeight, kWeight, kWeight, kWeight};  // weights, or the B operand of Q.K^T
  c.input_side = {kIfmap, kIfmap, kIfmap, kIfmap};
  c.output = kOfmap;
  c.slots = slots_;
  c.dependency = ExecEngine::Dependency::OperatorBoundary;
  c.quantum_ps = context().shared_memory ? 0 : p_.sync_quantum.ps;
  c.timeline = timeline();
  if (p_.fast_forward) {
    c.units = fast_forward_units({dma_.get(), dram_, ifmap_.get(), weight_.get(), ofmap_.get()});
  }
  c.stats = &stats();
  c.matrix_unit = array_.get();
  c.vector_unit = vector_.get();
  engine_ = std::make_unique<ExecEngine>(c, acc_);
}

IComputeRule::Cost GenericComputeRule::compute(const WorkUnit& u, OpActivity& act) {
  NPUSIM_ASSERT(u.kind != WorkUnit::Kind::Fused && !u.transform_weights,
                "generic_npu received a work unit it has no unit for");
  if (u.kind == WorkUnit::Kind::Matrix) {
    const uint64_t cycles = array_.cycles(u.mw);
    array_.account(u.mw, cycles);
    act.add_matrix(u.mw);
    Cost c{cycles, u.mw.m * u.mw.k * u.mw.n * u.mw.count, array_.path().c_str()};
    add_matrix_bytes(c, array_.traffic(u.mw), u.mw, acc_bits_);
    return c;
  }
  const uint64_t cycles = vector_.cycles(u.vw);
  vector_.account(u.vw, cycles);
  act.add_vector(u.vw);
  Cost c{cycles, u.vw.fn == VectorFn::Mac ? u.vw.elements : 0, vector_.path().c_str()};
  add_vector_bytes(c, u);
  return c;
}

// ---- preparation -----------------------------------------------------------------------

void GenericNpu::plan_memory() {
  // Weights get one address per (model, operator name), so decode steps reuse the prefill's.
  // Activations ping-pong between two regions sized for the largest operator.
  uint64_t act_max = 0;
  for (const Model& m : workload_->models) {
    std::vector<size_t> phases = {0};
    if (phase_count(m) > 1) phases.push_back(phase_count(m) - 1);  // largest KV context
    for (size_t ph : phases) {
      Phase p = make_phase(m, ph);
      for (const Operator& op : p.ops) {
        std::string key = m.name + "/" + op.name;
        if (!weight_addr_.count(key)) {
          weight_addr_[key] = weight_next_;
          weight_next_ = align_up(weight_next_ + lowering_->weight_footprint(op), 4096);
        }
        TensorSizes t = tensor_sizes(op);
        uint64_t in = bytes_for(t.input, std::max(op.precision.activation, op.precision.kv));
        uint64_t out = bytes_for(t.output, op.precision.output);
        if (op.type == OpType::Attention) {
          out += bytes_for(static_cast<uint64_t>(op.batch * op.heads * op.q_len * op.kv_len),
                           op.precision.activation);
        }
        act_max = std::max({act_max, in, out});
        // One operator that cannot fit the DRAM on its own is named (before it is planned).
        const unsigned __int128 own =
            static_cast<unsigned __int128>(lowering_->weight_footprint(op)) + in + out;
        if (own > dram_->capacity_bytes()) {
          const uint64_t shown = own > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(own);
          throw MappingError("the workload needs " + format_bytes(Bytes{shown}) +
                             " of DRAM for operator `" + op.name +
                             "` alone (weights, inputs and outputs) but " + config().path() +
                             ".dram.capacity is " + format_bytes(Bytes{dram_->capacity_bytes()}) +
                             " at " + op.source);
        }
        // Planning here (no unit is made) raises mapping errors before the run: a block that
        // fits no buffer, an operator with more units than can be simulated.
        lowering_->check(op);
      }
    }
  }
  act_max = align_up(act_max, 4096);
  act_base_[0] = align_up(weight_next_, 4096);
  act_base_[1] = act_base_[0] + act_max;
  const uint64_t need = act_base_[1] + act_max;
  if (need > dram_->capacity_bytes()) {
    throw MappingError("the workload needs " + format_bytes(Bytes{need}) + " of DRAM (weights " +
                       format_bytes(Bytes{weight_next_}) + ", activations 2 x " +
                       format_bytes(Bytes{act_max}) + ") but " + config().path() +
                       ".dram.capacity is " + format_bytes(Bytes{dram_->capacity_bytes()}) +
                       config().where());
  }
}

void GenericNpu::prepare(const Workload& w, const RunOptions& options) {
  workload_ = &w;
  options_ = options;
  for (const Model& m : w.models) {
    total_ops_ +=
        phase_count(m) * (m.llm ? make_phase(m, phase_count(m) - 1).ops.size() : m.layers.size());
    has_llm_ = has_llm_ || m.llm.has_value();
  }
  plan_memory();
}

TensorAddresses GenericNpu::addresses_for(const Model& m, const Operator& op) {
  const size_t parity = ops_fed_++ % 2;
  auto w = weight_addr_.find(m.name + "/" + op.name);
  return {act_base_[parity], w == weight_addr_.end() ? 0 : w->second, act_base_[1 - parity]};
}

// ---- the program -------------------------------------------------------------------------

void GenericNpu::run_model(size_t index, IRequestContext& ctx) {
  const Model& m = workload_->models[index];
  const bool several = workload_->models.size() > 1;
  for (size_t ph = 0; ph < phase_count(m); ++ph) {
    const Phase phase = make_phase(m, ph);
    ctx.begin_phase(several ? m.name + ":" + phase.name : phase.name, phase.kind);
    for (const Operator& op : phase.ops) {
      ctx.boundary();
      // Utilisation is measured against the unit that runs the operator's MACs.
      const int ab = static_cast<int>(op.precision.activation),
                wb = static_cast<int>(op.precision.weight);
      const bool on_vector =
          op.type == OpType::DepthwiseConv2d && p_.depthwise_on == DepthwiseUnit::Vector;
      const size_t id = acc_.begin_op(op.name, op_type_name(op.type),
                                      on_vector ? vector_->peak_elements_per_cycle(std::max(ab, wb))
                                                : array_->peak_macs_per_cycle(ab, wb));
      const TensorAddresses at = addresses_for(m, op);
      ++ops_started_;
      const double done =
          total_ops_ ? static_cast<double>(ops_started_) / static_cast<double>(total_ops_) : 0;
      const std::string what = m.name + " " + phase.name + " " + op.name;
      if (options_.progress) options_.progress(done, what);
      // The units go to the engine in bounded batches as they are made (memory independent of
      // the operator's size); a long operator reports progress with each batch.
      UnitSink sink([&](std::vector<WorkUnit>&& units, bool first, bool last) {
        if (!first && options_.progress) options_.progress(done, what);
        engine_->feed(std::move(units), id, {}, 0, first, last);
      });
      lowering_->lower(op, at, sink);
      sink.close();
      NPUSIM_ASSERT(sink.pushed() > 0, "operator " + op.name + " lowered to nothing");
    }
    if (m.llm) {
      if (phase.kind == PhaseKind::Decode) ++tokens_;
    } else {
      inferences_ += static_cast<uint64_t>(m.batch);
    }
  }
}

// ---- results -----------------------------------------------------------------------------

RunResult GenericNpu::result() {
  RunResult r;
  uint64_t macs = 0, capacity = 0;
  Breakdown breakdown;
  r.total_cycles = acc_.finish(clock_, breakdown);
  for (size_t i = 0; i < acc_.ops(); ++i) {
    macs += acc_.account(i).macs;
    capacity += acc_.account(i).cycles * acc_.account(i).peak_macs_per_cycle;
  }
  r.total_seconds = clock_.seconds(Cycles(r.total_cycles));
  const double hz = static_cast<double>(clock_.frequency().hz);
  if (has_llm_) {
    Json llm = generation_metrics(acc_.phase_totals(), tokens_, hz, r.total_seconds);
    r.throughput = llm.find("decode_tokens_per_s")->as_double();
    r.throughput_unit = "tokens/s";
    r.sections["llm"] = llm;
  } else {
    r.throughput = r.total_seconds > 0 ? static_cast<double>(inferences_) / r.total_seconds : 0;
    r.throughput_unit = "inferences/s";
  }
  r.set_breakdown(breakdown, hz);
  Json g = Json::object();
  g["steps"] = engine_->units_issued();
  g["operators"] = ops_started_;
  g["macs"] = macs;
  g["mac_utilisation"] = capacity ? static_cast<double>(macs) / static_cast<double>(capacity) : 0.0;
  r.sections["generic_npu"] = g;
  return r;
}

NPUSIM_REGISTER_COMPONENT(
    GenericNpu, "accelerator", "generic_npu",
    "Tiled NPU: DMA + double-buffered scratchpads + systolic array + vector unit");

}  // namespace npusim
