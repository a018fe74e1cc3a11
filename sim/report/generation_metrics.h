// Metrics of generative workloads (a prefill phase, then decode steps), reported by any
// accelerator that runs one: time to first token, time per output token, decode tokens/s.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/json.h"
#include "sim/report/run_accounting.h"

namespace npusim {

// From the phase totals (by kind: Prefill, Decode) and the tokens generated; written as the
// "llm" section of stats.json.
Json generation_metrics(const std::vector<PhaseTotal>& phases, uint64_t generated_tokens,
                        double clock_hz, double total_seconds);

}  // namespace npusim
