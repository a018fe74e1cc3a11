// A clock domain: the only place where Cycles and SystemC time meet. Cycle boundaries are
// computed from the absolute cycle index, so waiting many short intervals never drifts from
// waiting one long one, even when the period is not a whole number of picoseconds.
#pragma once

#include <systemc>

#include "sim/core/units.h"

namespace npusim {

class ClockDomain {
 public:
  explicit ClockDomain(Frequency f)
      : f_(f), period_ps_(1000000000000ull % f.hz == 0 ? 1000000000000ull / f.hz : 0) {}
  Frequency frequency() const { return f_; }
  uint64_t period_ps() const { return period_ps_; }  // 0 when not a whole number of ps

  // Time of the boundary that starts cycle `c` (cycle 0 starts at t = 0), rounded up to 1 ps.
  sc_core::sc_time time_of(Cycles c) const;
  uint64_t ps_of(Cycles c) const;
  // First cycle boundary at or after `t`.
  Cycles cycle_at(const sc_core::sc_time& t) const;
  Cycles cycle_at_ps(uint64_t ps) const;
  Cycles now() const { return cycle_at(sc_core::sc_time_stamp()); }
  double seconds(Cycles c) const { return static_cast<double>(c.n) / static_cast<double>(f_.hz); }

  // Suspends the calling process until `n` cycles after the current cycle boundary.
  void wait(Cycles n) const;
  // Suspends until cycle boundary `c` (returns at once if it has passed).
  void wait_until(Cycles c) const;

 private:
  Frequency f_;
  uint64_t period_ps_;  // whole picoseconds per cycle, or 0 when the period is fractional
};

// Converts picoseconds to SystemC time (the suite runs SystemC at 1 ps resolution).
sc_core::sc_time ps_to_time(uint64_t ps);
uint64_t time_to_ps(const sc_core::sc_time& t);

}  // namespace npusim
