// A reservation calendar for one bandwidth resource (a DRAM channel's data bus, a scratchpad
// port). Each request occupies the resource for its transfer time; it is placed in the
// earliest gap at or after its arrival, so the resource never serves two requests at once
// (bandwidth can never exceed its peak) and requests from several initiators are served in
// arrival order even when initiators call at different simulated moments. Idle time costs
// nothing: the calendar only holds intervals that have not yet ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/mem/history.h"

namespace npusim {

class Calendar {
 public:
  // Earliest start >= arrival of a gap of `duration`, without reserving it. (The common cases,
  // nothing booked after the arrival or a request queued behind the last booking, inline.)
  uint64_t probe(uint64_t arrival, uint64_t duration) const {
    if (busy_.empty() || arrival >= busy_.back().end) return arrival;
    return probe_gaps(arrival, duration);
  }
  // Reserves the earliest gap and returns its start.
  uint64_t reserve(uint64_t arrival, uint64_t duration);
  // Books [start, start + duration), which the caller has found free (a DRAM command at a slot
  // its timing search chose): reserve() without the search. Asserts that the slot is free.
  void book(uint64_t start, uint64_t duration) {
    if (duration != 0 && !busy_.empty() && start == busy_.back().end) {  // behind the last one
      busy_.back().end += duration;
      busy_total_ += duration;
      return;
    }
    book_inside(start, duration);
  }
  // Reserves `n` gaps of `duration` at arrival, arrival + stride, ... (stride >= duration), as
  // n calls of reserve() in that order would; in one step when they all follow every booking.
  void reserve_every(uint64_t arrival, uint64_t duration, uint64_t stride, uint64_t n);
  // Slots [start + i x stride, + duration), i = 0 .. n - 1 (stride >= duration > 0): the first
  // that overlaps a booking, or n if all are free; and booking them, found free by the caller,
  // as n calls of book() would leave the calendar, in one pass.
  uint64_t first_busy_every(uint64_t start, uint64_t duration, uint64_t stride, uint64_t n) const;
  void book_every(uint64_t start, uint64_t duration, uint64_t stride, uint64_t n);
  // Drops intervals that ended at or before `now` (called with the current time).
  void retire(uint64_t now) {
    if (!busy_.empty() && busy_.front().end <= now) retire_ended(now);
  }
  uint64_t busy_total() const { return busy_total_; }
  size_t pending() const { return busy_.size(); }
  uint64_t last_start() const { return busy_.back().start; }  // with pending() > 0
  // Fast-forward support (sim/core/fast_forward.h): the bookings that end after `from`, as
  // offsets from `ref` (a booking under way at `from` counts from `from`); and moving them
  // `delta` later while adding `busy` to the total.
  void state(uint64_t from, uint64_t ref, std::vector<int64_t>& out) const;
  void shift(uint64_t from, uint64_t delta, uint64_t busy);

 private:
  struct Interval {
    uint64_t start, end;
  };
  uint64_t probe_gaps(uint64_t arrival, uint64_t duration) const;
  void book_inside(uint64_t start, uint64_t duration);
  void retire_ended(uint64_t now);
  History<Interval> busy_;        // sorted, disjoint, non-adjacent (adjacent ones are merged)
  std::vector<Interval> merged_;  // scratch of book_every()
  uint64_t busy_total_ = 0;
};

}  // namespace npusim
