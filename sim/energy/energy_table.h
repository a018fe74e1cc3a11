// Energy and area tables, Accelergy-style: per component (an implementation type such as
// `scratchpad`, or one component's path such as `hw.weight_sram`), the energy of each action it
// performs, its leakage power and its area, each with its source. Tables are YAML files
// (hw_configs/energy/, format in docs/energy.md); a table may start from a `base` table and
// replace some of its entries. Values carry units: energies fJ/pJ/nJ/uJ/mJ/J, powers
// nW/uW/mW/W, areas um2/mm2. An action's energy is a number, or a curve over the component's
// capacity ([[8KiB, 1.25pJ], [32KiB, 2.5pJ], ...], interpolated linearly in log-log and
// extended by the end segments' slopes).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/config.h"

namespace npusim {

struct EnergyPrice {
  std::vector<std::pair<double, double>> curve;  // (capacity bytes, joules); one point: constant
  std::string source;
  std::string where;  // file:line, for messages
  double at(double capacity_bytes) const;
};

struct SizedValue {  // area (m^2) or leakage (W) per `per` of the component's size
  double value = 0;
  std::string per;
  std::string source, where;
  bool given = false;
};

struct ComponentPrices {
  std::map<std::string, EnergyPrice> actions;
  SizedValue area, leakage;
  std::string where;  // " at file:line" of its key, for messages
};

struct EnergyTable {
  std::string name, technology, source, file;
  std::vector<std::string> files;                     // it and its bases, as read
  std::map<std::string, ComponentPrices> components;  // by type or path

  // Entry for a component: its path first, then its implementation type; null if neither.
  const ComponentPrices* find(const std::string& path, const std::string& type) const;
};

// Loads a table file (and its bases). Every problem is a ConfigError naming the file, line
// and key.
EnergyTable load_energy_table(const std::string& path);
// Loads a table by reference, as a hardware file or a table's `base:` gives it: a shipped
// table's name (hw_configs/energy/<name>.yaml), or a file ending in .yaml relative to `dir`.
// `where` (" at file:line") goes into the message when the name is unknown.
EnergyTable load_energy_table(const std::string& ref, const std::string& dir,
                              const std::string& where);

}  // namespace npusim
