#include "sim/memory_ledger/device_energy.h"

#include <algorithm>
#include <cmath>

#include "sim/core/errors.h"
#include "sim/core/text.h"

namespace npusim {
namespace {

const std::vector<std::string> kRecords = {"cpu", "board", "sram", "flash", "dram"};

uint64_t nanoseconds(double s) {
  return static_cast<uint64_t>(std::llround(s * 1e9));
}

std::string names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "`" : ", `") + n + "`";
  return s.empty() ? "none" : s;
}

}  // namespace

const std::vector<std::string>& ondevice_energy_actions(const std::string& type) {
  static const std::vector<std::string> cpu = {"compute_core_ns", "memory_core_ns", "framework_ns"};
  static const std::vector<std::string> memory = {"read_byte", "write_byte"};
  static const std::vector<std::string> none;
  if (type == "cpu") return cpu;
  if (type == "sram" || type == "flash" || type == "dram") return memory;
  return none;
}

void check_ondevice_energy_table(const EnergyTable& t, const OnDeviceTarget& d,
                                 const std::string& where) {
  const std::string table = "energy table `" + t.name + "` (" + t.file + ")";
  for (const auto& [key, prices] : t.components) {
    if (std::find(kRecords.begin(), kRecords.end(), key) == kRecords.end()) {
      throw ConfigError(table + ": unknown on-device component `" + key + "`" + prices.where +
                        did_you_mean(key, kRecords) + " (known: " + names(kRecords) + ")");
    }
    const std::vector<std::string>& known = ondevice_energy_actions(key);
    for (const auto& [action, price] : prices.actions) {
      if (std::find(known.begin(), known.end(), action) == known.end()) {
        throw ConfigError(table + ": unknown action `" + action + "` of `" + key + "`" +
                          price.where + did_you_mean(action, known) + " (" + key + " performs " +
                          names(known) + ")");
      }
    }
  }
  std::vector<std::string> needed = {"cpu", "board"};
  const auto spaces = memory_limits(d);
  for (size_t s = 0; s < kMemorySpaces; ++s)
    if (spaces[s].present) needed.push_back(memory_space_name(static_cast<MemorySpace>(s)));
  for (const std::string& key : needed) {
    auto it = t.components.find(key);
    if (it == t.components.end()) {
      throw ConfigError(table + ", named" + where + ", has no `" + key +
                        ":` entry, which device `" + d.name + "` needs");
    }
    for (const std::string& action : ondevice_energy_actions(key)) {
      if (!it->second.actions.count(action)) {
        throw ConfigError(table + ": `" + key + "`" + it->second.where + " has no energy for `" +
                          action + "`, which device `" + d.name + "` performs");
      }
    }
    if (key == "board" && (!it->second.leakage.given || it->second.leakage.per != "instance")) {
      throw ConfigError(table + ": `board`" + it->second.where +
                        " needs `leakage: {value: ..W, per: instance}` (the board's static power)");
    }
  }
}

std::vector<ActivityRecord> ondevice_activity(const OnDeviceTarget& d, const IterationCost& c) {
  std::vector<ActivityRecord> out;
  const auto cores = static_cast<double>(d.cores);
  ActivityRecord cpu{d.name + ".cpu", "cpu", {}};
  cpu.activity.actions = {{"compute_core_ns", nanoseconds(cores * c.compute_s)},
                          {"memory_core_ns", nanoseconds(cores * c.memory_s)},
                          {"framework_ns", nanoseconds(c.overhead_s)}};
  out.push_back(cpu);
  const auto spaces = memory_limits(d);
  for (size_t s = 0; s < kMemorySpaces; ++s) {
    const std::string space = memory_space_name(static_cast<MemorySpace>(s));
    if (!spaces[s].present) {
      if (c.traffic.read[s] + c.traffic.written[s] > 0) {
        throw ConfigError("traffic in " + space + " on device `" + d.name + "`, which has no " +
                          space);
      }
      continue;
    }
    ActivityRecord r{d.name + "." + space, space, {}};
    r.activity.actions = {{"read_byte", c.traffic.read[s]}, {"write_byte", c.traffic.written[s]}};
    r.activity.capacity_bytes = spaces[s].capacity;
    out.push_back(r);
  }
  out.push_back({d.name + ".board", "board", {}});
  return out;
}

Json ondevice_energy_json(const OnDeviceTarget& d, const IterationCost& c) {
  NPUSIM_ASSERT(d.energy_table != nullptr, "device `" + d.name + "` has no energy table loaded");
  const EnergyReport rep(*d.energy_table, ondevice_activity(d, c), c.seconds());
  return rep.to_json();
}

}  // namespace npusim
