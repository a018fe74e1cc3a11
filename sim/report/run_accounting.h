// Per-operator and per-phase accounting shared by the models. A model registers each operator
// as it starts (in program order), adds its traffic and compute to the operator's account, and
// tells the end time once known; finish() charges each operator the time from the previous
// operator's end to its own (so the rows add up to the total) and folds rows and phases into
// a Breakdown. Phases are contiguous runs of operators; an LLM's decode steps are phases with
// the same label, so they fold into one row per operator with a count.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sim/core/clock.h"
#include "sim/mapping/lowering.h"
#include "sim/report/breakdown.h"
#include "sim/workload/phases.h"

namespace npusim {

struct OpTraffic {
  std::array<uint64_t, kTensorClasses> read{}, written{};
};

struct PhaseTotal {
  std::string label;
  PhaseKind kind = PhaseKind::Other;
  uint64_t cycles = 0;                  // summed over the phases with this label
  uint64_t count = 0;                   // how many phases had this label
  uint64_t macs = 0, mac_capacity = 0;  // MACs done, and peak MACs x cycles of their operators
  uint64_t dram_read = 0, dram_written = 0;
};

class RunAccounting {
 public:
  // Starts a new phase (the next operators belong to it).
  void begin_phase(const std::string& label, PhaseKind kind);
  // Registers an operator of the current phase; returns its id.
  size_t begin_op(const std::string& name, const std::string& op_type,
                  uint64_t peak_macs_per_cycle);
  OpAccount& account(size_t id) { return ops_[id].acct; }
  OpTraffic& traffic(size_t id) { return ops_[id].traffic; }
  // The operator's compute-side actions, kept apart from its account (one record per operator
  // that computes; operators a fast-forward copies share their source's). The reference is
  // valid until another operator's record is made.
  OpActivity& activity(size_t id) {
    Op& op = ops_[id];
    if (op.activity == kNoActivity) new_activity(op);
    return activity_[op.activity];
  }
  // Operator `dst` repeats `src` exactly, `shift_ps` later (a block fast-forward): the same
  // compute, traffic and activity (shared), and its end shifted.
  void repeat_op(size_t dst, size_t src, uint64_t shift_ps) {
    const Op& a = ops_[src];
    Op& b = ops_[dst];
    b.acct.compute_cycles = a.acct.compute_cycles;
    b.acct.macs = a.acct.macs;
    b.acct.dram_read = a.acct.dram_read;
    b.acct.dram_written = a.acct.dram_written;
    b.traffic = a.traffic;
    b.activity = a.activity;
    b.end_ps = std::max(b.end_ps, a.end_ps + shift_ps);
  }
  void add_read(size_t id, TensorClass c, uint64_t bytes);
  void add_written(size_t id, TensorClass c, uint64_t bytes);
  // The operator's raw end (a later operator never ends before it in the report).
  void set_end_ps(size_t id, uint64_t ps);
  size_t ops() const { return ops_.size(); }
  const std::string& name(size_t id) const { return ops_[id].name; }
  uint64_t end_ps(size_t id) const { return ops_[id].end_ps; }

  // Fills `out` and returns the total cycles. Call once, after the simulation.
  uint64_t finish(const ClockDomain& clock, Breakdown& out);
  const std::vector<PhaseTotal>& phase_totals() const { return phase_totals_; }
  OpTraffic total_traffic() const;

 private:
  struct Op {
    size_t phase, row_hint;
    std::string name, op_type;
    OpAccount acct;
    OpTraffic traffic;
    uint64_t end_ps = 0;
    uint32_t activity = kNoActivity;  // index into activity_
  };
  static constexpr uint32_t kNoActivity = ~uint32_t{0};
  void new_activity(Op& op);
  std::vector<OpActivity> activity_;  // (a reference lives only until the next operator computes)
  std::deque<Op> ops_;                // deque: references stay valid while operators are appended
  std::vector<std::pair<std::string, PhaseKind>> phases_;
  std::vector<PhaseTotal> phase_totals_;
};

}  // namespace npusim
