#include "sim/core/clock.h"

#include "sim/core/kernel.h"

namespace npusim {

namespace {
constexpr unsigned __int128 kPsPerSecond = 1000000000000ull;
}

uint64_t ClockDomain::ps_of(Cycles c) const {
  if (period_ps_ != 0) return c.n * period_ps_;
  unsigned __int128 num = static_cast<unsigned __int128>(c.n) * kPsPerSecond;
  return static_cast<uint64_t>((num + f_.hz - 1) / f_.hz);
}

sc_core::sc_time ClockDomain::time_of(Cycles c) const {
  return ps_to_time(ps_of(c));
}

Cycles ClockDomain::cycle_at_ps(uint64_t ps) const {
  if (period_ps_ != 0) return Cycles((ps + period_ps_ - 1) / period_ps_);
  // Smallest c with ps_of(c) >= ps, i.e. ceil(ps * f / 1e12) (ps_of rounds up, so checking
  // the candidate below keeps the two functions exact inverses on cycle boundaries).
  unsigned __int128 num = static_cast<unsigned __int128>(ps) * f_.hz;
  auto c = static_cast<uint64_t>(num / kPsPerSecond);
  while (ps_of(Cycles(c)) < ps) ++c;
  while (c > 0 && ps_of(Cycles(c - 1)) >= ps) --c;
  return Cycles(c);
}

Cycles ClockDomain::cycle_at(const sc_core::sc_time& t) const {
  return cycle_at_ps(time_to_ps(t));
}

void ClockDomain::wait(Cycles n) const {
  wait_until(now() + n);
}

void ClockDomain::wait_until(Cycles c) const {
  uint64_t target = ps_of(c);
  uint64_t cur = time_to_ps(sc_core::sc_time_stamp());
  if (target > cur) sim_wait(ps_to_time(target - cur));
}

sc_core::sc_time ps_to_time(uint64_t ps) {
  return sc_core::sc_time::from_value(ps);
}
uint64_t time_to_ps(const sc_core::sc_time& t) {
  return t.value();
}

}  // namespace npusim
