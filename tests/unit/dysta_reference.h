// The untimed golden reference of Dysta's shared event loop (spec §4.1, docs/sparse.md), written
// independently of the runtime: one loop over layer boundaries, no SystemC, no engine.
//
//   now = 0; ready = [] (arrival order); k = 0
//   while finished < N:
//     if ready empty: admit(req[k]); now = arrival (idle_clock rewind) or max(now, arrival); k++
//     admit every req[k] with arrival < now (strict) or <= now (inclusive, the runtime's rule)
//     t = scheduler.pick(ready, now)           (the running request is in `ready`, marked)
//     now += decision cost; if t preempts an unfinished request: now += context switch
//     now = the next cycle boundary of the accelerator; now += t's latency of its next layer; t
//     publishes that layer's monitor reading t.pos++; t.last_exec = now; if t.pos == L: t.finish =
//     now, remove t
//
// The scheduler objects are the registered ones (their algorithms are tested on hand-computed
// cases in test_dysta_schedulers.cpp); this loop checks the runtime's event semantics: which
// requests a decision sees, when, and what the times become.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/runtime/i_scheduler.h"
#include "sim/runtime/runtime.h"

namespace npusim::test::dysta {

struct RefRequest {
  uint64_t arrival_ps = 0, deadline_ps = 0, sample = 0;
  size_t model = 0;
  int64_t priority = 0;
  LayerProgress progress;       // true_s: the layer latencies it replays
  std::vector<double> monitor;  // the density the monitor reads after each layer
};

struct RefOptions {
  bool admit_strict_lt = false;  // the artifact's strict <; the runtime admits at <=
  bool idle_clock_rewind = false;
  uint64_t context_switch_ps = 0, decision_latency_ps = 0;
  uint64_t period_ps = 1;  // the accelerator's clock: a layer starts at a cycle boundary
};

struct RefResult {
  std::vector<RequestRecord> records;
  std::vector<Decision> decisions;
};

inline RefResult run_reference(const std::vector<RefRequest>& in, IScheduler& scheduler,
                               const RefOptions& o) {
  struct Live {
    RefRequest r;
    RequestRecord rec;
    uint64_t last_exec_ps = 0;
    size_t pos = 0;
  };
  std::vector<Live> reqs(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    reqs[i].r = in[i];
    reqs[i].rec.id = i;
    reqs[i].rec.models = {in[i].model};
    reqs[i].rec.priority = in[i].priority;
    reqs[i].rec.arrival_ps = in[i].arrival_ps;
    reqs[i].rec.deadline_ps = in[i].deadline_ps;
    reqs[i].rec.sample = in[i].sample;
    reqs[i].rec.isolated_ps = seconds_to_ps(remaining_s(in[i].progress.true_s, 0));
    reqs[i].last_exec_ps = in[i].arrival_ps;
  }
  RefResult out;
  std::vector<size_t> ready;  // indices, arrival order
  size_t k = 0, finished = 0;
  uint64_t now = 0;
  const size_t none = SIZE_MAX;
  size_t running = none;  // ran the last layer and is not finished
  const size_t depth = std::max<size_t>(1, scheduler.table_depth());
  while (finished < reqs.size()) {
    if (ready.empty()) {
      ready.push_back(k);
      now = o.idle_clock_rewind ? reqs[k].rec.arrival_ps : std::max(now, reqs[k].rec.arrival_ps);
      ++k;
    }
    while (k < reqs.size() &&
           (o.admit_strict_lt ? reqs[k].rec.arrival_ps < now : reqs[k].rec.arrival_ps <= now)) {
      ready.push_back(k++);
    }
    std::vector<size_t> table(ready.begin(), ready.begin() + std::min(ready.size(), depth));
    std::vector<RequestView> views;
    for (size_t i : table) {
      Live& l = reqs[i];
      RequestView v;
      v.id = l.rec.id;
      v.model = l.r.model;
      v.priority = l.rec.priority;
      v.arrival_ps = l.rec.arrival_ps;
      v.deadline_ps = l.rec.deadline_ps;
      v.isolated_ps = seconds_to_ps(remaining_s(l.r.progress.model_lut_s, 0));
      v.remaining_ps = seconds_to_ps(remaining_s(l.r.progress.model_lut_s, l.pos));
      v.preemptions = l.rec.preemptions;
      v.started = l.rec.started;
      v.running = i == running;
      v.last_exec_ps = l.last_exec_ps;
      v.layers = &l.r.progress;
      views.push_back(v);
    }
    const size_t pick = scheduler.pick(views, now);
    Decision d{now, {}, reqs[table[pick]].rec.id};
    for (size_t i : table) d.candidates.push_back(reqs[i].rec.id);
    out.decisions.push_back(std::move(d));
    const size_t t = table[pick];
    now += o.decision_latency_ps + scheduler.decision_ps(table.size());
    if (running != none && running != t) {
      ++reqs[running].rec.preemptions;
      now += o.context_switch_ps;
    }
    Live& l = reqs[t];
    if (!l.rec.started) {
      l.rec.started = true;
      l.rec.start_ps = now;
    }
    now = (now + o.period_ps - 1) / o.period_ps * o.period_ps;  // the next cycle boundary
    now += seconds_to_ps(l.r.progress.true_s[l.pos]);
    l.r.progress.measured_density.push_back(l.r.monitor[l.pos]);
    ++l.pos;
    l.r.progress.done = l.pos;
    l.last_exec_ps = now;
    running = t;
    if (l.pos == l.r.progress.layers()) {
      l.rec.finish_ps = now;
      l.rec.finished = true;
      ready.erase(std::find(ready.begin(), ready.end(), t));
      ++finished;
      running = none;
    }
  }
  for (Live& l : reqs) out.records.push_back(l.rec);
  return out;
}

}  // namespace npusim::test::dysta
