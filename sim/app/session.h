// One simulation from inputs to outputs, shared by the CLI and the Python module so both
// produce the same stats for the same inputs.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/i_accelerator.h"
#include "sim/core/json.h"
#include "sim/report/timeline.h"

namespace npusim {

using Overrides = std::vector<std::pair<std::string, std::string>>;

struct SessionInput {
  std::shared_ptr<YamlDoc> hw;
  std::shared_ptr<YamlDoc> workload;  // may be null for validation of hw only
  Overrides overrides;                // "path=value"; paths under workload.* go to the trace
  std::string timeline_path;          // "" = no timeline
  size_t timeline_limit = Timeline::kDefaultMaxEvents;  // events kept; later ones are counted
  RunOptions options;
};

struct SessionOutput {
  Json stats;                 // the content of stats.json
  std::string resolved_yaml;  // the content of resolved_config.yaml
  uint64_t total_cycles = 0;
  uint64_t activations = 0;       // process wake-ups (for the speed benchmark)
  uint64_t operators = 0;         // operators the (first) request ran
  uint64_t timeline_dropped = 0;  // timeline events beyond timeline_limit
};

// Splits "a.b=c" into its path and value; UserError when there is no '='.
std::pair<std::string, std::string> parse_override(const std::string& text);

// Applies overrides to whichever document they address.
void apply_overrides(SessionInput& in);

// Builds the model, lowers the workload, runs it and collects the report.
SessionOutput run_session(SessionInput in);

// Builds the model (and lowers the workload when given) without simulating; returns the
// resolved hardware config.
std::string validate_session(SessionInput in);

// Names of stats.json's top-level keys, in order (the contract of DESIGN.md).
const std::vector<std::string>& stats_top_level_keys();

}  // namespace npusim
