// A one-shot completion: the producer states when some work finishes (possibly in the
// future), and any number of processes wait for it. Waiting on an already-known time costs one
// timed wait; waiting before the time is known sleeps on an event.
#pragma once

#include <systemc>

#include <cstdint>
#include <limits>

namespace npusim {

class Completion {
 public:
  static constexpr uint64_t kPending = std::numeric_limits<uint64_t>::max();

  // Sets the completion time (>= now, in picoseconds); call once.
  void complete_at_ps(uint64_t ps);
  bool known() const { return at_ps_ != kPending; }
  uint64_t at_ps() const { return at_ps_; }
  bool done_now() const;
  // Suspends the calling process until the completion time.
  void wait() const;

 private:
  sc_core::sc_event event_;
  uint64_t at_ps_ = kPending;
};

}  // namespace npusim
