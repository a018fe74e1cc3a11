// The Dysta hardware scheduler (spec §2.3) as a clocked component behind IScheduler: a request
// table of `queue_depth` entries (0: unbounded; when full, the host holds later requests back
// until an entry frees: back-pressure, nothing is dropped), the monitor's readings (through the
// requests' layer progress), and a decision that takes
//   fixed_cycles + cycles_per_entry x entries   cycles of its own `clock`
// (CALC_GAMMA, SCORING one entry per cycle, SELECT a linear scan: the spec suggests 70 and 2),
// the NPU idle meanwhile. It decides over the whole table at every layer boundary. The score is
// dysta_score.h's; the three registered variants (dysta, dysta_naive, dysta_oracle) differ only
// in the estimate they score with. Reports its decisions, busy cycles and the storage its table
// and look-up tables need (bits, as a function of depth and score precision).
#pragma once

#include "models/sparse/scheduler/dysta_score.h"
#include "sim/core/clock.h"

namespace npusim {

struct DystaHwParams {
  double beta;
  GammaPredictor predictor;
  DystaSlack slack_mode;
  Frequency clock;
  int64_t fixed_cycles, cycles_per_entry, queue_depth, score_bits;
};

class DystaHwScheduler : public IScheduler {
 public:
  static const ParamTable& param_table(const char* type);
  DystaHwScheduler(const ComponentArgs& a, const ParamTable& table, DystaVariant variant);

  size_t pick(const std::vector<RequestView>& ready, uint64_t now) override;
  bool preemptive() const override { return true; }
  bool reselects() const override { return true; }
  uint64_t decision_ps(size_t entries) const override;
  size_t table_depth() const override;

 private:
  DystaHwParams p_;
  DystaScoring scoring_;
  ClockDomain clock_;
  Counter* decisions_ = nullptr;
  Counter* busy_cycles_ = nullptr;
};

}  // namespace npusim
