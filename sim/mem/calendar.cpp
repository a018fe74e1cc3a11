#include "sim/mem/calendar.h"

#include <algorithm>

#include "sim/core/errors.h"
#include "sim/core/fast_forward.h"

namespace npusim {

uint64_t Calendar::probe_gaps(uint64_t arrival, uint64_t duration) const {
  uint64_t t = arrival;
  // First interval that ends after the arrival; gaps before it are too early.
  auto it = std::upper_bound(busy_.begin(), busy_.end(), t,
                             [](uint64_t v, const Interval& iv) { return v < iv.end; });
  for (; it != busy_.end(); ++it) {
    if (t + duration <= it->start) return t;
    t = std::max(t, it->end);
  }
  return t;
}

uint64_t Calendar::reserve(uint64_t arrival, uint64_t duration) {
  const uint64_t start = probe(arrival, duration);
  book(start, duration);
  return start;
}

void Calendar::book_inside(uint64_t start, uint64_t duration) {
  if (duration == 0) return;
  const uint64_t end = start + duration;
  busy_total_ += duration;
  if (busy_.empty() || start > busy_.back().end) {  // after everything booked
    busy_.push_back({start, end});
    return;
  }
  // (Right behind the last booking is book()'s inline case.)
  const auto first = busy_.begin();
  Interval* it = std::lower_bound(first, busy_.end(), start,
                                  [](const Interval& iv, uint64_t v) { return iv.start < v; });
  NPUSIM_ASSERT(
      (it == busy_.end() || end <= it->start) && (it == first || std::prev(it)->end <= start),
      "calendar: booking [" + std::to_string(start) + ", " + std::to_string(end) +
          ") overlaps a booked interval");
  // Merge with a neighbour that touches the new interval, so streaming keeps one interval.
  bool merged_prev = false;
  if (it != first && std::prev(it)->end == start) {
    std::prev(it)->end = end;
    merged_prev = true;
  }
  if (it != busy_.end() && it->start == end) {
    if (merged_prev) {
      std::prev(it)->end = it->end;
      busy_.erase(it);
    } else {
      it->start = start;
    }
    return;
  }
  if (!merged_prev) busy_.insert(it, {start, end});
}

void Calendar::reserve_every(uint64_t arrival, uint64_t duration, uint64_t stride, uint64_t n) {
  if (duration == 0 || stride < duration || (!busy_.empty() && arrival < busy_.back().end)) {
    for (uint64_t i = 0; i < n; ++i) reserve(arrival + i * stride, duration);
    return;
  }
  // Each one starts at its arrival, at or after the end of the one before: appended (or, where
  // it touches the previous one, merged into it), exactly as reserve() places it.
  busy_total_ += n * duration;
  const bool touches = n > 0 && !busy_.empty() && arrival == busy_.back().end;
  if (stride == duration) {  // back to back: one interval
    if (touches) {
      busy_.back().end += n * duration;
    } else if (n > 0) {
      busy_.push_back({arrival, arrival + n * duration});
    }
    return;
  }
  uint64_t start = arrival;  // apart: only the first can touch the last booking
  if (touches) {
    busy_.back().end += duration;
    start += stride;
    --n;
  }
  Interval* const out = busy_.grow(n);  // filled in place: no interval copied off the stack
  for (uint64_t i = 0; i < n; ++i, start += stride) {
    out[i].start = start;
    out[i].end = start + duration;
  }
}

uint64_t Calendar::first_busy_every(uint64_t start, uint64_t duration, uint64_t stride,
                                    uint64_t n) const {
  // Bookings in time order from the first that ends after slot 0 begins. Slot i overlaps
  // [s, e) if it begins before e and ends after s: the first slot to end after s is the only
  // candidate for this booking, and later bookings' candidates come no earlier, so the first
  // overlap found is the first overall.
  if (n == 0) return 0;
  auto it = std::upper_bound(busy_.begin(), busy_.end(), start,
                             [](uint64_t v, const Interval& iv) { return v < iv.end; });
  uint64_t i = 0, slot = start;
  for (; it != busy_.end(); ++it) {
    while (slot + duration <= it->start) {  // slots wholly before this booking are free
      if (++i == n) return n;
      slot += stride;
    }
    if (slot < it->end) return i;
  }
  return n;
}

namespace {
[[noreturn]] void overlap_failure(uint64_t start, uint64_t end) {
  internal_failure(__FILE__, __LINE__,
                   "calendar: booking [" + std::to_string(start) + ", " + std::to_string(end) +
                       ") overlaps a booked interval");
}
}  // namespace

void Calendar::book_every(uint64_t start, uint64_t duration, uint64_t stride, uint64_t n) {
  if (n == 0 || duration == 0) return;
  if (busy_.empty() || start >= busy_.back().end) {  // after everything: appended
    reserve_every(start, duration, stride, n);
    return;
  }
  busy_total_ += n * duration;
  // The bookings the slots fall among, with the one before that may touch the first slot and
  // the one after that may touch the last, merged with the slots in time order (touching
  // intervals joined, as book() leaves them), then put in their place at once.
  Interval* lo = std::lower_bound(busy_.begin(), busy_.end(), start,
                                  [](const Interval& iv, uint64_t v) { return iv.start < v; });
  if (lo != busy_.begin() && std::prev(lo)->end >= start) --lo;
  const uint64_t last_end = start + (n - 1) * stride + duration;
  Interval* hi = lo;
  while (hi != busy_.end() && hi->start <= last_end) ++hi;
  const size_t most = static_cast<size_t>(hi - lo) + n;
  if (merged_.size() < most) merged_.resize(most);
  Interval* const first = merged_.data();
  Interval* out = first;  // one past the last merged interval
  auto add = [&out, first](uint64_t s, uint64_t e) {
    if (out != first && (out - 1)->end >= s) {
      if ((out - 1)->end > s) overlap_failure(s, e);
      (out - 1)->end = e;
    } else {
      *out++ = {s, e};
    }
  };
  uint64_t i = 0, slot = start;
  for (const Interval* it = lo; i < n || it != hi;) {
    if (it == hi || (i < n && slot < it->start)) {
      add(slot, slot + duration);
      ++i;
      slot += stride;
    } else {
      add(it->start, it->end);
      ++it;
    }
  }
  busy_.replace(lo, hi, first, static_cast<size_t>(out - first));
}

void Calendar::state(uint64_t from, uint64_t ref, std::vector<int64_t>& out) const {
  auto it = std::upper_bound(busy_.begin(), busy_.end(), from,
                             [](uint64_t v, const Interval& iv) { return v < iv.end; });
  out.push_back(busy_.end() - it);
  for (; it != busy_.end(); ++it) {
    out.push_back(offset_from(it->start, from, ref));
    out.push_back(offset_from(it->end, from, ref));
  }
}

void Calendar::shift(uint64_t from, uint64_t delta, uint64_t busy) {
  auto it = std::upper_bound(busy_.begin(), busy_.end(), from,
                             [](uint64_t v, const Interval& iv) { return v < iv.end; });
  busy_.drop_until(it);  // history: no request can reach it any more
  for (Interval& iv : busy_) {
    iv.start = std::max(iv.start, from) + delta;
    iv.end += delta;
  }
  busy_total_ += busy;
}

void Calendar::retire_ended(uint64_t now) {
  const Interval* it = busy_.begin();
  while (it != busy_.end() && it->end <= now) ++it;
  busy_.drop_until(it);
}

}  // namespace npusim
