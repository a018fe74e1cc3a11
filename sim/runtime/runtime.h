// The runtime: admits requests, dispatches them to accelerators through the scheduler, and lets
// models run them (docs/runtime.md).
//
// Processes: an arrival process admits open-loop requests at their arrival times; one
// dispatcher per accelerator waits until a request may run there, charges the decision
// latency, asks the scheduler which request to run, and hands the accelerator to it; each
// request runs in its own process, which feeds the request's models to the accelerator
// (IAccelerator::run_model) and, at each operator boundary, asks a preemptive scheduler whether
// to yield (then the engine drains, the context switch is charged and the request waits to be
// picked again, on the same accelerator). A request completes when its accelerator's engine has
// drained after its last operator. Without a request stream the workload is one request that
// runs every model in order, arriving at time 0: exactly a single program.
//
// Nothing ticks: every process sleeps on an event or a known time.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/i_accelerator.h"
#include "sim/core/json.h"
#include "sim/runtime/i_scheduler.h"
#include "sim/runtime/request_stream.h"

namespace npusim {

struct RequestRecord {
  uint64_t id = 0;
  std::vector<size_t> models;  // run in order (one for a stream's request)
  size_t mix = 0;              // entry of the stream's mix
  size_t accelerator = SIZE_MAX;
  int64_t priority = 0;
  uint64_t arrival_ps = 0, start_ps = 0, finish_ps = 0, deadline_ps = 0;  // deadline 0: none
  uint64_t isolated_ps = 0;  // profiled latency alone (0: not profiled)
  uint64_t operators = 0;    // operators started so far
  uint64_t preemptions = 0;
  uint64_t sample = 0;  // the input sample it replays (accelerators with samples)
  bool started = false, finished = false;
};

// One scheduling decision (time, the candidates' ids in arrival order, the chosen id): the log
// that the golden reference of the tests replays.
struct Decision {
  uint64_t at_ps = 0;
  std::vector<uint64_t> candidates;
  uint64_t chosen = 0;
  bool operator==(const Decision& o) const {
    return at_ps == o.at_ps && candidates == o.candidates && chosen == o.chosen;
  }
};

struct RuntimeSetup {
  std::vector<IAccelerator*> accelerators;
  std::vector<std::string> accelerator_names;
  const Workload* workload = nullptr;
  std::optional<RequestStream> stream;  // none: one request running every model in order
  // No stream: the accelerator (index) the one request runs on; none: the first that is free.
  std::optional<size_t> program_accelerator;
  IScheduler* scheduler = nullptr;     // required with a stream
  std::vector<uint64_t> isolated_ps;   // per model: latency alone (stream only)
  std::vector<uint64_t> isolated_ops;  // per model: operators of one run (stream only)
  bool log_decisions = false;          // keep every decision (decisions())
};

class Runtime {
 public:
  explicit Runtime(RuntimeSetup s);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  // Spawns the processes; call before SimKernel::run().
  void start();
  std::vector<RequestRecord> requests() const;
  const std::vector<Decision>& decisions() const;
  // The "requests" section of stats.json (metrics.h).
  Json report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npusim
