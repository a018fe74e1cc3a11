// Per-phase and per-operator accounting shared by the models. Operators are aggregated by
// (phase, name): an LLM's 256 decode steps fold into one row per operator with its count.
// Cycles are completion-to-completion: an operator is charged the time from the previous
// operator's completion to its own, so the rows sum to the run's total.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/json.h"
#include "sim/energy/activity.h"

namespace npusim {

struct OpAccount {
  uint64_t cycles = 0;          // completion-to-completion
  uint64_t compute_cycles = 0;  // busy cycles of the unit that ran it
  uint64_t macs = 0;
  uint64_t dram_read = 0, dram_written = 0;
  uint64_t peak_macs_per_cycle = 0;  // of the unit that ran it (for utilisation)
};

class Breakdown {
 public:
  // Returns a stable row index for (phase, name, op type).
  size_t row(const std::string& phase, const std::string& name, const std::string& op_type);
  // `act`: the operator's compute-side actions (null: none).
  void add(size_t row, const OpAccount& a, const OpActivity* act = nullptr);
  void add_phase(const std::string& phase, uint64_t cycles, uint64_t steps);
  Json to_json(double clock_hz) const;
  size_t rows() const { return rows_.size(); }
  std::vector<OpAccount> row_totals() const;     // each layer row's summed account, in order
  std::vector<OpActivity> row_activity() const;  // and its summed compute-side actions

 private:
  struct Row {
    std::string phase, name, op_type;
    uint64_t count = 0;
    OpAccount total;
    OpActivity activity;
  };
  struct PhaseRow {
    std::string name;
    uint64_t cycles = 0, steps = 0;
  };
  std::vector<Row> rows_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<PhaseRow> phases_;
};

}  // namespace npusim
