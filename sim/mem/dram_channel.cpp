// FR-FCFS scheduling, the write queue and refresh of one channel (the timing rules are in
// dram_channel_timing.cpp).
//
// Refresh: every tREFI per rank (ranks staggered by tREFI / ranks), open banks are precharged
// (PREA once every bank allows it), REF follows tRP later, and no ACT for tRFC. It is applied
// when the rank is next used, so idle time costs nothing; refreshes due during an idle stretch
// are counted and the last one blocks.
#include "sim/mem/dram_channel.h"

#include <algorithm>

#include "sim/core/errors.h"

namespace npusim {

namespace {
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
      act_span_(u(std::max({s.t.tFAW, s.t.tRRD_L, s.t.tRRD_S}))),
      col_reach_(u(std::max({s.t.tCCD_L, s.t.tRTW, s.t.CWL + s.t.tBL + s.t.tWTR_L, s.t.CL + s.t.tBL,
                             s.t.CWL + s.t.tBL}))),
      col_per_record_(col_reach_ / u(s.t.tCCD_L) + 1),
      ccd_shift_((s.t.tCCD_L & (s.t.tCCD_L - 1)) == 0 ? __builtin_ctzll(u(s.t.tCCD_L)) : -1) {
  state_size_ = 2 * (ranks_.size() + groups_.size()) + 2;
  states_.assign(16 * state_size_, 0);
  for (size_t r = 0; r < ranks_.size(); ++r) {
    ranks_[r].next_ref = u(t_.tREFI) + r * u(t_.tREFI) / ranks_.size();
  }
  for (int w1 = 0; w1 < 2; ++w1) {
    for (int w2 = 0; w2 < 2; ++w2) {
      gap_[w1][w2][0] = col_gap_rule(w1, 0, 0, w2, 1, 0);
      gap_[w1][w2][1] = col_gap_rule(w1, 0, 0, w2, 0, 1);
      gap_[w1][w2][2] = col_gap_rule(w1, 0, 0, w2, 0, 0);
    }
  }
  for (int w = 0; w < 2; ++w) {
    for (int o = 0; o < 2; ++o) {
      for (int rel = 0; rel < 3; ++rel) {
        col_before_max_[w] = std::max(col_before_max_[w], gap_[w][o][rel]);
        col_after_max_[1][w] = std::max(col_after_max_[1][w], gap_[o][w][rel]);
        if (o == 0) col_after_max_[0][w] = std::max(col_after_max_[0][w], gap_[o][w][rel]);
      }
    }
  }
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
  const size_t first = q.size();
  for (size_t i = 0; i < n; ++i) {
    const DramCoord& c = runs[i].at;
    auto same_row = [&](const Entry& e) {
      return e.rank == c.rank && e.bank_group == c.bank_group && e.bank == c.bank && e.row == c.row;
    };
    // A write coalesces with any queued write to its row. One request's runs on one row are one
    // entry either way (the mapping cuts a transfer at aligned blocks, so a row can come in
    // several runs, adjacent in address order).
    Entry* row = nullptr;
    if (merge) {
      for (Entry& e : q) {
        if (same_row(e)) {
          row = &e;
          break;
        }
      }
    } else if (q.size() > first && same_row(q.back())) {
      row = &q.back();
    }
    if (row != nullptr) {
      row->left += runs[i].bursts;
    } else {
      Entry& e = q.emplace_back();  // value-initialized, filled in place
      e.rank = c.rank;
      e.bank_group = c.bank_group;
      e.bank = c.bank;
      e.row = c.row;
      e.left = runs[i].bursts;
      e.seq = seq_++;
      e.arrival = arrival;
      e.dirty = true;
    }
  }
}

// A group's PRE or ACT at t (from earliest()); its first burst is then a conflict or a miss.
void DramChannel::row_command(Entry& e, Cmd c, uint64_t t) {
  if (e.first_kind == 0) e.first_kind = c == Cmd::ACT ? 1 : 2;
  apply(c, e.rank, e.bank_group, e.bank, e.row, t);
  if (c == Cmd::ACT) ++act_epoch_;
}

// `n` bursts of group `e` issued: the first as it found its bank, the rest as row hits.
void DramChannel::count_bursts(Entry& e, uint64_t n) {
  if (e.first_kind == 1) ++counts_.row_misses;
  if (e.first_kind == 2) ++counts_.row_conflicts;
  counts_.row_hits += n - (e.first_kind != 0 ? 1 : 0);
  e.first_kind = 0;
}

// Closed page: the row closes after its last queued hit, as a precharge once the bank allows.
void DramChannel::auto_precharge(const Entry& e) {
  Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
  b.open_row = kNoRow;
  b.act_ok = std::max(b.act_ok, b.pre_ok + u(t_.tRP));
  ++counts_.pre;
}

uint64_t DramChannel::serve(std::vector<Entry>& q, bool write, uint64_t window, uint64_t stop_at,
                            uint64_t keep, uint64_t accept_level, uint64_t* accept_at) {
  uint64_t last_data = 0;
  for (Entry& e : q) e.dirty = true;  // banks may have changed since the last call
  history_size_ = 0;
  // FR-FCFS order: earliest cycle, then column commands (row hits), then the oldest.
  auto before = [](const Entry& a, const Entry& b) {
    if (a.at != b.at) return a.at < b.at;
    if (is_column(a.cmd) != is_column(b.cmd)) return is_column(a.cmd);
    return a.seq < b.seq;
  };
  uint64_t total = 0;  // bursts left in q
  for (const Entry& e : q) total += e.left;
  if (total <= keep && !may_issue_before(q, write, window, stop_at)) return last_data;
  // After a column command that leaves its group queued (`again`), only that group changed:
  // the others' bounds, blocked states and window stay, and so does `second`, their minimum. If
  // the group's next command comes strictly before it, a scan would pick that group: skip it.
  size_t best = q.size();
  uint64_t second = kNever;  // a lower bound on every other group's next command
  bool again = false;
  while (!q.empty()) {
    const size_t wn = std::min<size_t>(q.size(), window);
    // The next command of a queued group and its earliest cycle. A cycle computed earlier stays
    // a lower bound while the group's bank is untouched (commands only add constraints), so
    // only the front-runner is recomputed until it is current (lazy minimum).
    auto eval = [&](Entry& e) {
      const uint64_t open = banks_[bank_index(e.rank, e.bank_group, e.bank)].open_row;
      e.blocked = false;
      if (open == e.row) {
        e.cmd = write ? Cmd::WR : Cmd::RD;
      } else if (open != kNoRow) {
        for (size_t j = 0; j < wn && !e.blocked; ++j) {  // row hits first: keep a row open
          const Entry& o = q[j];                         // while a queued group hits it
          e.blocked = &o != &e && o.rank == e.rank && o.bank_group == e.bank_group &&
                      o.bank == e.bank && o.row == open;
        }
        e.cmd = Cmd::PRE;
      } else {
        e.cmd = Cmd::ACT;
      }
      // A group whose bank is untouched keeps its command, and its last cycle stays a lower
      // bound (commands only add constraints; the searches find the first legal cycle at or
      // after where they start), so the search resumes there.
      const uint64_t from = e.dirty ? e.arrival : std::max(e.arrival, e.at);
      if (!e.blocked) e.at = earliest(e.cmd, e.rank, e.bank_group, e.bank, from);
      e.dirty = false;
      e.epoch = epoch_of(e.cmd);
    };
    bool scan = true;
    if (again) {
      eval(q[best]);  // what a scan would evaluate: the only dirty group
      scan = q[best].blocked || q[best].at >= second;
      // A column command filling a gap (so it goes alone, whatever `second` is) that would tie
      // with or trail the others' stale bounds may still provably win: the others' next
      // commands are no earlier than their bounds, and a column one also needs a free data-bus
      // slot. When the first free slot at or after the least bound of the younger column
      // groups is not before this group's cycle (a tie goes to the older), and every other
      // group is bound strictly after it, a scan would pick it again.
      if (scan && !q[best].blocked && p_.bus_bounds && !cols_.empty() && q[best].at <= col_last_) {
        scan = !wins_gap(q, wn, best, write);
      }
      again = false;
    }
    while (scan) {
      // The front-runner, and the least bound of the others (`second`, a lower bound on every
      // other group's next command). q does not reallocate while it is served.
      Entry* const qd = q.data();
      const size_t none = q.size();
      best = none;
      second = kNever;
      for (size_t i = 0; i < wn; ++i) {
        Entry& e = qd[i];
        // A blocked group stays blocked until its bank changes (an ACT or PRE to it, refresh, or
        // the hitting group finishing, which touches that bank): only then is it dirty again.
        if (e.dirty) eval(e);
        if (e.blocked) continue;
        if (best == none || before(e, qd[best])) {
          if (best != none) second = std::min(second, qd[best].at);
          best = i;
        } else {
          second = std::min(second, e.at);
        }
      }
      NPUSIM_ASSERT(best < none, "FR-FCFS found no command to issue");
      if (qd[best].epoch == epoch_of(qd[best].cmd)) break;
      // A stale column command first moves its bound to the next free data-bus slot (its data
      // needs one, so this stays a lower bound): a tie-loser whose cycle the winner took then
      // waits behind the winner's next command without a full search.
      Entry& b = qd[best];
      if (p_.bus_bounds && is_column(b.cmd) && !cols_.empty() && b.at <= col_last_) {
        const uint64_t lat = u(write ? t_.CWL : t_.CL);
        const uint64_t free = bus_.probe(b.at + lat, u(t_.tBL)) - lat;
        if (free > b.at) {
          b.at = free;
          // Still strictly before every other bound: a scan would pick it again, and find its
          // slot free. Otherwise another group may now come first.
          if (b.at >= second) continue;
        }
      }
      eval(b);
    }
    const Cmd bc = q[best].cmd;
    const uint64_t bt = q[best].at;
    if (bt >= stop_at && total <= keep) break;
    Entry& e = q[best];
    Rank& r = ranks_[e.rank];
    if (bt >= r.next_ref) {
      refresh(e.rank, bt);
      for (Entry& o : q) o.dirty = true;
      history_size_ = 0;
      continue;
    }
    if (bc == Cmd::ACT || bc == Cmd::PRE) {
      row_command(e, bc, bt);  // bt came from earliest()
      touch_bank(q, wn, e);
      history_size_ = 0;
      continue;
    }
    ++col_epoch_;
    // Beyond every committed command, a run of column commands that no other queued command,
    // refresh or stop can precede goes as one step.
    const uint64_t s = u(t_.tCCD_L), limit = std::min(second, r.next_ref);
    const bool in_gap = !cols_.empty() && bt <= col_last_;  // between committed commands
    uint64_t n = limit > bt && !in_gap ? std::min(e.left, 1 + ccds(limit - 1 - bt)) : 1;
    if (stop_at != kNever) {  // the i-th next command would stop the loop: at or after stop_at,
      const uint64_t by_time = stop_at > bt ? ccds(stop_at - bt + s - 1) : 1;  // with <= keep left
      const uint64_t by_count = total > keep ? total - keep : 1;
      n = std::min(n, std::max({by_time, by_count, uint64_t{1}}));
    }
    count_bursts(e, n);
    if (write) {
      if (accept_at != nullptr && *accept_at == kNever && write_occupancy_ - n <= accept_level) {
        *accept_at = bt + (write_occupancy_ - accept_level - 1) * s;  // the burst that makes room
      }
      write_occupancy_ -= n;
    }
    last_data = std::max(last_data, column_run(e.rank, e.bank_group, e.bank, write, bt, n));
    e.left -= n;
    total -= n;
    e.at = bt + (n - 1) * s + 1;  // its next command comes after the last one (stale: col_epoch_)
    if (e.left > 0) {
      if (n > 1 || !p_.skip_periods) {
        history_size_ = 0;
      } else {  // a steady state of the queue repeats exactly: skip whole periods of it
        remember(e, best, bt);
        // A skip issues only what this loop would: every command before stop_at or with more
        // than `keep` bursts left, and none that makes room while acceptance is tracked.
        const bool tracking = write && accept_at != nullptr && *accept_at == kNever;
        const SkipBounds lim{stop_at, keep, total,
                             tracking ? write_occupancy_ - accept_level - 1 : kNever};
        if (history_size_ >= 2 && skip_periods(q, wn, write, lim)) {  // a period needs two of it
          total = 0;
          size_t finished = q.size();  // a group whose last burst the skip issued
          for (size_t j = 0; j < q.size(); ++j) {
            total += q[j].left;
            q[j].dirty = true;
            if (q[j].left == 0) finished = j;
          }
          ++col_epoch_;
          last_data = std::max(last_data, data_end_);
          history_size_ = 0;
          if (finished < q.size()) retire(q, wn, finished);
          continue;
        }
      }
      if (in_gap && !write && p_.gap_runs) {
        last_data = std::max(last_data, fill_gap(q, wn, best, second, total));
      }
      again = true;
      continue;
    }
    history_size_ = 0;
    retire(q, wn, best);
  }
  return last_data;
}

void DramChannel::remember(const Entry& e, size_t index, uint64_t t) {
  if (history_size_ == 16) {
    history_start_ = (history_start_ + 1) % 16;
    --history_size_;
  }
  const size_t slot = (history_start_ + history_size_++) % 16;
  Issued& h = history_[slot];
  h.seq = e.seq;
  h.t = t;
  h.index = index;
  snapshot(slot);
}

uint64_t DramChannel::fill_gap(std::vector<Entry>& q, size_t wn, size_t best, uint64_t second,
                               uint64_t& total) {
  Entry& e = q[best];
  const uint64_t own = col_gap(false, e.rank, e.bank_group, false, e.rank, e.bank_group);
  const uint64_t lat = u(t_.CL), bl = u(t_.tBL), next_ref = ranks_[e.rank].next_ref;
  const uint64_t first = e.at - 1;  // the RD just issued (e.at is one past it)
  uint64_t last = first, m = 0;
  if (p_.gap_closed_form && own == u(t_.tCCD_L) && own >= bl) {
    // The per-RD loop below with its checks made once for the run. RD j, at first + j x own,
    // stays at or before the last committed command and before refresh, finds its bus slot
    // free (the run's own slots never overlap a later one: own >= tBL) and no committed
    // command in conflict (the records do not change during the run). RDs before `second`
    // need no more proof; from there on each must win the gap, as in the loop.
    uint64_t cap = e.left - 1;  // the group keeps its last burst
    cap = std::min(cap, first <= col_last_ ? (col_last_ - first) / own : 0);
    cap = std::min(cap, next_ref > first ? (next_ref - first - 1) / own : 0);
    if (cap > 0) cap = bus_.first_busy_every(first + own + lat, bl, own, cap);
    if (cap > 0) cap = col_run_bound(e.rank, e.bank_group, first, cap) - 1;
    m = std::min(cap, second > first ? (second - first - 1) / own : 0);
    bus_.book_every(first + own + lat, bl, own, m);
    last = first + m * own;
    while (m < cap) {
      const uint64_t t = last + own;
      e.at = t;
      if (!(p_.bus_bounds && wins_gap(q, wn, best, false))) break;
      bus_.book(t + lat, bl);
      last = t;
      ++m;
    }
  } else {
    while (e.left > m + 1) {
      const uint64_t t = last + own;  // no earlier than its own tCCD_L: the earliest if legal
      uint64_t fix = t;
      if (t > col_last_ || t >= next_ref || bus_.probe(t + lat, bl) != t + lat ||
          col_violation(false, e.rank, e.bank_group, t, fix))
        break;
      e.at = t;
      if (t >= second && !(p_.bus_bounds && wins_gap(q, wn, best, false))) break;
      bus_.book(t + lat, bl);
      last = t;
      ++m;
    }
  }
  e.at = last + 1;
  if (m == 0) return 0;
  ++col_epoch_;
  count_bursts(e, m);
  e.left -= m;
  total -= m;
  const uint64_t data = column_registers(e.rank, e.bank_group, e.bank, false, last, m);
  if (own == u(t_.tCCD_L)) {  // one run of records
    record_column(e.rank, e.bank_group, false, first + own, m);
  } else {
    for (uint64_t i = 1; i <= m; ++i)
      record_column(e.rank, e.bank_group, false, first + i * own, 1);
  }
  drop_columns();
  bus_.retire(col_floor());
  if (p_.skip_periods) {  // the history holds consecutive RDs: from the last one
    history_size_ = 0;
    remember(e, best, last);
  }
  return data;
}

void DramChannel::touch_bank(std::vector<Entry>& q, size_t wn, const Entry& e) {
  for (size_t j = 0; j < wn; ++j) {
    Entry& o = q[j];
    if (o.rank == e.rank && o.bank_group == e.bank_group && o.bank == e.bank) o.dirty = true;
  }
}

void DramChannel::retire(std::vector<Entry>& q, size_t wn, size_t i) {
  const Entry& e = q[i];
  touch_bank(q, wn, e);
  if (!p_.open_page) {  // closed page: auto-precharge unless a queued group hits the row
    bool more = false;
    for (size_t j = 0; j < q.size() && !more; ++j) {
      more = j != i && q[j].rank == e.rank && q[j].bank_group == e.bank_group &&
             q[j].bank == e.bank && q[j].row == e.row;
    }
    if (!more) auto_precharge(e);
  }
  q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
}

// Whether a queued group's next command may come before `stop_at` (if none can, the scheduler
// stops at its first step), by bounds that need no search: a RD/WR goes no earlier than its bank
// allows and than col_floor(), an ACT than its bank and act_floor(), a PRE than its bank. (A write
// lingering in its queue is otherwise searched again at every read.)
bool DramChannel::may_issue_before(const std::vector<Entry>& q, bool write, uint64_t window,
                                   uint64_t stop_at) const {
  const size_t wn = std::min<size_t>(q.size(), window);
  for (size_t i = 0; i < wn; ++i) {
    const Entry& e = q[i];
    const Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
    uint64_t lb = e.arrival;
    if (b.open_row == e.row) {
      lb = std::max({lb, col_floor(), write ? b.wr_ok : b.rd_ok});
    } else if (b.open_row != kNoRow) {
      lb = std::max(lb, b.pre_ok);
    } else {
      lb = std::max({lb, act_floor(), b.act_ok});
    }
    if (lb < stop_at) return true;
  }
  return false;
}

bool DramChannel::wins_gap(const std::vector<Entry>& q, size_t wn, size_t best, bool write) const {
  const Entry& b = q[best];
  uint64_t young_columns = kNever;  // least bound of the younger column groups
  for (size_t j = 0; j < wn; ++j) {
    const Entry& o = q[j];
    if (j == best || o.blocked) continue;
    if (is_column(o.cmd) && o.seq > b.seq) {
      young_columns = std::min(young_columns, o.at);
    } else if (o.at <= b.at) {
      return false;  // an ACT/PRE or an older group bound at or before it: scan
    }
  }
  if (young_columns >= b.at) return true;
  const uint64_t lat = u(write ? t_.CWL : t_.CL);
  return bus_.probe(young_columns + lat, u(t_.tBL)) - lat >= b.at;
}

uint64_t DramChannel::read(const RowRun* runs, size_t n, uint64_t arrival) {
  // No read waited before `arrival`, so the controller drained writes until then; with reads
  // waiting it keeps draining until fewer than write_low remain.
  if (!writes_.empty()) serve(writes_, true, p_.write_queue, arrival, p_.write_low - 1, 0, nullptr);
  reads_.clear();
  append(reads_, runs, n, arrival, false);
  uint64_t done = 0;
  if (reads_.size() == 1 && read_alone(&done)) return done;
  return std::max(done, serve(reads_, false, p_.read_queue, kNever, 0, 0, nullptr));
}

// serve() for a read queue of one group, step for step, while that group's bound is recomputed
// at every step (so every step is what serve() would take): its PRE and ACT (each leaves the
// group dirty), refreshes, a RD in a gap between committed commands and the next ones that
// fill_gap() proves free (as serve() goes on; with no other group each is at its earliest legal
// cycle, and a search from one past the last RD finds the next, since no cycle before that RD
// was legal and commands only add constraints), and a row hit beyond every committed command that
// takes the remaining bursts in one run (no other group: the run is bounded by refresh alone). A
// run that refresh cuts short is left to serve(), which starts from the same state; `done` holds
// the end of the data moved so far.
bool DramChannel::read_alone(uint64_t* done) {
  Entry& e = reads_[0];
  Bank& b = banks_[bank_index(e.rank, e.bank_group, e.bank)];
  const Rank& r = ranks_[e.rank];
  uint64_t from = e.arrival;  // a lower bound on the next RD: one past the last one
  while (true) {
    // earliest() of the group's next command, by kind.
    if (b.open_row != e.row) {
      const bool conflict = b.open_row != kNoRow;
      const uint64_t t = conflict ? std::max(e.arrival, b.pre_ok)
                                  : act_search(e.rank, e.bank_group, std::max(e.arrival, b.act_ok));
      if (t >= r.next_ref) {
        refresh(e.rank, t);
        continue;
      }
      row_command(e, conflict ? Cmd::PRE : Cmd::ACT, t);
      continue;
    }
    const uint64_t t = col_search(false, e.rank, e.bank_group, std::max(from, b.rd_ok));
    if (t >= r.next_ref) {
      refresh(e.rank, t);
      continue;
    }
    const bool in_gap = !cols_.empty() && t <= col_last_;
    if (in_gap && !p_.gap_runs) return false;  // the scanning path, step for step: serve()
    const uint64_t n = in_gap ? 1 : e.left;
    if (!in_gap && 1 + ccds(r.next_ref - 1 - t) < n) return false;  // refresh cuts the run
    ++col_epoch_;
    count_bursts(e, n);
    *done = std::max(*done, column_run(e.rank, e.bank_group, e.bank, false, t, n));
    e.left -= n;
    e.at = t + 1;
    if (in_gap && e.left > 0) {  // its next RDs in the gap's free slots, as serve() goes on
      uint64_t left = e.left;
      *done = std::max(*done, fill_gap(reads_, 1, 0, kNever, left));
    }
    from = e.at;  // one past the last RD
    if (e.left > 0) continue;
    if (!p_.open_page) auto_precharge(e);  // closed page: no other group hits the row
    return true;
  }
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
