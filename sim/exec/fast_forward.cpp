// Exact fast-forward of the execution engine's periodic steady states (sim/core/fast_forward.h).
//
// A decode step streams each linear layer's weights as a run of identical tiles (only the
// DRAM address moves), and attention as identical K/V chunks. Once the double buffer is
// primed, such a run settles into a cycle: after step j the machine (this engine's
// queues and times, the DMA queue, the DRAM channels' and scratchpad ports' bookings) looks
// exactly as after step j - p, only later by Δ. Every quantity the next steps depend on is
// then the same relative to "now", and the next steps are the same work, so the simulation
// would repeat that period for as long as the identical steps last. Instead of simulating
// k more periods, skip() removes k·p steps that have not started loading, moves every timing
// state k·Δ later, and adds k times one period's change to every statistic and to the
// operator's account. Exactness rests on three checks made before skipping:
//   - the recorded states are equal value for value (times relative to the step's end; times
//     that can no longer matter, before the memory queue's cursor, are clamped);
//   - every step from the compared period to past the skipped ones is the same work as the
//     step p before it (sizes, units, flags), at DRAM addresses that differ by a multiple of
//     the memories' address period (same channels and bursts);
//   - Δ is a whole number of clock cycles, so later rounding to cycle edges is unchanged.
// The only approximation: averages' sums (a double) are replayed as k·(one period's sum), which
// can differ from k·p additions in the last bits. tests/unit/test_llm_npu.cpp compares runs
// with and without fast-forward.
#include <algorithm>

#include "sim/exec/engine.h"

namespace npusim {
namespace {

// Work of a step apart from its addresses.
bool same_work(const MatrixWork& a, const MatrixWork& b) {
  return a.m == b.m && a.k == b.k && a.n == b.n && a.a_bits == b.a_bits && a.w_bits == b.w_bits &&
         a.count == b.count;
}

bool same_work(const VectorWork& a, const VectorWork& b) {
  return a.fn == b.fn && a.elements == b.elements && a.bits == b.bits;
}

constexpr int64_t kNone = INT64_MIN;     // a pending time in a state vector
constexpr uint64_t kMaxTriesPerOp = 40;  // records taken per operator before giving up
constexpr uint64_t kMinRun = 16;         // steps left in the operator worth looking for a cycle

}  // namespace

uint64_t ExecEngine::floor_ps() const {
  // One queue: nothing issues before the queue's program-order cursor. A separate store queue:
  // a waiting store issues at its unit's compute end, which may be earlier.
  uint64_t floor = issue_cursor_;
  if (!shared_queue()) {
    for (size_t w : stores_waiting_) floor = std::min(floor, q_[w - base_index_].compute_end);
  }
  return floor;
}

bool ExecEngine::same_timing(const Pending& a, const Pending& b) const {
  const WorkUnit& x = *a.s;
  const WorkUnit& y = *b.s;
  auto aligned = [&](uint64_t u, uint64_t v) {
    return (u > v ? u - v : v - u) % addr_period_ == 0;
  };
  return a.op == b.op && a.batch == b.batch && a.overhead == b.overhead &&
         a.first_of_op == b.first_of_op && a.last_of_op == b.last_of_op &&
         a.bases.weight == b.bases.weight && a.bases.input == b.bases.input &&
         a.bases.store == b.bases.store && x.kind == y.kind && x.weight_bytes == y.weight_bytes &&
         x.weight_class == y.weight_class && x.table_bytes == y.table_bytes &&
         x.input_bytes == y.input_bytes && x.input_class == y.input_class &&
         x.weight_static == y.weight_static && x.transform_weights == y.transform_weights &&
         x.opens_output == y.opens_output && x.closes_output == y.closes_output &&
         x.store_bytes == y.store_bytes && x.store_class == y.store_class &&
         same_work(x.mw, y.mw) && same_work(x.mw2, y.mw2) && same_work(x.vw, y.vw) &&
         same_work(x.transform_work, y.transform_work) && x.engine == y.engine &&
         x.lowered_cycles == y.lowered_cycles && aligned(x.weight_addr, y.weight_addr) &&
         aligned(x.table_addr, y.table_addr) && aligned(x.input_addr, y.input_addr) &&
         aligned(x.store_addr, y.store_addr);
}

bool ExecEngine::periodic(uint64_t from, uint64_t to, uint64_t period) const {
  for (uint64_t i = from; i < to; ++i) {
    const Pending* a = step_at(i);
    const Pending* b = i >= period ? step_at(i - period) : nullptr;
    if (a == nullptr || b == nullptr || !same_timing(*a, *b)) return false;
  }
  return true;
}

uint64_t ExecEngine::periodic_run(uint64_t from, uint64_t p) {
  const uint64_t fed_end = base_index_ + q_.size();
  auto scan = [&] {
    uint64_t end = from;
    while (end < fed_end && step_at(end - p) != nullptr &&
           same_timing(*step_at(end), *step_at(end - p)))
      ++end;
    return end - from;
  };
  const Pending& first = q_[from - base_index_];
  if (first.batch != nullptr) return scan();  // owned steps: fed once
  auto [it, fresh] = run_cache_.try_emplace(first.s);
  if (fresh) it->second.fill(~uint64_t{0});
  if (it->second[p] == ~uint64_t{0}) it->second[p] = scan();
  return it->second[p];
}

void ExecEngine::record(uint64_t j, bool full, Record& r) const {
  r.index = j;
  r.ref = compute_free_;
  const uint64_t floor = floor_ps();
  r.from = c_.dma->queue_cursor_ps(c_.load_queue);
  if (!shared_queue()) r.from = std::min({r.from, c_.dma->queue_cursor_ps(c_.store_queue), floor});
  auto& t = r.times;
  t.clear();
  auto rel = [&](uint64_t v, uint64_t floor) {
    return v == kPending ? kNone : offset_from(v, floor, r.ref);
  };
  t.push_back(static_cast<int64_t>(next_load_ - j));
  t.push_back(offset_from(issue_cursor_, 0, r.ref));
  t.push_back(rel(producer_done_, floor));
  t.push_back(offset_from(end_ps_, 0, r.ref));
  // A kernel floor still ahead holds the next compute; one already passed can no longer matter.
  t.push_back(offset_from(kernel_floor_end_, r.ref, r.ref));
  for (const auto& users : slot_users_) {
    t.push_back(static_cast<int64_t>(users.size()));
    for (const SlotUse& u : users) {  // the index only matters while the half is in use
      t.push_back(u.free_at == kPending ? static_cast<int64_t>(u.index) - static_cast<int64_t>(j)
                                        : 0);
      t.push_back(rel(u.free_at, floor));
    }
  }
  t.push_back(static_cast<int64_t>(out_free_.size()));
  for (uint64_t f : out_free_) t.push_back(rel(f, r.ref));
  t.push_back(static_cast<int64_t>(stores_waiting_.size()));
  for (size_t w : stores_waiting_) {
    t.push_back(static_cast<int64_t>(w) - static_cast<int64_t>(j));
    t.push_back(rel(q_[w - base_index_].compute_end, floor));
  }
  for (uint64_t i = j + 1; i < next_load_; ++i) {  // loaded, waiting to compute
    const Pending& p = q_[i - base_index_];
    t.push_back(rel(p.arrival, r.ref));
    t.push_back(p.holds[0]);
    t.push_back(p.holds[1]);
  }
  r.full = full;
  if (!full) return;
  r.units.resize(c_.units.size());
  for (size_t u = 0; u < c_.units.size(); ++u) {
    r.units[u].times.clear();
    r.units[u].totals.clear();
    c_.units[u]->timed_state(r.from, r.ref, r.units[u]);
  }
  r.stats.counts.clear();
  r.stats.sums.clear();
  c_.stats->snapshot(r.stats);
  const size_t op = q_[j - base_index_].op;
  r.acct = acc_.account(op);
  r.traffic = acc_.traffic(op);
  r.act = acc_.activity(op);
}

bool ExecEngine::repeats(const Record& now, const Record& before) const {
  if (now.ref <= before.ref || (now.ref - before.ref) % c_.clock->period_ps() != 0) return false;
  if (now.times != before.times || now.full != before.full) return false;
  for (size_t u = 0; now.full && u < now.units.size(); ++u) {
    if (now.units[u].times != before.units[u].times) return false;
  }
  return true;
}

void ExecEngine::after_compute(uint64_t j) {
  const Pending& pj = q_[j - base_index_];
  if (pj.op != ff_op_) {
    ff_op_ = pj.op;
    ff_tries_ = 0;
    ring_used_ = 0;
    anchored_ = false;
  }
  const uint64_t fed_end = base_index_ + q_.size();
  if (anchored_) {  // one period after a repeating state: confirm, with stats, and skip
    if (j < anchor_target_) return;
    anchored_ = false;
    const uint64_t p = j - anchor_.index;
    Record& now = ring_[ring_next_];
    record(j, true, now);
    if (!repeats(now, anchor_) || !periodic(j + 1 - p, next_load_, p)) return;
    // The skipped steps [next_load_, next_load_ + k p) and the ones loaded after them (the
    // look-ahead, plus a period of margin) must repeat the period too.
    const uint64_t end = next_load_ + periodic_run(next_load_, p);
    const uint64_t ahead = next_load_ - j - 1 + p;
    if (end >= next_load_ + ahead + p) skip(now, anchor_, (end - next_load_ - ahead) / p);
    return;
  }
  // Worth a record only inside a long run of the same operator: the steps after j are all
  // fed (one operator is fed at a time), so they are this operator's remaining steps.
  if (ff_tries_ >= kMaxTriesPerOp || fed_end - j < kMinRun || q_.back().op != pj.op) return;
  bool candidate = false;
  for (uint64_t p = 1; p <= kMaxPeriod && !candidate; ++p) {
    const Pending* b = j >= p ? step_at(j - p) : nullptr;
    candidate = b != nullptr && same_timing(pj, *b);
  }
  if (!candidate) return;
  ++ff_tries_;
  if (ring_.empty()) ring_.resize(kMaxPeriod + 1);
  Record& now = ring_[ring_next_];
  record(j, false, now);
  for (size_t back = 1; back <= ring_used_; ++back) {
    const Record& before = ring_[(ring_next_ + ring_.size() - back) % ring_.size()];
    const uint64_t p = j - before.index;
    if (p > kMaxPeriod) break;
    // The engine's own state repeats: a candidate. The full record (the memories' state
    // and the stats) is taken now and compared one period on, before anything is skipped.
    if (!repeats(now, before) || !periodic(j + 1 - p, next_load_, p)) continue;
    record(j, true, now);
    std::swap(anchor_, now);
    anchor_target_ = j + p;
    anchored_ = true;
    ring_used_ = 0;
    return;
  }
  ring_next_ = (ring_next_ + 1) % ring_.size();
  ring_used_ = std::min(ring_used_ + 1, ring_.size() - 1);
}

void ExecEngine::skip(const Record& now, const Record& before, uint64_t periods) {
  const uint64_t p = now.index - before.index, delta = periods * (now.ref - before.ref);
  // The memories: bookings and cursors later, busy totals up.
  std::vector<uint64_t> per_period;
  for (size_t u = 0; u < c_.units.size(); ++u) {
    per_period.assign(now.units[u].totals.begin(), now.units[u].totals.end());
    for (size_t i = 0; i < per_period.size(); ++i) per_period[i] -= before.units[u].totals[i];
    c_.units[u]->fast_forward(now.from, delta, per_period, periods);
  }
  c_.stats->replay(before.stats, now.stats, periods);
  const size_t op = q_[now.index - base_index_].op;
  OpAccount& a = acc_.account(op);
  a.compute_cycles += periods * (now.acct.compute_cycles - before.acct.compute_cycles);
  a.macs += periods * (now.acct.macs - before.acct.macs);
  a.dram_read += periods * (now.acct.dram_read - before.acct.dram_read);
  a.dram_written += periods * (now.acct.dram_written - before.acct.dram_written);
  acc_.activity(op).add_delta(now.act, before.act, periods);
  OpTraffic& t = acc_.traffic(op);
  for (size_t c = 0; c < kTensorClasses; ++c) {
    t.read[c] += periods * (now.traffic.read[c] - before.traffic.read[c]);
    t.written[c] += periods * (now.traffic.written[c] - before.traffic.written[c]);
  }
  shift_times(delta);  // the skipped units leave the queue
  const uint64_t gone = periods * p;
  const auto first = q_.begin() + static_cast<std::ptrdiff_t>(next_load_ - base_index_);
  for (auto it = first; it != first + static_cast<std::ptrdiff_t>(gone); ++it) {
    if (it->batch != nullptr) --it->batch->unretired;
  }
  q_.erase(first, first + static_cast<std::ptrdiff_t>(gone));
  skipped_steps_ += gone;
  ring_used_ = 0;
  anchored_ = false;
  ff_tries_ = kMaxTriesPerOp;  // the rest of this operator is shorter than a skip
}

void ExecEngine::shift_times(uint64_t delta) {
  auto later = [&](uint64_t& v) {
    if (v != kPending) v += delta;
  };
  later(issue_cursor_);
  later(compute_free_);
  later(producer_done_);
  later(end_ps_);
  later(kernel_floor_end_);
  for (auto& users : slot_users_) {
    for (SlotUse& u : users) later(u.free_at);
  }
  for (uint64_t& f : out_free_) later(f);
  for (uint64_t i = base_index_; i < next_load_; ++i) {
    Pending& e = q_[i - base_index_];
    later(e.arrival);
    later(e.compute_end);
  }
}

bool ExecEngine::mark_block(BlockMark& m) {
  m.valid = ff_on_ && next_compute_ > 0 && next_compute_ == base_index_ + q_.size() && !q_.empty();
  if (!m.valid) return false;
  record(next_compute_ - 1, true, m.rec);
  m.end_op = acc_.ops();
  m.skipped = skipped_steps_;
  return true;
}

bool ExecEngine::blocks_repeat(const BlockMark& before, const BlockMark& now) const {
  return before.valid && now.valid && now.end_op > before.end_op && repeats(now.rec, before.rec);
}

void ExecEngine::skip_blocks(const BlockMark& before, const BlockMark& now, uint64_t k,
                             size_t first_new) {
  NPUSIM_ASSERT(blocks_repeat(before, now), "skip_blocks without a repeating block");
  const uint64_t period = now.rec.ref - before.rec.ref, delta = k * period;
  const size_t n = now.end_op - before.end_op;
  NPUSIM_ASSERT(first_new + k * n == acc_.ops(),
                "skip_blocks: the skipped blocks' operators are not registered");
  std::vector<uint64_t> per_period;
  for (size_t u = 0; u < c_.units.size(); ++u) {
    per_period.assign(now.rec.units[u].totals.begin(), now.rec.units[u].totals.end());
    for (size_t i = 0; i < per_period.size(); ++i) per_period[i] -= before.rec.units[u].totals[i];
    c_.units[u]->fast_forward(now.rec.from, delta, per_period, k);
  }
  c_.stats->replay(before.rec.stats, now.rec.stats, k);
  for (uint64_t j = 1; j <= k; ++j) {
    for (size_t i = 0; i < n; ++i) {
      const size_t src = before.end_op + i, dst = first_new + (j - 1) * n + i;
      acc_.repeat_op(dst, src, j * period);
    }
  }
  shift_times(delta);
  skipped_steps_ += k * (now.rec.index - before.rec.index + now.skipped - before.skipped);
  skipped_blocks_ += k;
  ring_used_ = 0;
  anchored_ = false;
}

}  // namespace npusim
