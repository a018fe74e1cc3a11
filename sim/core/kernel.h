// One SystemC simulation. SystemC keeps its state in a global context that cannot be
// restarted, so every simulation (a CLI run, a unit test, one point of a Python sweep)
// installs a fresh context for its lifetime. Build the model after the SimKernel and destroy
// it before (declare the kernel first in the scope).
//
// Process bodies run inside SystemC's coroutines, where an exception would be turned into an
// sc_report and lose its type. Wrap them with `guarded` so a ConfigError raised mid-run (say,
// by a Python policy) reaches the caller as itself.
#pragma once

#include <systemc>

#include <cstdint>
#include <exception>
#include <functional>

namespace npusim {

class SimKernel {
 public:
  SimKernel();
  ~SimKernel();
  SimKernel(const SimKernel&) = delete;
  SimKernel& operator=(const SimKernel&) = delete;

  // Runs until no process has anything left to do, then rethrows the first exception a
  // guarded process raised.
  void run();

  // Number of times a suite process resumed from a wait: the "events" the speed benchmark
  // reports.
  static uint64_t activations();
  static void count_activation();
  static void record_exception(std::exception_ptr e);

 private:
  sc_core::sc_simcontext* previous_ = nullptr;
};

// Runs `body` inside a SystemC process; an exception stops the simulation and is rethrown by
// SimKernel::run.
void guarded(const std::function<void()>& body);

// Counted waits; every suite process waits through these.
void sim_wait(const sc_core::sc_time& t);
void sim_wait(const sc_core::sc_event& e);

}  // namespace npusim
