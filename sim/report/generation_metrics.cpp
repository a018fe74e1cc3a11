#include "sim/report/generation_metrics.h"

namespace npusim {

Json generation_metrics(const std::vector<PhaseTotal>& phases, uint64_t generated_tokens,
                        double clock_hz, double total_seconds) {
  uint64_t prefill = 0, decode = 0, decode_steps = 0;
  for (const PhaseTotal& p : phases) {
    if (p.kind == PhaseKind::Prefill) prefill += p.cycles;
    if (p.kind == PhaseKind::Decode) decode += p.cycles, decode_steps += p.count;
  }
  const double decode_s = static_cast<double>(decode) / clock_hz;
  Json llm = Json::object();
  llm["generated_tokens"] = generated_tokens;
  llm["decode_steps"] = decode_steps;
  llm["time_to_first_token_s"] = static_cast<double>(prefill) / clock_hz;
  llm["decode_seconds"] = decode_s;
  llm["time_per_decode_step_s"] = decode_steps ? decode_s / static_cast<double>(decode_steps) : 0.0;
  llm["time_per_output_token_s"] =
      generated_tokens ? decode_s / static_cast<double>(generated_tokens) : 0.0;
  llm["decode_tokens_per_s"] =
      decode_s > 0 ? static_cast<double>(generated_tokens) / decode_s : 0.0;
  llm["end_to_end_tokens_per_s"] =
      total_seconds > 0 ? static_cast<double>(generated_tokens) / total_seconds : 0.0;
  return llm;
}

}  // namespace npusim
