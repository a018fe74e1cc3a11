// Closed-form steady state of a read or write queue. A queue of row hits settles into a periodic
// pattern:
// e.g. two groups of different bank groups alternating RDs every tCCD_S, the bus saturated, the
// other groups waiting on FR-FCFS ties. Once the last L RDs repeat the L before them (same
// groups, all shifted by the same P) and the timing registers stand in the same place relative
// to the latest RD, the following periods repeat exactly: the scheduler is a function of that
// state. They are then issued k at a time: registers move k x P, counters add k periods, and
// the commands of the first and last periods, those a later gap search can reach, are recorded.
// k stops short of a group finishing, a refresh, or the earliest cycle of any group whose next
// command does not move with the pattern (an ACT or PRE, or a request not yet arrived); when a
// group finishes in period k + 1, that period's RDs up to its last burst follow one by one at
// their periodic cycles, and serve() retires the group. Applied only to a pattern beyond every
// committed column command whose data bus is saturated (older gaps in the bus may remain: the
// records kept near the stretch's start let a later gap search see what an exact run would).
#include <algorithm>
#include <cstring>

#include "sim/mem/dram_channel.h"

namespace npusim {

namespace {
uint64_t rel(uint64_t x, uint64_t t) {
  return x > t ? x - t : 0;  // a register at or before t no longer constrains anything after t
}
}  // namespace

// The registers as they stand (copied raw: most snapshots are never compared, so the
// relative form is computed only in same_state()).
void DramChannel::snapshot(size_t slot) {
  uint64_t* o = states_.data() + slot * state_size_;
  for (const Rank& r : ranks_) {
    *o++ = r.rd_ok;
    *o++ = r.wr_ok;
  }
  static_assert(sizeof(Group) == 2 * sizeof(uint64_t), "a group is its two registers");
  std::memcpy(o, groups_.data(), groups_.size() * sizeof(Group));  // rd_ok, wr_ok of each
  o += 2 * groups_.size();
  *o++ = wr_after_rd_;
  *o = data_end_;
}

// Whether the registers stood in the same place relative to the RD of `a` as to that of `b`.
bool DramChannel::same_state(const Issued& a, const Issued& b) const {
  const uint64_t* x = states_.data() + static_cast<size_t>(&a - history_) * state_size_;
  const uint64_t* y = states_.data() + static_cast<size_t>(&b - history_) * state_size_;
  for (size_t i = 0; i < state_size_; ++i) {
    if (rel(x[i], a.t) != rel(y[i], b.t)) return false;
  }
  return true;
}

bool DramChannel::skip_periods(std::vector<Entry>& q, size_t wn, bool write,
                               const SkipBounds& lim) {
  const size_t h = history_size_;
  const uint64_t bl = static_cast<uint64_t>(t_.tBL);
  // The pattern must run beyond every committed column command, its data in the bus's last
  // booking (checked below: its bus is saturated). Gaps in the bus before that booking stay
  // as they are: nothing the queue issues from here on can land in them (its commands come in
  // time order, each at its earliest legal cycle, which was later), and a later call's command
  // that does finds the records within reach of the stretch's start (skip_whole()).
  if (bus_.pending() == 0 || col_last_ != history(h - 1).t) return false;
  for (size_t len = 1; len <= 8 && 2 * len <= h; ++len) {
    const Issued& now = history(h - 1);
    const Issued& then = history(h - 1 - len);
    const uint64_t period = now.t - then.t;
    if (period != len * bl) continue;
    bool same = true;
    for (size_t i = 0; same && i < len; ++i) {
      const Issued& a = history(h - 1 - i);
      const Issued& b = history(h - 1 - len - i);
      same = a.seq == b.seq && a.t - b.t == period;
    }
    if (!same || !same_state(now, then)) continue;
    std::vector<uint64_t>& per = per_group_;  // RDs per period of each group
    per.assign(wn, 0);
    for (size_t i = 0; i < len; ++i) ++per[history(h - 1 - i).index];
    uint64_t k = kNever, limit = kNever;
    for (const Rank& r : ranks_) limit = std::min(limit, r.next_ref);
    for (size_t j = 0; j < wn; ++j) {
      if (per[j] > 0) {
        k = std::min(k, (q[j].left - 1) / per[j]);  // every group keeps a burst
      } else if (!q[j].blocked) {
        // A waiting RD moves with the pattern (keeps losing to it) only if it already competed
        // through the last period: its bank and arrival allowed it before that period began.
        // One that became ready since may win a tie against a younger group of the pattern.
        const Bank& b = banks_[bank_index(q[j].rank, q[j].bank_group, q[j].bank)];
        if (q[j].cmd != (write ? Cmd::WR : Cmd::RD) || q[j].arrival > then.t ||
            (write ? b.wr_ok : b.rd_ok) > then.t)
          limit = std::min(limit, q[j].at);
      }
    }
    if (limit <= now.t) return false;
    k = std::min(k, (limit - 1 - now.t) / period);
    if (lim.stop_at != kNever) {  // all before stop_at, or all with more than `keep` left
      const uint64_t by_time = lim.stop_at > now.t ? (lim.stop_at - 1 - now.t) / period : 0;
      const uint64_t by_count = lim.total > lim.keep ? (lim.total - lim.keep) / len : 0;
      k = std::min(k, std::max(by_time, by_count));
    }
    if (lim.room != kNever) k = std::min(k, lim.room / len);
    // A group finishing in period k + 1: that period's RDs up to its last burst go too. Each is
    // decided while the group is still queued, as in every period before (the queue differs only
    // in bursts left, which moves no decision of a one-RD step), so they come at their periodic
    // cycles; serve() then retires the group as it would after that RD.
    size_t prefix = 0;
    for (size_t i = 0, j; i < len && prefix == 0; ++i) {
      const Issued& a = history(h - len + i);
      const uint64_t at = a.t + (k + 1) * period, before = k * len + i;  // commands before it
      if (at >= limit || (at >= lim.stop_at && lim.total - before <= lim.keep) ||
          (lim.room != kNever && before + 1 > lim.room))
        break;  // serve() would stop before it, or another group may come first
      j = a.index;
      uint64_t seen = 0;  // its RDs in the prefix, this one included
      for (size_t x = 0; x <= i; ++x) seen += history(h - len + x).index == j ? 1 : 0;
      if (q[j].left - k * per[j] == seen) prefix = i + 1;
    }
    if (k == 0 && prefix == 0) return false;
    if (k > 0) skip_whole(q, wn, write, len, period, k);
    for (size_t i = 0; i < prefix; ++i) {
      const Issued& a = history(h - len + i);
      Entry& e = q[a.index];
      count_bursts(e, 1);
      if (write) --write_occupancy_;
      column_run(e.rank, e.bank_group, e.bank, write, a.t + (k + 1) * period, 1);
      --e.left;
    }
    return true;
  }
  return false;
}

// k periods of the pattern of the last `len` column commands, `period` cycles long, in closed
// form (per_group_: each window group's commands per period).
void DramChannel::skip_whole(std::vector<Entry>& q, size_t wn, bool write, size_t len,
                             uint64_t period, uint64_t k) {
  const size_t h = history_size_;
  const Issued& now = history(h - 1);
  std::vector<uint64_t>& per = per_group_;
  const uint64_t shift = k * period, t = now.t;
  auto move = [&](uint64_t& x) {
    if (x > t) x += shift;
  };
  for (Rank& r : ranks_) {
    move(r.rd_ok);
    move(r.wr_ok);
  }
  for (Group& g : groups_) {
    move(g.rd_ok);
    move(g.wr_ok);
  }
  move(wr_after_rd_);
  bus_.reserve(data_end_, shift);
  data_end_ += shift;
  col_last_ += shift;
  (write ? counts_.wr : counts_.rd) += k * len;
  counts_.row_hits += k * len;
  if (write) write_occupancy_ -= k * len;
  for (size_t j = 0; j < wn; ++j) q[j].left -= k * per[j];
  // The RDs of the first and the last periods. A later column command goes at a free data-bus
  // slot, so outside the saturated stretch the skip leaves (data from before its first RD to
  // data_end_): before it, or after col_last_, where only the registers bind. Only the RDs
  // within reach (col_violation's farthest look either way) of the stretch's two ends can
  // constrain it; those between are never consulted and are not recorded.
  const uint64_t near = col_reach_ + std::max({col_before_max_[0], col_before_max_[1],
                                               col_after_max_[1][0], col_after_max_[1][1]});
  const uint64_t edge = near / period + 2;
  // The first periods are out of reach too when the bus is busy from `near` before them (its
  // last booking, which only grows, covers the stretch): no later command lands before them
  // within reach. And so are they from the last periods' side when the stretch is long.
  const bool head_hidden = k >= 2 * edge && bus_.last_start() + near <= history(h - len).t + period;
  const uint64_t head = head_hidden ? 0 : std::min(k, edge);                   // periods 1 .. head
  const uint64_t tail_from = std::max(head + 1, k > edge ? k - edge + 1 : 1);  // .. k
  const uint64_t s = static_cast<uint64_t>(t_.tCCD_L);
  if (period == s && len <= wn) {  // each group one RD per period, tCCD_L apart: one run each
    for (size_t i = len; i > 0; --i) {
      const Issued& a = history(h - i);
      const Entry& e = q[a.index];
      if (per[a.index] != 1) break;
      if (head > 0) record_column(e.rank, e.bank_group, write, a.t + period, head);
      if (tail_from <= k) {
        record_column(e.rank, e.bank_group, write, a.t + tail_from * period, k - tail_from + 1);
      }
      per[a.index] = 0;  // recorded
    }
  }
  bool unrecorded = false;
  for (size_t i = len; i > 0; --i) unrecorded = unrecorded || per[history(h - i).index] != 0;
  for (uint64_t p = head > 0 ? 1 : tail_from; unrecorded && p <= k;
       p = p == head ? tail_from : p + 1) {
    for (size_t i = len; i > 0; --i) {
      const Issued& a = history(h - i);
      const Entry& e = q[a.index];
      if (per[a.index] != 0) record_column(e.rank, e.bank_group, write, a.t + p * period, 1);
    }
  }
  for (size_t i = 0; i < len; ++i) {
    const Entry& e = q[history(h - 1 - i).index];
    Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
    const uint64_t after = static_cast<uint64_t>(write ? t_.CWL + t_.tBL + t_.tWR : t_.tRTP);
    b.pre_ok = std::max(b.pre_ok, history(h - 1 - i).t + shift + after);
  }
  drop_columns();
  bus_.retire(col_floor());
}

}  // namespace npusim
