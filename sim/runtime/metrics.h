// Multi-tenant metrics of a request stream (Dysta spec §4.3 conventions, plus the classic
// normalised-progress ones):
//   latency_i   = finish_i - arrival_i;  NTT_i = latency_i / isolated_i (isolated: alone)
//   ANTT        = mean of NTT_i
//   violation   = share of all requests with finish_i > deadline_i (no SLO: never violated)
//   STP         = completed / (last finish - first arrival), requests per second (Dysta's);
//   STP (NP)    = sum of isolated_i / latency_i (Eyerman & Eeckhout's system throughput)
//   fairness    = min NP_i / max NP_i, NP_i = isolated_i / latency_i
// Requests without an isolated latency (a single program) have NTT 1 by definition.
#pragma once

#include <string>
#include <vector>

#include "sim/core/json.h"
#include "sim/runtime/runtime.h"

namespace npusim {

struct TenancyMetrics {
  uint64_t requests = 0, completed = 0, with_slo = 0, violations = 0, preemptions = 0;
  double antt = 0, violation_rate = 0, stp_per_s = 0, stp_progress = 0, fairness = 0;
  double makespan_s = 0;  // last finish - first arrival
  double latency_mean_s = 0, latency_p50_s = 0, latency_p95_s = 0, latency_p99_s = 0,
         latency_max_s = 0;
};

TenancyMetrics tenancy_metrics(const std::vector<RequestRecord>& requests);

// The "requests" section of stats.json: the metrics, per model, and (with `list`) one entry per
// request.
Json requests_report(const std::vector<RequestRecord>& requests,
                     const std::vector<std::string>& models,
                     const std::vector<std::string>& accelerators, const std::string& scheduler,
                     bool list = true);

}  // namespace npusim
