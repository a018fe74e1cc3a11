#include "sim/workload/phases.h"

#include "sim/core/errors.h"
#include "sim/workload/op_math.h"

namespace npusim {

size_t phase_count(const Model& m) {
  return m.llm ? 1 + static_cast<size_t>(m.generation.gen_len) : 1;
}

Phase make_phase(const Model& m, size_t index) {
  Phase p;
  if (!m.llm) {
    NPUSIM_ASSERT(index == 0, "operator-list models have one phase");
    p.name = "inference";
    p.ops = m.layers;
    return p;
  }
  const auto prompt = static_cast<uint64_t>(m.generation.prompt_len);
  if (index == 0) {
    p.kind = PhaseKind::Prefill;
    p.name = "prefill";
    p.ops = llm_forward_ops(m, prompt, prompt, true, true, "prefill");
  } else {
    p.kind = PhaseKind::Decode;
    p.name = "decode";
    p.step = index - 1;
    p.ops = llm_forward_ops(m, 1, prompt + p.step + 1, false, false, "decode");
  }
  return p;
}

std::vector<Operator> llm_forward_ops(const Model& m, uint64_t tokens, uint64_t kv_len, bool causal,
                                      bool logits_for_last_only, const std::string& phase) {
  NPUSIM_ASSERT(m.llm.has_value(), "not an LLM model");
  const LlmArch& a = *m.llm;
  const auto t = static_cast<int64_t>(tokens);
  const int64_t q_dim = a.heads * a.head_dim, kv_dim = a.kv_heads * a.head_dim;
  std::vector<Operator> ops;
  auto base = [&](const std::string& name, OpType type) -> Operator& {
    Operator o;
    o.name = name;
    o.type = type;
    o.phase = phase;
    o.precision = m.precision;
    o.source = m.source;
    ops.push_back(o);
    return ops.back();
  };
  auto gemm = [&](const std::string& name, int64_t rows, int64_t k, int64_t n) -> Operator& {
    Operator& o = base(name, OpType::Gemm);
    o.m = rows, o.k = k, o.n = n;
    return o;
  };
  auto norm = [&](const std::string& name, int64_t rows) {
    Operator& o = base(name, OpType::Norm);
    o.norm = a.norm, o.rows = rows, o.cols = a.hidden;
  };
  auto eltwise = [&](const std::string& name, EltwiseFn fn, int64_t elements) {
    Operator& o = base(name, OpType::Elementwise);
    o.eltwise = fn, o.elements = elements;
  };
  auto activation = [&](const std::string& name, ActivationFn fn, int64_t elements) {
    Operator& o = base(name, OpType::Activation);
    o.fn = fn, o.elements = elements;
  };
  for (int64_t l = 0; l < a.layers; ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    const size_t first = ops.size();
    norm(p + "attn_norm", t);
    gemm(p + "attn.q_proj", t, a.hidden, q_dim);
    gemm(p + "attn.k_proj", t, a.hidden, kv_dim);
    gemm(p + "attn.v_proj", t, a.hidden, kv_dim);
    activation(p + "attn.rope", ActivationFn::Rope, t * (q_dim + kv_dim));
    Operator& att = base(p + "attn.sdpa", OpType::Attention);
    att.heads = a.heads, att.kv_heads = a.kv_heads, att.q_len = t;
    att.kv_len = static_cast<int64_t>(kv_len), att.head_dim = a.head_dim, att.causal = causal;
    gemm(p + "attn.o_proj", t, q_dim, a.hidden);
    if (!a.parallel_attention_mlp) {
      eltwise(p + "attn.residual", EltwiseFn::Add, t * a.hidden);
      norm(p + "mlp_norm", t);
    }
    if (a.ffn_kind == FfnKind::SwiGlu) {
      gemm(p + "mlp.gate_proj", t, a.hidden, a.ffn);
      gemm(p + "mlp.up_proj", t, a.hidden, a.ffn);
      activation(p + "mlp.silu", ActivationFn::Silu, t * a.ffn);
      eltwise(p + "mlp.gate_mul", EltwiseFn::Mul, t * a.ffn);
    } else {
      gemm(p + "mlp.fc1", t, a.hidden, a.ffn).activation = ActivationFn::Gelu;
    }
    gemm(p + "mlp." + std::string(a.ffn_kind == FfnKind::SwiGlu ? "down_proj" : "fc2"), t, a.ffn,
         a.hidden);
    if (a.parallel_attention_mlp) eltwise(p + "attn.residual", EltwiseFn::Add, t * a.hidden);
    eltwise(p + "mlp.residual", EltwiseFn::Add, t * a.hidden);
    for (size_t i = first; i < ops.size(); ++i) ops[i].layer = l;
  }
  const int64_t logit_rows = logits_for_last_only ? 1 : t;
  norm("final_norm", logit_rows);
  if (a.lm_head) gemm("lm_head", logit_rows, a.hidden, a.vocab).role = OpRole::LmHead;
  for (const auto& o : ops) validate_shapes(o);
  return ops;
}

}  // namespace npusim
