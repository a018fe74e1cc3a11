// The LLM NPU's program: for each request the runtime dispatches, walks the model phase by
// phase, asks the precision policy for each phase's width, lowers the operators and feeds the
// work units to the execution engine.
//
//   prefill     prompt_len tokens, weights at the policy's prefill width, tiled with spills
//   scheduler   the learned policy's classifier, once per request (PMPD spec §4.4)
//   decode      one phase per step: n = tree_size tokens (1 without tree decoding), attention
//               over the cached context plus the n on-chip tokens; the step accepts tau(n)
//               tokens (1 without tree decoding), which are appended to the KV cache
#include <string>

#include "models/llm_npu/llm_npu.h"
#include "sim/core/kernel.h"
#include "sim/workload/op_math.h"

namespace npusim {

size_t LlmNpu::begin_op(const Operator& op) {
  IRequestContext* mine = ctx_;
  ctx_->boundary();
  ctx_ = mine;  // (a preemption may have run another request's program on this model meanwhile)
  ++ops_started_;
  if (options_.progress) {
    options_.progress(
        total_ops_ ? static_cast<double>(ops_started_) / static_cast<double>(total_ops_) : 0.0,
        op.name);
  }
  const bool matrix =
      op.type == OpType::Gemm || op.type == OpType::Gemv || op.type == OpType::Attention;
  return acc_.begin_op(op.name, op_type_name(op.type),
                       matrix ? mpe_->peak_macs_per_cycle(16, 16) : 0);
}

void LlmNpu::feed_lowered(const std::string& key,
                          const std::function<void(std::vector<WorkUnit>&)>& make, size_t op_id,
                          const OperandBases& bases, uint64_t overhead) {
  if (!p_.lowering_cache) {
    std::vector<WorkUnit> fresh;
    make(fresh);
    engine_->feed(std::move(fresh), op_id, bases, overhead);
    return;
  }
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    std::vector<WorkUnit> steps;
    make(steps);
    it = cache_.emplace(key, std::move(steps)).first;
  }
  engine_->feed_shared(it->second, op_id, bases, overhead);
}

void LlmNpu::run_model(size_t index, IRequestContext& ctx) {
  ctx_ = &ctx;
  if (runs_[index].model->llm) {
    run_llm(runs_[index], index);
  } else {
    run_operator_list(*runs_[index].model, index);
  }
}

// An operator-list model: every operator tiled, activations through DRAM.
void LlmNpu::run_operator_list(const Model& m, size_t model_index) {
  ctx_->begin_phase(workload_->models.size() > 1 ? m.name + ":inference" : "inference",
                    PhaseKind::Inference);
  for (const Operator& op : m.layers) {
    if (op.precision.weight != 16 && tensor_sizes(op).weight > 0 &&
        !supported(static_cast<int>(op.precision.weight))) {
      throw WorkloadError("operator `" + op.name + "` has " + std::to_string(op.precision.weight) +
                          "-bit weights; the LLM NPU's weight layout supports " +
                          layout_.supported_text() + " at " + op.source);
    }
    feed_tiled(op, op.name, model_index, static_cast<int>(op.precision.weight));
  }
  inferences_ += static_cast<uint64_t>(m.batch);
}

void LlmNpu::feed_tiled(const Operator& op, const std::string& weight_key, size_t model_index,
                        int weight_bits) {
  const Placement& pl = placement_[model_index];
  const size_t id = begin_op(op);
  const size_t parity = op_parity_++ % 2;
  Operator o = op;
  o.precision.weight = weight_bits;
  OperandBases bases;
  if (op.type ==
      OpType::Attention) {  // fused: queries from the activation ping, K/V from the cache
    const auto layer = static_cast<uint64_t>(op.layer);
    bases = {act_base_[parity], pl.kv_base + layer * pl.kv_layer_bytes, act_base_[1 - parity]};
    std::vector<WorkUnit> steps;
    lowering_->attention(o, false, 0, 0, steps);
    engine_->feed(std::move(steps), id, bases, clock_.cycle_at_ps(p_.kernel_overhead.ps).n);
    return;
  }
  auto w = weight_bits == 16 ? pl.fp16.find(weight_key) : pl.weights.find(weight_key);
  const uint64_t weights =
      w == (weight_bits == 16 ? pl.fp16.end() : pl.weights.end()) ? 0 : w->second;
  // The units go to the engine in bounded batches as they are made; the kernel overhead
  // comes with the first.
  const uint64_t overhead = clock_.cycle_at_ps(p_.kernel_overhead.ps).n;
  UnitSink sink([&](std::vector<WorkUnit>&& units, bool first, bool last) {
    engine_->feed(std::move(units), id, bases, overhead, first, last);
  });
  tiled_->lower(o, {act_base_[parity], weights, act_base_[1 - parity]}, sink);
  sink.close();
}

void LlmNpu::run_llm(ModelRun& r, size_t model_index) {
  run_prefill(r, model_index);
  const ClassifierJob job = r.policy->classifier(*r.model->llm, r.model->generation.prompt_len,
                                                 static_cast<int>(r.model->precision.kv));
  if (!job.empty()) run_classifier(r, job, model_index);
  run_decode(r, model_index);
}

void LlmNpu::run_prefill(ModelRun& r, size_t model_index) {
  const Model& m = *r.model;
  const auto prompt = static_cast<uint64_t>(m.generation.prompt_len);
  const int bits = r.policy->prefill_bits();
  ctx_->begin_phase(workload_->models.size() > 1 ? m.name + ":prefill" : "prefill",
                    PhaseKind::Prefill);
  engine_->stall(clock_.cycle_at_ps(p_.step_overhead.ps).n);
  for (const Operator& op : llm_forward_ops(m, prompt, prompt, true, true, "prefill")) {
    if (op.role == OpRole::LmHead && !p_.include_lm_head) continue;
    const int w = op.role == OpRole::LmHead ? static_cast<int>(p_.lm_head_bits) : bits;
    feed_tiled(op, op.name, model_index, w);
  }
}

void LlmNpu::run_classifier(const ModelRun& r, const ClassifierJob& job, size_t model_index) {
  const Model& m = *r.model;
  ctx_->begin_phase(workload_->models.size() > 1 ? m.name + ":scheduler" : "scheduler",
                    PhaseKind::Other);
  Operator op;
  op.name = "pmpd_classifier";
  op.type = OpType::Attention;
  const size_t id = begin_op(op);
  const auto h = static_cast<uint64_t>(m.llm->heads), d = static_cast<uint64_t>(m.llm->head_dim),
             t = static_cast<uint64_t>(m.generation.prompt_len), hd = h * d;
  std::vector<WorkUnit> steps;
  // Read the last layer's K and V (chunked to the KV buffer) and average them over heads.
  const uint64_t kv_half = kv_buf_->capacity_bytes() / (p_.double_buffer ? 2 : 1);
  for (uint64_t off = 0; off < job.kv_read_bytes; off += kv_half) {
    WorkUnit s;
    s.kind = WorkUnit::Kind::Vector;
    s.input_bytes = std::min(kv_half, job.kv_read_bytes - off);
    s.input_addr = off;
    s.input_class = TensorClass::Kv;
    s.vw = {VectorFn::Add, job.head_mean_elements * s.input_bytes / job.kv_read_bytes, 16};
    s.opens_output = s.closes_output = false;
    steps.push_back(s);
  }
  // H x H learned queries of width D attend over the averaged K and V, on chip.
  WorkUnit att;
  att.kind = WorkUnit::Kind::Fused;
  att.mw = {h * h, d, t, 16, 16, 1};
  att.vw = {VectorFn::Softmax, h * h * t, 16};
  att.mw2 = {h * h, t, d, 16, 16, 1};
  att.opens_output = att.closes_output = false;
  steps.push_back(att);
  // LayerNorm -> Linear(HD, HD) -> ReLU -> Linear(HD, classes): fp16 weights stream like any
  // linear layer (mlp_weight_bytes = (HD^2 + HD x classes) x 2).
  const uint64_t classes = job.mlp_weight_bytes / 2 / hd - hd;
  lowering_->linear_on_chip(1, hd, hd, 16, 16, steps);
  lowering_->linear_on_chip(1, hd, classes, 16, 16, steps);
  const Placement& pl = placement_[model_index];
  const uint64_t last_layer =
      pl.kv_base + static_cast<uint64_t>(m.llm->layers - 1) * pl.kv_layer_bytes;
  engine_->feed(std::move(steps), id, {pl.classifier, last_layer, 0}, 0);
}

bool LlmNpu::activations_fit(const std::vector<Operator>& ops) const {
  for (const Operator& op : ops) {
    if (op.type != OpType::Gemm && op.type != OpType::Attention) continue;  // SFU ops work in place
    if (op.role == OpRole::LmHead && !p_.include_lm_head) continue;
    const TensorSizes t = tensor_sizes(op);
    const uint64_t in = op.type == OpType::Attention ? t.output : t.input;  // queries; K/V stream
    if (bytes_for(in, op.precision.activation) > act_buf_->capacity_bytes() ||
        bytes_for(t.output, op.precision.output) > out_buf_->capacity_bytes()) {
      return false;
    }
  }
  return true;
}

void LlmNpu::feed_on_chip(const Operator& op, const Model& m, size_t model_index, int bits,
                          uint64_t on_chip_positions, uint64_t append_tokens,
                          uint64_t kv_position) {
  const Placement& pl = placement_[model_index];
  const size_t id = begin_op(op);
  const uint64_t overhead = clock_.cycle_at_ps(p_.kernel_overhead.ps).n;
  if (op.type == OpType::Attention) {
    const uint64_t layer_base = pl.kv_base + static_cast<uint64_t>(op.layer) * pl.kv_layer_bytes;
    const uint64_t append_at =
        layer_base +
        kv_position * 2 *
            bytes_for(static_cast<uint64_t>(m.llm->kv_heads * m.llm->head_dim), m.precision.kv);
    std::vector<WorkUnit> steps;
    lowering_->attention(op, true, on_chip_positions, append_tokens, steps);
    engine_->feed(std::move(steps), id, {0, layer_base, append_at}, overhead);
    return;
  }
  if (op.type == OpType::Gemm) {
    const uint64_t m_rows = static_cast<uint64_t>(op.m), k = static_cast<uint64_t>(op.k),
                   n = static_cast<uint64_t>(op.n);
    const std::string key = "linear:" + std::to_string(m_rows) + "x" + std::to_string(k) + "x" +
                            std::to_string(n) + "@" + std::to_string(bits) + "/" +
                            std::to_string(op.precision.activation);
    const auto& table = bits == 16 ? pl.fp16 : pl.weights;
    feed_lowered(
        key,
        [&](std::vector<WorkUnit>& out) {
          lowering_->linear_on_chip(m_rows, k, n, bits, static_cast<int>(op.precision.activation),
                                    out);
        },
        id, {table.at(op.name), 0, 0}, overhead);
    return;
  }
  VectorWork w;
  elementwise_work(op, &w);
  const std::string key =
      "vector:" + std::to_string(static_cast<int>(w.fn)) + ":" + std::to_string(w.elements);
  feed_lowered(
      key, [&](std::vector<WorkUnit>& out) { lowering_->elementwise_on_chip(op, out); }, id, {},
      overhead);
}

bool LlmNpu::layers_aligned(size_t model_index) const {
  // Layers repeat exactly only where their weights and K/V sit a whole number of the
  // memories' address periods apart (same channels, banks and bursts).
  const uint64_t period = engine_->address_period();
  const Placement& pl = placement_[model_index];
  if (pl.kv_layer_bytes % period != 0) return false;
  for (const auto* table : {&pl.weights, &pl.fp16}) {
    for (const auto& [name, addr] : *table) {
      if (addr % period != 0) return false;
    }
  }
  return true;
}

size_t LlmNpu::skip_remaining_layers(const std::vector<Operator>& ops, size_t next,
                                     const ExecEngine::BlockMark& before,
                                     const ExecEngine::BlockMark& now) {
  // ops[next] starts the first layer not fed; the block between the marks is one layer.
  const size_t per_layer = now.end_op - before.end_op;
  size_t end = next;
  while (end < ops.size() && ops[end].layer >= 0) ++end;
  NPUSIM_ASSERT((end - next) % per_layer == 0, "decode layers of unequal length");
  const size_t first = acc_.ops();
  for (size_t i = next; i < end; ++i) begin_op(ops[i]);
  engine_->skip_blocks(before, now, (end - next) / per_layer, first);
  return end - 1;
}

void LlmNpu::run_decode(ModelRun& r, size_t model_index) {
  const Model& m = *r.model;
  const TreeDecoding& tree = r.tree;
  const auto gen = static_cast<uint64_t>(m.generation.gen_len);
  const uint64_t n = static_cast<uint64_t>(tree.tree_size);
  const std::string label = workload_->models.size() > 1 ? m.name + ":decode" : "decode";
  uint64_t generated = 0, kv = static_cast<uint64_t>(m.generation.prompt_len);
  int previous = r.policy->prefill_bits();
  std::vector<Operator> decode_ops;
  bool on_chip = true;
  for (int64_t step = 0; generated < gen; ++step) {
    DecodeContext c{static_cast<int64_t>(generated), m.generation.prompt_len, m.generation.gen_len,
                    static_cast<int64_t>(kv), previous};
    const int bits = r.policy->bits_for_token(c);
    if (bits != previous) engine_->stall(static_cast<uint64_t>(p_.switch_penalty_cycles));
    const uint64_t accepted =
        n == 1 ? 1
               : std::min<uint64_t>(static_cast<uint64_t>(tree.accepted_at(step)), gen - generated);
    // Tree tokens whose K/V stay on chip are appended only once accepted; otherwise all are
    // written.
    const uint64_t append = (n == 1 || tree.kv_on_chip) ? accepted : n;
    ctx_->begin_phase(label, PhaseKind::Decode);
    engine_->stall(clock_.cycle_at_ps(p_.step_overhead.ps).n);
    if (p_.include_embedding) {
      Operator emb;
      emb.name = "embedding";
      emb.type = OpType::Activation;
      const size_t id = begin_op(emb);
      WorkUnit s;
      s.kind = WorkUnit::Kind::Vector;
      s.weight_bytes = bytes_for(n * static_cast<uint64_t>(m.llm->hidden), p_.embedding_bits);
      s.vw = {VectorFn::Copy, n * static_cast<uint64_t>(m.llm->hidden), 16};
      s.opens_output = s.closes_output = false;
      engine_->feed(std::vector<WorkUnit>{s}, id, {placement_[model_index].embedding, 0, 0}, 0);
    }
    // The forward pass is the same every step but for the attention's context length.
    if (decode_ops.empty()) {
      decode_ops = llm_forward_ops(m, n, kv + n, false, false, "decode");
      on_chip = activations_fit(decode_ops);
    }
    // Every layer of a step is the same work; once the engine sees a layer repeat the one
    // before it, the remaining layers are applied at once (ExecEngine::skip_blocks, exact).
    const bool skip_layers = on_chip && !ctx_->may_preempt() && layers_aligned(model_index);
    ExecEngine::BlockMark marks[2];
    int64_t layer = -1;
    for (size_t i = 0; i < decode_ops.size(); ++i) {
      Operator& op = decode_ops[i];
      if (op.type == OpType::Attention) op.kv_len = static_cast<int64_t>(kv + n);
      if (op.role == OpRole::LmHead && !p_.include_lm_head) continue;
      if (skip_layers && op.layer != layer && layer >= 0 && op.layer > layer) {  // a layer boundary
        std::swap(marks[0], marks[1]);
        if (engine_->mark_block(marks[1]) && engine_->blocks_repeat(marks[0], marks[1])) {
          i = skip_remaining_layers(decode_ops, i, marks[0], marks[1]);
          layer = -1;
          continue;
        }
      }
      layer = op.layer;
      const int w = op.role == OpRole::LmHead ? static_cast<int>(p_.lm_head_bits) : bits;
      if (on_chip)
        feed_on_chip(op, m, model_index, w, n, append, kv);
      else
        feed_tiled(op, op.name, model_index, w);  // all n positions' K/V go through DRAM
    }
    spilled_steps_ += on_chip ? 0 : 1;
    generated += accepted;
    kv += accepted;
    bit_tokens_ += static_cast<uint64_t>(bits) * accepted;
    expected_accepted_ += n == 1 ? 1.0 : tree.accepted_per_step(static_cast<int64_t>(n));
    ++decode_steps_;
    previous = bits;
  }
  generated_ += generated;
}

}  // namespace npusim
