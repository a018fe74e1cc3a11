#include "models/llm_npu/llm_npu.h"

#include <algorithm>

#include "sim/core/kernel.h"
#include "sim/report/generation_metrics.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

// Router addresses of the on-chip buffers; DRAM sits at 0.
constexpr uint64_t kWeightBase = 1ull << 50, kActBase = 2ull << 50, kKvBase = 3ull << 50,
                   kOutBase = 4ull << 50;

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

// This model's names for the tensor classes in its traffic report (weight tables are LUTs).
constexpr const char* kClassNames[kTensorClasses] = {"weights", "luts", "kv", "activations"};

}  // namespace

const ParamTable& LlmNpu::param_table() {
  using P = LlmNpuParams;
  static const ParamTable t =
      engine_params<P>(
          ParamTable(
              "llm_npu",
              "LLM-optimised NPU (FlightLLM template): MPE with MV/MM modes, SFU, bit-plane "
              "dequantiser, on-chip decode activations, KV cache in DRAM, per-step precision "
              "(PMPD) and tree decoding (PPD).")
              .param("clock", &P::clock, "clock of the MPE, SFU, dequantiser, buffers and DMA")
              .def("1GHz")
              .param("max_weight_bits", &P::max_weight_bits,
                     "bit-planes stored per weight (Any-Precision parent width); passes use "
                     "1..this, or 16")
              .def(4)
              .min(1)
              .max(8)
              .unit("bits")
              .param("plane_align", &P::plane_align, "padding of each bit-plane chunk")
              .def("64B")
              .min("1B")
              .param("count_lut", &P::count_lut,
                     "stream each tile's centroid LUTs with its planes (spec A4)")
              .def(ParamValue(false))
              .param("include_lm_head", &P::include_lm_head,
                     "run the vocabulary projection every token (spec A3)")
              .def(ParamValue(false))
              .param("lm_head_bits", &P::lm_head_bits, "weight width of lm_head when included")
              .def(16)
              .min(1)
              .max(16)
              .unit("bits")
              .param("include_embedding", &P::include_embedding,
                     "read each token's embedding row from DRAM")
              .def(ParamValue(false))
              .param("embedding_bits", &P::embedding_bits, "width of the embedding table")
              .def(16)
              .min(1)
              .max(16)
              .unit("bits")
              .param(
                  "sfu_overlap", &P::sfu_overlap,
                  "SFU consumes the MPE's output as it streams, exposing only its tail (spec A10)")
              .def(ParamValue(true))
              .param("sfu_overlap_elements", &P::sfu_overlap_elements,
                     "sub-vector the SFU waits for when overlapped")
              .def(64)
              .min(1)
              .param_enum("attention_unit", &P::attention_unit,
                          {{"mpe", AttentionUnit::Mpe}, {"sfu", AttentionUnit::Sfu}},
                          "unit for attention's Q.K^T and P.V: the MPE, or the SFU lanes (vector "
                          "math, e.g. a "
                          "GPU attention kernel computing in fp32)")
              .def("mpe")
              .param("switch_penalty_cycles", &P::switch_penalty_cycles,
                     "stall when the precision changes (spec A14)")
              .def(0)
              .min(0)
              .unit("cycles")
              .param("kernel_overhead", &P::kernel_overhead,
                     "fixed cost of each operator (instruction issue; a GPU's kernel launch), in "
                     "the form kernel_cost says")
              .def("0ps")
              .param_enum(
                  "kernel_cost", &P::kernel_cost,
                  {{"additive", KernelCostForm::Additive}, {"floor", KernelCostForm::Floor}},
                  "how kernel_overhead combines with an operator's own time: additive (it "
                  "precedes the operator's first compute: overhead + stream) or floor (the "
                  "operator takes at least that long from its start and its data streams "
                  "inside it: max(overhead, stream), as a GPU kernel's launch and ramp are "
                  "hidden by a long kernel); sim/exec/kernel_cost.h")
              .def("additive")
              .param("step_overhead", &P::step_overhead,
                     "fixed cost before each forward pass (prefill, decode step): host work and "
                     "launch, "
                     "the t0 of PPD's latency model; about 0 on an NPU")
              .def("0ps")
              .param("double_buffer", &P::double_buffer,
                     "two halves per buffer: loads run ahead of compute")
              .def(ParamValue(true))
              .param(
                  "lowering_cache", &P::lowering_cache,
                  "reuse an operator's lowered steps for every layer and token with the same shape "
                  "(changes no cycle count; off for checking that)")
              .def(ParamValue(true)))
          .slot("dram", "dram", "simple_dram", "off-chip memory (weights, LUTs, KV cache, spills)")
          .slot("dma", "dma", "dma_engine", "memory controller's DMA (one in-order queue is used)")
          .slot("weight_buffer", "scratchpad", "scratchpad", "weight tiles (double-buffered)")
          .slot("act_buffer", "scratchpad", "scratchpad",
                "activation tiles in prefill; decode activations")
          .slot("kv_buffer", "scratchpad", "scratchpad", "K/V chunks of the attention")
          .slot("out_buffer", "scratchpad", "scratchpad", "outputs and scores (global buffer)")
          .slot("mpe", "matrix_unit", "mpe", "matrix processing engine")
          .slot("sfu", "vector_unit", "vector_unit", "special function unit (fp16)")
          .slot("dequant", "dequant_unit", "bitplane_dequant", "MMU dequantisation unit");
  return t;
}

LlmNpu::LlmNpu(const ComponentArgs& a)
    : IAccelerator(a),
      p_(load_params<LlmNpuParams>(param_table(), kHardwareRootKeys)),
      clock_(p_.clock),
      router_("router") {
  context().clock = &clock_;
  dram_ = attach_dram(own_dram_);
  dma_ = make_child<IDma>("dma");
  weight_buf_ = make_child<IScratchpad>("weight_buffer");
  act_buf_ = make_child<IScratchpad>("act_buffer");
  kv_buf_ = make_child<IScratchpad>("kv_buffer");
  out_buf_ = make_child<IScratchpad>("out_buffer");
  mpe_ = make_child<IMatrixUnit>("mpe");
  sfu_ = make_child<IVectorUnit>("sfu");
  dequant_ = make_child<IDequantUnit>("dequant");
  router_.map(*dram_, 0);
  router_.map(*weight_buf_, kWeightBase);
  router_.map(*act_buf_, kActBase);
  router_.map(*kv_buf_, kKvBase);
  router_.map(*out_buf_, kOutBase);
  dma_->initiator_socket().bind(router_.target);
  layout_.max_bits = static_cast<int>(p_.max_weight_bits);
  layout_.align = p_.plane_align.n;
  const uint64_t slots = p_.double_buffer ? 2 : 1;
  LlmBudgets b{weight_buf_->capacity_bytes() / slots, act_buf_->capacity_bytes() / slots,
               kv_buf_->capacity_bytes() / slots, out_buf_->capacity_bytes() / slots};
  lowering_ = std::make_unique<LlmLowering>(layout_, b, p_.count_lut, mpe_->granule(16, 16));
  Lowering::Options o;
  o.budget = {b.act, b.weight, b.out};
  o.transfer_costs(*dram_, *dma_, clock_);
  o.weight_layout_bytes = [this](const Operator& op, uint64_t k, uint64_t rows) {
    return layout_.weight_bytes(rows, k, static_cast<int>(op.precision.weight));
  };
  if (p_.count_lut) {  // prefill blocks carry the LUTs of their rows too
    o.table_layout_bytes = [this](const Operator& op, uint64_t rows) {
      return layout_.table_bytes(rows, static_cast<int>(op.precision.weight));
    };
  }
  o.transform_weights = true;
  tiled_ = std::make_unique<Lowering>(*mpe_, *sfu_, o);
  compute_ = std::make_unique<LlmComputeRule>(LlmComputeRule::Config{
      mpe_.get(), sfu_.get(), dequant_.get(), p_.sfu_overlap,
      p_.attention_unit == AttentionUnit::Sfu, static_cast<uint64_t>(p_.sfu_overlap_elements)});
  enum : int8_t { kWeight, kAct, kKv, kOut };
  ExecEngine::Config c;
  c.dma = dma_.get();
  c.compute = compute_.get();
  c.clock = &clock_;
  c.buffers = {{kWeightBase, b.weight, weight_buf_.get()},
               {kActBase, b.act, act_buf_.get()},
               {kKvBase, b.kv, kv_buf_.get()},
               {kOutBase, b.out, out_buf_.get()}};
  // Weight-side operands: weights and their LUTs, or an activation used as the B operand;
  // input-side: activations, or K/V chunks of the attention.
  c.weight_side = {kWeight, kWeight, -1, kAct};
  c.input_side = {-1, -1, kKv, kAct};
  c.output = kOut;
  c.slots = slots;
  c.quantum_ps = context().shared_memory ? 0 : p_.sync_quantum.ps;
  c.kernel_cost = p_.kernel_cost;
  c.timeline = timeline();
  if (p_.fast_forward)
    c.units = fast_forward_units(
        {dma_.get(), dram_, weight_buf_.get(), act_buf_.get(), kv_buf_.get(), out_buf_.get()});
  c.stats = &stats();
  c.matrix_unit = mpe_.get();
  c.vector_unit = sfu_.get();
  c.transform_unit = dequant_.get();
  engine_ = std::make_unique<ExecEngine>(c, acc_);
}

// ---- preparation ---------------------------------------------------------------------------

void LlmNpu::build_policy(ModelRun& r, size_t model_index) {
  const Model& m = *r.model;
  StatGroup& group = stats().group("model" + std::to_string(model_index) + "_schedule");
  std::optional<ConfigNode> node;
  if (const ConfigNode* given = m.section("schedule")) node = *given;
  if (!node) {  // no schedule: every phase at the model's weight width
    auto doc =
        load_yaml_text("{type: uniform, bits: " + std::to_string(m.precision.weight) + "}",
                       "<default schedule of " + m.name + ">", ErrorKind::Workload, "workload");
    node =
        ConfigNode(doc, doc->root, "workload.models." + std::to_string(model_index) + ".schedule");
  }
  auto c = Registry::build("precision_policy", *node, "schedule", this, group, context());
  r.policy.reset(dynamic_cast<IPrecisionPolicy*>(c.release()));
  NPUSIM_ASSERT(r.policy != nullptr, "precision policy type does not implement IPrecisionPolicy");
  r.policy->validate(
      m.generation, [this](int b) { return supported(b); }, layout_.supported_text());
  if (const ConfigNode* decoding = m.section("decoding")) {
    TreeDecoding::table().load(*decoding, &r.tree);
    if (m.generation.prompt_len + m.generation.gen_len + r.tree.tree_size > m.llm->max_context) {
      decoding->fail(
          "prompt_len + gen_len + tree_size (" + std::to_string(m.generation.prompt_len) + " + " +
          std::to_string(m.generation.gen_len) + " + " + std::to_string(r.tree.tree_size) +
          ") exceeds max_context (" + std::to_string(m.llm->max_context) + ")");
    }
  }
}

void LlmNpu::place(const ModelRun& r, size_t model_index, uint64_t& next) {
  const Model& m = *r.model;
  Placement& pl = placement_[model_index];
  // Lowering the largest phases here raises mapping errors (a tile that fits no buffer) now.
  // (A tree step whose activations spill uses the same regions, so size them for the larger.)
  const auto tokens =
      static_cast<uint64_t>(std::max<int64_t>(m.generation.prompt_len, r.tree.tree_size));
  std::vector<Operator> ops =
      m.llm ? llm_forward_ops(m, tokens, tokens, true, true, "prefill") : m.layers;
  for (const Operator& op : ops) {
    const TensorSizes t = tensor_sizes(op);
    if (t.weight > 0 && !pl.weights.count(op.name)) {
      const uint64_t k =
          static_cast<uint64_t>(op.type == OpType::Gemm || op.type == OpType::Gemv ? op.k : 1);
      const uint64_t n = t.weight / k;
      pl.weights[op.name] = next;
      next = align_up(next + lowering_->stored_weight_bytes(k, n, false), 4096);
      pl.fp16[op.name] = next;
      next = align_up(next + lowering_->stored_weight_bytes(k, n, true), 4096);
    }
    const uint64_t act = std::max(bytes_for(t.input, op.precision.activation),
                                  bytes_for(t.output, op.precision.output));
    act_base_[1] = std::max(act_base_[1], align_up(act, 4096));  // (size, placed after the loop)
  }
  if (m.llm) {
    const auto hidden = static_cast<uint64_t>(m.llm->hidden);
    pl.embedding = next;
    next = align_up(
        next + bytes_for(static_cast<uint64_t>(m.llm->vocab) * hidden, p_.embedding_bits), 4096);
    const ClassifierJob job =
        r.policy->classifier(*m.llm, m.generation.prompt_len, static_cast<int>(m.precision.kv));
    pl.classifier = next;
    next = align_up(next + job.mlp_weight_bytes, 4096);
    const auto positions =
        static_cast<uint64_t>(m.generation.prompt_len + m.generation.gen_len + r.tree.tree_size);
    pl.kv_layer_bytes = align_up(
        positions * 2 *
            bytes_for(static_cast<uint64_t>(m.llm->kv_heads * m.llm->head_dim), m.precision.kv),
        4096);
    pl.kv_base = next;
    next += pl.kv_layer_bytes * static_cast<uint64_t>(m.llm->layers);
  }
}

void LlmNpu::prepare(const Workload& w, const RunOptions& options) {
  workload_ = &w;
  options_ = options;
  runs_.resize(w.models.size());
  placement_.resize(w.models.size());
  uint64_t next = 0;
  for (size_t i = 0; i < w.models.size(); ++i) {
    runs_[i].model = &w.models[i];
    if (w.models[i].llm) {
      has_llm_ = true;
      build_policy(runs_[i], i);
      total_ops_ += phase_count(w.models[i]) * make_phase(w.models[i], 0).ops.size();
    } else {
      if (!w.models[i].sections.empty()) {
        throw MappingError("model `" + w.models[i].name +
                           "`: schedules and tree decoding need an llm model");
      }
      total_ops_ += w.models[i].layers.size();
    }
    place(runs_[i], i, next);
  }
  const uint64_t act_bytes = act_base_[1];
  act_base_[0] = align_up(next, 4096);
  act_base_[1] = act_base_[0] + act_bytes;
  const uint64_t need = act_base_[1] + act_bytes;
  if (need > dram_->capacity_bytes()) {
    throw MappingError("the workload needs " + format_bytes(Bytes{need}) +
                       " of DRAM (weights in bit-plane and "
                       "fp16 copies, KV cache, activations) but " +
                       config().path() + ".dram.capacity is " +
                       format_bytes(Bytes{dram_->capacity_bytes()}) + config().where());
  }
}

// ---- results -------------------------------------------------------------------------------

RunResult LlmNpu::result() {
  RunResult r;
  Breakdown breakdown;
  r.total_cycles = acc_.finish(clock_, breakdown);
  r.total_seconds = clock_.seconds(Cycles(r.total_cycles));
  const double hz = static_cast<double>(clock_.frequency().hz);
  r.set_breakdown(breakdown, hz);
  Json section = Json::object();
  const OpTraffic traffic = acc_.total_traffic();
  Json classes = Json::object();
  for (size_t c = 0; c < kTensorClasses; ++c) {
    Json e = Json::object();
    e["read"] = traffic.read[c];
    e["written"] = traffic.written[c];
    classes[kClassNames[c]] = e;
  }
  section["dram_bytes_by_class"] = classes;
  section["fast_forwarded_steps"] = engine_->fast_forwarded_units();
  section["fast_forwarded_layers"] = engine_->fast_forwarded_blocks();
  Json phases = Json::object();
  for (const PhaseTotal& p : acc_.phase_totals()) {
    Json e = Json::object();
    const double secs = static_cast<double>(p.cycles) / hz;
    e["seconds"] = secs;
    e["mac_utilisation"] =
        p.mac_capacity ? static_cast<double>(p.macs) / static_cast<double>(p.mac_capacity) : 0.0;
    e["dram_bandwidth_utilisation"] = secs > 0 ? static_cast<double>(p.dram_read + p.dram_written) /
                                                     (secs * dram_->peak_bandwidth())
                                               : 0.0;
    phases[p.label] = e;
  }
  section["phases"] = phases;
  if (has_llm_) {
    Json llm = generation_metrics(acc_.phase_totals(), generated_, hz, r.total_seconds);
    llm["average_weight_bits_per_token"] =
        generated_ ? static_cast<double>(bit_tokens_) / static_cast<double>(generated_) : 0.0;
    llm["tokens_per_decode_step"] =
        decode_steps_ ? static_cast<double>(generated_) / static_cast<double>(decode_steps_) : 0.0;
    // What the acceptance table predicts per step; tokens_per_decode_step differs from it only
    // by the last step's cap at gen_len (and by whole tokens in short runs).
    llm["decode_steps_spilled"] = spilled_steps_;  // activations through DRAM (did not fit on chip)
    llm["expected_tokens_per_decode_step"] =
        decode_steps_ ? expected_accepted_ / static_cast<double>(decode_steps_) : 0.0;
    r.throughput = llm.find("decode_tokens_per_s")->as_double();
    r.throughput_unit = "tokens/s";
    r.sections["llm"] = llm;
  } else {
    r.throughput = r.total_seconds > 0 ? static_cast<double>(inferences_) / r.total_seconds : 0.0;
    r.throughput_unit = "inferences/s";
  }
  r.sections["llm_npu"] = section;
  return r;
}

[[maybe_unused]] static const bool npusim_llm_sections =
    register_model_section(
        {"schedule", "precision policy of an LLM on the LLM NPU (models/llm_npu/policy)", true}) &&
    register_model_section(
        {"decoding", "tree decoding of an LLM on the LLM NPU (PPD, models/llm_npu/tree.h)", true});

NPUSIM_REGISTER_COMPONENT(
    LlmNpu, "accelerator", "llm_npu",
    "LLM-optimised NPU: PMPD per-step precision, PPD tree decoding, bit-plane weights");

}  // namespace npusim
