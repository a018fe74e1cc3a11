#include "sim/exec/engine.h"

#include <algorithm>
#include <numeric>

#include "sim/core/kernel.h"
#include "sim/report/timeline.h"

namespace npusim {

const char* tensor_class_name(TensorClass c) {
  switch (c) {
    case TensorClass::Weights:
      return "weights";
    case TensorClass::WeightTables:
      return "weight_tables";
    case TensorClass::Kv:
      return "kv";
    case TensorClass::Activations:
      return "activations";
  }
  return "?";
}

std::vector<IFastForward*> fast_forward_units(std::initializer_list<Component*> memories) {
  std::vector<IFastForward*> out;
  for (Component* m : memories) {
    auto* u = dynamic_cast<IFastForward*>(m);
    if (u == nullptr) return {};
    out.push_back(u);
  }
  return out;
}

ExecEngine::ExecEngine(Config c, RunAccounting& acc) : c_(std::move(c)), acc_(acc) {
  NPUSIM_ASSERT(c_.dma && c_.compute && c_.clock,
                "execution engine without its DMA, compute rule or clock");
  NPUSIM_ASSERT(!c_.buffers.empty() && c_.buffers.size() <= static_cast<size_t>(kMaxBuffers),
                "execution engine needs 1 to 8 buffers");
  NPUSIM_ASSERT(c_.load_queue < c_.dma->queues() && c_.store_queue < c_.dma->queues(),
                "execution engine: a DMA queue the DMA does not have");
  // Fast-forward moves time by whole cycles (a fractional period would round differently
  // later) and cannot replay timeline events.
  ff_on_ = !c_.units.empty() && c_.stats != nullptr && c_.timeline == nullptr &&
           c_.clock->period_ps() > 0;
  for (const IFastForward* u : c_.units) addr_period_ = std::lcm(addr_period_, u->address_period());
}

namespace {
uint64_t g_peak_units_held = 0;
}  // namespace

uint64_t ExecEngine::peak_units_held() {
  return g_peak_units_held;
}
void ExecEngine::reset_peak_units_held() {
  g_peak_units_held = 0;
}

void ExecEngine::feed(std::vector<WorkUnit>&& units, size_t op_id, const OperandBases& bases,
                      uint64_t overhead, bool first, bool last) {
  batches_.push_back({std::move(units), 0});
  Batch& b = batches_.back();
  b.unretired = b.units.size();
  // A later batch of the operator being fast-forwarded brings steps a skip may cover again.
  if (!first && op_id == ff_op_) ff_tries_ = 0;
  push(b.units, &b, op_id, bases, overhead, first, last);
}

void ExecEngine::feed_shared(const std::vector<WorkUnit>& units, size_t op_id,
                             const OperandBases& bases, uint64_t overhead) {
  push(units, nullptr, op_id, bases, overhead);
}

void ExecEngine::push(const std::vector<WorkUnit>& units, Batch* batch, size_t op_id,
                      const OperandBases& bases, uint64_t overhead, bool first, bool last) {
  for (size_t i = 0; i < units.size(); ++i) {
    Pending p;
    p.s = &units[i];
    p.batch = batch;
    p.op = op_id;
    p.bases = bases;
    p.first_of_op = first && i == 0;
    p.last_of_op = last && i + 1 == units.size();
    p.overhead = p.first_of_op ? overhead : 0;
    q_.push_back(std::move(p));
  }
  g_peak_units_held = std::max<uint64_t>(g_peak_units_held, q_.size());
  more_coming_ = !last;
  advance();
}

void ExecEngine::stall(uint64_t cycles) {
  if (cycles == 0) return;
  // Everything fed so far computes first; the next unit starts `cycles` later.
  while (next_compute_ < base_index_ + q_.size()) {
    const uint64_t before = next_compute_;
    advance();
    if (next_compute_ == before) break;
  }
  compute_free_ = c_.clock->ps_of(c_.clock->cycle_at_ps(compute_free_) + Cycles(cycles));
}

void ExecEngine::hold_until(uint64_t ps) {
  NPUSIM_ASSERT(next_compute_ == base_index_ + q_.size(), "hold_until with units still to run");
  compute_free_ = std::max(compute_free_, ps);
  issue_cursor_ = std::max(issue_cursor_, ps);
}

uint64_t ExecEngine::transfer(int queue, uint64_t src, uint64_t dst, uint64_t bytes, uint64_t at,
                              const char* what) {
  const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  if (at > now && at - now > c_.quantum_ps) sync_to(at);
  // (A store held back behind a later transfer on another queue issues no earlier than now.)
  return c_.dma->transfer_decoupled(queue, {src, dst, bytes, 1, 0, 0, c_.timeline ? what : ""},
                                    std::max(at, time_to_ps(sc_core::sc_time_stamp())));
}

void ExecEngine::sync_to(uint64_t ps) {
  const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  if (ps > now) sim_wait(ps_to_time(ps - now));
}

uint64_t ExecEngine::claim_half(int buffer, uint64_t index) {
  auto& users = slot_users_[static_cast<size_t>(buffer)];
  if (users.size() >= c_.slots) users.pop_front();
  users.push_back({index, kPending});
  const Buffer& b = c_.buffers[static_cast<size_t>(buffer)];
  return b.base + (index % c_.slots) * b.half;
}

void ExecEngine::issue_waiting_store() {
  issue_store(q_[stores_waiting_.front() - base_index_]);
  stores_waiting_.pop_front();
}

bool ExecEngine::try_load(Pending& p, uint64_t index) {
  const WorkUnit& s = *p.s;
  const int wbuf = s.weight_bytes + s.table_bytes == 0
                       ? -1
                       : c_.weight_side[static_cast<size_t>(s.weight_class)];
  const int ibuf = s.input_bytes == 0 ? -1 : c_.input_side[static_cast<size_t>(s.input_class)];
  NPUSIM_ASSERT(
      (wbuf >= 0 || s.weight_bytes + s.table_bytes == 0) && (ibuf >= 0 || s.input_bytes == 0),
      "a work unit loads a tensor class the model routes to no buffer");
  NPUSIM_ASSERT(wbuf < 0 || wbuf != ibuf, "a work unit loads two operands into one buffer");
  uint64_t at = issue_cursor_;
  for (int b : {wbuf, ibuf}) {
    if (b < 0) continue;
    const auto& users = slot_users_[static_cast<size_t>(b)];
    if (users.size() < c_.slots) continue;
    if (users.front().free_at == kPending) return false;  // its half is still in use
    at = std::max(at, users.front().free_at);
  }
  const bool dependent = s.input_bytes > 0 || (s.weight_bytes > 0 && !s.weight_static);
  if (dependent && c_.dependency == Dependency::EveryStore) {  // every waiting store goes first
    while (!stores_waiting_.empty()) issue_waiting_store();
    at = std::max({at, producer_done_, issue_cursor_});
  } else if (dependent && p.op != dependency_met_op_) {
    if (next_compute_ < index) return false;  // the producers have not all computed yet
    while (!stores_waiting_.empty()) issue_waiting_store();
    at = std::max(at, producer_done_);
    dependency_met_op_ = p.op;
  }
  if (!shared_queue()) {  // stores that issue before these loads go first (time order)
    while (!stores_waiting_.empty() &&
           q_[stores_waiting_.front() - base_index_].compute_end <= at) {
      issue_waiting_store();
    }
  }
  uint64_t arrival = 0;
  p.holds[0] = static_cast<int8_t>(wbuf);
  p.holds[1] = static_cast<int8_t>(ibuf);
  if (wbuf >= 0) {
    const uint64_t dst = claim_half(wbuf, index);
    if (s.weight_bytes > 0) {
      arrival = std::max(arrival, transfer(c_.load_queue, p.bases.weight + s.weight_addr, dst,
                                           s.weight_bytes, at, "weights"));
      acc_.add_read(p.op, s.weight_class, s.weight_bytes);
    }
    if (s.table_bytes > 0) {
      arrival = std::max(arrival, transfer(c_.load_queue, p.bases.weight + s.table_addr,
                                           dst + s.weight_bytes, s.table_bytes, at, "tables"));
      acc_.add_read(p.op, TensorClass::WeightTables, s.table_bytes);
    }
  }
  if (ibuf >= 0) {
    const uint64_t dst = claim_half(ibuf, index);
    arrival =
        std::max(arrival, transfer(c_.load_queue, p.bases.input + s.input_addr, dst, s.input_bytes,
                                   at, s.input_class == TensorClass::Kv ? "kv" : "inputs"));
    acc_.add_read(p.op, s.input_class, s.input_bytes);
  }
  issue_cursor_ = std::max(issue_cursor_, at);
  p.arrival = arrival;
  p.loaded = true;
  return true;
}

void ExecEngine::compute(Pending& p, uint64_t index) {
  const ClockDomain& clk = *c_.clock;
  uint64_t start = std::max(p.arrival, compute_free_);
  const bool floor_form = c_.kernel_cost == KernelCostForm::Floor;
  if (p.overhead > 0 && floor_form) {  // the kernel starts when the previous one ends; its floor
    const uint64_t from = clk.cycle_at_ps(compute_free_).n;  // ends where a 0-cycle stream would
    kernel_floor_end_ =
        clk.ps_of(Cycles(kernel_busy_until(c_.kernel_cost, from, from, p.overhead)));
  } else if (p.overhead > 0 && !floor_form) {
    start = clk.ps_of(
        Cycles(kernel_first_compute(c_.kernel_cost, clk.cycle_at_ps(start).n, p.overhead)));
  }
  if (p.s->opens_output) {  // an output half must be free: its previous block stored
    if (out_free_.size() >= c_.slots) {
      while (out_free_.front() == kPending && !stores_waiting_.empty()) issue_waiting_store();
      NPUSIM_ASSERT(out_free_.front() != kPending,
                    "output block opened before an earlier one closed");
      start = std::max(start, out_free_.front());
      out_free_.pop_front();
    }
  }
  OpActivity& act = acc_.activity(p.op);
  const IComputeRule::Cost cost = c_.compute->compute(*p.s, act);
  OpAccount& a = acc_.account(p.op);
  const uint64_t end = clk.ps_of(clk.cycle_at_ps(start) + Cycles(cost.cycles));
  a.compute_cycles += cost.cycles;
  a.macs += cost.macs;
  charge_buffers(*p.s, cost, act);
  if (c_.timeline) c_.timeline->record(cost.unit, acc_.name(p.op), start, end);
  compute_free_ = end;
  p.compute_end = end;
  if (floor_form && p.last_of_op && kernel_floor_end_ > end) {  // held to the floor's end (its
    compute_free_ = kernel_floor_end_;  // stores run inside it): kernel_busy_until's max
    acc_.set_end_ps(p.op, kernel_floor_end_);
  }
  end_ps_ = std::max(end_ps_, compute_free_);
  acc_.set_end_ps(p.op, end);
  for (int8_t b : p.holds) {  // the halves it used are free once it has computed
    if (b < 0) continue;
    for (auto& u : slot_users_[static_cast<size_t>(b)]) {
      if (u.index == index) u.free_at = end;
    }
  }
  if (p.s->opens_output) out_free_.push_back(kPending);  // this block's half, until stored
  if (p.s->store_bytes > 0) stores_waiting_.push_back(index);
}

// The compute units' accesses to the buffers: the operands' buffers by their tensor classes,
// the output buffer for partial sums and results.
void ExecEngine::charge_buffers(const WorkUnit& u, const IComputeRule::Cost& cost,
                                OpActivity& act) {
  auto charge = [&](int b, uint64_t read, uint64_t written) {
    if (b < 0 || (read == 0 && written == 0)) return;
    const auto i = static_cast<size_t>(b);
    act.buffer_read(i) += read;
    act.buffer_written(i) += written;
    if (c_.buffers[i].sram) c_.buffers[i].sram->account_compute(read, written);
  };
  charge(c_.weight_side[static_cast<size_t>(u.weight_class)], cost.weight_read, 0);
  charge(c_.input_side[static_cast<size_t>(u.input_class)], cost.input_read, 0);
  charge(c_.output, cost.output_read, cost.output_written);
}

void ExecEngine::issue_store(Pending& p) {
  const WorkUnit& s = *p.s;
  const Buffer& out = c_.buffers[static_cast<size_t>(c_.output)];
  const uint64_t at = shared_queue() ? std::max(issue_cursor_, p.compute_end) : p.compute_end;
  const uint64_t done =
      transfer(c_.store_queue, out.base, p.bases.store + s.store_addr, s.store_bytes, at, "store");
  if (shared_queue()) issue_cursor_ = at;
  producer_done_ = std::max(producer_done_, done);
  end_ps_ = std::max(end_ps_, done);
  acc_.add_written(p.op, s.store_class, s.store_bytes);
  acc_.set_end_ps(p.op, done);
  if (s.closes_output) {
    for (auto& f : out_free_) {
      if (f == kPending) {
        f = done;
        break;
      }
    }
  }
}

void ExecEngine::advance() {
  while (true) {
    bool progressed = false;
    while (next_load_ < base_index_ + q_.size()) {
      Pending& p = q_[next_load_ - base_index_];
      if (!try_load(p, next_load_)) break;
      ++next_load_;
      progressed = true;
      // One queue: the store of the unit `slots` before this one goes now, behind its loads.
      while (shared_queue() && !stores_waiting_.empty() &&
             stores_waiting_.front() + c_.slots < next_load_) {
        issue_waiting_store();
      }
    }
    // Every fed unit has loaded but the operator's next batch is still to come: wait for it, so
    // the next load is tried before this compute as if the operator had come whole (the
    // order of transfers, hence their timing, does not depend on the batches).
    const bool wait_for_batch = more_coming_ && next_load_ == base_index_ + q_.size();
    if (next_compute_ < next_load_ && !wait_for_batch) {
      compute(q_[next_compute_ - base_index_], next_compute_);
      ++next_compute_;
      progressed = true;
      if (ff_on_) after_compute(next_compute_ - 1);
    }
    // (Fast-forward compares the last units with those a period earlier: keep them a while.)
    while (!q_.empty() && base_index_ + (ff_on_ ? 2 * kMaxPeriod : 0) < next_compute_ &&
           (stores_waiting_.empty() || base_index_ < stores_waiting_.front())) {
      if (q_.front().batch != nullptr) --q_.front().batch->unretired;
      q_.pop_front();
      ++base_index_;
      while (!batches_.empty() && batches_.front().unretired == 0) batches_.pop_front();
    }
    if (!progressed) return;
  }
}

void ExecEngine::finish() {
  advance();
  NPUSIM_ASSERT(next_compute_ == base_index_ + q_.size(), "work units left that can never run");
  while (!stores_waiting_.empty()) issue_waiting_store();
  sync_to(end_ps_);
}

}  // namespace npusim
