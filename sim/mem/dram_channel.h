// One DRAM channel's controller and timing state, event-driven: it never ticks. Every timing
// rule is an "earliest legal cycle" register per bank, bank group, rank and channel, or a check
// against the committed commands near a cycle (dram_channel_timing.cpp lists the rules;
// docs/dram.md). Times are cycles of the command clock (tCK).
//
// Scheduling (FR-FCFS over a queue drained in closed form when a request arrives): the bursts of
// a request, grouped by (bank, row), form the read queue. Repeatedly, the next command of every
// queued group in the window (the first `read_queue` groups) is given its earliest legal cycle;
// the earliest one is issued, ties going to row hits (RD/WR) and then to the oldest group. A row
// that a queued group still hits is never precharged for another group (row hits first). A run
// of column commands that no other command could precede is issued as one step, so a streaming
// row costs O(1), not O(bursts). Commands committed for earlier calls stay; a later call's ACTs
// and RD/WRs may fill the gaps between them (checked against the commands on both sides) back to
// a horizon of 8 x tFAW before the latest one, about what a 32-entry controller queue looks
// ahead. So requests of concurrent transactions interleave, and a request arriving (in
// simulated time) before commands committed earlier is served in the gaps they leave.
//
// Writes are posted into a write queue (acceptance is their completion for the initiator) and
// drained with FR-FCFS: when the queue reaches `write_high` bursts, down to `write_low`; and, since
// a controller drains writes whenever no read waits, at the next call the writes that fit before
// its arrival are issued, continuing until fewer than `write_low` remain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/mem/address_mapping.h"
#include "sim/mem/calendar.h"
#include "sim/mem/dram_standard.h"
#include "sim/mem/history.h"

namespace npusim {

struct DramPolicy {
  bool open_page = true;
  uint64_t read_queue = 32;  // row groups the scheduler looks ahead
  uint64_t write_queue = 64;
  uint64_t write_high = 48;
  uint64_t write_low = 16;
  bool skip_periods = true;     // issue a steady state's periods in closed form (off: one by one)
  bool bus_bounds = true;       // raise stale bounds to the next free bus slot (off: full searches)
  bool gap_runs = true;         // fill a gap's slots one RD after another without a scan each
  bool gap_closed_form = true;  // prove a gap run's RDs legal per record, not per RD (gap_runs)
};

struct DramCommandCounts {
  uint64_t act = 0, pre = 0, rd = 0, wr = 0, ref = 0;
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;  // per burst
};

class DramChannel {
 public:
  enum class Cmd { ACT, PRE, RD, WR };
  static constexpr uint64_t kNoRow = ~uint64_t{0};
  static constexpr uint64_t kNever = ~uint64_t{0};  // a cycle that never comes

  DramChannel(const DramStandard& s, const DramPolicy& p);

  // Reads of `runs` arriving at cycle `arrival`; returns the cycle at which their last data
  // beat has been transferred.
  uint64_t read(const RowRun* runs, size_t n, uint64_t arrival);
  // Posts writes; returns the cycle at which the last burst has been accepted into the queue.
  uint64_t write(const RowRun* runs, size_t n, uint64_t arrival);

  // Timing state (dram_channel_timing.cpp): the earliest cycle >= `from` at which `c` may
  // issue to the bank (refresh aside), whether it may issue at `t`, and issuing it (legally).
  uint64_t earliest(Cmd c, uint32_t rank, uint32_t bank_group, uint32_t bank,
                    uint64_t from = 0) const;
  bool legal(Cmd c, uint32_t rank, uint32_t bank_group, uint32_t bank, uint64_t t) const;
  void issue(Cmd c, uint32_t rank, uint32_t bank_group, uint32_t bank, uint64_t row, uint64_t t);
  uint64_t open_row(uint32_t rank, uint32_t bank_group, uint32_t bank) const {
    return banks_[bank_index(rank, bank_group, bank)].open_row;
  }

  const DramCommandCounts& counts() const { return counts_; }
  // "" or the first broken invariant of the command histories that the searches rely on: ACT
  // and column records sorted by their first command, a column record spanning at most the
  // farthest one command constrains another (tests call it after every request).
  std::string check_histories() const;
  uint64_t pending_writes() const { return write_occupancy_; }
  uint64_t data_busy_cycles() const {
    return (counts_.rd + counts_.wr) * static_cast<uint64_t>(t_.tBL);
  }

 private:
  struct Bank {
    uint64_t open_row = kNoRow;
    uint64_t act_ok = 0, pre_ok = 0, rd_ok = 0, wr_ok = 0;
  };
  struct Group {  // a bank group within a rank
    uint64_t rd_ok = 0, wr_ok = 0;
  };
  struct Rank {
    uint64_t rd_ok = 0, wr_ok = 0;
    uint64_t next_ref = 0;
  };
  struct ActRecord {
    uint64_t t;
    uint32_t rank, bank_group;
  };
  struct ColRecord {  // n RDs or WRs at t, t + tCCD_L, ...
    uint64_t t, n;
    uint32_t rank, bank_group;
    bool write;
  };
  struct Entry {  // bursts of one request to one row of one bank
    uint32_t rank, bank_group, bank;
    uint64_t row, left, seq, arrival;
    uint8_t first_kind;  // how the next burst found its bank: 0 hit, 1 miss (closed), 2 conflict
    Cmd cmd;             // its next command, issuable no earlier than `at`
    uint64_t at;
    uint64_t epoch;  // `at` is exact while epoch == epoch_of(cmd) (see there)
    bool dirty;      // the bank changed: `cmd` and `at` must be recomputed
    bool blocked;    // a conflict waiting for the queued hits to its bank's open row
  };

  static uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }  // a timing, as a cycle count
  size_t bank_index(uint32_t rank, uint32_t bg, uint32_t bank) const {
    return (static_cast<size_t>(rank) * bank_groups_ + bg) * banks_per_group_ + bank;
  }
  void append(std::vector<Entry>& q, const RowRun* runs, size_t n, uint64_t arrival, bool merge);
  // FR-FCFS over `q` until it is empty or the next command is at or after `stop_at` with at
  // most `keep` bursts left. Returns the end of the last data transfer. For writes, tracks
  // when the queue occupancy first falls to `accept_level` (into `accept_at`).
  uint64_t serve(std::vector<Entry>& q, bool write, uint64_t window, uint64_t stop_at,
                 uint64_t keep, uint64_t accept_level, uint64_t* accept_at);
  // serve() of a read queue holding one group, as far as it can go without a scan; false:
  // serve() must take over (the state is what serve() would have reached, `done` the end of
  // the data moved so far).
  bool read_alone(uint64_t* done);
  // Whether some group of the window may issue before `stop_at`, by bounds needing no search.
  bool may_issue_before(const std::vector<Entry>& q, bool write, uint64_t window,
                        uint64_t stop_at) const;
  // Whether group `best`, evaluated exactly, precedes every other group of the window whose
  // bound is stale (after a column command of `best` only; see serve()).
  bool wins_gap(const std::vector<Entry>& q, size_t wn, size_t best, bool write) const;
  // After a RD of group `best` between committed commands: its next RDs, each at the earliest
  // legal cycle (its own tCCD_L after the last, the data-bus slot free, no rule broken by a
  // committed command) and one a scan would pick again (before every other group's bound, or
  // proven by wins_gap), issued without a scan while they stay in the gap; the group keeps its
  // last burst. Each books its bus slot as it goes (the next proof probes the bus); registers
  // and records follow once for the run (no search of this group's own can be moved by them
  // beyond its tCCD_L, which each next RD keeps). Returns the end of their data.
  uint64_t fill_gap(std::vector<Entry>& q, size_t wn, size_t best, uint64_t second,
                    uint64_t& total);
  // Appends a RD of q[index] at t to the history of consecutive RDs, with the state after it.
  void remember(const Entry& e, size_t index, uint64_t t);
  // Steps shared by serve() and read_alone(): a PRE or ACT for a group, its bursts' row counts,
  // and a closed page's precharge after the row's last hit.
  void row_command(Entry& e, Cmd c, uint64_t t);
  void count_bursts(Entry& e, uint64_t n);
  void auto_precharge(const Entry& e);
  // The groups of the window on e's bank need a new next command (the bank changed).
  void touch_bank(std::vector<Entry>& q, size_t wn, const Entry& e);
  // Group i issued its last burst: its bank's groups are re-evaluated, a closed page precharges
  // unless a queued group hits the row, and the group leaves the queue.
  void retire(std::vector<Entry>& q, size_t wn, size_t i);
  // issue() without re-checking legality: for a command at the cycle earliest() returned.
  void apply(Cmd c, uint32_t rank, uint32_t bg, uint32_t bank, uint64_t row, uint64_t t);
  void refresh(uint32_t rank, uint64_t t);
  // Periodic steady state of a queue (dram_channel_skip.cpp), issued within `lim`.
  struct SkipBounds {
    uint64_t stop_at, keep, total;  // serve()'s stop rule and the bursts left in the queue
    uint64_t room;                  // commands the skip may issue before making room (writes)
  };
  void snapshot(size_t slot);
  bool skip_periods(std::vector<Entry>& q, size_t wn, bool write, const SkipBounds& lim);
  void skip_whole(std::vector<Entry>& q, size_t wn, bool write, size_t len, uint64_t period,
                  uint64_t k);
  void record_column(uint32_t rank, uint32_t bg, bool w, uint64_t t, uint64_t n);
  uint64_t act_floor() const { return act_latest_ > act_horizon_ ? act_latest_ - act_horizon_ : 0; }
  bool act_violation(uint32_t rank, uint32_t bg, uint64_t t, uint64_t& fix) const;
  uint64_t act_search(uint32_t rank, uint32_t bg, uint64_t lb) const;
  uint64_t col_gap(bool w1, uint32_t rank1, uint32_t bg1, bool w2, uint32_t rank2,
                   uint32_t bg2) const {
    return gap_[w1][w2][rank1 != rank2 ? 0 : bg1 != bg2 ? 1 : 2];
  }
  uint64_t col_gap_rule(bool w1, uint32_t rank1, uint32_t bg1, bool w2, uint32_t rank2,
                        uint32_t bg2) const;
  uint64_t col_floor() const { return col_last_ > act_horizon_ ? col_last_ - act_horizon_ : 0; }
  void drop_columns();
  uint64_t append_bound(bool w, uint32_t rank, uint32_t bg) const;
  bool col_violation(bool w, uint32_t rank, uint32_t bg, uint64_t t, uint64_t& fix) const;
  uint64_t col_search(bool w, uint32_t rank, uint32_t bg, uint64_t lb) const;
  // The first j in [1, n] for which a RD at t0 + j x tCCD_L would break a rule against a
  // committed column command (col_violation() of each), or n + 1: per record, in closed form.
  uint64_t col_run_bound(uint32_t rank, uint32_t bg, uint64_t t0, uint64_t n) const;
  uint64_t column_run(uint32_t rank, uint32_t bg, uint32_t bank, bool w, uint64_t t, uint64_t n);
  // column_run()'s registers and counts for `n` commands, the last at `last` (no bus, records).
  uint64_t column_registers(uint32_t rank, uint32_t bg, uint32_t bank, bool w, uint64_t last,
                            uint64_t n);

  DramStandard s_;
  DramTimings t_;
  DramPolicy p_;
  uint32_t bank_groups_, banks_per_group_;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  std::vector<Rank> ranks_;
  // ACTs of the last act_horizon_ + act_span_ cycles; a new ACT goes no earlier than
  // act_horizon_ (8 x tFAW: about what a 32-entry queue drains at the tFAW limit) before the
  // latest, so the history dropped can no longer constrain it.
  History<ActRecord> acts_;
  uint64_t act_latest_ = 0;
  uint64_t act_horizon_, act_span_;
  // Column commands likewise (runs); col_reach_: the farthest one command constrains another.
  History<ColRecord> cols_;
  uint64_t col_last_ = 0, col_reach_;
  size_t drop_at_ = 0;       // drop_columns() looks again once cols_ holds this many records
  uint64_t col_per_record_;  // commands per record: col_reach_ / tCCD_L + 1 (record_column)
  int ccd_shift_;            // log2(tCCD_L) when it is a power of two (every preset), else -1
  uint64_t ccds(uint64_t cycles) const {  // whole tCCD_L in `cycles`, without a division
    return ccd_shift_ >= 0 ? cycles >> ccd_shift_ : cycles / static_cast<uint64_t>(t_.tCCD_L);
  }
  // A signed cycle count in tCCD_L, rounded down and up (dram_channel_timing.cpp).
  int64_t floor_ccds(int64_t cycles) const;
  int64_t ceil_ccds(int64_t cycles) const;
  Calendar bus_;           // data-bus bookings, to find free slots before checking the rules
  uint64_t gap_[2][2][3];  // col_gap by [1st is WR][2nd is WR][other rank, other group, same group]
  // Their maxima: before a RD / WR (over what follows it), and after one ([WR records exist]).
  uint64_t col_before_max_[2] = {0, 0}, col_after_max_[2][2] = {{0, 0}, {0, 0}};
  uint64_t col_writes_ = 0;  // WR records in cols_
  // Registers: the maxima over committed commands (for a command after all of them).
  uint64_t wr_after_rd_ = 0;  // tRTW
  uint64_t data_end_ = 0;     // data bus busy until
  uint64_t seq_ = 0;
  // Count the commands that can move a queued group's earliest cycle without touching its bank
  // (a change to its bank makes the group dirty instead): an ACT waits only on other ACTs
  // (tRRD, tFAW), a RD or WR only on column commands (tCCD, tWTR, tRTW, the data bus), and a PRE
  // only on its bank (its tRTP bound moves with RDs, so it is counted with the columns).
  uint64_t act_epoch_ = 0, col_epoch_ = 0;
  uint64_t epoch_of(Cmd c) const { return c == Cmd::ACT ? act_epoch_ : col_epoch_; }
  struct Issued {  // a RD of the current read queue: which group, when, and the state after it
    uint64_t seq, t;
    size_t index;
  };
  // The last RDs since an ACT, PRE, REF or finished group (a ring whose states are reused).
  Issued history_[16];
  size_t history_start_ = 0, history_size_ = 0;
  const Issued& history(size_t i) const { return history_[(history_start_ + i) % 16]; }
  // The register snapshot after each history entry: state_size_ values per ring slot.
  std::vector<uint64_t> states_;
  size_t state_size_ = 0;
  bool same_state(const Issued& a, const Issued& b) const;
  std::vector<uint64_t> per_group_;  // scratch of skip_periods
  std::vector<Entry> reads_, writes_;
  uint64_t write_occupancy_ = 0;
  DramCommandCounts counts_;
};

}  // namespace npusim
