#include "sim/runtime/request_stream.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "sim/core/errors.h"
#include "sim/core/params.h"
#include "sim/core/text.h"

namespace npusim {
namespace {

struct StreamParams {
  ArrivalProcess arrivals;
  double rate;
  int64_t count;
  int64_t clients;
  Time think;
  int64_t seed;
  Time decision_latency;
  Time context_switch;
  int64_t sample_pool;
  double slo_multiplier;
  DecisionPoints decisions;
  bool request_list;
};

const ParamTable& stream_table() {
  using P = StreamParams;
  static const ParamTable t =
      ParamTable("requests", "A request stream: arrivals, a model mix and the scheduler.")
          .param_enum("arrivals", &P::arrivals,
                      {{"poisson", ArrivalProcess::Poisson},
                       {"trace", ArrivalProcess::Trace},
                       {"closed_loop", ArrivalProcess::ClosedLoop}},
                      "arrival process")
          .def("poisson")
          .param("rate", &P::rate, "poisson: mean arrival rate")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .unit("requests/s")
          .param("count", &P::count, "poisson, closed_loop: requests in all")
          .def(1)
          .min(1)
          .max(1000000)
          .param("clients", &P::clients, "closed_loop: concurrent clients")
          .def(1)
          .min(1)
          .max(1000000)
          .param("think", &P::think,
                 "closed_loop: time between a completion and the client's next request")
          .def("0s")
          .param("seed", &P::seed, "seed of the model mix and the Poisson gaps")
          .def(1)
          .min(0)
          .param("decision_latency", &P::decision_latency,
                 "time the scheduler takes for each dispatch")
          .def("0s")
          .param("context_switch", &P::context_switch, "time to save a preempted request's state")
          .def("0s")
          .param("sample_pool", &P::sample_pool,
                 "requests replay an input sample drawn uniformly from the first sample_pool "
                 "samples of their model (capped at its samples, so 1000000 means all; 0: every "
                 "request replays sample 0; for accelerators whose timing depends on the sample, "
                 "models/sparse)")
          .def(0)
          .min(0)
          .param("slo_multiplier", &P::slo_multiplier,
                 "when above 0, deadline = arrival + slo_multiplier x the model's SLO base (its "
                 "mean isolated latency over its samples), instead of the mix entries' `slo`")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .param_enum("decisions", &P::decisions,
                      {{"dispatch", DecisionPoints::Dispatch},
                       {"every_boundary", DecisionPoints::EveryBoundary}},
                      "when the scheduler decides: when an accelerator is free (dispatch), or "
                      "over the running and the waiting requests at every operator boundary "
                      "(every_boundary: one decision per layer, as Dysta's event loop)")
          .def("dispatch")
          .param("request_list", &P::request_list,
                 "stats.json lists every request (and `run` writes requests.csv); false keeps "
                 "only the metrics, for sweeps of many streams whose results file stores each "
                 "point's stats")
          .def(ParamValue(true));
  return t;
}

struct MixParams {
  std::string model;
  double weight;
  int64_t priority;
  Time slo;
  std::string accelerator;
};

const ParamTable& mix_table() {
  using P = MixParams;
  static const ParamTable t =
      ParamTable("mix", "One model of a request stream's mix.")
          .param("model", &P::model, "name of a model in the workload's `models`")
          .param("weight", &P::weight, "relative share of the requests")
          .def(ParamValue(1.0))
          .min(ParamValue(0.0))
          .param("priority", &P::priority, "larger is more urgent (for schedulers that use it)")
          .def(0)
          .param("slo", &P::slo, "latency target from arrival to completion (0s: none)")
          .def("0s")
          .param("accelerator", &P::accelerator, "run only on this accelerator of a platform")
          .def("");
  return t;
}

struct TraceParams {
  Time at;
  std::string model;
};

const ParamTable& trace_table() {
  using P = TraceParams;
  static const ParamTable t = ParamTable("trace", "One explicit arrival.")
                                  .param("at", &P::at, "arrival time")
                                  .param("model", &P::model, "a model of the mix");
  return t;
}

// Uniform in [0, 1) from the top 53 bits.
double uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

size_t draw(const std::vector<MixEntry>& mix, std::mt19937_64& rng) {
  double total = 0;
  for (const MixEntry& e : mix) total += e.weight;
  double u = uniform(rng) * total;
  for (size_t i = 0; i < mix.size(); ++i) {
    if (u < mix[i].weight) return i;
    u -= mix[i].weight;
  }
  return mix.size() - 1;
}

}  // namespace

std::vector<Arrival> RequestStream::initial_arrivals() const {
  std::vector<Arrival> out;
  if (process == ArrivalProcess::Trace) return trace;
  if (process == ArrivalProcess::ClosedLoop) {
    const std::vector<size_t> seq = mix_sequence();
    for (int64_t c = 0; c < clients && c < count; ++c)
      out.push_back({0, seq[static_cast<size_t>(c)], std::nullopt, 0});
    return out;
  }
  std::mt19937_64 rng(seed);
  double t = 0;  // seconds
  for (int64_t i = 0; i < count; ++i) {
    if (i > 0) t += -std::log1p(-uniform(rng)) / rate;
    Arrival a{static_cast<uint64_t>(std::llround(t * 1e12)), draw(mix, rng), std::nullopt, 0};
    if (!priorities.empty()) {
      const auto k = static_cast<size_t>(uniform(rng) * static_cast<double>(priorities.size()));
      a.priority = priorities[std::min(k, priorities.size() - 1)];
    }
    if (sample_pool > 0) a.sample_u = uniform(rng);
    out.push_back(a);
  }
  return out;
}

uint64_t RequestStream::sample_of(double u, uint64_t samples) const {
  const uint64_t pool = std::min<uint64_t>(static_cast<uint64_t>(sample_pool), samples);
  if (pool == 0) return 0;
  return std::min(pool - 1, static_cast<uint64_t>(u * static_cast<double>(pool)));
}

std::vector<size_t> RequestStream::mix_sequence() const {
  std::mt19937_64 rng(seed);
  std::vector<size_t> out(static_cast<size_t>(count));
  for (size_t& m : out) m = draw(mix, rng);
  return out;
}

RequestStream parse_request_stream(const Workload& w,
                                   const std::vector<std::string>& accelerators) {
  NPUSIM_ASSERT(w.requests.has_value(), "parse_request_stream without a requests section");
  const ConfigNode& node = *w.requests;
  StreamParams p{};
  stream_table().load(node, &p, {"mix", "trace", "scheduler", "priorities"});
  RequestStream s;
  s.process = p.arrivals;
  s.rate = p.rate;
  s.count = p.count;
  s.clients = p.clients;
  s.think = p.think;
  s.seed = static_cast<uint64_t>(p.seed);
  s.decision_latency = p.decision_latency;
  s.context_switch = p.context_switch;
  s.sample_pool = p.sample_pool;
  s.slo_multiplier = p.slo_multiplier;
  s.decisions = p.decisions;
  s.request_list = p.request_list;
  if (ConfigNode pr = node.child("priorities"); pr.present()) {
    if (!pr.node().IsSequence() || pr.node().size() == 0)
      pr.fail("`priorities` must be a non-empty list of integers");
    for (size_t i = 0; i < pr.node().size(); ++i) {
      ConfigNode e = pr.element(i);
      try {
        s.priorities.push_back(e.node().as<int64_t>());
      } catch (const YAML::Exception&) {
        e.fail("priority `" + e.node().as<std::string>("") + "` is not an integer");
      }
    }
  }
  std::vector<std::string> names;
  for (const Model& m : w.models) names.push_back(m.name);

  ConfigNode mix = node.child("mix");
  if (!mix.present()) {  // every model, equally
    for (size_t i = 0; i < w.models.size(); ++i) s.mix.push_back({i, 1.0, 0, Time{}, std::nullopt});
  } else {
    if (!mix.node().IsSequence() || mix.node().size() == 0)
      mix.fail("`mix` must be a non-empty list");
    double total = 0;
    for (size_t i = 0; i < mix.node().size(); ++i) {
      ConfigNode e = mix.element(i);
      MixParams mp{};
      mix_table().load(e, &mp);
      MixEntry entry;
      auto it = std::find(names.begin(), names.end(), mp.model);
      if (it == names.end()) {
        e.fail_at(e.node()["model"], "model",
                  "no model `" + mp.model + "` in the workload (models: " + join(names, ", ") +
                      ")" + did_you_mean(mp.model, names));
      }
      entry.model = static_cast<size_t>(it - names.begin());
      entry.weight = mp.weight;
      entry.priority = mp.priority;
      entry.slo = mp.slo;
      if (!mp.accelerator.empty()) {
        auto a = std::find(accelerators.begin(), accelerators.end(), mp.accelerator);
        if (a == accelerators.end()) {
          e.fail_at(
              e.node()["accelerator"], "accelerator",
              "no accelerator `" + mp.accelerator + "` on this platform" +
                  (accelerators.empty() ? std::string(" (the hardware is a single accelerator)")
                                        : " (accelerators: " + join(accelerators, ", ") + ")" +
                                              did_you_mean(mp.accelerator, accelerators)));
        }
        entry.accelerator = static_cast<size_t>(a - accelerators.begin());
      }
      total += mp.weight;
      s.mix.push_back(entry);
    }
    if (total <= 0) mix.fail("the mix's weights add up to 0");
  }

  ConfigNode trace = node.child("trace");
  if (s.process == ArrivalProcess::Trace) {
    if (!trace.present() || !trace.node().IsSequence() || trace.node().size() == 0) {
      node.fail("`arrivals: trace` needs `trace:`, a non-empty list of {at, model}");
    }
    uint64_t last = 0;
    for (size_t i = 0; i < trace.node().size(); ++i) {
      ConfigNode e = trace.element(i);
      TraceParams tp{};
      trace_table().load(e, &tp);
      size_t entry = s.mix.size();
      for (size_t k = 0; k < s.mix.size(); ++k) {
        if (w.models[s.mix[k].model].name == tp.model) entry = k;
      }
      if (entry == s.mix.size()) {
        e.fail_at(e.node()["model"], "model",
                  "no model `" + tp.model + "` in the request mix" + did_you_mean(tp.model, names));
      }
      if (tp.at.ps < last) {
        e.fail_at(e.node()["at"], "at",
                  "arrivals must be in time order (" + format_time(tp.at) + " comes after " +
                      format_time(Time{last}) + ")");
      }
      last = tp.at.ps;
      s.trace.push_back({tp.at.ps, entry, std::nullopt, 0});
    }
    s.count = static_cast<int64_t>(s.trace.size());
  } else if (trace.present()) {
    trace.fail("`trace` applies only to `arrivals: trace`");
  }
  if (s.process == ArrivalProcess::Poisson && !(s.rate > 0)) {
    node.fail("`arrivals: poisson` needs `rate` above 0 (requests per second); rate is " +
              format_double(s.rate));
  }
  if (ConfigNode sched = node.child("scheduler"); sched.present()) {
    sched.require_map();
    s.scheduler = sched;
  }
  return s;
}

}  // namespace npusim
