// The human-readable summary `npusim run` prints, computed from stats.json alone.
#pragma once

#include <string>

#include "sim/core/json.h"

namespace npusim {

std::string summary_table(const Json& stats, size_t top_layers = 8);

}  // namespace npusim
