// The timing state of a DRAM channel: which cycle a command may issue at (JEDEC rules, in tCK).
//
//   ACT  same bank: after ACT +tRC, after PRE +tRP, after REF +tRFC;  same rank: ACT +-tRRD_S
//        (+-tRRD_L in the same bank group), and no five ACTs within tFAW
//   PRE  same bank: after ACT +tRAS, after RD +tRTP, after the end of write data +tWR
//   RD   same bank: after ACT +tRCD;  same rank: RD +-tCCD_S (tCCD_L in the same bank group),
//        after the end of write data +tWTR_S (tWTR_L in the same group);  channel: data bus
//   WR   same bank: after ACT +tRCD;  same rank: WR +-tCCD_S/L;  channel: after RD +tRTW, data bus
//
// The data bus carries [RD + CL, RD + CL + tBL) and [WR + CWL, WR + CWL + tBL), never two bursts
// at once. ACTs and column commands (RD, WR) may fill gaps left between commands committed for
// earlier calls, up to a horizon (8 x tFAW) before the latest one, so they are checked against
// the commands on both sides; bank-local rules keep each bank's own commands in order. A PRE
// depends only on its bank (its command-bus slot is not modelled: HBM has separate row and column
// command buses; DDR4/LPDDR would lose at most a cycle to a collision). A column command beyond
// every committed one needs only the per-bank-group, per-rank and channel registers, which hold
// the maximum over committed commands of "earliest next": the fast path of a streaming row.
#include <algorithm>

#include "sim/core/errors.h"
#include "sim/mem/dram_channel.h"

namespace npusim {

uint64_t DramChannel::earliest(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank,
                               uint64_t from) const {
  const Bank& b = banks_[bank_index(rank, bg, bank)];
  switch (c) {
    case Cmd::ACT:
      return act_search(rank, bg, std::max(from, b.act_ok));
    case Cmd::PRE:
      return std::max(from, b.pre_ok);
    case Cmd::RD:
      return col_search(false, rank, bg, std::max(from, b.rd_ok));
    case Cmd::WR:
      return col_search(true, rank, bg, std::max(from, b.wr_ok));
  }
  return 0;
}

bool DramChannel::legal(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank, uint64_t t) const {
  const Bank& b = banks_[bank_index(rank, bg, bank)];
  uint64_t fix = t;
  switch (c) {
    case Cmd::ACT:
      return b.open_row == kNoRow && t >= b.act_ok && t >= act_floor() &&
             !act_violation(rank, bg, t, fix);
    case Cmd::PRE:
      return b.open_row != kNoRow && t >= b.pre_ok;
    case Cmd::RD:
    case Cmd::WR: {
      const bool w = c == Cmd::WR;
      if (b.open_row == kNoRow || t < (w ? b.wr_ok : b.rd_ok)) return false;
      if (cols_.empty() || t > col_last_) return t >= append_bound(w, rank, bg);
      // The data bus too: a stretch of skipped periods keeps no records inside, only its bus.
      const uint64_t lat = u(w ? t_.CWL : t_.CL);
      return t >= col_floor() && bus_.probe(t + lat, u(t_.tBL)) == t + lat &&
             !col_violation(w, rank, bg, t, fix);
    }
  }
  return false;
}

void DramChannel::issue(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank, uint64_t row,
                        uint64_t t) {
  NPUSIM_ASSERT(legal(c, rank, bg, bank, t), "DRAM command issued at an illegal cycle");
  apply(c, rank, bg, bank, row, t);
}

void DramChannel::apply(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank, uint64_t row,
                        uint64_t t) {
  Bank& b = banks_[bank_index(rank, bg, bank)];
  if (c == Cmd::ACT) {
    b.open_row = row;
    b.act_ok = std::max(b.act_ok, t + u(t_.tRC));
    b.pre_ok = std::max(b.pre_ok, t + u(t_.tRAS));
    b.rd_ok = std::max(b.rd_ok, t + u(t_.tRCD));
    b.wr_ok = std::max(b.wr_ok, t + u(t_.tRCD));
    // In time order among the ACTs kept: appended when it is the latest (the common case).
    ActRecord* a = acts_.empty() || t >= act_latest_
                       ? acts_.emplace_back()
                       : acts_.emplace(std::upper_bound(
                             acts_.begin(), acts_.end(), t,
                             [](uint64_t v, const ActRecord& r) { return v < r.t; }));
    a->t = t;
    a->rank = rank;
    a->bank_group = bg;
    act_latest_ = std::max(act_latest_, t);
    while (acts_.front().t + act_horizon_ + act_span_ < act_latest_) acts_.pop_front();
    ++counts_.act;
  } else if (c == Cmd::PRE) {
    b.open_row = kNoRow;
    b.act_ok = std::max(b.act_ok, t + u(t_.tRP));
    ++counts_.pre;
  } else {
    NPUSIM_ASSERT(b.open_row == row, "column command to a row that is not open");
    column_run(rank, bg, bank, c == Cmd::WR, t, 1);
  }
}

// ---- ACT ---------------------------------------------------------------------------------

// Whether an ACT at `t` breaks tRRD or tFAW against the ACTs within tFAW of it; `fix` is then
// raised to the earliest later cycle that might not (a rule broken at t stays broken until then).
bool DramChannel::act_violation(uint32_t rank, uint32_t bg, uint64_t t, uint64_t& fix) const {
  const uint64_t lo_t = t >= act_span_ ? t - act_span_ + 1 : 0, faw = u(t_.tFAW);
  auto it = std::lower_bound(acts_.begin(), acts_.end(), lo_t,
                             [](const ActRecord& a, uint64_t v) { return a.t < v; });
  bool bad = false;
  uint64_t near[16];  // same-rank ACTs within tFAW of t (at most 4 per tFAW on each side), and t
  size_t n = 0, pos = 0;
  for (; it != acts_.end() && it->t < t + act_span_; ++it) {
    if (it->t == t) {  // one ACT per cycle
      bad = true;
      fix = std::max(fix, t + 1);
    }
    if (it->rank != rank) continue;
    const uint64_t d = u(it->bank_group == bg ? t_.tRRD_L : t_.tRRD_S);
    if (it->t + d > t && t + d > it->t) {
      bad = true;
      fix = std::max(fix, it->t + d);
    }
    if (it->t + faw > t && t + faw > it->t && n < 15) {
      if (it->t < t) pos = n + 1;
      near[n++] = it->t;
    }
  }
  for (size_t i = n; i > pos; --i) near[i] = near[i - 1];
  near[pos] = t;
  ++n;
  // Every five consecutive ACTs that include t must span at least tFAW.
  for (size_t first = pos >= 4 ? pos - 4 : 0; first <= pos && first + 4 < n; ++first) {
    if (near[first + 4] - near[first] >= faw) continue;
    bad = true;
    fix = std::max(fix, first + 4 == pos ? near[first] + faw : near[first + 4] + 1);
  }
  return bad;
}

uint64_t DramChannel::act_search(uint32_t rank, uint32_t bg, uint64_t lb) const {
  uint64_t t = std::max(lb, act_floor()), fix = t;
  if (acts_.empty() || t >= act_latest_ + act_span_) return t;  // no ACT within reach of t
  while (act_violation(rank, bg, t, fix)) t = fix;
  return t;
}

// ---- RD / WR -----------------------------------------------------------------------------

// Cycles the second of two column commands must follow the first by (col_gap tabulates it).
uint64_t DramChannel::col_gap_rule(bool w1, uint32_t rank1, uint32_t bg1, bool w2, uint32_t rank2,
                                   uint32_t bg2) const {
  const uint64_t l1 = u(w1 ? t_.CWL : t_.CL), l2 = u(w2 ? t_.CWL : t_.CL), bl = u(t_.tBL);
  uint64_t d = std::max<uint64_t>(1, l1 + bl > l2 ? l1 + bl - l2 : 0);  // data bus
  if (w1 != w2) {
    if (!w1)
      d = std::max(d, u(t_.tRTW));
    else if (rank1 == rank2)
      d = std::max(d, u(t_.CWL + t_.tBL + (bg1 == bg2 ? t_.tWTR_L : t_.tWTR_S)));
  } else if (rank1 == rank2) {
    d = std::max(d, u(bg1 == bg2 ? t_.tCCD_L : t_.tCCD_S));
  }
  return d;
}

uint64_t DramChannel::append_bound(bool w, uint32_t rank, uint32_t bg) const {
  const Group& g = groups_[static_cast<size_t>(rank) * bank_groups_ + bg];
  const Rank& r = ranks_[rank];
  const uint64_t lat = u(w ? t_.CWL : t_.CL), bus = data_end_ > lat ? data_end_ - lat : 0;
  const uint64_t after = cols_.empty() ? 0 : col_last_ + 1;
  return w ? std::max({after, g.wr_ok, r.wr_ok, wr_after_rd_, bus})
           : std::max({after, g.rd_ok, r.rd_ok, bus});
}

bool DramChannel::col_violation(bool w, uint32_t rank, uint32_t bg, uint64_t t,
                                uint64_t& fix) const {
  const uint64_t s = u(t_.tCCD_L), reach = col_reach_;
  // Only records starting within [t - span - after_max, t + before_max) can conflict: a record's
  // commands span at most `reach` cycles (record_column), and a command conflicts with one at a
  // only if t - after < a < t + before. Without WR records, the gaps after one are RD's.
  const uint64_t before_max = col_before_max_[w];
  const uint64_t after_max = col_after_max_[col_writes_ > 0][w];
  bool bad = false;
  const ColRecord* it = std::upper_bound(cols_.begin(), cols_.end(), t + before_max - 1,
                                         [](uint64_t v, const ColRecord& a) { return v < a.t; });
  while (it != cols_.begin()) {
    --it;
    if (it->t + reach + after_max <= t) break;  // this and every earlier record end too early
    // A run's commands all stand in the same relation to the new one: those conflicting are
    // the a with t - after < a < t + before, found in O(1); `fix` goes past the last of them.
    const uint64_t after = col_gap(it->write, it->rank, it->bank_group, w, rank, bg);
    const uint64_t before = col_gap(w, rank, bg, it->write, it->rank, it->bank_group);
    const uint64_t lo = t + 1 > after ? t + 1 - after : 0, hi = t + before - 1;
    if (hi < it->t) continue;
    uint64_t i_hi = 0;
    if (it->n == 1) {
      if (lo > it->t) continue;
    } else {
      const uint64_t i_lo = lo > it->t ? ccds(lo - it->t + s - 1) : 0;
      i_hi = std::min(it->n - 1, ccds(hi - it->t));
      if (i_lo > i_hi) continue;
    }
    bad = true;
    fix = std::max(fix, it->t + i_hi * s + after);
  }
  return bad;
}

// With tCCD_L a power of two, an arithmetic right shift rounds down, and rounding up is minus the
// floor of the negation; otherwise a division, corrected where it truncated the other way.
int64_t DramChannel::floor_ccds(int64_t a) const {
  if (ccd_shift_ >= 0) return a >> ccd_shift_;
  const auto b = static_cast<int64_t>(t_.tCCD_L);
  return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}
int64_t DramChannel::ceil_ccds(int64_t a) const {
  if (ccd_shift_ >= 0) return -((-a) >> ccd_shift_);
  const auto b = static_cast<int64_t>(t_.tCCD_L);
  return a / b + (a % b != 0 && a > 0 ? 1 : 0);
}

// A RD at t_j = t0 + j s (s = tCCD_L) conflicts with command i of a record, a_i = R.t + i s, when
// t_j - after < a_i < t_j + before (col_violation). With c = t0 - R.t and k = i - j that is
// k s in [c - after + 1, c + before - 1], i.e. k in [k_lo, k_hi], the same for every j: the
// record conflicts with the j in [-k_hi, R.n - 1 - k_lo], or with none when k_lo > k_hi.
// Records are scanned in time order from the first that can reach t_1 (col_violation's window)
// and no further than one that can reach the earliest conflict found.
uint64_t DramChannel::col_run_bound(uint32_t rank, uint32_t bg, uint64_t t0, uint64_t n) const {
  const auto s = static_cast<int64_t>(t_.tCCD_L);
  const uint64_t before_max = col_before_max_[0], after_max = col_after_max_[col_writes_ > 0][0];
  const uint64_t t1 = t0 + u(s), reach = col_reach_ + after_max;
  const ColRecord* it =
      t1 <= reach ? cols_.begin()
                  : std::upper_bound(cols_.begin(), cols_.end(), t1 - reach,
                                     [](uint64_t v, const ColRecord& a) { return v < a.t; });
  uint64_t best = n + 1;
  for (; it != cols_.end() && it->t < t0 + (best - 1) * u(s) + before_max; ++it) {
    const auto after =
        static_cast<int64_t>(col_gap(it->write, it->rank, it->bank_group, false, rank, bg));
    const auto before =
        static_cast<int64_t>(col_gap(false, rank, bg, it->write, it->rank, it->bank_group));
    const int64_t c = static_cast<int64_t>(t0) - static_cast<int64_t>(it->t);
    const int64_t k_lo = ceil_ccds(c - after + 1), k_hi = floor_ccds(c + before - 1);
    if (k_lo > k_hi) continue;
    const int64_t j_lo = std::max<int64_t>(1, -k_hi);
    const int64_t j_hi = static_cast<int64_t>(it->n) - 1 - k_lo;
    if (j_lo <= j_hi && static_cast<uint64_t>(j_lo) < best) best = static_cast<uint64_t>(j_lo);
  }
  return best;
}

uint64_t DramChannel::col_search(bool w, uint32_t rank, uint32_t bg, uint64_t lb) const {
  const uint64_t lat = u(w ? t_.CWL : t_.CL);
  uint64_t t = std::max(lb, col_floor()), fix = t;
  while (!cols_.empty() && t <= col_last_) {
    t = bus_.probe(t + lat, u(t_.tBL)) - lat;  // skip to a free data-bus slot first
    if (t > col_last_) break;
    if (!col_violation(w, rank, bg, t, fix)) return t;
    t = fix;
  }
  return std::max(t, append_bound(w, rank, bg));
}

// `n` column commands to one open row at t, t + tCCD_L, ... (n > 1 only beyond every committed
// command, where nothing else intervenes). Returns when the last one's data has moved.
uint64_t DramChannel::column_run(uint32_t rank, uint32_t bg, uint32_t bank, bool w, uint64_t t,
                                 uint64_t n) {
  const uint64_t s = u(t_.tCCD_L), end = column_registers(rank, bg, bank, w, t + (n - 1) * s, n);
  const uint64_t lat = u(w ? t_.CWL : t_.CL), bl = u(t_.tBL);
  if (s == bl || n == 1) {  // the slots earliest() found free: booked without a search
    bus_.book(t + lat, n * bl);
  } else {
    bus_.reserve_every(t + lat, bl, s, n);
  }
  record_column(rank, bg, w, t, n);
  col_last_ = std::max(col_last_, t + (n - 1) * s);
  drop_columns();
  bus_.retire(col_floor());
  return end;
}

uint64_t DramChannel::column_registers(uint32_t rank, uint32_t bg, uint32_t bank, bool w,
                                       uint64_t last, uint64_t n) {
  Bank& b = banks_[bank_index(rank, bg, bank)];
  Group& g = groups_[static_cast<size_t>(rank) * bank_groups_ + bg];
  Rank& r = ranks_[rank];
  const uint64_t s = u(t_.tCCD_L);
  uint64_t end;
  if (!w) {
    end = last + u(t_.CL + t_.tBL);
    b.pre_ok = std::max(b.pre_ok, last + u(t_.tRTP));
    g.rd_ok = std::max(g.rd_ok, last + s);
    r.rd_ok = std::max(r.rd_ok, last + u(t_.tCCD_S));
    wr_after_rd_ = std::max(wr_after_rd_, last + u(t_.tRTW));
    counts_.rd += n;
  } else {
    end = last + u(t_.CWL + t_.tBL);
    b.pre_ok = std::max(b.pre_ok, end + u(t_.tWR));
    g.wr_ok = std::max(g.wr_ok, last + s);
    r.wr_ok = std::max(r.wr_ok, last + u(t_.tCCD_S));
    g.rd_ok = std::max(g.rd_ok, end + u(t_.tWTR_L));
    r.rd_ok = std::max(r.rd_ok, end + u(t_.tWTR_S));
    counts_.wr += n;
  }
  data_end_ = std::max(data_end_, end);
  return end;
}

std::string DramChannel::check_histories() const {
  for (const ActRecord* a = acts_.begin(); a != acts_.end(); ++a) {
    if (a != acts_.begin() && a->t < (a - 1)->t) {
      return "ACT at " + std::to_string(a->t) + " recorded after one at " +
             std::to_string((a - 1)->t);
    }
  }
  for (const ColRecord* c = cols_.begin(); c != cols_.end(); ++c) {
    if (c != cols_.begin() && c->t < (c - 1)->t) {
      return "column record at " + std::to_string(c->t) + " after one at " +
             std::to_string((c - 1)->t);
    }
    if (c->n == 0 || (c->n - 1) * u(t_.tCCD_L) > col_reach_) {
      return "column record at " + std::to_string(c->t) + " spans " + std::to_string(c->n) +
             " commands";
    }
  }
  return "";
}

// Column records no later command can reach (beyond the horizon) are dropped in one pass once
// eight records have been added since the last (those kept meanwhile are never consulted:
// every search stops at records out of its reach).
void DramChannel::drop_columns() {
  if (cols_.size() < drop_at_) return;
  const uint64_t s = u(t_.tCCD_L);
  const ColRecord* it = cols_.begin();
  for (; it != cols_.end() && it->t + (it->n - 1) * s + col_reach_ + act_horizon_ < col_last_;
       ++it) {
    col_writes_ -= it->write ? 1 : 0;
  }
  cols_.drop_until(it);
  drop_at_ = cols_.size() + 8;
}

// Records span at most col_reach_ cycles, so a search scans only the few near its cycle.
void DramChannel::record_column(uint32_t rank, uint32_t bg, bool w, uint64_t t, uint64_t n) {
  const uint64_t s = u(t_.tCCD_L), per_record = col_per_record_;
  const bool tail = cols_.empty() || t > col_last_;
  ColRecord* at = tail ? cols_.end()  // every record starts at or before col_last_
                       : std::upper_bound(cols_.begin(), cols_.end(), t,
                                          [](uint64_t v, const ColRecord& a) { return v < a.t; });
  if (n == 1) {
    // A single command continues its bank group's run among the records starting within reach
    // before it (a run's records stay sorted by their first command and span at most
    // col_reach_, all col_violation relies on), instead of a new record (inserted mid-history
    // when it fills a gap).
    for (ColRecord* c = at; c != cols_.begin() && (c - 1)->t + col_reach_ >= t;) {
      --c;
      if (c->rank == rank && c->bank_group == bg && c->write == w && c->t + c->n * s == t &&
          c->n < per_record) {
        ++c->n;
        return;
      }
    }
  }
  for (uint64_t i = 0; i < n; i += per_record) {
    if (!tail && i > 0) {  // between committed commands: each record at its place in time order
      at = std::upper_bound(at, cols_.end(), t + i * s,
                            [](uint64_t v, const ColRecord& a) { return v < a.t; });
    }
    ColRecord* c = cols_.emplace(at);
    c->t = t + i * s;
    c->n = std::min(per_record, n - i);
    c->rank = rank;
    c->bank_group = bg;
    c->write = w;
    at = c + 1;
    col_writes_ += w ? 1 : 0;
  }
}

}  // namespace npusim
