// The SystemC run of a sparse request stream (runtime + sparse accelerator + scheduler) against
// the untimed golden reference of Dysta's event loop (dysta_reference.h): with every overhead 0
// both make the same decisions (time, candidates, choice) and give every request the same
// start and finish times, hence the same metrics, for every scheduler. With overheads the
// difference is exactly the decision and context-switch time the reference adds.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>
#include "dysta_reference.h"
#include "models/sparse/sparse_trace.h"
#include "sim/core/component.h"
#include "sim/core/kernel.h"
#include "sim/runtime/metrics.h"
#include "sim/runtime/request_stream.h"
#include "sim/workload/trace.h"

using namespace npusim;

namespace {

// A multi-AttNN-like workload on the Sanger-like accelerator: `bert` with two patterns (so the
// pattern LUT differs from the model LUT), `gpt2` and a longer `bart`; 10 samples each with
// correlated per-sample densities. Written under a temporary folder.
struct SmallScenario {
  std::filesystem::path dir;
  std::string hw, workload;

  explicit SmallScenario(const std::string& requests, bool eyeriss = false) {
    dir = std::filesystem::temp_directory_path() /
          ("npusim_dysta_" + std::to_string(::getpid()) + (eyeriss ? "_e" : "_s"));
    std::filesystem::create_directories(dir);
    struct M {
      const char* name;
      const char* arch;
      int layers;
      double density;
    };
    const std::vector<M> models = {{"bert_a", "bert", 4, 0.10},
                                   {"bert_b", "bert", 4, 0.16},
                                   {"gpt2", "gpt2", 4, 0.12},
                                   {"bart", "bart", 6, 0.14}};
    std::mt19937_64 rng(7);
    std::normal_distribution<double> z(0, 1);
    workload = "schema_version: 1\nname: small_sparse\nmodels:\n";
    for (const M& m : models) {
      std::ofstream csv(dir / (std::string(m.name) + ".csv"));
      csv << "sample,layer,density,weight_density,utilisation,dataset_group\n";
      workload += std::string("  - name: ") + m.name + "\n    sparse: {arch: " + m.arch +
                  ", pattern: p, trace: " + (dir / (std::string(m.name) + ".csv")).string() +
                  "}\n    layers:\n";
      for (int j = 0; j < m.layers; ++j) {
        workload += eyeriss ? "      - {name: l" + std::to_string(j) +
                                  ", op: conv2d, in_channels: 16, out_channels: 32, in_h: 8, "
                                  "in_w: 8, kernel_h: 3, kernel_w: 3, padding: 1}\n"
                            : "      - {name: l" + std::to_string(j) +
                                  ", op: attention, heads: 12, q_len: 512, kv_len: 512, "
                                  "head_dim: 64}\n";
      }
      for (int s = 0; s < 10; ++s) {
        const double zi = z(rng);
        for (int j = 0; j < m.layers; ++j) {
          const double d =
              std::clamp(m.density * std::exp(0.25 * (0.8 * zi + 0.6 * z(rng))), 0.01, 1.0);
          csv << s << ",l" << j << "," << d << ",0.8," << std::clamp(0.3 + d, 0.05, 1.0) << ","
              << (s < 5 ? "in" : "dark") << "\n";
        }
      }
    }
    workload += "requests:\n" + requests;
    hw = eyeriss ? "name: e\ntype: eyeriss_v2_like\n" : "name: s\ntype: sanger_like\n";
  }
  ~SmallScenario() { std::filesystem::remove_all(dir); }
};

struct Compared {
  std::vector<RequestRecord> sim, ref;
  std::vector<Decision> sim_log, ref_log;
};

Compared run_both(const SmallScenario& sc, const std::string& scheduler_yaml,
                  test::dysta::RefOptions opt) {
  Compared out;
  const Workload w =
      load_workload(load_yaml_text(sc.workload, "wl.yaml", ErrorKind::Workload, "workload"));
  auto hw_doc = load_yaml_text(sc.hw, "hw.yaml", ErrorKind::Config, "hw");
  auto sched_doc = load_yaml_text(scheduler_yaml, "sched.yaml", ErrorKind::Config, "scheduler");
  std::vector<test::dysta::RefRequest> table;
  {
    SimKernel kernel;
    StatGroup stats("hw");
    BuildContext ctx;
    auto root = Registry::build("accelerator", ConfigNode(hw_doc, hw_doc->root, "hw"), "hw",
                                nullptr, stats, ctx);
    auto* acc = dynamic_cast<IAccelerator*>(root.get());
    REQUIRE(acc != nullptr);
    acc->prepare(w, RunOptions{});
    auto sched = Registry::build("scheduler", ConfigNode(sched_doc, sched_doc->root, "s"), "s",
                                 nullptr, stats.group("s"), ctx);
    RuntimeSetup s;
    s.accelerators = {acc};
    s.accelerator_names = {"s"};
    s.workload = &w;
    s.stream = parse_request_stream(w, {});
    s.scheduler = dynamic_cast<IScheduler*>(sched.get());
    s.isolated_ps.assign(w.models.size(), 1);
    s.isolated_ops.assign(w.models.size(), 1);
    s.log_decisions = true;
    // The golden reference's request table, from the same stream, profiles and traces.
    const auto* prof = dynamic_cast<const ILayerProfile*>(acc);
    REQUIRE(prof != nullptr);
    const RequestStream st = *s.stream;
    opt.context_switch_ps = st.context_switch.ps;
    opt.decision_latency_ps = st.decision_latency.ps;
    opt.period_ps = acc->accelerator_clock().period_ps();
    std::vector<std::shared_ptr<const SparseModelTrace>> traces;
    for (const Model& m : w.models) traces.push_back(load_sparse_trace(m));
    for (const Arrival& a : st.initial_arrivals()) {
      test::dysta::RefRequest r;
      r.model = st.mix[a.mix].model;
      r.arrival_ps = a.at_ps;
      r.priority = a.priority ? *a.priority : st.mix[a.mix].priority;
      r.sample = st.sample_of(a.sample_u, prof->samples(r.model));
      r.progress = prof->profile(r.model, r.sample);
      r.deadline_ps =
          a.at_ps + static_cast<uint64_t>(std::llround(
                        st.slo_multiplier * static_cast<double>(prof->slo_base_ps(r.model))));
      for (const SparseTraceRow& row : traces[r.model]->rows[r.sample])
        r.monitor.push_back(row.density);
      table.push_back(r);
    }
    Runtime rt(std::move(s));
    rt.start();
    kernel.run();
    out.sim = rt.requests();
    out.sim_log = rt.decisions();
    sched.reset();
    root.reset();
  }
  {
    SimKernel kernel;  // a fresh scheduler (PREMA keeps per-request state) for the reference
    StatGroup stats("ref");
    BuildContext ctx;
    auto sched = Registry::build("scheduler", ConfigNode(sched_doc, sched_doc->root, "s"), "s",
                                 nullptr, stats, ctx);
    test::dysta::RefResult r =
        test::dysta::run_reference(table, *dynamic_cast<IScheduler*>(sched.get()), opt);
    out.ref = r.records;
    out.ref_log = r.decisions;
  }
  return out;
}

void check_same(const Compared& c) {
  REQUIRE(c.sim.size() == c.ref.size());
  REQUIRE(c.sim_log.size() == c.ref_log.size());
  for (size_t i = 0; i < c.sim_log.size(); ++i) {
    INFO("decision " << i << " at " << c.ref_log[i].at_ps << " ps");
    REQUIRE(c.sim_log[i].at_ps == c.ref_log[i].at_ps);
    REQUIRE(c.sim_log[i].candidates == c.ref_log[i].candidates);
    REQUIRE(c.sim_log[i].chosen == c.ref_log[i].chosen);
  }
  for (size_t i = 0; i < c.sim.size(); ++i) {
    INFO("request " << i);
    CHECK(c.sim[i].arrival_ps == c.ref[i].arrival_ps);
    CHECK(c.sim[i].start_ps == c.ref[i].start_ps);
    CHECK(c.sim[i].finish_ps == c.ref[i].finish_ps);
    CHECK(c.sim[i].deadline_ps == c.ref[i].deadline_ps);
    CHECK(c.sim[i].isolated_ps == c.ref[i].isolated_ps);
    CHECK(c.sim[i].preemptions == c.ref[i].preemptions);
    CHECK(c.sim[i].priority == c.ref[i].priority);
    CHECK(c.sim[i].sample == c.ref[i].sample);
  }
  const TenancyMetrics a = tenancy_metrics(c.sim), b = tenancy_metrics(c.ref);
  CHECK(a.antt == b.antt);
  CHECK(a.violation_rate == b.violation_rate);
  CHECK(a.stp_per_s == b.stp_per_s);
  CHECK(a.preemptions == b.preemptions);
}

// Poisson arrivals near saturation (mean request ~7 ms on Sanger-like, 140/s), priorities
// {1, 3, 9}, the first 7 samples, SLO = 3 x the architecture's mean isolated latency.
const char* kStream =
    "  arrivals: poisson\n  rate: 140\n  count: 120\n  seed: 3\n  priorities: [1, 3, 9]\n"
    "  sample_pool: 7\n  slo_multiplier: 3\n  decisions: every_boundary\n";

const std::vector<std::string> kSchedulers = {
    "{type: fcfs}",  "{type: sjf}",   "{type: prema}",       "{type: planaria}",
    "{type: sdrm3}", "{type: dysta}", "{type: dysta_naive}", "{type: dysta_oracle}"};

}  // namespace

TEST_CASE("Dysta event loop: the SystemC run equals the golden reference for every scheduler",
          "[dysta]") {
  const SmallScenario sc(kStream);
  for (const std::string& s : kSchedulers) {
    INFO("scheduler " << s);
    const Compared c = run_both(sc, s, {});
    check_same(c);
    CHECK(c.sim_log.size() > c.sim.size());  // decisions at layer boundaries, not only at dispatch
  }
}

TEST_CASE("Dysta event loop on the Eyeriss-V2-like accelerator (200 MHz) equals the reference",
          "[dysta]") {
  const SmallScenario sc(
      "  arrivals: poisson\n  rate: 40000\n  count: 80\n  seed: 5\n  priorities: [1, 3, 9]\n"
      "  sample_pool: 1000000\n  slo_multiplier: 4\n  decisions: every_boundary\n",
      true);
  for (const std::string& s : {std::string("{type: dysta}"), std::string("{type: prema}")}) {
    INFO("scheduler " << s);
    check_same(run_both(sc, s, {}));
  }
}

TEST_CASE("Dysta event loop with decision and context-switch costs equals the reference",
          "[dysta]") {
  // Decisions of 70 + 2 x entries cycles at 200 MHz over a 4-entry table, 2 us per preemption.
  const SmallScenario sc(std::string(kStream) + "  context_switch: 2us\n");
  const Compared c =
      run_both(sc, "{type: dysta, fixed_cycles: 70, cycles_per_entry: 2, queue_depth: 4}", {});
  check_same(c);
  uint64_t preemptions = 0;
  for (const RequestRecord& r : c.sim) preemptions += r.preemptions;
  CHECK(preemptions > 0);
}
