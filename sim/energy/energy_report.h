// Energy, power and area of a run, computed after it from the activity counters (activity.h)
// and an energy table (energy_table.h); nothing here runs during the simulation.
//
//   component energy = sum over its actions of count x energy(action)      (dynamic)
//                    + leakage per size unit x size x simulated time        (static)
//   component area   = area per size unit x size
//
// Per operator (a breakdown row), the compute side is priced exactly from the row's own
// counts (MACs by class, vector elements by function, weight-transform elements, the compute
// units' buffer reads and writes). What the engine cannot split by operator — DRAM, DMA and
// the transfers' side of the buffers, whose traffic of one operator overlaps the next one's
// compute — is apportioned by the row's DRAM bytes, and the static energy by its cycles, so
// that the rows add up to the accelerator's total.
#pragma once

#include <string>
#include <vector>

#include "sim/core/component.h"
#include "sim/energy/energy_table.h"
#include "sim/exec/engine.h"

namespace npusim {

struct ComponentEnergy {
  const Component* component = nullptr;  // null for a record without a component tree
  std::string path, type;
  std::vector<std::pair<std::string, uint64_t>> counts;
  std::vector<double> action_j, action_each_j;  // per entry of `counts`
  double dynamic_j = 0, static_j = 0, area_m2 = 0;
};

// One priced record of a model that has no component tree (the on-device cost model,
// sim/memory_ledger/device_energy.h): the table entry is looked up by `path`, then `type`,
// exactly as for a component.
struct ActivityRecord {
  std::string path, type;
  ComponentActivity activity;
};

class EnergyReport {
 public:
  // Prices every component under `root` that reports activity; `seconds` is the simulated
  // time (for leakage). ConfigError when the table lacks a component, or an action one performed.
  EnergyReport(const EnergyTable& table, const Component& root, double seconds);
  // Checks before a run that the table has an entry for every priced component.
  static void check_covers(const EnergyTable& table, const Component& root);
  // Prices records instead of a component tree, by the same rules.
  EnergyReport(const EnergyTable& table, const std::vector<ActivityRecord>& records,
               double seconds);

  double dynamic_j() const { return dynamic_j_; }
  double static_j() const { return static_j_; }
  double total_j() const { return dynamic_j_ + static_j_; }
  double area_m2() const { return area_m2_; }
  const std::vector<ComponentEnergy>& components() const { return components_; }

  // Energy of each breakdown row of the accelerator whose engine is `engine` and whose
  // component subtree is `acc` (rows: RunResult::layer_accounts and layer_activity). The rows
  // sum to the
  // subtree's energy: `exact_j` priced from the rows' own counts, `apportioned_j` (the rest of
  // the dynamic energy) by DRAM bytes, `static_j` by cycles.
  struct Rows {
    std::vector<double> energy_j;
    double exact_j = 0, apportioned_j = 0, static_j = 0;
  };
  Rows row_energy(const Component& acc, const ExecEngine::Config& engine,
                  const std::vector<OpAccount>& rows,
                  const std::vector<OpActivity>& activity) const;

  Json to_json() const;

 private:
  void add(const std::string& path, const std::string& type, const ComponentActivity& a,
           const Component* c);
  const ComponentEnergy* find(const Component* c) const;
  double price(const Component* c, const std::string& action) const;  // joules per action
  double exact_row(const OpActivity& act, const ExecEngine::Config& engine) const;
  void subtree(const Component& c, double& dynamic, double& stat) const;

  const EnergyTable& table_;
  double seconds_;
  std::vector<ComponentEnergy> components_;
  double dynamic_j_ = 0, static_j_ = 0, area_m2_ = 0;
};

}  // namespace npusim
