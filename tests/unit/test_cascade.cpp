// The multi-device cascade (models/cascade, docs/cascade.md): the capacity metric, one
// threshold update of MultiTASC's controller, the server's batch latency against the server
// NPU's own run, and a queue that meets its SLO exactly at the computed capacity.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness.h"
#include "models/cascade/cascade_types.h"
#include "models/cascade/i_cascade_controller.h"
#include "models/cascade/predictions.h"
#include "models/cascade/server_latency.h"
#include "sim/app/session.h"
#include "sim/runtime/runtime.h"
#include "sim/workload/trace.h"

using namespace npusim;

namespace {

constexpr uint64_t kMs = 1000000000ull;  // ps

BatchLatency table(std::vector<int64_t> sizes, std::vector<uint64_t> ms) {
  BatchLatency l;
  l.sizes = std::move(sizes);
  for (uint64_t m : ms) l.ps.push_back(m * kMs);
  return l;
}

// A prediction trace with `images` images on which `light` forwards everything (BvSB 0.1) and
// both models are always right; returns its header's path.
std::string write_predictions(const std::string& dir, int images) {
  std::filesystem::create_directories(dir);
  std::ofstream y(dir + "/p.yaml");
  y << "schema_version: 1\nsynthetic: true\nimages: " << images
    << "\ncalibration_images: 1\ncsv: p.csv\nmodels: [light, heavy]\n";
  std::ofstream c(dir + "/p.csv");
  c << "image_id,light.bvsb,light.correct,heavy.bvsb,heavy.correct\n";
  for (int i = 0; i < images; ++i) c << i << ",0.1,1,0.9,1\n";
  return dir + "/p.yaml";
}

const char* const kHeavyWorkload = R"(schema_version: 1
name: heavy
models:
  - name: heavy
    precision: {activation: 8, weight: 8, output: 8}
    layers:
      - {name: fc, op: gemm, m: 1, k: 256, n: 256}
)";

}  // namespace

TEST_CASE("capacity: the spec's greedy and the exact knapsack", "[cascade]") {
  // L(b) = 15 ms (0.8 + 0.2 b): 15, 18, 24, 36, 60 ms for b = 1, 2, 4, 8, 16.
  const BatchLatency l = analytic_latency({1, 2, 4, 8, 16}, 15 * kMs, 0.8);
  CHECK(l.ps == std::vector<uint64_t>{15 * kMs, 18 * kMs, 24 * kMs, 36 * kMs, 60 * kMs});
  // Budget 100 - 43 (device) - 2 x 5 (network) = 47 ms. Samples per second: 16/60 > 8/36 >
  // 4/24 > 2/18 > 1/15. 16 does not fit; one 8 (36 ms) leaves 11 ms, where nothing fits: C = 8.
  CHECK(capacity(l, 47 * kMs, CapacitySolver::Greedy) == 8);
  CHECK(capacity(l, 47 * kMs, CapacitySolver::Exact) == 8);
  // 84 ms: 16 (60 ms), then 4 (24 ms): 20; the exact optimum is 20 as well (8 + 8 + 4 = 96 ms
  // does not fit; 16 + 4 is 84).
  CHECK(capacity(l, 84 * kMs, CapacitySolver::Greedy) == 20);
  CHECK(capacity(l, 84 * kMs, CapacitySolver::Exact) == 20);
  // Where greedy is not optimal: sizes 1, 4, 5 taking 10, 30, 36 ms, budget 60 ms. Greedy takes
  // 5 (36 ms; 5/36 is the best rate), then 1 twice (20 ms): 7. Exact: 4 + 4 (60 ms) = 8.
  const BatchLatency odd = table({1, 4, 5}, {10, 30, 36});
  CHECK(capacity(odd, 60 * kMs, CapacitySolver::Greedy) == 7);
  CHECK(capacity(odd, 60 * kMs, CapacitySolver::Exact) == 8);
  CHECK(capacity(odd, 9 * kMs, CapacitySolver::Greedy) == 0);
}

TEST_CASE("MultiTASC: one threshold update, the tier order, panic and restore", "[cascade]") {
  test::Harness h;
  SimKernel kernel;
  auto ctl = h.build<ICascadeController>("cascade_controller", "controller",
                                         "{type: multitasc, fraction: 0.4}");
  CHECK(ctl->period_ps() == 2000 * kMs);
  // Five devices: two low (light top-1 0.72), one mid (0.75), two high (0.77); all at 0.5.
  FleetView fleet;
  fleet.tier = {Tier::Low, Tier::Low, Tier::Mid, Tier::High, Tier::High};
  fleet.light_accuracy = {0.72, 0.75, 0.77};
  std::vector<double> c(5, 0.5);
  ctl->start(fleet, c);
  // C = 8: lower when bbar and QL > 0.83 x 8 = 6.64; raise when both <= 0.125 x 8 = 1; panic
  // when QL > 2 x 8 = 16. k = ceil(0.4 x 5) = 2 devices per update.
  QueueState q;
  q.capacity = 8;
  q.queue_length = 7;
  q.mean_batch_period = 7;
  ControlStep s = ctl->decide(q, c);  // 7 > 6.64 twice: TC = -0.05, strongest tier (high) first
  CHECK(s.change == Approx(-0.05));
  CHECK(s.updated == 2);
  CHECK(c == std::vector<double>{0.5, 0.5, 0.5, 0.45, 0.45});
  q.queue_length = 6;  // 6 <= 6.64: neither rule fires
  CHECK(ctl->decide(q, c).change == 0);
  q.queue_length = 1;
  q.mean_batch_period = 1;  // 1 <= 1 twice: TC = +0.05, weakest tier (low) first
  s = ctl->decide(q, c);
  CHECK(s.change == Approx(0.05));
  CHECK(c == std::vector<double>{0.55, 0.55, 0.5, 0.45, 0.45});
  q.queue_length = 17;  // 17 > 16: panic, every threshold 0
  s = ctl->decide(q, c);
  CHECK(s.panic);
  CHECK(c == std::vector<double>(5, 0.0));
  q.queue_length = 2;  // 2 > 1: still decongesting
  CHECK(ctl->decide(q, c).panic);
  q.queue_length = 1;  // 1 <= 1: the thresholds from before the panic come back
  s = ctl->decide(q, c);
  CHECK(s.restored);
  CHECK(c == std::vector<double>{0.55, 0.55, 0.5, 0.45, 0.45});
}

TEST_CASE("MultiTASC: lowering skips devices already at 0 and moves to the next tier",
          "[cascade]") {
  test::Harness h;
  SimKernel kernel;
  auto ctl = h.build<ICascadeController>("cascade_controller", "controller",
                                         "{type: multitasc, fraction: 0.2}");
  FleetView fleet;
  fleet.tier = {Tier::Mid, Tier::High, Tier::Low, Tier::Mid, Tier::Mid};
  fleet.light_accuracy = {0.72, 0.75, 0.77};
  std::vector<double> c = {0.5, 0.0, 0.5, 0.5, 0.5};  // the one high device is at 0
  ctl->start(fleet, c);
  QueueState q;
  q.capacity = 10;
  q.queue_length = 9;
  q.mean_batch_period = 9;  // > 8.3: lower k = ceil(0.2 x 5) = 1 device
  ctl->decide(q, c);        // high is at 0: the mid tier's least recently updated (device 0)
  CHECK(c == std::vector<double>{0.45, 0.0, 0.5, 0.5, 0.5});
  ctl->decide(q, c);  // then device 3 (device 0 was updated last)
  CHECK(c == std::vector<double>{0.45, 0.0, 0.5, 0.45, 0.5});
}

TEST_CASE("the baseline threshold aims at 30 % forwarded within 1 pp of the best", "[cascade]") {
  PredictionTrace p;
  p.models = {"light", "heavy"};
  p.images = 11;
  p.calibration = 10;
  // Ten calibration images with BvSB 0.055, 0.155, ..., 0.955; the light model is wrong on the
  // first four, the heavy one always right. Forwarding >= 30 % first happens at c = 0.26 (three
  // images below it): 3 forwarded right + 6 of the other 7 right = 9/10. The best (c >= 0.36:
  // all four hard ones forwarded) is 10/10, more than 1 pp better, so the smallest c within
  // 1 pp of it: 0.36.
  p.bvsb = {{0.055f, 0.155f, 0.255f, 0.355f, 0.455f, 0.555f, 0.655f, 0.755f, 0.855f, 0.955f, 0.5f},
            std::vector<float>(11, 0.9f)};
  p.correct = {{0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, std::vector<uint8_t>(11, 1)};
  const BaselineChoice b = baseline_threshold(p, 0, 1, 0.30, 0.01);
  CHECK(b.best_accuracy == Approx(1.0));
  CHECK(b.threshold == Approx(0.36));
  CHECK(b.forwarded == Approx(0.4));
  // With a 10 pp tolerance, 0.26 (accuracy 0.9) is good enough.
  CHECK(baseline_threshold(p, 0, 1, 0.30, 0.10).threshold == Approx(0.26));
}

TEST_CASE("a batch's latency is the server NPU's own run of the batched model", "[cascade]") {
  // The cascade measures L(b) by running the heavy model at b = 1, 2, 4 on its server (no
  // calibration: batch1_latency 0s). Batch 4 alone on the same NPU, as a single program, must
  // take the same time.
  SessionInput in;
  const std::string root = NPUSIM_SOURCE_DIR;
  in.hw = load_yaml_file(root + "/hw_configs/cascade/homogeneous_inception.yaml", ErrorKind::Config,
                         "hw");
  in.workload = load_yaml_file(root + "/workloads/cascade/inception_v3.yaml", ErrorKind::Workload,
                               "workload");
  in.overrides = {{"hw.mid.devices", "2"},
                  {"hw.samples_per_device", "20"},
                  {"hw.max_batch", "4"},
                  {"hw.batch1_latency", "0s"}};
  const Json stats = run_session(std::move(in)).stats;
  const Json& server = *stats.at_path("cascade.server");
  REQUIRE(server.find("npu_latency_s")->size() == 3);
  CHECK(server.find("calibration_factor")->as_double() == 1.0);
  const double in_cascade = server.find("npu_latency_s")->at(2).as_double();
  CHECK(server.find("latency_s")->at(2).as_double() == in_cascade);

  SimKernel kernel;
  StatGroup stats_tree("hw");
  BuildContext ctx;
  auto doc =
      load_yaml_file(root + "/hw_configs/generic_npu/server_128x128.yaml", ErrorKind::Config, "hw");
  auto c = Registry::build("accelerator", ConfigNode(doc, doc->root, "hw"), "hw", nullptr,
                           stats_tree, ctx);
  auto* npu = dynamic_cast<IAccelerator*>(c.get());
  REQUIRE(npu != nullptr);
  Workload w = load_workload_file(root + "/workloads/cascade/inception_v3.yaml");
  w.models = {batched_model(w.models.front(), 4)};
  npu->prepare(w, RunOptions{});
  RuntimeSetup setup;
  setup.accelerators = {npu};
  setup.accelerator_names = {"server"};
  setup.workload = &w;
  Runtime runtime(std::move(setup));
  runtime.start();
  kernel.run();
  const double alone = npu->result().total_seconds;
  CHECK(in_cascade == Approx(alone).epsilon(1e-12));
  c.reset();
}

TEST_CASE("a queue meets its SLO exactly at the computed capacity", "[cascade]") {
  // L(b) = 10, 12, 16, 24 ms for b = 1, 2, 4, 8. Devices take 40 ms, the network 5 ms each way,
  // the SLO is 98 ms: the server's budget is 98 - 40 - 10 = 48 ms, and the greedy capacity is
  // two batches of 8 (2 x 24 = 48 ms): C = 16. With aligned starts and no jitter, every device's
  // one sample is forwarded and arrives at 45 ms; batches of 8 finish at 69 and 93 ms and their
  // replies arrive at 98 ms: with C = 16 devices every sample meets the 98 ms SLO exactly.
  // A 17th device's sample waits for a batch of 1 (93 + 10 = 103 ms, reply at 108 ms): 16/17.
  const std::string dir = std::filesystem::temp_directory_path().string() + "/npusim_cascade_q";
  const std::string preds = write_predictions(dir, 64);
  auto run = [&](int devices) {
    const std::string hw = "type: cascade\nmid: {devices: " + std::to_string(devices) +
                           ", latency: 40ms, light_model: light}\n"
                           "samples_per_device: 1\njitter_cv: 0\naligned_start: true\n"
                           "slo: 98ms\nnetwork_delay: 5ms\npredictions: " +
                           preds +
                           "\nlatency_source: table\nlatency_table: [10, 12, 16, 24]\n"
                           "max_batch: 8\nbaseline: fixed\nthreshold: 0.5\n"
                           "controller: {type: static_threshold}\n";
    SessionInput in;
    in.hw = load_yaml_text(hw, "hw.yaml", ErrorKind::Config, "hw");
    in.workload = load_yaml_text(kHeavyWorkload, "wl.yaml", ErrorKind::Workload, "workload");
    return run_session(std::move(in)).stats;
  };
  const Json at = run(16);
  CHECK(at.at_path("cascade.server.capacity")->as_uint() == 8);  // min(C = 16, largest batch 8)
  CHECK(at.at_path("cascade.server.capacity_budget_s")->as_double() == Approx(0.048));
  CHECK(at.at_path("cascade.slo_satisfaction")->as_double() == 1.0);
  CHECK(at.at_path("cascade.forwarded_latency_s.max")->as_double() == Approx(0.098));
  CHECK(at.at_path("cascade.server.batches")->as_uint() == 2);
  const Json over = run(17);
  CHECK(over.at_path("cascade.slo_satisfaction")->as_double() == Approx(16.0 / 17.0));
  CHECK(over.at_path("cascade.forwarded_latency_s.max")->as_double() == Approx(0.108));
  std::filesystem::remove_all(dir);
}

TEST_CASE("capacity of the worked queue from the metric itself", "[cascade]") {
  // The same L(b) and 48 ms budget as above: the metric says 16 (without the batch cap).
  const BatchLatency l = table({1, 2, 4, 8}, {10, 12, 16, 24});
  CHECK(capacity(l, 48 * kMs, CapacitySolver::Greedy) == 16);
  // 47 ms: one 8 (24 ms), one 4 (16 ms), and 7 ms in which nothing fits: 12.
  CHECK(capacity(l, 47 * kMs, CapacitySolver::Greedy) == 12);
}

TEST_CASE("docs/cascade.md's worked example is what the shipped preset gives", "[cascade][docs]") {
  std::ifstream f(std::string(NPUSIM_SOURCE_DIR) + "/docs/cascade.md");
  const std::string doc((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(doc.find("<!-- cascade-example: hw_configs/cascade/homogeneous_inception.yaml "
                   "mid.devices=30 samples_per_device=1000 -->") != std::string::npos);
  auto run = [](const std::string& controller) {
    SessionInput in;
    const std::string root = NPUSIM_SOURCE_DIR;
    in.hw = load_yaml_file(root + "/hw_configs/cascade/homogeneous_inception.yaml",
                           ErrorKind::Config, "hw");
    in.workload = load_yaml_file(root + "/workloads/cascade/inception_v3.yaml", ErrorKind::Workload,
                                 "workload");
    in.overrides = {{"hw.mid.devices", "30"},
                    {"hw.samples_per_device", "1000"},
                    {"hw.controller.type", controller}};
    return *run_session(std::move(in)).stats.find("cascade");
  };
  auto fmt = [](const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return std::string(buf);
  };
  auto has = [&](const std::string& s) {
    INFO(s);
    CHECK(doc.find(s) != std::string::npos);
  };
  const Json st = run("static_threshold"), mt = run("multitasc");
  const Json& s = *st.find("server");
  has("batch 1 in " + fmt("%.3f", 1e3 * s.find("npu_latency_s")->at(0).as_double()) + " ms");
  has("batch 64 in " + fmt("%.2f", 1e3 * s.find("npu_latency_s")->at(6).as_double()) + " ms");
  has("factor\n" + fmt("%.2f", s.find("calibration_factor")->as_double()));
  has("L(4) = " + fmt("%.2f", 1e3 * s.find("latency_s")->at(2).as_double()) + " ms");
  has("L(8) = " + fmt("%.2f", 1e3 * s.find("latency_s")->at(3).as_double()) + " ms");
  CHECK(s.find("capacity")->as_uint() == 4);
  CHECK(s.find("capacity_budget_s")->as_double() == Approx(0.047));
  has("64 / L(64) = " + fmt("%.0f", 64 / s.find("latency_s")->at(6).as_double()) + " samples/s");
  has("make it " + fmt("%.0f", st.find("throughput_samples_per_s")->as_double()));
  for (const auto& [name, j] :
       {std::pair<std::string, const Json*>{"static_threshold", &st}, {"multitasc", &mt}}) {
    has("| " + name + " | " + fmt("%.2f %%", 100 * j->find("slo_satisfaction")->as_double()) +
        " | " + fmt("%.2f %%", 100 * j->find("forwarded_share")->as_double()) + " | " +
        fmt("%.2f %%", 100 * j->find("accuracy")->as_double()) + " | " +
        std::to_string(j->at_path("controller.panics")->as_uint()) + " |");
  }
}

TEST_CASE("a malformed prediction trace is a user error naming the file and line", "[cascade]") {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/npusim_cascade_bad";
  const std::string yaml = write_predictions(dir, 4);
  {
    std::ofstream c(dir + "/p.csv");
    c << "image_id,light.bvsb,light.correct,heavy.bvsb,heavy.correct\n0,0.1,1,0.9,1\n1,1.5,1,0.9,"
         "1\n";
  }
  CHECK_THROWS_AS(load_predictions(yaml), WorkloadError);
  CHECK_THROWS_WITH(load_predictions(yaml),
                    Catch::Contains("p.csv:3: light.bvsb `1.5` is not a margin in [0, 1]"));
  {
    std::ofstream c(dir + "/p.csv");
    c << "image_id,light.bvsb,light.correct\n";
  }
  CHECK_THROWS_WITH(load_predictions(yaml), Catch::Contains("does not match the models of"));
  {
    std::ofstream c(dir + "/p.csv");
    c << "image_id,light.bvsb,light.correct,heavy.bvsb,heavy.correct\n0,0.1,1,0.9,1\n";
  }
  CHECK_THROWS_WITH(load_predictions(yaml), Catch::Contains("1 rows, but"));
  write_predictions(dir, 4);
  const PredictionTrace p = load_predictions(yaml);
  CHECK_THROWS_WITH(p.model("lite0", " (hw.mid.light_model)"),
                    Catch::Contains("model `lite0` (hw.mid.light_model) is not in the prediction "
                                    "trace"));
  std::filesystem::remove_all(dir);
}
