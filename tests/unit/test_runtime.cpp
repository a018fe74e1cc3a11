// The runtime: request streams, schedulers, per-request latency and multi-tenant metrics, and
// platforms of accelerators that share one DRAM. Expected times are derived from the isolated
// latencies the same hardware gives each model alone, and from the DRAM's bandwidth.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/app/session.h"
#include "sim/core/errors.h"
#include "sim/runtime/metrics.h"

using namespace npusim;

namespace {

// An 8x8 array at 1 GHz (1 cycle = 1000 ps) with one 4 GB/s DRAM channel and 64 KiB buffers.
const char* kSmallNpu =
    "name: small\ntype: generic_npu\nclock: 1GHz\n"
    "dram: {channels: 1, channel_bandwidth: 4GB/s, latency: 50ns, burst: 64B, interleave: 256B}\n"
    "dma: {queues: 2, max_outstanding: 8, transaction_bytes: 1KiB, setup_cycles: 0}\n"
    "ifmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
    "weight_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
    "ofmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
    "array: {rows: 8, cols: 8, dataflow: weight_stationary, mac_bits: 8}\n"
    "vector: {lanes: 8}\n";

// Model `a` (one 128^3 GEMM) and model `b` (four 128 x 256 x 128 GEMMs, so it has operator
// boundaries), then the `requests:` text.
std::string two_models(const std::string& requests) {
  return "schema_version: 1\nname: stream\nmodels:\n"
         "  - name: a\n    layers:\n      - {name: g, op: gemm, m: 128, k: 128, n: 128}\n"
         "  - name: b\n    layers:\n"
         "      - {name: g0, op: gemm, m: 128, k: 256, n: 128}\n"
         "      - {name: g1, op: gemm, m: 128, k: 256, n: 128}\n"
         "      - {name: g2, op: gemm, m: 128, k: 256, n: 128}\n"
         "      - {name: g3, op: gemm, m: 128, k: 256, n: 128}\n"
         "requests:\n" +
         requests;
}

SessionOutput run(const std::string& hw, const std::string& wl, Overrides o = {}) {
  SessionInput in;
  in.hw = load_yaml_text(hw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(wl, "wl.yaml", ErrorKind::Workload, "workload");
  in.overrides = std::move(o);
  return run_session(std::move(in));
}

// Picoseconds of a stats.json time in seconds (times are whole picoseconds).
uint64_t ps(const Json* j) {
  return static_cast<uint64_t>(std::llround(j->as_double() * 1e12));
}

// A model alone, as a single program: its latency in ps.
uint64_t alone(const std::string& hw, const std::string& model_yaml) {
  const SessionOutput o = run(hw, "schema_version: 1\nname: one\nmodels:\n" + model_yaml);
  return ps(o.stats.find("total_seconds"));
}

const char* kModelA =
    "  - name: a\n    layers:\n      - {name: g, op: gemm, m: 128, k: 128, n: 128}\n";
const char* kModelB =
    "  - name: b\n    layers:\n"
    "      - {name: g0, op: gemm, m: 128, k: 256, n: 128}\n"
    "      - {name: g1, op: gemm, m: 128, k: 256, n: 128}\n"
    "      - {name: g2, op: gemm, m: 128, k: 256, n: 128}\n"
    "      - {name: g3, op: gemm, m: 128, k: 256, n: 128}\n";

struct Done {
  uint64_t start, finish;
};

std::vector<Done> per_request(const SessionOutput& o) {
  std::vector<Done> out;
  const Json* list = o.stats.at_path("requests.list");
  for (size_t i = 0; i < list->size(); ++i) {
    out.push_back({ps(list->at(i).find("start_s")), ps(list->at(i).find("finish_s"))});
  }
  return out;
}

}  // namespace

TEST_CASE("three requests: FCFS and SJF latencies and ANTT by hand", "[runtime]") {
  const uint64_t la = alone(kSmallNpu, kModelA), lb = alone(kSmallNpu, kModelB);
  REQUIRE(la > 2000000);  // A takes longer than 2 us, so r1 and r2 arrive while r0 runs
  REQUIRE(lb > la);
  // r0 = a at 0, r1 = b at 1 us, r2 = a at 2 us; every dispatch decision takes 100 ns (100
  // cycles: start times stay on clock edges, so each request takes exactly its isolated time).
  const std::string stream =
      "  arrivals: trace\n  decision_latency: 100ns\n"
      "  trace: [{at: 0us, model: a}, {at: 1us, model: b}, {at: 2us, model: a}]\n";
  const uint64_t d = 100000, a1 = 1000000, a2 = 2000000;

  SECTION("FCFS runs them in arrival order") {
    const SessionOutput o = run(kSmallNpu, two_models(stream + "  scheduler: {type: fcfs}\n"));
    // r0: decided at 0, starts at d, ends d + la; r1 (b) next: d + la + d + lb; then r2 (a).
    const uint64_t f0 = d + la, f1 = f0 + d + lb, f2 = f1 + d + la;
    const auto r = per_request(o);
    CHECK(r[0].start == d);
    CHECK(r[0].finish == f0);
    CHECK(r[1].start == f0 + d);
    CHECK(r[1].finish == f1);
    CHECK(r[2].start == f1 + d);
    CHECK(r[2].finish == f2);
    // ANTT = mean of latency / isolated latency.
    const double antt = (static_cast<double>(f0) / la + static_cast<double>(f1 - a1) / lb +
                         static_cast<double>(f2 - a2) / la) /
                        3;
    CHECK(o.stats.at_path("requests.antt")->as_double() == Approx(antt).epsilon(1e-12));
    CHECK(ps(o.stats.at_path("requests.list")->at(1).find("isolated_s")) == lb);
    // Dysta's STP: 3 requests over last finish - first arrival.
    CHECK(o.stats.at_path("requests.stp_requests_per_s")->as_double() == Approx(3 / (f2 * 1e-12)));
  }
  SECTION("SJF runs the shorter waiting request (r2, an `a`) before r1") {
    const SessionOutput o = run(kSmallNpu, two_models(stream + "  scheduler: {type: sjf}\n"));
    const uint64_t f0 = d + la, f2 = f0 + d + la, f1 = f2 + d + lb;
    const auto r = per_request(o);
    CHECK(r[0].finish == f0);
    CHECK(r[2].start == f0 + d);
    CHECK(r[2].finish == f2);
    CHECK(r[1].finish == f1);
    const double antt = (static_cast<double>(f0) / la + static_cast<double>(f1 - a1) / lb +
                         static_cast<double>(f2 - a2) / la) /
                        3;
    CHECK(o.stats.at_path("requests.antt")->as_double() == Approx(antt).epsilon(1e-12));
  }
}

TEST_CASE("priority scheduling: the urgent request first, FCFS among equals", "[runtime]") {
  const uint64_t la = alone(kSmallNpu, kModelA), lb = alone(kSmallNpu, kModelB);
  // r0 = a at 0 (priority 0) runs at once; r1 = b (priority 1) at 1 us and r2 = a (priority 0)
  // at 2 us both wait; at r0's end the scheduler takes r1 (more urgent) although r2 is shorter:
  // f0 = la, f1 = la + lb, f2 = la + lb + la.
  const SessionOutput o = run(
      kSmallNpu,
      two_models("  arrivals: trace\n  mix: [{model: a, priority: 0}, {model: b, priority: 1}]\n"
                 "  trace: [{at: 0us, model: a}, {at: 1us, model: b}, {at: 2us, model: a}]\n  "
                 "scheduler: {type: priority}\n"));
  const auto r = per_request(o);
  CHECK(r[0].finish == la);
  CHECK(r[1].finish == la + lb);
  CHECK(r[2].finish == la + lb + la);
}

TEST_CASE("preemptive SJF yields at an operator boundary and charges the context switch",
          "[runtime]") {
  const uint64_t la = alone(kSmallNpu, kModelA);
  // b (four operators) at 0, a at 1 us: at b's first operator boundary after a arrives, a's
  // remaining time (all of la) is below b's (3/4 of lb), so b yields; the dispatcher waits the
  // 500 ns context switch, decides, and a runs alone for exactly la.
  const std::string wl = two_models(
      "  arrivals: trace\n  context_switch: 500ns\n"
      "  trace: [{at: 0us, model: b}, {at: 1us, model: a}]\n  scheduler: {type: sjf, preemptive: "
      "true}\n");
  const SessionOutput o = run(kSmallNpu, wl);
  const Json* list = o.stats.at_path("requests.list");
  CHECK(list->at(0).find("preemptions")->as_uint() == 1);
  CHECK(o.stats.at_path("requests.preemptions")->as_uint() == 1);
  const uint64_t a_start = ps(list->at(1).find("start_s")),
                 a_finish = ps(list->at(1).find("finish_s"));
  CHECK(a_finish - a_start == la);
  CHECK(ps(list->at(0).find("finish_s")) > a_finish);
  // Without preemption a would wait for all of b.
  const SessionOutput np =
      run(kSmallNpu, wl, {{"workload.requests.scheduler.preemptive", "false"}});
  CHECK(ps(np.stats.at_path("requests.list")->at(1).find("finish_s")) >
        ps(list->at(0).find("finish_s")) - la);
}

TEST_CASE("a single-program workload is one request with unchanged results", "[runtime]") {
  const std::string wl = "schema_version: 1\nname: one\nmodels:\n" + std::string(kModelA) + kModelB;
  const SessionOutput o = run(kSmallNpu, wl);
  CHECK(o.stats.find("requests") == nullptr);  // no request section without a stream
  CHECK(o.stats.at_path("throughput.unit")->as_string() == "inferences/s");
  // The same models as a stream of one request each, back to back, end no earlier.
  const SessionOutput s =
      run(kSmallNpu,
          two_models("  arrivals: trace\n  trace: [{at: 0us, model: a}, {at: 0us, model: b}]\n"));
  CHECK(ps(s.stats.at_path("requests.list")->at(0).find("finish_s")) == alone(kSmallNpu, kModelA));
  CHECK(ps(s.stats.find("total_seconds")) >= ps(o.stats.find("total_seconds")));
}

TEST_CASE("Poisson arrivals are seeded and reproducible", "[runtime]") {
  const std::string wl = two_models("  arrivals: poisson\n  rate: 20000\n  count: 12\n  seed: 3\n");
  const SessionOutput x = run(kSmallNpu, wl), y = run(kSmallNpu, wl);
  CHECK(x.stats.at_path("requests")->dump(0) == y.stats.at_path("requests")->dump(0));
  const SessionOutput z = run(kSmallNpu, wl, {{"workload.requests.seed", "4"}});
  CHECK(x.stats.at_path("requests")->dump(0) != z.stats.at_path("requests")->dump(0));
  CHECK(x.stats.at_path("requests.completed")->as_uint() == 12);
}

TEST_CASE("closed-loop clients issue their next request after the last completes", "[runtime]") {
  const uint64_t la = alone(kSmallNpu, kModelA);
  // One client, 3 requests of a, 2 us think time: finishes at la, la + 2us + la, ...
  const SessionOutput o =
      run(kSmallNpu, two_models("  arrivals: closed_loop\n  clients: 1\n  count: 3\n"
                                "  think: 2us\n  mix: [{model: a}]\n"));
  const auto r = per_request(o);
  REQUIRE(r.size() == 3);
  CHECK(r[0].finish == la);
  CHECK(r[1].finish == la + 2000000 + la);
  CHECK(r[2].finish == 3 * la + 4000000);
}

TEST_CASE("metrics of hand-made records", "[runtime]") {
  // Two requests: isolated 10 and 20; latencies 20 and 20 -> NTT 2 and 1, ANTT 1.5;
  // NP 0.5 and 1 -> STP(NP) 1.5, fairness 0.5; one deadline missed out of two -> 50 %.
  std::vector<RequestRecord> r(2);
  r[0].arrival_ps = 0, r[0].finish_ps = 20, r[0].isolated_ps = 10, r[0].deadline_ps = 15,
  r[0].finished = true;
  r[1].arrival_ps = 5, r[1].finish_ps = 25, r[1].isolated_ps = 20, r[1].deadline_ps = 30,
  r[1].finished = true;
  const TenancyMetrics m = tenancy_metrics(r);
  CHECK(m.antt == Approx(1.5));
  CHECK(m.stp_progress == Approx(1.5));
  CHECK(m.fairness == Approx(0.5));
  CHECK(m.violation_rate == Approx(0.5));
  CHECK(m.stp_per_s == Approx(2 / 25e-12));  // 2 requests over 25 ps
}

TEST_CASE("two accelerators sharing one DRAM each slow down as the DRAM predicts",
          "[runtime][platform]") {
  // Each request adds two 4M-element int8 vectors: 8 MiB read + 4 MiB written, at 256 lanes
  // (16K cycles of compute per MiB... far below the traffic time), so it is bound by the
  // 2 x 12.8 GB/s DRAM: alone, about 12 MiB / 25.6 GB/s = 491 us. Two at once on two
  // accelerators move twice the bytes through the same DRAM: each takes about twice as long.
  const std::string npu =
      "    type: generic_npu\n"
      "    dma: {queues: 2, max_outstanding: 16, transaction_bytes: 4KiB, setup_cycles: 0}\n"
      "    ifmap_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n"
      "    weight_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n"
      "    ofmap_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n"
      "    array: {rows: 8, cols: 8}\n    vector: {lanes: 256}\n";
  const std::string platform =
      "name: two\ntype: platform\n"
      "dram: {channels: 2, channel_bandwidth: 12.8GB/s, latency: 100ns, capacity: 1GiB}\n"
      "accelerators:\n  npu0:\n" +
      npu + "  npu1:\n" + npu;
  const std::string wl =
      "schema_version: 1\nname: add\nmodels:\n"
      "  - name: add\n    layers:\n      - {name: add, op: elementwise, fn: add, elements: "
      "4194304}\n"
      "requests:\n  arrivals: trace\n  trace: [{at: 0us, model: add}, {at: 0us, model: add}]\n";
  const SessionOutput o = run(platform, wl);
  const Json* list = o.stats.at_path("requests.list");
  const uint64_t isolated = ps(list->at(0).find("isolated_s"));
  const double bytes = o.stats.at_path("accelerators.npu0.dram_bytes_read")->as_double() +
                       o.stats.at_path("accelerators.npu0.dram_bytes_written")->as_double();
  CHECK(bytes == 12.0 * 1024 * 1024);
  const double peak = 25.6e9;
  // Alone: the DRAM's time for its bytes, plus fill and drain of the pipeline (< 3 %).
  CHECK(isolated * 1e-12 == Approx(bytes / peak).epsilon(0.03));
  CHECK(list->at(0).find("accelerator")->as_string() !=
        list->at(1).find("accelerator")->as_string());
  for (size_t i = 0; i < 2; ++i) {
    const double latency = list->at(i).find("latency_s")->as_double();
    // Together: both requests' bytes through one DRAM, 2 x bytes / peak, each.
    CHECK(latency == Approx(2 * bytes / peak).epsilon(0.03));
    CHECK(latency / (isolated * 1e-12) == Approx(2.0).epsilon(0.03));
  }
  // The shared DRAM moved both accelerators' bytes.
  CHECK(o.stats.at_path("dram.bytes_read")->as_double() ==
        o.stats.at_path("accelerators.npu0.dram_bytes_read")->as_double() +
            o.stats.at_path("accelerators.npu1.dram_bytes_read")->as_double());
}

TEST_CASE("bad request streams are user errors", "[runtime]") {
  auto fails = [](const std::string& requests, const std::string& text) {
    INFO(requests);
    try {
      run(kSmallNpu, two_models(requests));
      FAIL("accepted");
    } catch (const UserError& e) {
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  };
  fails("  arrivals: trace\n  trace: [{at: 0us, model: c}]\n", "no model `c` in the request mix");
  fails("  mix: [{model: resnet}]\n  rate: 10\n", "no model `resnet` in the workload");
  fails("  rate: -5\n", "rate");
  fails("  rate: 10\n  scheduler: {type: sjff}\n", "did you mean `sjf`?");
  fails("  rate: 10\n  arivals: poisson\n", "did you mean `arrivals`?");
  fails("  arrivals: poisson\n", "needs `rate` above 0");
  fails("  arrivals: trace\n  trace: [{at: 2us, model: a}, {at: 1us, model: a}]\n",
        "in time order");
  fails("  rate: 10\n  mix: [{model: a, accelerator: npu1}]\n", "no accelerator `npu1`");
}
