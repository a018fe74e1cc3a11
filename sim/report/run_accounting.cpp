#include "sim/report/run_accounting.h"

#include <algorithm>

#include "sim/core/errors.h"

namespace npusim {

void RunAccounting::begin_phase(const std::string& label, PhaseKind kind) {
  phases_.emplace_back(label, kind);
}

size_t RunAccounting::begin_op(const std::string& name, const std::string& op_type,
                               uint64_t peak_macs_per_cycle) {
  NPUSIM_ASSERT(!phases_.empty(), "operator outside a phase");
  Op op;
  op.phase = phases_.size() - 1;
  op.row_hint = 0;
  op.name = name;
  op.op_type = op_type;
  op.acct.peak_macs_per_cycle = peak_macs_per_cycle;
  ops_.push_back(std::move(op));
  return ops_.size() - 1;
}

void RunAccounting::new_activity(Op& op) {
  NPUSIM_ASSERT(activity_.size() < kNoActivity, "too many operators for the activity records");
  op.activity = static_cast<uint32_t>(activity_.size());
  activity_.emplace_back();
}

void RunAccounting::add_read(size_t id, TensorClass c, uint64_t bytes) {
  ops_[id].traffic.read[static_cast<size_t>(c)] += bytes;
  ops_[id].acct.dram_read += bytes;
}

void RunAccounting::add_written(size_t id, TensorClass c, uint64_t bytes) {
  ops_[id].traffic.written[static_cast<size_t>(c)] += bytes;
  ops_[id].acct.dram_written += bytes;
}

void RunAccounting::set_end_ps(size_t id, uint64_t ps) {
  ops_[id].end_ps = std::max(ops_[id].end_ps, ps);
}

uint64_t RunAccounting::finish(const ClockDomain& clock, Breakdown& out) {
  std::vector<uint64_t> phase_end(phases_.size(), 0);
  std::vector<bool> phase_seen(phases_.size(), false);
  uint64_t prev = 0;
  for (Op& op : ops_) {
    const uint64_t end = std::max(prev, clock.cycle_at_ps(op.end_ps).n);
    op.acct.cycles = end - prev;
    prev = end;
    phase_end[op.phase] = end;
    phase_seen[op.phase] = true;
    out.add(out.row(phases_[op.phase].first, op.name, op.op_type), op.acct,
            op.activity == kNoActivity ? nullptr : &activity_[op.activity]);
  }
  std::vector<PhaseTotal> per_phase(phases_.size());
  for (const Op& op : ops_) {
    PhaseTotal& t = per_phase[op.phase];
    t.macs += op.acct.macs;
    t.mac_capacity += op.acct.cycles * op.acct.peak_macs_per_cycle;
    t.dram_read += op.acct.dram_read;
    t.dram_written += op.acct.dram_written;
  }
  uint64_t start = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    if (!phase_seen[i]) phase_end[i] = start;  // an empty phase takes no time
    const uint64_t cycles = phase_end[i] - start;
    out.add_phase(phases_[i].first, cycles, 1);
    auto it = std::find_if(phase_totals_.begin(), phase_totals_.end(),
                           [&](const PhaseTotal& p) { return p.label == phases_[i].first; });
    if (it == phase_totals_.end()) {
      phase_totals_.push_back({phases_[i].first, phases_[i].second, 0, 0, 0, 0, 0, 0});
      it = phase_totals_.end() - 1;
    }
    it->cycles += cycles;
    ++it->count;
    it->macs += per_phase[i].macs;
    it->mac_capacity += per_phase[i].mac_capacity;
    it->dram_read += per_phase[i].dram_read;
    it->dram_written += per_phase[i].dram_written;
    start = phase_end[i];
  }
  return prev;
}

OpTraffic RunAccounting::total_traffic() const {
  OpTraffic t;
  for (const Op& op : ops_) {
    for (size_t c = 0; c < kTensorClasses; ++c) {
      t.read[c] += op.traffic.read[c];
      t.written[c] += op.traffic.written[c];
    }
  }
  return t;
}

}  // namespace npusim
