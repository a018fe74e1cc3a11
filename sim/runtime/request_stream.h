// Request streams: the `requests:` section of a workload trace (docs/runtime.md).
//
//   requests:
//     arrivals: poisson        # poisson | trace | closed_loop
//     rate: 200                # poisson: requests per second
//     count: 40                # poisson, closed_loop: requests in all
//     clients: 2               # closed_loop: each issues its next request `think` after the last
//     think: 0s
//     seed: 1                  # model mix and Poisson gaps
//     trace: [{at: 0us, model: resnet50}, ...]   # trace: explicit arrivals
//     mix: [{model: resnet50, weight: 1, priority: 0, slo: 20ms}, ...]
//     scheduler: {type: fcfs}  # a registered scheduler (npusim list)
//     decision_latency: 0s     # each dispatch decision
//     context_switch: 0s       # each preemption
//     priorities: [1, 3, 9]    # each request draws its priority uniformly from these
//     sample_pool: 7           # each request replays an input sample drawn from the first 7
//                              # of its model's samples (0: sample 0; 1000000: all)
//     decisions: dispatch      # dispatch | every_boundary (see DecisionPoints)
//     slo_multiplier: 10       # deadline = arrival + 10 x the model's SLO base (layer_progress.h)
//
// Per request the draws are, in order: the gap (Poisson), the mix entry, the priority (with
// `priorities`), the sample (with `sample_pool` above 0).
// Random draws use a 64-bit Mersenne Twister with explicit transforms (inverse CDF for the
// exponential gaps), so a seed gives the same stream on every platform.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/units.h"
#include "sim/workload/trace.h"

namespace npusim {

enum class ArrivalProcess { Poisson, Trace, ClosedLoop };
// When the scheduler decides: when an accelerator is free (and, for a preemptive scheduler,
// whether to preempt at a boundary), or over all requests at every operator boundary.
enum class DecisionPoints { Dispatch, EveryBoundary };

struct MixEntry {
  size_t model = 0;
  double weight = 1;
  int64_t priority = 0;
  Time slo;                           // 0: none
  std::optional<size_t> accelerator;  // pinned to one accelerator of a platform
};

struct Arrival {
  uint64_t at_ps = 0;
  size_t mix = 0;                   // index into RequestStream::mix
  std::optional<int64_t> priority;  // drawn from `priorities` (else the mix entry's)
  double sample_u = 0;              // uniform in [0, 1): picks the input sample from the pool
};

struct RequestStream {
  ArrivalProcess process = ArrivalProcess::Poisson;
  double rate = 0;
  int64_t count = 0, clients = 1;
  Time think;
  uint64_t seed = 1;
  std::vector<MixEntry> mix;
  std::vector<Arrival> trace;
  std::optional<ConfigNode> scheduler;  // absent: fcfs
  Time decision_latency, context_switch;
  std::vector<int64_t> priorities;  // empty: the mix entries' priorities
  int64_t sample_pool = 0;          // 0: every request replays sample 0
  double slo_multiplier = 0;        // 0: the mix entries' `slo`
  DecisionPoints decisions = DecisionPoints::Dispatch;
  bool request_list = true;  // stats.json lists every request

  // The sample of a request with draw `u` among `samples` samples of its model.
  uint64_t sample_of(double u, uint64_t samples) const;

  // Open-loop arrivals (poisson, trace) in time order; closed_loop: the clients' first requests.
  std::vector<Arrival> initial_arrivals() const;
  // closed_loop: the mix entries of all `count` requests, in issue order.
  std::vector<size_t> mix_sequence() const;
};

// Parses and validates `requests:` against the workload's models and the platform's
// accelerators (names; empty for a single accelerator). Errors are WorkloadErrors with file:line.
RequestStream parse_request_stream(const Workload& w, const std::vector<std::string>& accelerators);

}  // namespace npusim
