// Energy of on-device learning through the suite's energy model (sim/energy): an iteration's
// activity as records that the energy table a device preset names prices by the same rules as
// an accelerator's components (docs/ondevice_learning.md "Energy", docs/energy.md):
//
//   record  action            count
//   cpu     compute_core_ns   cores x compute_s   (the kernels' cores at work)
//           memory_core_ns    cores x memory_s    (the kernels' cores waiting on memory)
//           framework_ns      overhead_s          (the software stack between kernels)
//   sram,   read_byte         bytes read in the space
//   flash,  write_byte        bytes written in the space
//   dram                      (a record per space the device has)
//   board   (leakage per instance x elapsed seconds: the board's static power)
//
// Nanosecond counts are rounded to whole nanoseconds.
#pragma once

#include <string>
#include <vector>

#include "sim/core/json.h"
#include "sim/energy/energy_report.h"
#include "sim/memory_ledger/device.h"

namespace npusim {

// The actions an on-device table may price, per record type (the check below rejects others).
const std::vector<std::string>& ondevice_energy_actions(const std::string& type);

// ConfigError naming the table's file, line and key when `t` lacks a record or an action the
// device needs, gives one no device has, or gives the board no leakage; `where` (" at
// file:line" of the preset's `energy` key) goes into the message of a missing record.
void check_ondevice_energy_table(const EnergyTable& t, const OnDeviceTarget& d,
                                 const std::string& where);

std::vector<ActivityRecord> ondevice_activity(const OnDeviceTarget& d, const IterationCost& c);

// The iteration priced by the device's table (loaded with the preset).
Json ondevice_energy_json(const OnDeviceTarget& d, const IterationCost& c);

}  // namespace npusim
