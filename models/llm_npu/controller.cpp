#include "models/llm_npu/controller.h"

#include <algorithm>
#include <numeric>

#include "sim/core/kernel.h"
#include "sim/report/timeline.h"

namespace npusim {

InOrderController::InOrderController(Config c, RunAccounting& acc) : c_(std::move(c)), acc_(acc) {
  NPUSIM_ASSERT(c_.dma && c_.mpe && c_.sfu && c_.dequant && c_.clock, "controller without its units");
  // Fast-forward moves time by whole cycles (a fractional period would round differently
  // later) and cannot replay timeline events.
  ff_on_ = !c_.units.empty() && c_.stats != nullptr && c_.timeline == nullptr && c_.clock->period_ps() > 0;
  for (const IFastForward* u : c_.units) addr_period_ = std::lcm(addr_period_, u->address_period());
}

InOrderController::Buffer InOrderController::buffer_of(const Step& s) const {
  return s.input_class == TensorClass::Kv ? kKv : kAct;
}

void InOrderController::feed(std::vector<Step>&& steps, size_t op_id, const StepBases& bases,
                             uint64_t overhead) {
  batches_.push_back({std::move(steps), 0});
  Batch& b = batches_.back();
  b.unretired = b.steps.size();
  push(b.steps, &b, op_id, bases, overhead);
}

void InOrderController::feed_shared(const std::vector<Step>& steps, size_t op_id, const StepBases& bases,
                                    uint64_t overhead) {
  push(steps, nullptr, op_id, bases, overhead);
}

void InOrderController::push(const std::vector<Step>& steps, Batch* batch, size_t op_id,
                             const StepBases& bases, uint64_t overhead) {
  for (size_t i = 0; i < steps.size(); ++i) {
    Pending p;
    p.s = &steps[i];
    p.batch = batch;
    p.op = op_id;
    p.bases = bases;
    p.first_of_op = i == 0;
    p.last_of_op = i + 1 == steps.size();
    p.overhead = p.first_of_op ? overhead : 0;
    q_.push_back(std::move(p));
  }
  advance();
}

void InOrderController::stall(uint64_t cycles) {
  if (cycles == 0) return;
  // Everything fed so far computes first; the next step starts `cycles` later.
  while (next_compute_ < base_index_ + q_.size()) {
    const uint64_t before = next_compute_;
    advance();
    if (next_compute_ == before) break;
  }
  compute_free_ = c_.clock->ps_of(c_.clock->cycle_at_ps(compute_free_) + Cycles(cycles));
}

uint64_t InOrderController::transfer(uint64_t src, uint64_t dst, uint64_t bytes, uint64_t at,
                                     const char* what) {
  const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  if (at > now && at - now > c_.quantum_ps) sync_to(at);
  return c_.dma->transfer_decoupled(c_.queue, {src, dst, bytes, 1, 0, 0, c_.timeline ? what : ""}, at);
}

void InOrderController::sync_to(uint64_t ps) {
  const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
  if (ps > now) sim_wait(ps_to_time(ps - now));
}

uint64_t InOrderController::claim_half(int buffer, uint64_t index) {
  auto& users = slot_users_[static_cast<size_t>(buffer)];
  if (users.size() >= c_.slots) users.pop_front();
  users.push_back({index, kPending});
  return c_.base[static_cast<size_t>(buffer)] + (index % c_.slots) * c_.half[static_cast<size_t>(buffer)];
}

bool InOrderController::try_load(Pending& p, uint64_t index) {
  const Step& s = *p.s;
  const int wbuf = s.weight_bytes + s.lut_bytes == 0 ? -1 : s.weight_class == TensorClass::Activations ? kAct : kWeight;
  const int ibuf = s.input_bytes == 0 ? -1 : buffer_of(s);
  NPUSIM_ASSERT(wbuf < 0 || wbuf != ibuf, "a step loads two operands into one buffer");
  uint64_t at = issue_cursor_;
  for (int b : {wbuf, ibuf}) {
    if (b < 0) continue;
    const auto& users = slot_users_[static_cast<size_t>(b)];
    if (users.size() < c_.slots) continue;
    if (users.front().free_at == kPending) return false;  // its half is still in use
    at = std::max(at, users.front().free_at);
  }
  const bool dependent = s.input_bytes > 0 || (s.weight_bytes > 0 && !s.weight_static);
  if (dependent) {  // data an earlier step stored: every waiting store goes first
    while (!stores_waiting_.empty()) {
      issue_store(q_[stores_waiting_.front() - base_index_]);
      stores_waiting_.pop_front();
    }
    at = std::max({at, producer_done_, issue_cursor_});
  }
  uint64_t arrival = 0;
  p.holds[0] = static_cast<int8_t>(wbuf);
  p.holds[1] = static_cast<int8_t>(ibuf);
  if (wbuf >= 0) {
    const uint64_t dst = claim_half(wbuf, index);
    if (s.weight_bytes > 0) {
      arrival = std::max(arrival, transfer(p.bases.weight + s.weight_addr, dst, s.weight_bytes, at, "weights"));
      acc_.add_read(p.op, s.weight_class, s.weight_bytes);
    }
    if (s.lut_bytes > 0) {
      arrival = std::max(arrival, transfer(p.bases.weight + s.lut_addr, dst + s.weight_bytes, s.lut_bytes, at, "luts"));
      acc_.add_read(p.op, TensorClass::Luts, s.lut_bytes);
    }
  }
  if (ibuf >= 0) {
    const uint64_t dst = claim_half(ibuf, index);
    arrival = std::max(arrival, transfer(p.bases.input + s.input_addr, dst, s.input_bytes, at,
                                         s.input_class == TensorClass::Kv ? "kv" : "inputs"));
    acc_.add_read(p.op, s.input_class, s.input_bytes);
  }
  issue_cursor_ = std::max(issue_cursor_, at);
  p.arrival = arrival;
  p.loaded = true;
  return true;
}

uint64_t InOrderController::compute_cycles(const Step& s) {
  switch (s.kind) {
    case Step::Kind::Matrix: {
      const uint64_t mpe = c_.mpe->cycles(s.mw);
      c_.mpe->account(s.mw, mpe);
      if (!s.dequant) return mpe;
      const uint64_t weights = s.mw.k * s.mw.n * s.mw.count;
      const uint64_t dq = c_.dequant->cycles(weights, s.mw.w_bits);
      c_.dequant->account(weights, dq);
      return std::max(mpe, dq) + c_.dequant->pipeline_depth();
    }
    case Step::Kind::Vector: {
      const uint64_t full = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, full);
      const bool on_chip = !s.opens_output && !s.closes_output && s.input_bytes == 0 && s.weight_bytes == 0;
      if (!c_.sfu_overlap || !on_chip) return full;
      VectorWork tail = s.vw;
      tail.elements = std::min<uint64_t>(s.vw.elements, c_.sfu_overlap_elements);
      return c_.sfu->cycles(tail);
    }
    case Step::Kind::Attention: {
      const uint64_t sm = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, sm);
      if (c_.attention_on_sfu) {
        const VectorWork qk{VectorFn::Mac, s.mw.m * s.mw.k * s.mw.n * s.mw.count, s.mw.a_bits};
        const VectorWork pv{VectorFn::Mac, s.mw2.m * s.mw2.k * s.mw2.n * s.mw2.count, s.mw2.a_bits};
        const uint64_t a = c_.sfu->cycles(qk), b = c_.sfu->cycles(pv);
        c_.sfu->account(qk, a);
        c_.sfu->account(pv, b);
        return a + sm + b;
      }
      const uint64_t qk = c_.mpe->cycles(s.mw), pv = c_.mpe->cycles(s.mw2);
      c_.mpe->account(s.mw, qk);
      c_.mpe->account(s.mw2, pv);
      return qk + sm + pv;
    }
  }
  return 0;
}

void InOrderController::compute(Pending& p, uint64_t index) {
  const ClockDomain& clk = *c_.clock;
  uint64_t start = std::max(p.arrival, compute_free_);
  if (p.overhead > 0) start = clk.ps_of(clk.cycle_at_ps(start) + Cycles(p.overhead));
  if (p.s->opens_output) {  // an output half must be free: its previous block stored
    if (out_free_.size() >= c_.slots) {
      while (out_free_.front() == kPending && !stores_waiting_.empty()) {
        issue_store(q_[stores_waiting_.front() - base_index_]);
        stores_waiting_.pop_front();
      }
      NPUSIM_ASSERT(out_free_.front() != kPending, "output block opened before an earlier one closed");
      start = std::max(start, out_free_.front());
      out_free_.pop_front();
    }
  }
  const uint64_t cycles = compute_cycles(*p.s);
  const uint64_t end = clk.ps_of(clk.cycle_at_ps(start) + Cycles(cycles));
  OpAccount& a = acc_.account(p.op);
  a.compute_cycles += cycles;
  if (p.s->kind == Step::Kind::Matrix) a.macs += p.s->mw.m * p.s->mw.k * p.s->mw.n * p.s->mw.count;
  if (p.s->kind == Step::Kind::Attention) {
    a.macs += (p.s->mw.m * p.s->mw.k * p.s->mw.n + p.s->mw2.m * p.s->mw2.k * p.s->mw2.n) * p.s->mw.count;
  }
  if (c_.timeline) c_.timeline->record("hw.compute", p.s->kind == Step::Kind::Vector ? "sfu" : "mpe", start, end);
  compute_free_ = end;
  p.compute_end = end;
  end_ps_ = std::max(end_ps_, end);
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

void InOrderController::issue_store(Pending& p) {
  const Step& s = *p.s;
  const uint64_t at = std::max(issue_cursor_, p.compute_end);
  const uint64_t done = transfer(c_.base[kOut], p.bases.store + s.store_addr, s.store_bytes, at, "store");
  issue_cursor_ = at;
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

void InOrderController::advance() {
  while (true) {
    bool progressed = false;
    while (next_load_ < base_index_ + q_.size()) {
      Pending& p = q_[next_load_ - base_index_];
      if (!try_load(p, next_load_)) break;
      ++next_load_;
      progressed = true;
      // The store of the step `slots` before this one goes now, behind this step's loads.
      while (!stores_waiting_.empty() && stores_waiting_.front() + c_.slots < next_load_) {
        issue_store(q_[stores_waiting_.front() - base_index_]);
        stores_waiting_.pop_front();
      }
    }
    if (next_compute_ < next_load_) {
      compute(q_[next_compute_ - base_index_], next_compute_);
      ++next_compute_;
      progressed = true;
      if (ff_on_) after_compute(next_compute_ - 1);
    }
    // (Fast-forward compares the last steps with those a period earlier: keep them a while.)
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

void InOrderController::finish() {
  advance();
  NPUSIM_ASSERT(next_compute_ == base_index_ + q_.size(), "steps left that can never run");
  while (!stores_waiting_.empty()) {
    issue_store(q_[stores_waiting_.front() - base_index_]);
    stores_waiting_.pop_front();
  }
  sync_to(end_ps_);
}

}  // namespace npusim
