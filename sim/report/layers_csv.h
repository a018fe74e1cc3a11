// The per-operator breakdown of stats.json as CSV (one row per phase and operator), for
// spreadsheets; written next to stats.json as layers.csv.
#pragma once

#include <string>

#include "sim/core/json.h"

namespace npusim {

std::string layers_csv(const Json& stats);

// The per-request list of a request stream (stats.json `requests.list`) as CSV, written next to
// stats.json as requests.csv; empty without a request stream.
std::string requests_csv(const Json& stats);

}  // namespace npusim
