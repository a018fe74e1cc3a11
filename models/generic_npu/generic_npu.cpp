#include "models/generic_npu/generic_npu.h"

#include <algorithm>

#include "sim/core/kernel.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

// Global (router) addresses of the on-chip buffers; DRAM sits at 0.
constexpr uint64_t kIfmapBase = 1ull << 50, kWeightBase = 2ull << 50, kOfmapBase = 3ull << 50;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

const ParamTable& GenericNpu::param_table() {
  using P = GenericNpuParams;
  static const ParamTable t =
      ParamTable("generic_npu",
                 "Tiled NPU: DMA, double-buffered ifmap/weight/ofmap scratchpads, a systolic "
                 "array and a vector unit, running a workload operator by operator.")
          .param("clock", &P::clock, "clock of the array, vector unit, scratchpads and DMA")
          .def("1GHz")
          .param("double_buffer", &P::double_buffer,
                 "split each buffer in halves so loads, compute and stores overlap")
          .def(ParamValue(true))
          .param("depthwise_on", &P::depthwise_on,
                 "unit that runs depthwise convolutions (the array wastes all but one column)")
          .def("vector").choices({"vector", "array"})
          .param("accumulator_bits", &P::accumulator_bits,
                 "width of partial sums kept in the ofmap buffer while k is split")
          .def(32).min(8).max(64).unit("bits")
          .param("weight_format", &P::weight_format,
                 "DRAM format of sparse weights (bitmap: presence bits + non-zeros); compute "
                 "stays dense")
          .def("dense").choices({"dense", "bitmap"})
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
    : IAccelerator(a), p_(load_params<GenericNpuParams>(param_table(), {"name"})),
      clock_(p_.clock), router_("router") {
  context().clock = &clock_;
  dram_ = make_child<IDram>("dram");
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
  o.depthwise_on_vector = p_.depthwise_on == "vector";
  o.bitmap_weights = p_.weight_format == "bitmap";
  o.transfer_costs(*dram_, *dma_, clock_);
  lowering_ = std::make_unique<Lowering>(*array_, *vector_, o);
  sc_core::sc_spawn([this] { guarded([this] { loader(); }); }, "loader");
  sc_core::sc_spawn([this] { guarded([this] { compute(); }); }, "compute");
  sc_core::sc_spawn([this] { guarded([this] { storer(); }); }, "storer");
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
        // Lowering here raises mapping errors (a block that fits no buffer) before the run.
        std::vector<Step> scratch;
        lowering_->lower(op, {}, scratch);
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
    total_ops_ += phase_count(m) * (m.llm ? make_phase(m, phase_count(m) - 1).ops.size() : m.layers.size());
    has_llm_ = has_llm_ || m.llm.has_value();
  }
  plan_memory();
}

TensorAddresses GenericNpu::addresses_for(const Operator& op) {
  const Model& m = workload_->models[model_];
  size_t parity = ops_.size() % 2;
  return {act_base_[parity], weight_addr_.count(m.name + "/" + op.name) ? weight_addr_[m.name + "/" + op.name] : 0,
          act_base_[1 - parity]};
}

// ---- the pipeline ----------------------------------------------------------------------

bool GenericNpu::next_operator() {
  while (model_ < workload_->models.size()) {
    const Model& m = workload_->models[model_];
    if (!current_phase_) {
      current_phase_ = make_phase(m, phase_);
      op_in_phase_ = 0;
      acc_.begin_phase(workload_->models.size() > 1 ? m.name + ":" + current_phase_->name
                                                    : current_phase_->name);
    }
    if (op_in_phase_ < current_phase_->ops.size()) {
      const Operator& op = current_phase_->ops[op_in_phase_++];
      // Utilisation is measured against the unit that runs the operator's MACs.
      const int ab = static_cast<int>(op.precision.activation), wb = static_cast<int>(op.precision.weight);
      const bool on_vector = op.type == OpType::DepthwiseConv2d && p_.depthwise_on == "vector";
      OpRun run;
      run.id = acc_.begin_op(op.name, op_type_name(op.type),
                             on_vector ? vector_->peak_elements_per_cycle(std::max(ab, wb))
                                       : array_->peak_macs_per_cycle(ab, wb));
      pending_.clear();
      pending_next_ = 0;
      TensorAddresses at = addresses_for(op);
      ops_.push_back(std::move(run));
      lowering_->lower(op, at, pending_);
      NPUSIM_ASSERT(!pending_.empty(), "operator " + op.name + " lowered to nothing");
      ++ops_started_;
      if (options_.progress) {
        options_.progress(total_ops_ ? static_cast<double>(ops_started_) / static_cast<double>(total_ops_) : 0,
                          m.name + " " + current_phase_->name + " " + op.name);
      }
      return true;
    }
    if (m.llm) {
      if (current_phase_->name == "decode") ++tokens_;
    } else {
      inferences_ += static_cast<uint64_t>(m.batch);
    }
    current_phase_.reset();
    if (++phase_ >= phase_count(m)) {
      phase_ = 0;
      ++model_;
    }
  }
  return false;
}

void GenericNpu::loader() {
  const uint64_t ifmap_half = ifmap_->capacity_bytes() / slots_,
                 weight_half = weight_->capacity_bytes() / slots_;
  bool first_of_op = false;
  while (true) {
    if (pending_next_ == pending_.size()) {
      if (!next_operator()) break;
      first_of_op = true;
    }
    const uint32_t op = static_cast<uint32_t>(ops_.size() - 1);
    const Step& st = pending_[pending_next_++];
    if (loaded_ >= slots_) slot(loaded_ - slots_).computed->wait();  // a free buffer half
    Slot s;
    s.step = st;
    s.op = op;
    const uint64_t half = loaded_ % slots_;
    auto load = [&](uint64_t src, uint64_t dst, uint64_t bytes, TensorClass c, const char* what) {
      auto done = std::make_shared<Completion>();
      dma_->submit(0, {src, dst, bytes, 1, 0, 0, timeline() != nullptr ? what : ""}, done);
      s.loads.push_back(done);
      acc_.add_read(ops_[op].id, c, bytes);
    };
    // The operator's inputs (and runtime "weights" such as K/V) are the previous operator's
    // outputs: wait until they are in DRAM. Static weights prefetch freely.
    const bool dependent = st.input_bytes > 0 || (st.weight_bytes > 0 && !st.weight_static);
    if (first_of_op && dependent && op > 0) {
      OpRun& prev = ops_[op - 1];
      while (!prev.stores_issued) sim_wait(store_issued_);
      prev.last_store->wait();
      first_of_op = false;
    }
    if (st.weight_bytes > 0) {
      load(st.weight_addr, kWeightBase + half * weight_half, st.weight_bytes, st.weight_class, "weights");
    }
    if (st.input_bytes > 0) {
      load(st.input_addr, kIfmapBase + half * ifmap_half, st.input_bytes, st.input_class, "inputs");
    }
    s.last_of_op = pending_next_ == pending_.size();
    window_.push_back(std::move(s));
    ++loaded_;
    pushed_.notify();
  }
  loader_done_ = true;
  pushed_.notify();
}

void GenericNpu::compute() {
  while (true) {
    while (computed_ >= loaded_) {
      if (loader_done_) {
        compute_done_ = true;
        computed_event_.notify();
        return;
      }
      sim_wait(pushed_);
    }
    Slot& s = slot(computed_);
    for (auto& c : s.loads) c->wait();
    if (s.step.opens_output) {
      // The output half we are about to fill must have been stored.
      if (outputs_opened_ >= slots_) output_stores_[outputs_opened_ - slots_ - output_base_]->wait();
      output_stores_.push_back(std::make_shared<Completion>());
      ++outputs_opened_;
    }
    OpAccount& acct = acc_.account(ops_[s.op].id);
    const uint64_t start = clock_.now().n;
    NPUSIM_ASSERT(s.step.kind != Step::Kind::Attention && !s.step.dequant,
                  "generic_npu received a step it has no unit for");
    if (s.step.kind == Step::Kind::Matrix) {
      array_->execute(s.step.mw, "");
      acct.macs += s.step.mw.m * s.step.mw.k * s.step.mw.n * s.step.mw.count;
    } else {
      vector_->execute(s.step.vw, "");
      if (s.step.vw.fn == VectorFn::Mac) acct.macs += s.step.vw.elements;
    }
    acct.compute_cycles += clock_.now().n - start;
    ops_[s.op].raw_end_ps = time_to_ps(sc_core::sc_time_stamp());
    s.computed->complete_at_ps(time_to_ps(sc_core::sc_time_stamp()));
    ++computed_;
    computed_event_.notify();
  }
}

void GenericNpu::storer() {
  const uint64_t ofmap_half = ofmap_->capacity_bytes() / slots_;
  uint64_t closed = 0;
  while (true) {
    while (stored_ >= computed_) {
      if (compute_done_) return;
      sim_wait(computed_event_);
    }
    Slot& s = slot(stored_);
    s.computed->wait();
    OpRun& op = ops_[s.op];
    if (s.step.closes_output) {
      auto done = output_stores_[closed - output_base_];
      dma_->submit(1, {kOfmapBase + (closed % slots_) * ofmap_half, s.step.store_addr,
                       s.step.store_bytes, 1, 0, 0, timeline() != nullptr ? "outputs" : ""}, done);
      acc_.add_written(op.id, s.step.store_class, s.step.store_bytes);
      op.last_store = done;
      ++closed;
    }
    if (s.last_of_op) {
      op.stores_issued = true;
      store_issued_.notify();
    }
    ++stored_;
    retire_slots();
    // Output-store completions the compute thread can no longer ask for.
    while (output_base_ + slots_ < outputs_opened_ && output_base_ < closed) {
      output_stores_.pop_front();
      ++output_base_;
    }
  }
}

void GenericNpu::retire_slots() {
  const uint64_t keep_from = std::min(stored_, loaded_ >= slots_ ? loaded_ - slots_ : 0);
  while (window_base_ < keep_from) {
    window_.pop_front();
    ++window_base_;
  }
}

// ---- results -----------------------------------------------------------------------------

RunResult GenericNpu::result() {
  RunResult r;
  uint64_t macs = 0, capacity = 0;
  for (OpRun& op : ops_) {
    uint64_t raw = op.raw_end_ps;
    if (op.last_store) raw = std::max(raw, op.last_store->at_ps());
    acc_.set_end_ps(op.id, raw);
  }
  Breakdown breakdown;
  r.total_cycles = acc_.finish(clock_, breakdown);
  for (size_t i = 0; i < acc_.ops(); ++i) {
    macs += acc_.account(i).macs;
    capacity += acc_.account(i).cycles * acc_.account(i).peak_macs_per_cycle;
  }
  r.total_seconds = clock_.seconds(Cycles(r.total_cycles));
  const double hz = static_cast<double>(clock_.frequency().hz);
  if (has_llm_) {
    Json llm = llm_section(acc_.phase_totals(), tokens_, hz, r.total_seconds);
    r.throughput = llm.find("decode_tokens_per_s")->as_double();
    r.throughput_unit = "tokens/s";
    r.sections["llm"] = llm;
  } else {
    r.throughput = r.total_seconds > 0 ? static_cast<double>(inferences_) / r.total_seconds : 0;
    r.throughput_unit = "inferences/s";
  }
  r.breakdown = breakdown.to_json(hz);
  Json g = Json::object();
  g["steps"] = loaded_;
  g["operators"] = static_cast<uint64_t>(ops_.size());
  g["macs"] = macs;
  g["mac_utilisation"] = capacity ? static_cast<double>(macs) / static_cast<double>(capacity) : 0.0;
  r.sections["generic_npu"] = g;
  return r;
}

NPUSIM_REGISTER_COMPONENT(GenericNpu, "accelerator", "generic_npu",
                          "Tiled NPU: DMA + double-buffered scratchpads + systolic array + vector unit");

}  // namespace npusim
