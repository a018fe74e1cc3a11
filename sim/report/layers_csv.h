// The per-operator breakdown of stats.json as CSV (one row per phase and operator), for
// spreadsheets; written next to stats.json as layers.csv.
#pragma once

#include <string>

#include "sim/core/json.h"

namespace npusim {

std::string layers_csv(const Json& stats);

}  // namespace npusim
