// Timing rules (JEDEC; cycles of tCK). Issuing a command raises the registers it constrains:
//
//   ACT  bank: ACT +tRC, PRE +tRAS, RD/WR +tRCD;  bank group: ACT +tRRD_L;  rank: ACT +tRRD_S,
//        and a fifth ACT no earlier than the fourth-last + tFAW
//   PRE  bank: ACT +tRP
//   RD   bank: PRE +tRTP;  bank group: RD +tCCD_L;  rank: RD +tCCD_S;  channel: WR +tRTW;
//        data on the bus [RD + CL, RD + CL + tBL)
//   WR   bank: PRE +CWL+tBL+tWR;  bank group: WR +tCCD_L, RD +CWL+tBL+tWTR_L;
//        rank: WR +tCCD_S, RD +CWL+tBL+tWTR_S;  data on the bus [WR + CWL, WR + CWL + tBL)
//   REF  every tREFI per rank (ranks staggered by tREFI / ranks): open banks are precharged
//        (PREA when every bank allows it), REF follows tRP later and no ACT for tRFC.
//
// and the data bus never carries two bursts at once. ACTs (and REFs) issue at most one per
// cycle, and RD/WRs likewise, each on a timeline that only moves forward; a PRE depends only on
// its bank (the command-bus slot it takes is not modelled: HBM has separate row and column
// command buses, DDR4/LPDDR lose at most a cycle to a collision).
#include "sim/mem/dram_channel.h"

#include <algorithm>
#include <limits>

#include "sim/core/errors.h"

namespace npusim {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}
bool is_column(DramChannel::Cmd c) {
  return c == DramChannel::Cmd::RD || c == DramChannel::Cmd::WR;
}
}  // namespace

DramChannel::DramChannel(const DramStandard& s, const DramPolicy& p)
    : s_(s),
      t_(s.t),
      p_(p),
      bank_groups_(static_cast<uint32_t>(s.bank_groups)),
      banks_per_group_(static_cast<uint32_t>(s.banks_per_group)),
      banks_(static_cast<size_t>(s.ranks) * s.banks_per_rank()),
      groups_(static_cast<size_t>(s.ranks * s.bank_groups)),
      ranks_(static_cast<size_t>(s.ranks)),
      act_horizon_(8 * u(s.t.tFAW)),
      act_span_(u(std::max({s.t.tFAW, s.t.tRRD_L, s.t.tRRD_S}))) {
  for (size_t r = 0; r < ranks_.size(); ++r) {
    ranks_[r].next_ref = u(t_.tREFI) + r * u(t_.tREFI) / ranks_.size();
  }
}

uint64_t DramChannel::earliest(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank) const {
  const Bank& b = banks_[bank_index(rank, bg, bank)];
  const Group& g = groups_[static_cast<size_t>(rank) * bank_groups_ + bg];
  const Rank& r = ranks_[rank];
  switch (c) {
    case Cmd::ACT: {
      return act_search(rank, bg, b.act_ok);
    }
    case Cmd::PRE:
      return b.pre_ok;
    case Cmd::RD: {
      const uint64_t bus = data_end_ > u(t_.CL) ? data_end_ - u(t_.CL) : 0;
      return std::max({col_cmd_next_, b.rd_ok, g.rd_ok, r.rd_ok, bus});
    }
    case Cmd::WR: {
      const uint64_t bus = data_end_ > u(t_.CWL) ? data_end_ - u(t_.CWL) : 0;
      return std::max({col_cmd_next_, b.wr_ok, g.wr_ok, r.wr_ok, wr_after_rd_, bus});
    }
  }
  return kNever;
}

void DramChannel::issue(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank, uint64_t row,
                        uint64_t t) {
  Bank& b = banks_[bank_index(rank, bg, bank)];
  uint64_t fix = 0;
  NPUSIM_ASSERT(c == Cmd::ACT ? t >= b.act_ok && !act_violation(rank, bg, t, fix)
                              : t >= earliest(c, rank, bg, bank),
                "DRAM command issued at an illegal cycle");
  if (c == Cmd::ACT) {
    NPUSIM_ASSERT(b.open_row == kNoRow, "ACT to an open bank");
    b.open_row = row;
    b.act_ok = std::max(b.act_ok, t + u(t_.tRC));
    b.pre_ok = std::max(b.pre_ok, t + u(t_.tRAS));
    b.rd_ok = std::max(b.rd_ok, t + u(t_.tRCD));
    b.wr_ok = std::max(b.wr_ok, t + u(t_.tRCD));
    const ActRecord rec{t, rank, bg};
    acts_.insert(std::upper_bound(acts_.begin(), acts_.end(), t,
                                  [](uint64_t v, const ActRecord& a) { return v < a.t; }),
                 rec);
    act_latest_ = std::max(act_latest_, t);
    while (acts_.front().t + act_horizon_ + act_span_ < act_latest_) acts_.pop_front();
    ++counts_.act;
  } else if (c == Cmd::PRE) {
    NPUSIM_ASSERT(b.open_row != kNoRow, "PRE to a closed bank");
    b.open_row = kNoRow;
    b.act_ok = std::max(b.act_ok, t + u(t_.tRP));
    ++counts_.pre;
  } else {
    NPUSIM_ASSERT(b.open_row == row, "column command to a row that is not open");
    column_run({rank, bg, bank, row, 1, 0, 0, 0}, c == Cmd::WR, t, 1);
  }
}

// `n` column commands to one open row at t, t + tCCD_L, ... (the distance the rules above put
// between two RDs or two WRs to the same bank when nothing else intervenes).
void DramChannel::column_run(const Entry& e, bool write, uint64_t t, uint64_t n) {
  Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
  Group& g = groups_[static_cast<size_t>(e.rank) * bank_groups_ + e.bank_group];
  Rank& r = ranks_[e.rank];
  const uint64_t last = t + (n - 1) * u(t_.tCCD_L);
  if (!write) {
    b.pre_ok = std::max(b.pre_ok, last + u(t_.tRTP));
    g.rd_ok = std::max(g.rd_ok, last + u(t_.tCCD_L));
    r.rd_ok = std::max(r.rd_ok, last + u(t_.tCCD_S));
    wr_after_rd_ = std::max(wr_after_rd_, last + u(t_.tRTW));
    data_end_ = last + u(t_.CL) + u(t_.tBL);
    counts_.rd += n;
  } else {
    const uint64_t data_end = last + u(t_.CWL) + u(t_.tBL);
    b.pre_ok = std::max(b.pre_ok, data_end + u(t_.tWR));
    g.wr_ok = std::max(g.wr_ok, last + u(t_.tCCD_L));
    r.wr_ok = std::max(r.wr_ok, last + u(t_.tCCD_S));
    g.rd_ok = std::max(g.rd_ok, data_end + u(t_.tWTR_L));
    r.rd_ok = std::max(r.rd_ok, data_end + u(t_.tWTR_S));
    data_end_ = data_end;
    counts_.wr += n;
  }
  col_cmd_next_ = last + 1;
}

// ACTs may fill gaps between ACTs already committed (a later call's row can open while an
// earlier call's bank waits out tRC), so tRRD and tFAW are checked on both sides of `t`: against
// the ACTs within tFAW of it, kept in time order. Returns whether `t` breaks a rule, with `fix`
// the earliest later cycle that might not (every rule broken at t stays broken before it).
bool DramChannel::act_violation(uint32_t rank, uint32_t bg, uint64_t t, uint64_t& fix) const {
  const uint64_t lo_t = t >= act_span_ ? t - act_span_ + 1 : 0;
  auto lo = std::lower_bound(acts_.begin(), acts_.end(), lo_t,
                             [](const ActRecord& a, uint64_t v) { return a.t < v; });
  bool bad = false;
  uint64_t near[16];  // same-rank ACTs within tFAW of t, in time order, t inserted
  size_t n = 0, pos = 0;
  for (auto it = lo; it != acts_.end() && it->t < t + act_span_; ++it) {
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
    const uint64_t faw = u(t_.tFAW);
    if (it->t + faw > t && t + faw > it->t && n < 15) {
      if (it->t < t) pos = n + 1;
      near[n++] = it->t;
    }
  }
  // Insert t and check every five consecutive ACTs that include it: they must span tFAW.
  for (size_t i = n; i > pos; --i) near[i] = near[i - 1];
  near[pos] = t;
  ++n;
  for (size_t first = pos >= 4 ? pos - 4 : 0; first <= pos && first + 4 < n; ++first) {
    if (near[first + 4] - near[first] >= u(t_.tFAW)) continue;
    bad = true;
    fix = std::max(fix, first + 4 == pos ? near[first] + u(t_.tFAW) : near[first + 4] + 1);
  }
  return bad;
}

uint64_t DramChannel::act_search(uint32_t rank, uint32_t bg, uint64_t lb) const {
  uint64_t t = std::max(lb, act_latest_ > act_horizon_ ? act_latest_ - act_horizon_ : uint64_t{0});
  uint64_t fix = t;
  while (act_violation(rank, bg, t, fix)) t = fix;
  return t;
}

void DramChannel::refresh(uint32_t rank, uint64_t t) {
  Rank& r = ranks_[rank];
  const size_t first = bank_index(rank, 0, 0), count = s_.banks_per_rank();
  uint64_t pre_at = r.next_ref;
  bool any_open = false;
  for (size_t i = first; i < first + count; ++i) {
    if (banks_[i].open_row == kNoRow) continue;
    any_open = true;
    pre_at = std::max(pre_at, banks_[i].pre_ok);
  }
  uint64_t ref_at = pre_at;
  if (any_open) {
    for (size_t i = first; i < first + count; ++i) {
      if (banks_[i].open_row == kNoRow) continue;
      banks_[i].open_row = kNoRow;
      banks_[i].act_ok = std::max(banks_[i].act_ok, pre_at + u(t_.tRP));
      ++counts_.pre;
    }
  }
  for (size_t i = first; i < first + count; ++i) ref_at = std::max(ref_at, banks_[i].act_ok);
  r.next_ref += u(t_.tREFI);
  ++counts_.ref;
  // Refreshes due while the rank idled until `t` (banks closed): counted, the last one blocks.
  if (t >= r.next_ref) {
    const uint64_t k = (t - r.next_ref) / u(t_.tREFI) + 1;
    ref_at = std::max(ref_at + u(t_.tRFC), r.next_ref + (k - 1) * u(t_.tREFI));
    r.next_ref += k * u(t_.tREFI);
    counts_.ref += k;
  }
  for (size_t i = first; i < first + count; ++i)
    banks_[i].act_ok = std::max(banks_[i].act_ok, ref_at + u(t_.tRFC));
}

void DramChannel::append(std::vector<Entry>& q, const RowRun* runs, size_t n, uint64_t arrival,
                         bool merge) {
  for (size_t i = 0; i < n; ++i) {
    const DramCoord& c = runs[i].at;
    bool merged = false;
    for (Entry& e : q) {
      if (!merge) break;
      if (e.rank == c.rank && e.bank_group == c.bank_group && e.bank == c.bank && e.row == c.row) {
        e.left += runs[i].bursts;  // coalesces with a queued write to the same row
        merged = true;
        break;
      }
    }
    if (!merged)
      q.push_back({c.rank, c.bank_group, c.bank, c.row, runs[i].bursts, seq_++, arrival, 0});
  }
}

uint64_t DramChannel::serve(std::vector<Entry>& q, bool write, uint64_t window, uint64_t stop_at,
                            uint64_t keep, uint64_t accept_level, uint64_t* accept_at) {
  uint64_t last_data = 0;
  while (!q.empty()) {
    uint64_t total = 0;
    for (const Entry& e : q) total += e.left;
    const size_t wn = std::min<size_t>(q.size(), window);
    size_t best = q.size();
    Cmd bc = Cmd::ACT;
    uint64_t bt = kNever, second = kNever;
    for (size_t i = 0; i < wn; ++i) {
      const Entry& e = q[i];
      const uint64_t open = banks_[bank_index(e.rank, e.bank_group, e.bank)].open_row;
      Cmd c;
      if (open == e.row) {
        c = write ? Cmd::WR : Cmd::RD;
      } else if (open != kNoRow) {
        bool blocked = false;  // row hits first: keep a row open while a queued group hits it
        for (size_t j = 0; j < wn && !blocked; ++j) {
          blocked = j != i && q[j].rank == e.rank && q[j].bank_group == e.bank_group &&
                    q[j].bank == e.bank && q[j].row == open;
        }
        if (blocked) continue;
        c = Cmd::PRE;
      } else {
        c = Cmd::ACT;
      }
      const uint64_t t =
          c == Cmd::ACT
              ? act_search(
                    e.rank, e.bank_group,
                    std::max(banks_[bank_index(e.rank, e.bank_group, e.bank)].act_ok, e.arrival))
              : std::max(earliest(c, e.rank, e.bank_group, e.bank), e.arrival);
      const bool better =
          best == q.size() || t < bt ||
          (t == bt && (is_column(c) != is_column(bc) ? is_column(c) : e.seq < q[best].seq));
      if (better) {
        second = std::min(second, bt);
        best = i;
        bc = c;
        bt = t;
      } else {
        second = std::min(second, t);
      }
    }
    NPUSIM_ASSERT(best < q.size(), "FR-FCFS found no command to issue");
    if (bt >= stop_at && total <= keep) break;
    Entry& e = q[best];
    Rank& r = ranks_[e.rank];
    if (bt >= r.next_ref) {
      refresh(e.rank, bt);
      continue;
    }
    if (bc == Cmd::ACT || bc == Cmd::PRE) {
      if (e.first_kind == 0) e.first_kind = bc == Cmd::ACT ? 1 : 2;
      issue(bc, e.rank, e.bank_group, e.bank, e.row, bt);
      continue;
    }
    // A run of column commands that no other queued command, refresh or stop can precede.
    const uint64_t s = u(t_.tCCD_L), limit = std::min(second, r.next_ref);
    uint64_t n = limit > bt ? std::min(e.left, 1 + (limit - 1 - bt) / s) : 1;
    if (stop_at != kNever) {  // the i-th next command would stop the loop: at or after stop_at,
      const uint64_t by_time = stop_at > bt ? (stop_at - bt + s - 1) / s : 1;  // with <= keep left
      const uint64_t by_count = total > keep ? total - keep : 1;
      n = std::min(n, std::max({by_time, by_count, uint64_t{1}}));
    }
    if (e.first_kind == 1) ++counts_.row_misses;
    if (e.first_kind == 2) ++counts_.row_conflicts;
    counts_.row_hits += n - (e.first_kind != 0 ? 1 : 0);
    e.first_kind = 0;
    if (write) {
      if (accept_at != nullptr && *accept_at == kNever && write_occupancy_ - n <= accept_level) {
        *accept_at = bt + (write_occupancy_ - accept_level - 1) * s;  // the burst that makes room
      }
      write_occupancy_ -= n;
    }
    column_run(e, write, bt, n);
    last_data = std::max(last_data, data_end_);
    e.left -= n;
    if (e.left > 0) continue;
    if (!p_.open_page) {  // closed page: auto-precharge unless a queued group hits the row
      bool more = false;
      for (size_t j = 0; j < q.size() && !more; ++j) {
        more = j != best && q[j].rank == e.rank && q[j].bank_group == e.bank_group &&
               q[j].bank == e.bank && q[j].row == e.row;
      }
      if (!more) {
        Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
        b.open_row = kNoRow;
        b.act_ok = std::max(b.act_ok, b.pre_ok + u(t_.tRP));
        ++counts_.pre;
      }
    }
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return last_data;
}

uint64_t DramChannel::read(const RowRun* runs, size_t n, uint64_t arrival) {
  // No read waited before `arrival`, so the controller drained writes until then; with reads
  // waiting it keeps draining until fewer than write_low remain.
  if (!writes_.empty()) serve(writes_, true, p_.write_queue, arrival, p_.write_low - 1, 0, nullptr);
  reads_.clear();
  append(reads_, runs, n, arrival, false);
  return serve(reads_, false, p_.read_queue, kNever, 0, 0, nullptr);
}

uint64_t DramChannel::write(const RowRun* runs, size_t n, uint64_t arrival) {
  if (!writes_.empty()) serve(writes_, true, p_.write_queue, arrival, kNever, 0, nullptr);
  append(writes_, runs, n, arrival, true);
  for (size_t i = 0; i < n; ++i) write_occupancy_ += runs[i].bursts;
  uint64_t accept = write_occupancy_ <= p_.write_queue ? arrival : kNever;
  if (write_occupancy_ >= p_.write_high)
    serve(writes_, true, p_.write_queue, 0, p_.write_low, p_.write_queue, &accept);
  NPUSIM_ASSERT(accept != kNever, "write queue drained below its capacity");
  return std::max(accept, arrival);
}

}  // namespace npusim
