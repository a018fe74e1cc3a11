#include "sim/runtime/runtime.h"

#include <algorithm>
#include <cmath>

#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/report/run_accounting.h"
#include "sim/runtime/layer_progress.h"
#include "sim/runtime/metrics.h"
#include "sim/workload/trace.h"

namespace npusim {

struct Runtime::Impl {
  struct Slot;
  struct Request : IRequestContext, ILayerContext {
    Impl* rt = nullptr;
    RequestRecord rec;
    Slot* slot = nullptr;
    std::optional<LayerProgress> progress;  // when the accelerator publishes layer profiles
    uint64_t last_exec_ps = 0;              // when it last ran a layer (its arrival before)
    bool fresh = false;                     // dispatched, no operator run since
    std::string phase;                      // the accounting phase it is in
    PhaseKind phase_kind = PhaseKind::Other;
    bool preempted = false, resumed = false;
    sc_core::sc_event resume;
    uint64_t ops_total = 0;

    void boundary() override { rt->boundary(*this); }
    bool may_preempt() const override {
      return rt->s.scheduler != nullptr && (rt->s.scheduler->preemptive() || rt->reselect);
    }
    uint64_t sample() const override { return rec.sample; }
    LayerProgress* layer_progress() override { return progress ? &*progress : nullptr; }
    void begin_phase(const std::string& label, PhaseKind kind) override {
      phase = label;
      phase_kind = kind;
      slot->acc->accounting().begin_phase(label, kind);
    }
  };
  // A process that runs requests one after another: spawned when none is idle, so a stream
  // spawns as many as requests are ever started and unfinished at once, not one per request.
  struct Runner {
    Request* request = nullptr;
    sc_core::sc_event go;
  };
  struct Slot {
    size_t index = 0;
    IAccelerator* acc = nullptr;
    bool released = false;
    sc_core::sc_event released_event;
    Request* handoff = nullptr;  // chosen at a boundary: runs next without another decision
  };

  RuntimeSetup s;
  std::deque<Request> reqs;  // deque: processes hold references while requests are admitted
  std::deque<Slot> slots;
  std::deque<Runner> runners;
  std::vector<Runner*> idle_runners;
  std::vector<Request*> ready;
  sc_core::sc_event ready_changed;
  std::vector<Arrival> open_loop;  // pending open-loop arrivals, in time order
  size_t next_open = 0;
  std::vector<size_t> closed_mix;  // closed loop: mix of every request in issue order
  uint64_t total = 0, admitted = 0, completed = 0;
  bool reselect = false;  // one decision over all requests at every boundary
  const ILayerProfile* profiler = nullptr;
  std::vector<Decision> log;
  // Decisions: count, time spent, and the request table's occupancy (histogram over the
  // candidates the scheduler saw, and how often the host backlog held more).
  uint64_t decisions = 0, decision_ps = 0, backlogged = 0, backlog_peak = 0;
  std::vector<uint64_t> occupancy;
  uint64_t now() const { return time_to_ps(sc_core::sc_time_stamp()); }

  void admit(const Arrival& a, std::vector<size_t> models) {
    Request& r = reqs.emplace_back();
    r.rt = this;
    r.rec.id = admitted++;
    r.rec.models = std::move(models);
    r.rec.mix = a.mix;
    r.rec.arrival_ps = now();
    r.last_exec_ps = r.rec.arrival_ps;
    if (s.stream) {
      const MixEntry& e = s.stream->mix[a.mix];
      r.rec.priority = a.priority ? *a.priority : e.priority;
      r.rec.deadline_ps = e.slo.ps > 0 ? r.rec.arrival_ps + e.slo.ps : 0;
      r.rec.isolated_ps = s.isolated_ps[e.model];
      r.ops_total = s.isolated_ops[e.model];
      if (profiler != nullptr) {
        r.rec.sample = s.stream->sample_of(a.sample_u, profiler->samples(e.model));
        r.progress = profiler->profile(e.model, r.rec.sample);
        r.rec.isolated_ps = seconds_to_ps(remaining_s(r.progress->true_s, 0));
        if (s.stream->slo_multiplier > 0) {
          r.rec.deadline_ps =
              r.rec.arrival_ps +
              static_cast<uint64_t>(std::llround(
                  s.stream->slo_multiplier * static_cast<double>(profiler->slo_base_ps(e.model))));
        }
      }
    }
    ready.push_back(&r);
    if (sc_core::sc_is_running()) ready_changed.notify();
  }

  // Whether `r` may run on `slot`: a started request stays where its program is; a pinned
  // request (a mix entry's accelerator, or the single program's) runs only on its accelerator.
  bool allowed(const Request& r, const Slot& slot) const {
    if (r.rec.started) return r.slot == &slot;
    const std::optional<size_t>& pin =
        s.stream ? s.stream->mix[r.rec.mix].accelerator : s.program_accelerator;
    return !pin || *pin == slot.index;
  }

  RequestView view(const Request& r) const {
    RequestView v;
    v.id = r.rec.id;
    v.model = r.rec.models.front();
    v.priority = r.rec.priority;
    v.arrival_ps = r.rec.arrival_ps;
    v.deadline_ps = r.rec.deadline_ps;
    v.isolated_ps = r.rec.isolated_ps;
    const uint64_t done = std::min(r.rec.operators, r.ops_total);
    using Wide = unsigned __int128;
    v.remaining_ps =
        r.ops_total
            ? static_cast<uint64_t>(Wide{r.rec.isolated_ps} * (r.ops_total - done) / r.ops_total)
            : r.rec.isolated_ps;
    v.preemptions = r.rec.preemptions;
    v.started = r.rec.started;
    v.last_exec_ps = r.last_exec_ps;
    if (r.progress) {  // the scheduler's view: the per-model look-up table, not the truth
      v.layers = &*r.progress;
      v.isolated_ps = seconds_to_ps(remaining_s(r.progress->model_lut_s, 0));
      v.remaining_ps = seconds_to_ps(remaining_s(r.progress->model_lut_s, r.progress->done));
    }
    return v;
  }

  // A decision over every request that may run on `slot` (and `running`, at its boundary), in
  // arrival order, limited to the scheduler's request table; returns the chosen one.
  Request& decide(Slot& slot, Request* running) {
    std::vector<Request*> c = candidates(slot);
    if (running != nullptr) c.push_back(running);
    std::sort(c.begin(), c.end(),
              [](const Request* a, const Request* b) { return a->rec.id < b->rec.id; });
    const size_t depth = std::max<size_t>(1, s.scheduler->table_depth());
    if (c.size() > depth) {
      ++backlogged;
      backlog_peak = std::max<uint64_t>(backlog_peak, c.size() - depth);
      // The oldest: the table is filled in arrival order and entries leave when they finish,
      // so the running request is among them.
      c.resize(depth);
      NPUSIM_ASSERT(running == nullptr || std::find(c.begin(), c.end(), running) != c.end(),
                    "the running request fell out of the scheduler's request table");
    }
    if (occupancy.size() <= c.size()) occupancy.resize(c.size() + 1, 0);
    ++occupancy[c.size()];
    ++decisions;
    std::vector<RequestView> views;
    views.reserve(c.size());
    for (const Request* o : c) {
      views.push_back(view(*o));
      views.back().running = o == running;
    }
    const size_t pick = s.scheduler->pick(views, now());
    NPUSIM_ASSERT(pick < c.size(), "scheduler picked no waiting request");
    if (s.log_decisions) {
      Decision d{now(), {}, c[pick]->rec.id};
      for (const Request* o : c) d.candidates.push_back(o->rec.id);
      log.push_back(std::move(d));
    }
    return *c[pick];
  }

  // Time the scheduler spends on a decision over `entries` candidates.
  uint64_t decision_cost(size_t entries) const {
    const size_t depth = std::max<size_t>(1, s.scheduler->table_depth());
    return s.stream->decision_latency.ps + s.scheduler->decision_ps(std::min(entries, depth));
  }

  void wait_decision(size_t entries) {
    const uint64_t ps = decision_cost(entries);
    decision_ps += ps;
    if (ps > 0) sim_wait(ps_to_time(ps));
  }

  // Hands the slot to `r`: launches it, or resumes it where it was preempted. (`fresh` matters
  // only to re-selecting schedulers, whose first boundary is the dispatch's decision.)
  void start_request(Slot& slot, Request& r) {
    slot.released = false;
    r.fresh = true;
    if (!r.rec.started) {
      r.rec.started = true;
      r.rec.start_ps = now();
      r.rec.accelerator = slot.index;
      r.slot = &slot;
      launch(r);
    } else {
      r.resumed = true;
      r.resume.notify();
    }
  }

  std::vector<Request*> candidates(const Slot& slot) const {
    std::vector<Request*> out;
    for (Request* r : ready) {
      if (allowed(*r, slot)) out.push_back(r);
    }
    return out;
  }

  // The accelerator was idle from its engine's end until now: an "idle" row in its breakdown.
  void note_idle(Slot& slot) {
    ExecEngine& e = slot.acc->engine();
    if (now() > e.end_ps()) {
      RunAccounting& a = slot.acc->accounting();
      a.begin_phase("idle", PhaseKind::Other);
      a.set_end_ps(a.begin_op("idle", "idle", 0), now());
    }
    e.hold_until(now());
  }

  void arrivals() {
    for (; next_open < open_loop.size(); ++next_open) {
      const Arrival& a = open_loop[next_open];
      if (a.at_ps > now()) sim_wait(ps_to_time(a.at_ps - now()));
      admit(a, {s.stream->mix[a.mix].model});
    }
  }

  void dispatcher(Slot& slot) {
    while (true) {
      if (reselect) {
        if (!dispatch_reselect(slot)) return;
        continue;
      }
      while (candidates(slot).empty()) {
        if (completed == total) return;
        sim_wait(ready_changed);
      }
      if (s.stream && s.stream->decision_latency.ps > 0)
        sim_wait(ps_to_time(s.stream->decision_latency.ps));
      std::vector<Request*> c = candidates(slot);
      if (c.empty()) continue;  // another accelerator took them meanwhile
      size_t pick = 0;
      if (s.scheduler != nullptr && c.size() > 1) {
        std::vector<RequestView> views;
        for (const Request* r : c) views.push_back(view(*r));
        pick = s.scheduler->pick(views, now());
        NPUSIM_ASSERT(pick < c.size(), "scheduler picked no waiting request");
      }
      Request& r = *c[pick];
      ready.erase(std::find(ready.begin(), ready.end(), &r));
      start_request(slot, r);
      while (!slot.released) sim_wait(slot.released_event);
      if (r.preempted) {
        r.preempted = false;
        if (s.stream->context_switch.ps > 0) sim_wait(ps_to_time(s.stream->context_switch.ps));
        ready.push_back(&r);
        ready_changed.notify();
      }
    }
  }

  // One dispatch of a re-selecting scheduler; false when every request has completed.
  bool dispatch_reselect(Slot& slot) {
    Request* next = slot.handoff;
    slot.handoff = nullptr;
    if (next == nullptr) {
      while (candidates(slot).empty()) {
        if (completed == total) return false;
        sim_wait(ready_changed);
      }
      const size_t entries = candidates(slot).size();
      next = &decide(slot, nullptr);  // decided now, started after the decision's time
      ready.erase(std::find(ready.begin(), ready.end(), next));
      wait_decision(entries);
    }
    Request& r = *next;
    start_request(slot, r);
    while (!slot.released) sim_wait(slot.released_event);
    if (r.preempted) {
      r.preempted = false;
      if (s.stream->context_switch.ps > 0) sim_wait(ps_to_time(s.stream->context_switch.ps));
      ready.push_back(&r);
      ready_changed.notify();
    }
    return true;
  }

  // A re-selecting scheduler's decision at a boundary of `r`: runs when it has run an operator
  // since it was dispatched (the dispatch decided at its first boundary).
  void boundary_reselect(Request& r) {
    if (r.fresh) {
      r.fresh = false;
      return;
    }
    ExecEngine& e = r.slot->acc->engine();
    e.finish();  // the boundary's time is now
    if (next_open < open_loop.size() && open_loop[next_open].at_ps <= now())
      sim_wait(sc_core::SC_ZERO_TIME);  // (arrivals at this very time are admitted)
    r.last_exec_ps = now();
    const size_t entries = candidates(*r.slot).size() + 1;
    Request& next = decide(*r.slot, &r);
    if (&next != &r) ready.erase(std::find(ready.begin(), ready.end(), &next));
    wait_decision(entries);
    if (&next == &r) {
      e.hold_until(now());  // the accelerator waited for the decision
      return;
    }
    ++r.rec.preemptions;
    r.preempted = true;
    r.slot->handoff = &next;
    release(*r.slot);
    while (!r.resumed) sim_wait(r.resume);
    r.resumed = false;
    r.fresh = false;  // (resumed at a boundary that was decided already)
    note_idle(*r.slot);
    r.slot->acc->accounting().begin_phase(r.phase, r.phase_kind);
  }

  void launch(Request& r) {
    Runner* w = nullptr;
    if (idle_runners.empty()) {
      w = &runners.emplace_back();
      sc_core::sc_spawn([this, w] { guarded([this, w] { run_requests(*w); }); },
                        sc_core::sc_gen_unique_name("request"));
    } else {
      w = idle_runners.back();
      idle_runners.pop_back();
    }
    w->request = &r;
    w->go.notify();
  }

  void run_requests(Runner& w) {
    while (true) {
      while (w.request == nullptr) sim_wait(w.go);
      Request& r = *w.request;
      run_request(r);
      w.request = nullptr;
      idle_runners.push_back(&w);
    }
  }

  void release(Slot& slot) {
    slot.released = true;
    slot.released_event.notify();
    ready_changed.notify();
  }

  void run_request(Request& r) {
    Slot& slot = *r.slot;
    note_idle(slot);
    for (size_t m : r.rec.models) slot.acc->run_model(m, r);
    slot.acc->engine().finish();
    r.rec.finish_ps = now();
    r.last_exec_ps = now();
    r.rec.finished = true;
    ++completed;
    release(slot);
    if (s.stream && s.stream->process == ArrivalProcess::ClosedLoop && admitted < total) {
      if (s.stream->think.ps > 0) sim_wait(ps_to_time(s.stream->think.ps));
      const size_t mix = closed_mix[admitted];
      admit(Arrival{0, mix, std::nullopt, 0}, {s.stream->mix[mix].model});
    }
  }

  void boundary(Request& r) {
    ++r.rec.operators;
    if (reselect) {
      boundary_reselect(r);
      return;
    }
    if (s.scheduler == nullptr || !s.scheduler->preemptive()) return;
    // The boundary's time is when the work fed so far ends. Requests arriving before it are
    // admitted first (the engine drains to that time); otherwise the decision needs no drain,
    // and the pipeline keeps its overlap unless the scheduler preempts.
    ExecEngine& e = r.slot->acc->engine();
    if (next_open < open_loop.size() && open_loop[next_open].at_ps <= std::max(now(), e.end_ps())) {
      e.finish();
      sim_wait(sc_core::SC_ZERO_TIME);  // (arrivals at this very time are admitted)
    }
    std::vector<Request*> c = candidates(*r.slot);
    if (c.empty()) return;
    std::vector<RequestView> views;
    for (const Request* o : c) views.push_back(view(*o));
    if (!s.scheduler->preempt(view(r), views, std::max(now(), e.end_ps()))) return;
    e.finish();
    ++r.rec.preemptions;
    r.preempted = true;
    release(*r.slot);
    while (!r.resumed) sim_wait(r.resume);
    r.resumed = false;
    note_idle(*r.slot);
    r.slot->acc->accounting().begin_phase(r.phase, r.phase_kind);
  }
};

Runtime::Runtime(RuntimeSetup s) : impl_(std::make_unique<Impl>()) {
  NPUSIM_ASSERT(!s.accelerators.empty() && s.workload != nullptr,
                "runtime without accelerators or workload");
  NPUSIM_ASSERT(!s.stream || s.scheduler != nullptr, "request stream without a scheduler");
  NPUSIM_ASSERT(!s.program_accelerator || *s.program_accelerator < s.accelerators.size(),
                "program accelerator out of range");
  impl_->s = std::move(s);
}

Runtime::~Runtime() = default;

void Runtime::start() {
  Impl& i = *impl_;
  for (size_t a = 0; a < i.s.accelerators.size(); ++a) {
    Impl::Slot& slot = i.slots.emplace_back();
    slot.index = a;
    slot.acc = i.s.accelerators[a];
  }
  if (!i.s.stream) {  // one request: every model, in order
    i.total = 1;
    std::vector<size_t> all(i.s.workload->models.size());
    for (size_t m = 0; m < all.size(); ++m) all[m] = m;
    i.admit(Arrival{}, all);
  } else {
    const RequestStream& st = *i.s.stream;
    i.total = static_cast<uint64_t>(st.count);
    i.reselect = i.s.scheduler->reselects() || st.decisions == DecisionPoints::EveryBoundary;
    i.profiler = dynamic_cast<const ILayerProfile*>(i.s.accelerators.front());
    i.open_loop = st.initial_arrivals();
    if (st.process == ArrivalProcess::ClosedLoop) {
      i.closed_mix = st.mix_sequence();
      for (const Arrival& a : i.open_loop) i.admit(a, {st.mix[a.mix].model});  // all at time 0
      i.open_loop.clear();
    } else {
      sc_core::sc_spawn([&i] { guarded([&i] { i.arrivals(); }); }, "arrivals");
    }
  }
  for (Impl::Slot& slot : i.slots) {
    sc_core::sc_spawn([&i, &slot] { guarded([&i, &slot] { i.dispatcher(slot); }); },
                      sc_core::sc_gen_unique_name("dispatcher"));
  }
}

const std::vector<Decision>& Runtime::decisions() const {
  return impl_->log;
}

std::vector<RequestRecord> Runtime::requests() const {
  std::vector<RequestRecord> out;
  for (const auto& r : impl_->reqs) out.push_back(r.rec);
  return out;
}

Json Runtime::report() const {
  const RuntimeSetup& s = impl_->s;
  std::vector<std::string> models;
  for (const Model& m : s.workload->models) models.push_back(m.name);
  Json j =
      requests_report(requests(), models, s.accelerator_names,
                      s.scheduler != nullptr ? s.scheduler->type() : std::string("single program"),
                      !s.stream || s.stream->request_list);
  const Impl& i = *impl_;
  if (i.reselect) {  // the decisions of a re-selecting scheduler
    Json d = Json::object();
    d["count"] = i.decisions;
    d["time_s"] = static_cast<double>(i.decision_ps) * 1e-12;
    d["with_backlog"] = i.backlogged;
    d["backlog_peak"] = i.backlog_peak;
    uint64_t peak = 0;
    Json hist = Json::array();
    for (size_t n = 0; n < i.occupancy.size(); ++n) {
      hist.push_back(i.occupancy[n]);
      if (i.occupancy[n] > 0) peak = n;
    }
    d["occupancy_peak"] = peak;
    d["occupancy_histogram"] = hist;
    j["decisions"] = d;
  }
  return j;
}

}  // namespace npusim
