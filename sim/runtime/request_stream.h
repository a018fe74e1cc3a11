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
//
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

struct MixEntry {
  size_t model = 0;
  double weight = 1;
  int64_t priority = 0;
  Time slo;                           // 0: none
  std::optional<size_t> accelerator;  // pinned to one accelerator of a platform
};

struct Arrival {
  uint64_t at_ps = 0;
  size_t mix = 0;  // index into RequestStream::mix
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

  // Open-loop arrivals (poisson, trace) in time order; closed_loop: the clients' first requests.
  std::vector<Arrival> initial_arrivals() const;
  // closed_loop: the mix entries of all `count` requests, in issue order.
  std::vector<size_t> mix_sequence() const;
};

// Parses and validates `requests:` against the workload's models and the platform's
// accelerators (names; empty for a single accelerator). Errors are WorkloadErrors with file:line.
RequestStream parse_request_stream(const Workload& w, const std::vector<std::string>& accelerators);

}  // namespace npusim
