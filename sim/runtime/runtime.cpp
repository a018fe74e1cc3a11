#include "sim/runtime/runtime.h"

#include <algorithm>

#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/report/run_accounting.h"
#include "sim/runtime/metrics.h"
#include "sim/workload/trace.h"

namespace npusim {

struct Runtime::Impl {
  struct Slot;
  struct Request : IRequestContext {
    Impl* rt = nullptr;
    RequestRecord rec;
    Slot* slot = nullptr;
    std::string phase;  // the accounting phase it is in
    PhaseKind phase_kind = PhaseKind::Other;
    bool preempted = false, resumed = false;
    sc_core::sc_event resume;
    uint64_t ops_total = 0;

    void boundary() override { rt->boundary(*this); }
    bool may_preempt() const override {
      return rt->s.scheduler != nullptr && rt->s.scheduler->preemptive();
    }
    void begin_phase(const std::string& label, PhaseKind kind) override {
      phase = label;
      phase_kind = kind;
      slot->acc->accounting().begin_phase(label, kind);
    }
  };
  struct Slot {
    size_t index = 0;
    IAccelerator* acc = nullptr;
    bool released = false;
    sc_core::sc_event released_event;
  };

  RuntimeSetup s;
  std::deque<Request> reqs;  // deque: processes hold references while requests are admitted
  std::deque<Slot> slots;
  std::vector<Request*> ready;
  sc_core::sc_event ready_changed;
  std::vector<Arrival> open_loop;  // pending open-loop arrivals, in time order
  size_t next_open = 0;
  std::vector<size_t> closed_mix;  // closed loop: mix of every request in issue order
  uint64_t total = 0, admitted = 0, completed = 0;

  uint64_t now() const { return time_to_ps(sc_core::sc_time_stamp()); }

  void admit(size_t mix_entry, std::vector<size_t> models) {
    Request& r = reqs.emplace_back();
    r.rt = this;
    r.rec.id = admitted++;
    r.rec.models = std::move(models);
    r.rec.mix = mix_entry;
    r.rec.arrival_ps = now();
    if (s.stream) {
      const MixEntry& e = s.stream->mix[mix_entry];
      r.rec.priority = e.priority;
      r.rec.deadline_ps = e.slo.ps > 0 ? r.rec.arrival_ps + e.slo.ps : 0;
      r.rec.isolated_ps = s.isolated_ps[e.model];
      r.ops_total = s.isolated_ops[e.model];
    }
    ready.push_back(&r);
    if (sc_core::sc_is_running()) ready_changed.notify();
  }

  // Whether `r` may run on `slot`: a started request stays where its program is; a pinned
  // request runs only on its accelerator.
  bool allowed(const Request& r, const Slot& slot) const {
    if (r.rec.started) return r.slot == &slot;
    if (s.stream) {
      const auto& pin = s.stream->mix[r.rec.mix].accelerator;
      if (pin && *pin != slot.index) return false;
    }
    return true;
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
    return v;
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
      admit(a.mix, {s.stream->mix[a.mix].model});
    }
  }

  void dispatcher(Slot& slot) {
    while (true) {
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
      slot.released = false;
      if (!r.rec.started) {
        r.rec.started = true;
        r.rec.start_ps = now();
        r.rec.accelerator = slot.index;
        r.slot = &slot;
        sc_core::sc_spawn([this, &r] { guarded([this, &r] { run_request(r); }); },
                          sc_core::sc_gen_unique_name("request"));
      } else {
        r.resumed = true;
        r.resume.notify();
      }
      while (!slot.released) sim_wait(slot.released_event);
      if (r.preempted) {
        r.preempted = false;
        if (s.stream->context_switch.ps > 0) sim_wait(ps_to_time(s.stream->context_switch.ps));
        ready.push_back(&r);
        ready_changed.notify();
      }
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
    r.rec.finished = true;
    ++completed;
    release(slot);
    if (s.stream && s.stream->process == ArrivalProcess::ClosedLoop && admitted < total) {
      if (s.stream->think.ps > 0) sim_wait(ps_to_time(s.stream->think.ps));
      const size_t mix = closed_mix[admitted];
      admit(mix, {s.stream->mix[mix].model});
    }
  }

  void boundary(Request& r) {
    ++r.rec.operators;
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
    i.admit(0, all);
  } else {
    const RequestStream& st = *i.s.stream;
    i.total = static_cast<uint64_t>(st.count);
    i.open_loop = st.initial_arrivals();
    if (st.process == ArrivalProcess::ClosedLoop) {
      i.closed_mix = st.mix_sequence();
      for (const Arrival& a : i.open_loop) i.admit(a.mix, {st.mix[a.mix].model});  // all at time 0
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

std::vector<RequestRecord> Runtime::requests() const {
  std::vector<RequestRecord> out;
  for (const auto& r : impl_->reqs) out.push_back(r.rec);
  return out;
}

Json Runtime::report() const {
  const RuntimeSetup& s = impl_->s;
  std::vector<std::string> models;
  for (const Model& m : s.workload->models) models.push_back(m.name);
  return requests_report(
      requests(), models, s.accelerator_names,
      s.scheduler != nullptr ? s.scheduler->type() : std::string("single program"));
}

}  // namespace npusim
