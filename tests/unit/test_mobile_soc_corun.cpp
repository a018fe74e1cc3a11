// Two DNNs co-running on two engines of a mobile SoC (models/mobile_soc/soc_engine.cpp) share
// the phone's LPDDR through a platform: each slows down by what the shared DRAM predicts.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>

#include "models/mobile_soc/engines.h"
#include "sim/app/session.h"
#include "sim/core/errors.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

// The test SoC of test_mobile_soc.cpp, written again here so the files stand alone: CPU 2 big
// cores (1 GHz, 8 FP32 FLOP/cycle) + 4 little, XNNPACK 50 %; GPU 32 GFLOP/s at fp16.
// `free_boundaries`: no launch, sync, copy or conversion cost at a cut (the co-run test
// isolates the DRAM's sharing). Each variant gets its own folder, so tests in any order see
// their own tables.
std::string soc_file(const std::string& cpu_ops = "  ADD: {dtypes: [fp32]}\n",
                     const std::string& gpu_ops = "  ADD: {dtypes: [fp32, fp16]}\n",
                     bool free_boundaries = false) {
  const fs::path d = fs::temp_directory_path() /
                     ("npusim_test_mobile_soc_corun_" +
                      std::to_string(std::hash<std::string>{}(cpu_ops + "|" + gpu_ops +
                                                              (free_boundaries ? "|free" : ""))));
  fs::create_directories(d);
  std::ofstream(d / "cpu_t.yaml") << "schema_version: 1\nname: cpu_t\nversion: t1\nsource: test\n"
                                     "ops:\n" +
                                         cpu_ops;
  std::ofstream(d / "gpu_t.yaml") << "schema_version: 1\nname: gpu_t\nversion: t1\nsource: test\n"
                                     "ops:\n" +
                                         gpu_ops;
  std::ofstream(d / "soc.yaml")
      << "name: test_soc\nsoc: test\nram: 1GiB\n"
      << (free_boundaries ? "cvt_per_element: 0ns\n" : "")
      << "engines:\n"
         "  cpu:\n    support: cpu_t.yaml\n    xnnpack_efficiency: 0.5\n"
         "    reference_efficiency: 0.25\n    bandwidth: 100GB/s\n    dispatch: 1us\n"
         "    memory: 1GiB\n    clusters:\n"
         "      - {name: big, cores: 2, clock: 1GHz, fp32_flops_per_cycle: 8, "
         "int8_ops_per_cycle: 32}\n"
         "      - {name: little, cores: 4, clock: 500MHz, fp32_flops_per_cycle: 4, "
         "int8_ops_per_cycle: 16}\n"
         "  gpu:\n    support: gpu_t.yaml\n    clock: 1GHz\n    fp16_flops_per_cycle: 64\n"
         "    efficiency: 0.5\n    bandwidth: 10GB/s\n    dispatch: 2us\n"
      << (free_boundaries ? "    launch: 0us\n    sync: 0us\n    copy_bandwidth: 1000000TB/s\n"
                            "    conv_bandwidth: 1000000TB/s\n"
                          : "    launch: 10us\n    sync: 20us\n    copy_bandwidth: 1GB/s\n"
                            "    conv_bandwidth: 2GB/s\n")
      << "    max_partitions: 1\n    memory: 1GiB\n";
  return (d / "soc.yaml").string();
}

// A soc_engine description, its lines indented by `pad` (4 inside a platform, 0 at the root).
std::string engine(const std::string& which, const std::string& pad = "    ",
                   const std::string& soc = soc_file()) {
  return pad + "type: soc_engine\n" + pad + "soc: " + soc + "\n" + pad + "engine: " + which + "\n" +
         pad + "threads: 2\n" + pad +
         "dma: {queues: 1, max_outstanding: 16, transaction_bytes: 4KiB, setup_cycles: 0}\n" + pad +
         "input_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n" + pad +
         "weight_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n" + pad +
         "output_sram: {capacity: 256KiB, ports: 2, port_width: 64B}\n";
}

// An ADD of two [1, 1024, 1024] fp32 tensors.
std::string add_model(const std::string& name) {
  return "  - name: " + name +
         "\n    layers:\n      - {name: add, op: elementwise, fn: add, elements: 1048576}\n"
         "    tflite:\n      inputs: [{name: a, shape: [1, 1024, 1024], dtype: fp32}, "
         "{name: b, shape: [1, 1024, 1024], dtype: fp32}]\n"
         "      nodes:\n        - {name: add, op: ADD, inputs: [a, b], shape: [1, 1024, 1024], "
         "dtype: fp32}\n";
}

SessionOutput run(const std::string& hw, const std::string& wl) {
  SessionInput in;
  in.hw = load_yaml_text(hw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(wl, "wl.yaml", ErrorKind::Workload, "workload");
  return run_session(std::move(in));
}

}  // namespace

TEST_CASE("mobile_soc: two DNNs on two engines share the LPDDR as the DRAM predicts",
          "[mobile_soc][platform]") {
  // Designs with free boundaries (no launch, sync, copy or conversion time: only the DRAM's
  // sharing remains). The CPU's ADD moves 2 x 4 MiB in + 4 MiB out = 12 MiB (fp32) and computes
  // 1 M elements at 2 threads x 8 GFLOP/s x 0.5 = 8 Gop/s: 131 us, far below its DRAM time. The
  // GPU's runs at fp16 (2 x 2 MiB in + 2 MiB out = 6 MiB, 33 us of compute), and its boundary
  // copies move bytes too: the inputs a and b to the GPU (4 MiB read + 4 MiB written each, the
  // producer's fp32) and the result back (2 MiB + 2 MiB, fp16): 26 MiB in all, 14 MiB read.
  // The LPDDR: 2 x 12.8 GB/s = 25.6 GB/s.
  //   alone:    CPU 12 MiB / 25.6 GB/s = 491.5 us;  GPU 26 MiB / 25.6 GB/s = 1065 us
  // Together, the DRAM is busy at its peak until the last byte moves (work-conserving), so the
  // last to finish ends when every byte of both has moved:
  //   two GPU designs: 52 MiB, 2130 us for each (the same traffic, an equal share throughout):
  //                    2x their isolated latency;
  //   CPU + GPU:       the GPU ends at 38 MiB, 1556 us (38 / 26 = 1.46x); the CPU ends no sooner
  //                    than with an equal share (24 MiB moved in all, 983 us, 2x) and before the
  //                    GPU (its copies issue reads and writes at once, so it gets more than half).
  const std::string free =
      soc_file("  ADD: {dtypes: [fp32]}\n", "  ADD: {dtypes: [fp32, fp16]}\n", true);
  const std::string lpddr =
      "dram: {channels: 2, channel_bandwidth: 12.8GB/s, latency: 100ns, capacity: 1GiB}\n";
  const double peak = 25.6e9, mib = 1024.0 * 1024.0;
  // Alone, each on its own engine (single programs on the same LPDDR).
  auto alone = [&](const std::string& which, const std::string& model) {
    const SessionOutput s = run("name: " + which + "\n" + engine(which, "", free) + lpddr,
                                "schema_version: 1\nname: one\nmodels:\n" + add_model(model));
    return s.stats.find("total_seconds")->as_double();
  };
  const double cpu_alone = alone("cpu", "cpu_add"), gpu_alone = alone("gpu", "gpu_add");
  CHECK(cpu_alone == Approx(12 * mib / peak).epsilon(0.03));
  CHECK(gpu_alone == Approx(26 * mib / peak).epsilon(0.03));
  // Two requests at 0 on accelerators `a` (engine ea, model a_add) and `b`: {latency, NTT,
  // isolated} by model. The session profiles a stream's isolated latencies on the accelerator
  // the mix pins each model to, so they agree with the runs alone.
  auto corun = [&](const std::string& ea, const std::string& eb, SessionOutput* out) {
    const std::string hw = "name: phone\ntype: platform\n" + lpddr + "accelerators:\n  a:\n" +
                           engine(ea, "    ", free) + "  b:\n" + engine(eb, "    ", free);
    const std::string wl = "schema_version: 1\nname: corun\nmodels:\n" + add_model("a_add") +
                           add_model("b_add") +
                           "requests:\n  arrivals: trace\n"
                           "  trace: [{at: 0us, model: a_add}, {at: 0us, model: b_add}]\n"
                           "  mix: [{model: a_add, accelerator: a}, "
                           "{model: b_add, accelerator: b}]\n";
    *out = run(hw, wl);
    std::map<std::string, std::array<double, 3>> r;
    const Json* list = out->stats.at_path("requests.list");
    REQUIRE(list != nullptr);
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& e = list->at(i);
      r[e.find("model")->as_string()] = {e.find("latency_s")->as_double(),
                                         e.find("ntt")->as_double(),
                                         e.find("isolated_s")->as_double()};
    }
    return r;
  };
  SessionOutput o;
  const auto gg = corun("gpu", "gpu", &o);
  for (const char* m : {"a_add", "b_add"}) {
    INFO(m);
    CHECK(gg.at(m)[0] == Approx(52 * mib / peak).epsilon(0.03));
    CHECK(gg.at(m)[1] == Approx(2.0).epsilon(0.03));
    CHECK(gg.at(m)[2] == Approx(gpu_alone).epsilon(0.01));
  }
  const auto cg = corun("cpu", "gpu", &o);
  const auto& c = cg.at("a_add");
  const auto& g = cg.at("b_add");
  CHECK(g[0] == Approx(38 * mib / peak).epsilon(0.03));
  CHECK(g[1] == Approx(38.0 / 26).epsilon(0.04));
  CHECK(c[0] >= 24 * mib / peak * 0.97);
  CHECK(c[0] < g[0]);
  // Isolated latencies: the GPU model on the GPU (26 MiB with its copies), not on the
  // platform's first accelerator (the CPU, 12 MiB at fp32).
  CHECK(c[2] == Approx(cpu_alone).epsilon(0.01));
  CHECK(g[2] == Approx(gpu_alone).epsilon(0.01));
  // Reads: the CPU's 8 MiB; the GPU's copies 8 + 2 MiB and its ADD's 4 MiB.
  CHECK(o.stats.at_path("dram.bytes_read")->as_double() == 22 * mib);
}

TEST_CASE("mobile_soc: a GPU design with a CPU fallback runs as the partitioner costs it",
          "[mobile_soc]") {
  // The graph of test_mobile_soc.cpp's worked example (docs/mobile_soc.md), with an ADD in
  // the CPU's table and GELU only there, on a DRAM fast enough (8 x 1 TB/s, 1 ns) that only
  // the compute side and the boundary remain: GPU table without GELU -> {fc1, gelu} on the CPU,
  // {fc2, add, sm} on the GPU.
  //   CPU  fc1 1 us + 1,536 / 8e9 (2 threads: the big cores) = 1.192 us; gelu 1 us + 12 ns
  //   GPU  fc2 2 us + 36 ns, add 2 us + 3 ns, sm 2 us + 3 ns, launch 10 us
  //   boundary 41.888 us (2 x 20 us sync + 736 + 736 + 416 ns)
  // = 2.204 + 16.042 + 41.888 = 60.134 us, plus the DRAM's few nanoseconds per operator.
  const std::string soc = soc_file(
      "  FULLY_CONNECTED: {dtypes: [fp32]}\n  GELU: {dtypes: [fp32]}\n  ADD: {dtypes: [fp32]}\n"
      "  SOFTMAX: {dtypes: [fp32]}\n",
      "  FULLY_CONNECTED: {dtypes: [fp32, fp16]}\n  ADD: {dtypes: [fp32, fp16]}\n"
      "  SOFTMAX: {dtypes: [fp32, fp16]}\n");
  const std::string hw =
      "name: gpu\n" + engine("gpu", "", soc) +
      "dram: {channels: 8, channel_bandwidth: 1000GB/s, latency: 1ns, capacity: 1GiB}\n";
  const std::string wl =
      "schema_version: 1\nname: t\nmodels:\n  - name: t\n    layers:\n"
      "      - {name: fc1, op: gemm, m: 16, k: 8, n: 6}\n"
      "    tflite:\n      inputs: [{name: x, shape: [1, 16, 8], dtype: fp32}]\n      nodes:\n"
      "        - {name: fc1, op: FULLY_CONNECTED, inputs: [x], shape: [1, 16, 6], dtype: fp32, "
      "macs: 768, weight_bytes: 216}\n"
      "        - {name: gelu, op: GELU, inputs: [fc1], shape: [1, 16, 6], dtype: fp32}\n"
      "        - {name: fc2, op: FULLY_CONNECTED, inputs: [gelu], shape: [1, 16, 6], dtype: fp32, "
      "macs: 576, weight_bytes: 168}\n"
      "        - {name: add, op: ADD, inputs: [fc2, fc1], shape: [1, 16, 6], dtype: fp32}\n"
      "        - {name: sm, op: SOFTMAX, inputs: [add], shape: [1, 16, 6], dtype: fp32}\n";
  const SessionOutput o = run(hw, wl);
  const double t = o.stats.find("total_seconds")->as_double();
  CHECK(t >= 60.134e-6);
  CHECK(t == Approx(60.134e-6).epsilon(0.002));
  // Two requests at once on the one accelerator run back to back: the second ends at 2 x
  // 60.134 us. (The design ends with the GPU's exit sync, a unit that stores nothing; it must
  // not hold an output block into the next request's units.)
  const SessionOutput two = run(
      hw,
      wl + "requests:\n  arrivals: trace\n  trace: [{at: 0us, model: t}, {at: 0us, model: t}]\n");
  const Json* list = two.stats.at_path("requests.list");
  REQUIRE(list != nullptr);
  REQUIRE(list->size() == 2);
  CHECK(list->at(0).find("latency_s")->as_double() == Approx(60.134e-6).epsilon(0.002));
  CHECK(list->at(1).find("latency_s")->as_double() == Approx(2 * 60.134e-6).epsilon(0.002));
  CHECK(o.stats.at_path("soc_engine.delegated_work_fraction")->at(0).as_double() ==
        Approx(1344.0 / 2976.0));
  // Energy (docs/mobile_soc.md, "Energy"): the engines' active time priced by a table. CPU
  // core-ns: fc1 1,192 + gelu 1,012 ns on the 2 big cores = 4,408, plus the three boundary
  // copies on one big core, 736 + 736 + 416 = 1,888: 6,296 at 1 nJ; GPU busy ns (dispatch +
  // work, no memory waits): fc2 2,036 + add 2,003 + sm 2,003 = 6,042 at 1 uJ (distinct
  // prices, so the sum tells both counts apart): 6.296 uJ + 6.042 mJ.
  const fs::path table = fs::temp_directory_path() / "npusim_test_mobile_soc_energy.yaml";
  std::ofstream(table) << "name: soc_test\ntechnology: test\nsource: test\nbase: horowitz_45nm\n"
                          "components:\n  soc_engine:\n    actions:\n"
                          "      cpu_big_core_ns: {energy: 1nJ, source: test}\n"
                          "      gpu_active_ns: {energy: 1uJ, source: test}\n";
  const SessionOutput e = run(hw + "energy: {table: " + table.string() + "}\n", wl);
  const Json* comps = e.stats.at_path("energy.components");
  REQUIRE(comps != nullptr);
  double soc_j = -1;
  for (size_t i = 0; i < comps->size(); ++i) {
    if (comps->at(i).find("path")->as_string() == "hw")
      soc_j = comps->at(i).find("dynamic_j")->as_double();
  }
  CHECK(soc_j == Approx(6296e-9 + 6042e-6));
  // The memory ledger of test_mobile_soc.cpp: CPU 216 + 896 B, GPU 168 + 576 + 960 B.
  const Json* mem = o.stats.at_path("soc_engine.memory_bytes");
  REQUIRE(mem != nullptr);
  CHECK(mem->at(0).find("cpu")->as_double() == 1112);
  CHECK(mem->at(0).find("gpu")->as_double() == 1704);
  // The delegation report: 3 of 5 nodes on the GPU in one partition (of two candidates), the
  // CPU's two nodes in one partition. The split is the partitioner's estimate, with each
  // engine's own bandwidth (the GPU's 10 GB/s makes fc2, add and sm memory-bound: 2.0552 +
  // 2.0576 + 2.0384 + 10 us launch = 16.1512 us, test_mobile_soc.cpp), not the run's fast DRAM:
  // 16.1512 + 2.204 + 41.888 = 60.2432 us.
  const Json* rep = o.stats.at_path("soc_engine.delegation");
  REQUIRE(rep != nullptr);
  const Json& d = rep->at(0);
  CHECK(d.find("nodes")->as_double() == 5);
  CHECK(d.find("delegated_nodes")->as_double() == 3);
  CHECK(d.find("candidate_partitions")->as_double() == 2);
  CHECK(d.find("accelerator_partitions")->as_double() == 1);
  CHECK(d.find("cpu_partitions")->as_double() == 1);
  CHECK(d.find("accelerator_s")->as_double() == Approx(16.1512e-6));
  CHECK(d.find("cpu_s")->as_double() == Approx(2.204e-6));
  CHECK(d.find("boundary_s")->as_double() == Approx(41.888e-6));
  CHECK(d.find("sync_s")->as_double() == Approx(40e-6));
  CHECK(d.find("total_s")->as_double() == Approx(60.2432e-6));
  // The partitions in execution order, with their nodes and seconds: {fc1, gelu} on the CPU
  // (1.192 + 1.012 = 2.204 us), then {fc2, add, sm} on the GPU (16.1512 us with its launch).
  const Json* parts = d.find("partitions");
  REQUIRE(parts != nullptr);
  REQUIRE(parts->size() == 2);
  CHECK(parts->at(0).find("engine")->as_string() == "cpu");
  CHECK(parts->at(0).find("nodes")->size() == 2);
  CHECK(parts->at(0).find("nodes")->at(1).as_string() == "gelu");
  CHECK(parts->at(0).find("seconds")->as_double() == Approx(2.204e-6));
  CHECK(parts->at(1).find("engine")->as_string() == "gpu");
  CHECK(parts->at(1).find("nodes")->at(0).as_string() == "fc2");
  CHECK(parts->at(1).find("nodes")->at(2).as_string() == "sm");
  CHECK(parts->at(1).find("seconds")->as_double() == Approx(16.1512e-6));
  std::ifstream in(std::string(NPUSIM_SOURCE_DIR) + "/docs/mobile_soc.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(doc.find("60.134 us with 2 threads") != std::string::npos);
}

TEST_CASE("mobile_soc: a node no engine of the design runs is a user error", "[mobile_soc]") {
  // SOFTMAX is in neither table of this SoC (both take ADD only).
  const std::string hw = "name: gpu\n" + engine("gpu", "") +
                         "dram: {channels: 1, channel_bandwidth: 12.8GB/s, capacity: 1GiB}\n";
  const std::string wl =
      "schema_version: 1\nname: m\nmodels:\n  - name: m\n    layers:\n"
      "      - {name: s, op: elementwise, fn: add, elements: 16}\n"
      "    tflite:\n      inputs: [{name: a, shape: [1, 16], dtype: fp32}]\n"
      "      nodes:\n        - {name: s, op: SOFTMAX, inputs: [a], shape: [1, 16], dtype: fp32}\n";
  try {
    run(hw, wl);
    FAIL("accepted");
  } catch (const WorkloadError& e) {
    CHECK_THAT(e.what(), Catch::Contains("node `s` (SOFTMAX, fp32) runs on no engine of test_soc: "
                                         "gpu does not take it and the CPU has no kernel for it"));
    CHECK_THAT(e.what(), Catch::Contains("wl.yaml:"));
  }
}

TEST_CASE("mobile_soc: every phone's co-run preset runs an int8 FC on each of its engines",
          "[mobile_soc][platform]") {
  // An int8 FULLY_CONNECTED [1, 1024] x [1024, 256] (a classifier's shape: the S20's EDEN takes
  // 2-D FCs only): 262,144 MACs; every engine's table takes it.
  auto fc = [](const std::string& name) {
    return "  - name: " + name +
           "\n    layers:\n      - {name: fc, op: gemm, m: 1, k: 1024, n: 256}\n"
           "    tflite:\n      inputs: [{name: x, shape: [1, 1024], dtype: int8}]\n"
           "      nodes:\n        - {name: fc, op: FULLY_CONNECTED, inputs: [x], shape: [1, 256], "
           "dtype: int8, macs: 262144, weight_bytes: 263168}\n";
  };
  for (const std::string phone : {"pixel7", "s20fe", "a71"}) {
    INFO(phone);
    std::vector<std::string> engines = {"cpu", "gpu", "npu"};
    if (phone == "a71") engines.push_back("dsp");
    std::string models, trace, mix;
    for (const std::string& e : engines) {
      models += fc("fc_" + e);
      trace += std::string(trace.empty() ? "" : ", ") + "{at: 0us, model: fc_" + e + "}";
      mix += std::string(mix.empty() ? "" : ", ") + "{model: fc_" + e + ", accelerator: " + e + "}";
    }
    SessionInput in;
    in.hw = load_yaml_file(
        std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/mobile_soc/" + phone + "_corun.yaml",
        ErrorKind::Config, "hw");
    in.workload = load_yaml_text("schema_version: 1\nname: fc\nmodels:\n" + models +
                                     "requests:\n  arrivals: trace\n  trace: [" + trace +
                                     "]\n  mix: [" + mix + "]\n",
                                 "wl.yaml", ErrorKind::Workload, "workload");
    const SessionOutput o = run_session(std::move(in));
    const Json* list = o.stats.at_path("requests.list");
    REQUIRE(list != nullptr);
    CHECK(list->size() == engines.size());
    // Nothing beats the engine's compute roofline: dispatch + 2 x 262,144 MACs / rate.
    const MobileSoc soc = load_mobile_soc(std::string(NPUSIM_SOURCE_DIR) +
                                          "/hw_configs/mobile_soc/" + phone + ".yaml");
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string e = list->at(i).find("accelerator")->as_string();
      const Engine& eng = *soc.find(e);
      const double bound = eng.dispatch.seconds() + 2.0 * 262144 / eng.rate(SocDtype::Int8, {});
      INFO(e << " bound " << bound);
      CHECK(list->at(i).find("latency_s")->as_double() >= bound);
      CHECK(list->at(i).find("model")->as_string() == "fc_" + e);
    }
  }
}
