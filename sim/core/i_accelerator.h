// The contract between the engine (CLI, Python) and a model. The root of a hardware YAML is
// an accelerator: it builds its component tree in its constructor, lowers a workload in
// prepare() (mapping problems are user errors raised there, before any time passes), runs
// as SystemC processes during SimKernel::run(), and reports in result().
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/core/component.h"
#include "sim/core/json.h"

namespace npusim {

struct Workload;
class IDram;

struct RunOptions {
  // Called now and then with the fraction done and what is running; may print progress.
  std::function<void(double fraction, const std::string& what)> progress;
};

struct RunResult {
  uint64_t total_cycles = 0;
  double total_seconds = 0;
  double throughput = 0;
  std::string throughput_unit;   // "inferences/s", "tokens/s"
  Json breakdown = Json::object();  // {"phases": [...], "layers": [...]}
  Json sections = Json::object();   // model-specific top-level sections
};

class IAccelerator : public Component {
 public:
  using Component::Component;
  virtual void prepare(const Workload& w, const RunOptions& options) = 0;
  virtual RunResult result() = 0;
  // The DRAM whose traffic stats.json reports at the top level.
  virtual const IDram& main_memory() const = 0;
  virtual const ClockDomain& accelerator_clock() const = 0;
};

}  // namespace npusim
