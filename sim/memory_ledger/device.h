// On-device learning targets: single-board computers and microcontrollers, as the memory
// ledger and the on-device cost model see them (hw_configs/ondevice/*.yaml). A device has
// memory spaces with caps (SRAM, flash, DRAM; 0B = the device has none), a CPU whose
// sustained rate runs the training phases, and a per-iteration framework overhead that is
// calibrated once to a paper's stated totals (the preset says which row: `calibration`).
//
// Time of one training iteration (docs/ondevice_learning.md):
//   t = MACs / (cores · clock · macs_per_cycle) + bytes / memory_bandwidth + framework_overhead
// Energy = power · t (a device-level power: the papers measured at the USB / board supply).
#pragma once

#include <array>
#include <string>

#include "sim/core/params.h"
#include "sim/core/units.h"
#include "sim/memory_ledger/ledger.h"

namespace npusim {

struct OnDeviceTarget {
  std::string name, description, source, calibration, npu;
  int64_t cores = 1;
  Frequency clock{};
  double macs_per_cycle = 1.0;  // sustained fp32 MACs per cycle and core
  Bytes sram{0}, flash{0}, dram{0};
  Bandwidth memory_bandwidth{};
  double power_w = 0.0;
  Time framework_overhead{};  // per sample-iteration
};

const ParamTable& ondevice_target_table();

// Loads and validates a preset; ConfigError naming the file, line and key on a bad one.
OnDeviceTarget load_ondevice_target(const std::string& path);

// The ledger's limits: each space present iff its capacity is above 0.
std::array<SpaceLimit, kMemorySpaces> memory_limits(const OnDeviceTarget& d);

struct IterationCost {
  double compute_s = 0, memory_s = 0, overhead_s = 0;
  double seconds() const { return compute_s + memory_s + overhead_s; }
};
IterationCost iteration_cost(const OnDeviceTarget& d, uint64_t macs, uint64_t bytes);

}  // namespace npusim
