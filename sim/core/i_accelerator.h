// The contract between the runtime (sim/runtime) and a model. The root of a hardware YAML is
// an accelerator (or a platform of several, sim/runtime/platform.cpp): it builds its component
// tree in its constructor and lowers a workload in prepare() (mapping problems are user errors
// raised there, before any time passes). During SystemC's run the runtime calls run_model()
// from its own process for every request it dispatches: the model feeds that model's work
// units to its execution engine, calling the request context's boundary() before each operator
// (a preemption point), and returns without waiting for the work to finish; the runtime drains
// the engine when it needs the request's end. result() reports after the run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/component.h"
#include "sim/core/json.h"
#include "sim/report/breakdown.h"
#include "sim/report/run_accounting.h"

namespace npusim {

struct Workload;
enum class PhaseKind : uint8_t;  // sim/workload/phases.h
class IDram;
class ExecEngine;
class RunAccounting;

// Keys the root of a hardware file holds besides its component's parameters: the hardware's
// name and the energy table that prices its runs (docs/energy.md).
inline const std::vector<std::string> kHardwareRootKeys = {"name", "energy"};

struct RunOptions {
  // Called now and then with the fraction done and what is running; may print progress.
  std::function<void(double fraction, const std::string& what)> progress;
};

struct RunResult {
  uint64_t total_cycles = 0;
  double total_seconds = 0;
  double throughput = 0;
  std::string throughput_unit;             // "inferences/s", "tokens/s"
  Json breakdown = Json::object();         // {"phases": [...], "layers": [...]}
  std::vector<OpAccount> layer_accounts;   // the layer rows' totals, in order (for energy)
  std::vector<OpActivity> layer_activity;  // and their compute-side actions
  Json sections = Json::object();          // model-specific top-level sections

  void set_breakdown(const Breakdown& b, double clock_hz) {
    breakdown = b.to_json(clock_hz);
    layer_accounts = b.row_totals();
    layer_activity = b.row_activity();
  }
  // The report of a run of `inferences` whole inferences: the accounting's total time and
  // breakdown (finishes `acc`), throughput in inferences/s. A model adds its own sections.
  static RunResult of_inferences(RunAccounting& acc, const ClockDomain& clock,
                                 uint64_t inferences) {
    RunResult r;
    Breakdown b;
    r.total_cycles = acc.finish(clock, b);
    r.total_seconds = clock.seconds(Cycles(r.total_cycles));
    r.throughput = r.total_seconds > 0 ? static_cast<double>(inferences) / r.total_seconds : 0;
    r.throughput_unit = "inferences/s";
    r.set_breakdown(b, static_cast<double>(clock.frequency().hz));
    return r;
  }
};

// What a model sees of the request it is running.
class IRequestContext {
 public:
  virtual ~IRequestContext() = default;
  // Called before every operator: the runtime may preempt here (drain the engine, run other
  // requests, and return later).
  virtual void boundary() = 0;
  // Whether boundary() may preempt (a preemptive scheduler): then every operator must be fed.
  virtual bool may_preempt() const = 0;
  // Starts a phase of the accounting ("prefill", "decode", ...); kept per request so that a
  // resumed request continues its own phase.
  virtual void begin_phase(const std::string& label, PhaseKind kind) = 0;
};

class IAccelerator : public Component {
 public:
  using Component::Component;
  virtual void prepare(const Workload& w, const RunOptions& options) = 0;
  // Feeds model `index` of the prepared workload (see above).
  virtual void run_model(size_t index, IRequestContext& ctx) = 0;
  virtual ExecEngine& engine() = 0;
  virtual RunAccounting& accounting() = 0;
  virtual RunResult result() = 0;
  // The DRAM whose traffic stats.json reports at the top level.
  virtual const IDram& main_memory() const = 0;
  virtual const ClockDomain& accelerator_clock() const = 0;

 protected:
  // The DRAM the accelerator uses: on a platform the shared one (BuildContext::shared_dram),
  // otherwise its own `dram` slot, built into `own` (sim/runtime/platform.cpp).
  IDram* attach_dram(std::unique_ptr<IDram>& own);
};

}  // namespace npusim
