// A model runs as a sequence of phases. An operator-list model is one phase ("inference");
// an LLM is a prefill phase and one decode phase per generated token, expanded here from its
// architecture so that traces stay small and every model shares one expansion.
//
// LLM conventions: prefill processes the prompt_len tokens (causal attention) and yields the
// first token's logits (lm_head on the last position only); decode step i (0-based) processes
// one token at position prompt_len + i against kv_len = prompt_len + i + 1 (the cache plus
// itself). Throughput in decode is gen_len / decode time; time to first token is the prefill.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/workload/trace.h"

namespace npusim {

// Inference: an operator-list pass; Prefill and Decode: a generative model's phases; Other:
// anything else a model or the runtime accounts (a scheduler's own work, idle time).
enum class PhaseKind : uint8_t { Inference, Prefill, Decode, Other };

struct Phase {
  PhaseKind kind = PhaseKind::Inference;
  std::string name;   // "inference", "prefill" or "decode"
  uint64_t step = 0;  // decode step index
  std::vector<Operator> ops;
};

size_t phase_count(const Model& m);
Phase make_phase(const Model& m, size_t index);

// The operators of one transformer forward pass over `tokens` new tokens whose attention spans
// `kv_len` positions. Names are "layer<i>.<part>" and "final_norm", "lm_head".
std::vector<Operator> llm_forward_ops(const Model& m, uint64_t tokens, uint64_t kv_len, bool causal,
                                      bool logits_for_last_only, const std::string& phase);

}  // namespace npusim
