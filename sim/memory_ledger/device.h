// On-device learning targets: single-board computers and microcontrollers, as the memory
// ledger and the on-device cost model see them (hw_configs/ondevice/*.yaml). A device has
// memory spaces with caps (SRAM, flash, DRAM; 0B = the device has none), a CPU whose
// sustained rate runs the training phases, and a per-iteration framework overhead that is
// calibrated once to a paper's stated totals (the preset says which row: `calibration`).
//
// Time of one training iteration (docs/ondevice_learning.md):
//   t = MACs / (cores · clock · macs_per_cycle) + bytes / memory_bandwidth + framework_overhead
// Energy: the iteration's activity priced by the energy table the preset names (`energy:`,
// hw_configs/energy/ondevice_*.yaml) through the suite's energy model (device_energy.h).
#pragma once

#include <array>
#include <memory>
#include <string>

#include "sim/core/params.h"
#include "sim/core/units.h"
#include "sim/energy/energy_table.h"
#include "sim/memory_ledger/ledger.h"

namespace npusim {

struct OnDeviceTarget {
  std::string name, description, source, calibration, npu;
  int64_t cores = 1;
  Frequency clock{};
  double macs_per_cycle = 1.0;  // sustained fp32 MACs per cycle and core
  Bytes sram{0}, flash{0}, dram{0};
  Bandwidth memory_bandwidth{};
  Time framework_overhead{};  // per sample-iteration
  std::string energy;         // the energy table, as the preset names it
  // Loaded and checked with the preset (load_ondevice_target); null for a target built in code.
  std::shared_ptr<const EnergyTable> energy_table;
};

const ParamTable& ondevice_target_table();

// Loads and validates a preset; ConfigError naming the file, line and key on a bad one.
OnDeviceTarget load_ondevice_target(const std::string& path);

// The ledger's limits: each space present iff its capacity is above 0.
std::array<SpaceLimit, kMemorySpaces> memory_limits(const OnDeviceTarget& d);

// Bytes read and written per memory space (MemorySpace order).
struct MemoryTraffic {
  std::array<uint64_t, kMemorySpaces> read{}, written{};
  uint64_t total() const;
};

// One iteration: its time split by what bounds it, and the traffic behind memory_s (all of it
// at memory_bandwidth, whichever space it is in).
struct IterationCost {
  double compute_s = 0, memory_s = 0, overhead_s = 0;
  MemoryTraffic traffic;
  double seconds() const { return compute_s + memory_s + overhead_s; }
};
IterationCost iteration_cost(const OnDeviceTarget& d, uint64_t macs, const MemoryTraffic& traffic);

}  // namespace npusim
