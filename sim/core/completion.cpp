#include "sim/core/completion.h"

#include "sim/core/clock.h"
#include "sim/core/errors.h"
#include "sim/core/kernel.h"

namespace npusim {

void Completion::complete_at_ps(uint64_t ps) {
  NPUSIM_ASSERT(at_ps_ == kPending, "completion set twice");
  uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  NPUSIM_ASSERT(ps >= now, "completion in the past");
  at_ps_ = ps;
  event_.notify(ps_to_time(ps - now));
}

bool Completion::done_now() const {
  return known() && at_ps_ <= time_to_ps(sc_core::sc_time_stamp());
}

void Completion::wait() const {
  if (!known()) {
    sim_wait(event_);
    return;
  }
  uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  if (at_ps_ > now) sim_wait(ps_to_time(at_ps_ - now));
}

}  // namespace npusim
