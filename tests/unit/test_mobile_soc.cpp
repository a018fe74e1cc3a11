// The mobile SoC (models/mobile_soc): engine rates, the delegate partitioner against a hand-cut
// graph, the boundary cost and the memory ledger of one design, each derived by hand from the
// configured numbers below; the SoC file's and op table's user errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "models/mobile_soc/partitioner.h"
#include "sim/core/config.h"
#include "sim/core/errors.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  const fs::path d = fs::temp_directory_path() / "npusim_test_mobile_soc";
  fs::create_directories(d);
  return d;
}

std::string write(const std::string& name, const std::string& text) {
  const fs::path p = scratch() / name;
  std::ofstream(p) << text;
  return p.string();
}

// CPU: 2 big cores (1 GHz, 8 FP32 FLOP / 32 INT8 ops per cycle) and 4 little ones (500 MHz, 4 /
// 16); XNNPACK at 50 % of peak, reference kernels at 25 %; 100 GB/s; 1 us per operator.
// GPU: 1 GHz x 64 FP16 FLOP/cycle at 50 % = 32 GFLOP/s; 10 GB/s; 2 us per operator, 10 us per
// partition, 20 us sync per entry and exit, copies at 1 GB/s, PHWC4 layout changes at 2 GB/s.
const char* kCpuTable =
    "schema_version: 1\nname: cpu_t\nversion: t1\nsource: test\nops:\n"
    "  FULLY_CONNECTED: {dtypes: [fp32, int8]}\n  GELU: {dtypes: [fp32]}\n"
    "  ADD: {dtypes: [fp32]}\n  SOFTMAX: {dtypes: [fp32]}\n  GATHER: {dtypes: [fp32]}\n";
const char* kGpuTable =
    "schema_version: 1\nname: gpu_t\nversion: t1\nsource: test\nops:\n"
    "  FULLY_CONNECTED: {dtypes: [fp32, fp16], const_weights: true, batch1_only: true}\n"
    "  ADD: {dtypes: [fp32, fp16], batch1_only: true}\n"
    "  SOFTMAX: {dtypes: [fp32, fp16], batch1_only: true}\n";

std::string soc_text(const std::string& gpu_extra = "") {
  return "name: test_soc\nsoc: test\nram: 1GiB\ncvt_per_element: 1ns\nengines:\n"
         "  cpu:\n    support: cpu_t.yaml\n    xnnpack_efficiency: 0.5\n"
         "    reference_efficiency: 0.25\n    bandwidth: 100GB/s\n    dispatch: 1us\n"
         "    memory: 1GiB\n    clusters:\n"
         "      - {name: big, cores: 2, clock: 1GHz, fp32_flops_per_cycle: 8, "
         "int8_ops_per_cycle: 32}\n"
         "      - {name: little, cores: 4, clock: 500MHz, fp32_flops_per_cycle: 4, "
         "int8_ops_per_cycle: 16}\n"
         "  gpu:\n    support: gpu_t.yaml\n    clock: 1GHz\n    fp16_flops_per_cycle: 64\n"
         "    efficiency: 0.5\n    bandwidth: 10GB/s\n    dispatch: 2us\n    launch: 10us\n"
         "    sync: 20us\n    copy_bandwidth: 1GB/s\n    conv_bandwidth: 2GB/s\n"
         "    max_partitions: 1\n    memory: 1GiB\n" +
         gpu_extra;
}

MobileSoc test_soc(const std::string& gpu_extra = "") {
  write("cpu_t.yaml", kCpuTable);
  write("gpu_t.yaml", kGpuTable);
  return load_mobile_soc(write("soc.yaml", soc_text(gpu_extra)));
}

// x [1,16,8] -> fc1 (8->6) -> gelu -> fc2 (6->6) -> add(fc2, fc1) -> softmax, all fp32;
// every activation tensor after fc1 is [1,16,6] = 96 elements.
// fc1: 16*8*6 = 768 MACs, weights 8*6*4 + 6*4 = 216 B; fc2: 16*6*6 = 576 MACs, 6*6*4 + 24 = 168 B.
SocGraph small_graph() {
  const std::string trace =
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
  const Workload w =
      load_workload(load_yaml_text(trace, "t.yaml", ErrorKind::Workload, "workload"));
  return read_soc_graph(w.models.at(0));
}

}  // namespace

TEST_CASE("mobile_soc: CPU threads fill the fastest cores and the slowest used core paces them",
          "[mobile_soc]") {
  const MobileSoc soc = test_soc();
  const Engine& cpu = soc.cpu();
  // 2 threads: both big cores, 2 x (1 GHz x 8) x 0.5 = 8 GFLOP/s.
  CHECK(cpu.rate(SocDtype::Fp32, {2, true}) == Approx(8e9));
  // 4 threads: 2 big + 2 little; the little core (0.5 GHz x 4 = 2 GFLOP/s) paces all four:
  // 4 x 2e9 x 0.5 = 4 GFLOP/s, slower than 2 threads.
  CHECK(cpu.rate(SocDtype::Fp32, {4, true}) == Approx(4e9));
  // Reference kernels: 2 x 8e9 x 0.25 = 4 GFLOP/s.
  CHECK(cpu.rate(SocDtype::Fp32, {2, false}) == Approx(4e9));
  // INT8, 4 threads: little cores at 0.5 GHz x 16 = 8 Gop/s: 4 x 8e9 x 0.5 = 16 Gop/s.
  CHECK(cpu.rate(SocDtype::Int8, {4, true}) == Approx(16e9));
  // fp16 weights are dequantised: fp32 rate.
  CHECK(cpu.rate(SocDtype::Fp16, {2, true}) == Approx(8e9));
  // GPU: floats at fp16, 1 GHz x 64 x 0.5 = 32 GFLOP/s.
  CHECK(soc.find("gpu")->rate(SocDtype::Fp32, {}) == Approx(32e9));
}

TEST_CASE("mobile_soc: the partitioner cuts a graph as TFLite does", "[mobile_soc]") {
  const MobileSoc soc = test_soc();
  const SocGraph g = small_graph();
  const DelegationPlan plan = partition_graph(g, soc, soc.find("gpu"));
  // Epochs in execution order: {fc1} (accepted), {gelu} (rejected: GELU not in gpu_t), then
  // {fc2, add, sm} (accepted; add and sm become ready within the pass). Two candidates; the
  // delegate keeps one, the largest: {fc2, add, sm}; fc1 and gelu merge into one CPU partition.
  CHECK(plan.candidate_partitions == 2);
  REQUIRE(plan.partitions.size() == 2);
  CHECK(plan.partitions[0].engine->name == "cpu");
  CHECK(plan.partitions[0].nodes == std::vector<size_t>{0, 1});
  CHECK(plan.partitions[1].engine->name == "gpu");
  CHECK(plan.partitions[1].nodes == std::vector<size_t>{2, 3, 4});
  CHECK(plan.delegated_nodes == 3);
  // Work: fc1 1,536, gelu 96, fc2 1,152, add 96, sm 96 = 2,976; delegated 1,344.
  CHECK(plan.delegated_fraction() == Approx(1344.0 / 2976.0));
  REQUIRE(plan.rejected.size() == 1);
  CHECK(plan.rejected[0].find("GELU is not in gpu_t") != std::string::npos);

  // With two partitions allowed, {fc1} is delegated as well (three partitions in all).
  const MobileSoc soc2 = test_soc("    min_nodes: 0\n");
  MobileSoc two = soc2;
  two.engines[1].delegate.max_partitions = 2;
  const DelegationPlan p2 = partition_graph(g, two, &two.engines[1]);
  REQUIRE(p2.partitions.size() == 3);
  CHECK(p2.partitions[0].engine->name == "gpu");
  CHECK(p2.partitions[1].engine->name == "cpu");
  // min_nodes 2 drops the one-node candidate again.
  two.engines[1].delegate.min_nodes = 2;
  CHECK(partition_graph(g, two, &two.engines[1]).partitions.size() == 2);
}

TEST_CASE("mobile_soc: a design's latency from engine rates and boundary costs", "[mobile_soc]") {
  const MobileSoc soc = test_soc();
  const SocGraph g = small_graph();
  const DelegationPlan plan = partition_graph(g, soc, soc.find("gpu"));
  const DesignCost c = design_cost(g, soc, plan, {4, true});
  // CPU at 4 GFLOP/s, 100 GB/s, 1 us per operator:
  //   fc1  1 us + max(1,536 / 4e9 = 384 ns, (512 + 216 + 384) B / 100 GB/s = 11.1 ns) = 1.384 us
  //   gelu 1 us + max(96 / 4e9 = 24 ns, 768 B / 100 GB/s = 7.7 ns)                    = 1.024 us
  CHECK(c.cpu_s == Approx(2.408e-6));
  // GPU at 32 GFLOP/s, 10 GB/s, activations at fp16 (96 x 2 = 192 B), 2 us per operator:
  //   fc2 2 us + max(1,152 / 32e9 = 36 ns, (192 + 168 + 192) B / 10 GB/s = 55.2 ns) = 2.0552 us
  //   add 2 us + max(3 ns, 3 x 192 B / 10 GB/s = 57.6 ns)                           = 2.0576 us
  //   sm  2 us + max(3 ns, 2 x 192 B / 10 GB/s = 38.4 ns)                           = 2.0384 us
  //   + the partition's launch, 10 us                                               = 16.1512 us
  CHECK(c.accelerator_s == Approx(16.1512e-6));
  REQUIRE(c.partition_s.size() == 2);
  CHECK(c.partition_s[1] == Approx(16.1512e-6));
  // Boundary: sync at entry and exit 2 x 20 us = 40 us, and three crossings:
  //   gelu -> gpu: 96 x 4 B = 384 B at 1 GB/s = 384 ns; PHWC4 pads 6 channels to 8:
  //                16 x 8 x 4 = 512 B at 2 GB/s = 256 ns; fp32 -> fp16: 96 x 1 ns = 96 ns
  //   fc1 -> gpu:  the same, 736 ns
  //   sm -> cpu (the graph's output): 96 x 2 B = 192 ns + 16 x 8 x 2 / 2 GB/s = 128 ns + 96 ns
  CHECK(c.sync_s == Approx(40e-6));
  REQUIRE(c.crossings.size() == 3);
  CHECK(c.crossings[0].from == "cpu");
  CHECK(c.crossings[0].to == "gpu");
  CHECK(c.crossings[0].bytes == 384);
  CHECK(c.crossings[0].layout_s == Approx(256e-9));
  CHECK(c.crossings[2].bytes == 192);
  CHECK(c.boundary_s == Approx(40e-6 + 2 * 736e-9 + 416e-9));
  CHECK(c.total_s() == Approx(2.408e-6 + 16.1512e-6 + 41.888e-6));

  // The memory ledger: CPU weights 216 B, arena max(fc1 512 + 384, gelu 384 + 384) = 896;
  // GPU weights 168 B, arena max(fc2 384, add 576, sm 384) = 576, delegate buffers 384 + 384 +
  // 192 = 960.
  const auto ledger = memory_ledger(g, plan, c);
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[0].engine == "cpu");
  CHECK(ledger[0].total() == 216 + 896);
  CHECK(ledger[1].weights == 168);
  CHECK(ledger[1].arena == 576);
  CHECK(ledger[1].delegate_buffers == 960);
  CHECK(memory_fit(soc, ledger).empty());
  MobileSoc small = soc;
  small.engines[1].memory = Bytes{1024};
  // 168 + 576 + 960 = 1,704 B above the 1 KiB the GPU may allocate.
  CHECK(
      memory_fit(small, ledger).find("needs 1704B on gpu of test_soc, whose memory is 1KiB at ") !=
      std::string::npos);

  // Throttled to half speed (DVFS), every GPU-side time doubles.
  MobileSoc hot = soc;
  hot.engines[1].throttle = 0.5;
  const DesignCost h = design_cost(g, hot, partition_graph(g, hot, &hot.engines[1]), {4, true});
  CHECK(h.accelerator_s == Approx(2 * 16.1512e-6));
  CHECK(h.boundary_s == Approx(2 * 41.888e-6));
  CHECK(h.cpu_s == Approx(2.408e-6));
}

TEST_CASE("mobile_soc: CPU-only designs and nodes no engine runs", "[mobile_soc]") {
  const MobileSoc soc = test_soc();
  const SocGraph g = small_graph();
  const DelegationPlan cpu_only = partition_graph(g, soc, nullptr);
  REQUIRE(cpu_only.partitions.size() == 1);
  const DesignCost c = design_cost(g, soc, cpu_only, {2, true});
  CHECK(c.boundary_s == 0);
  CHECK(c.crossings.empty());
  // 2 threads at 8 GFLOP/s: fc1 1 us + 192 ns, gelu 1 us + 12 ns, fc2 1 us + 144 ns,
  // add 1 us + max(12 ns, 1,152 B / 100 GB/s = 11.5 ns), sm 1 us + 12 ns.
  CHECK(c.cpu_s == Approx(5e-6 + (192 + 12 + 144 + 12 + 12) * 1e-9));

  // An int8 GELU: the CPU table has GELU at fp32 only and the GPU does not take it.
  SocGraph bad = g;
  bad.nodes[1].out.dtype = SocDtype::Int8;
  try {
    partition_graph(bad, soc, soc.find("gpu"));
    FAIL("expected a WorkloadError");
  } catch (const WorkloadError& e) {
    const std::string m = e.what();
    CHECK(m.find("node `gelu` (GELU, int8) runs on no engine of test_soc") != std::string::npos);
    CHECK(m.find("t.yaml:") != std::string::npos);
  }
}

TEST_CASE("mobile_soc: an embedding lookup reads only the rows it gathers", "[mobile_soc]") {
  const MobileSoc soc = test_soc();
  // ids [1,4] (int32) -> GATHER of a 1,000 x 8 fp32 table (32,000 B) -> [1,4,8] fp32.
  const std::string trace =
      "schema_version: 1\nname: t\nmodels:\n  - name: t\n    layers:\n"
      "      - {name: fc1, op: gemm, m: 1, k: 1, n: 1}\n"
      "    tflite:\n      inputs: [{name: ids, shape: [1, 4], dtype: int32}]\n      nodes:\n"
      "        - {name: emb, op: GATHER, inputs: [ids], shape: [1, 4, 8], dtype: fp32, "
      "weight_bytes: 32000}\n";
  const SocGraph g = read_soc_graph(
      load_workload(load_yaml_text(trace, "t.yaml", ErrorKind::Workload, "workload")).models.at(0));
  CHECK(g.nodes[0].weight_bytes_read() == 128);  // 4 rows x 8 x 4 B, not the 32,000 B table
  const DelegationPlan plan = partition_graph(g, soc, nullptr);
  const DesignCost c = design_cost(g, soc, plan, {2, true});
  // 2 threads at 8 GFLOP/s: 32 elements = 4 ns; bytes 128 (rows) + 128 (output) + 16 (ids) =
  // 272 B / 100 GB/s = 2.72 ns; 1 us dispatch. (Reading the whole table would take 321 ns.)
  CHECK(c.cpu_s == Approx(1e-6 + 4e-9));
  // The table stays resident: the ledger holds all 32,000 B; the arena is ids + output.
  const auto ledger = memory_ledger(g, plan, c);
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].weights == 32000);
  CHECK(ledger[0].arena == 16 + 128);
}

TEST_CASE("mobile_soc: op-table predicates", "[mobile_soc]") {
  OpSupportTable t;
  t.name = "t";
  t.ops["FULLY_CONNECTED"] = {{SocDtype::Fp16}, true, true, 2};
  std::string why;
  CHECK(t.accepts({"FULLY_CONNECTED", SocDtype::Fp16, 1, 2, true}));
  CHECK_FALSE(t.accepts({"FULLY_CONNECTED", SocDtype::Fp16, 1, 3, true}, &why));
  CHECK(why == "FULLY_CONNECTED has rank 3 and t takes up to 2");
  CHECK_FALSE(t.accepts({"FULLY_CONNECTED", SocDtype::Fp16, 4, 2, true}, &why));
  CHECK(why == "FULLY_CONNECTED has batch 4 and t takes 1");
  CHECK_FALSE(t.accepts({"FULLY_CONNECTED", SocDtype::Fp16, 1, 2, false}, &why));
  CHECK_FALSE(t.accepts({"FULLY_CONNECTED", SocDtype::Fp32, 1, 2, true}, &why));
  CHECK(why == "FULLY_CONNECTED at fp32 is not accepted by t");
}

TEST_CASE("mobile_soc: malformed support tables and SoC files are user errors", "[mobile_soc]") {
  test_soc();
  auto error_of = [](const std::string& file) -> std::string {
    try {
      load_op_support(file);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of(write("v2.yaml",
                       "schema_version: 2\nname: a\nversion: b\nsource: c\nops: "
                       "{ADD: {dtypes: [fp32]}}\n"))
            .find("schema_version must be 1 (found `2`)") != std::string::npos);
  CHECK(error_of(write("dt.yaml",
                       "schema_version: 1\nname: a\nversion: b\nsource: c\nops:\n"
                       "  ADD: {dtypes: [fp64]}\n"))
            .find("unknown dtype `fp64`") != std::string::npos);
  CHECK(error_of(write("key.yaml",
                       "schema_version: 1\nname: a\nversion: b\nsource: c\nops:\n"
                       "  ADD: {dtypes: [fp32], batch_only: true}\n"))
            .find("batch_only") != std::string::npos);
  CHECK(
      error_of(write("empty.yaml", "schema_version: 1\nname: a\nversion: b\nsource: c\nops: {}\n"))
          .find("needs `ops:`") != std::string::npos);
  try {
    load_mobile_soc(write("soc_bad.yaml", soc_text("    sync_time: 1us\n")));
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("sync_time") != std::string::npos);
  }
  try {
    load_mobile_soc(write("soc_thr.yaml", soc_text("    throttle: 1.5\n")));
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("throttle") != std::string::npos);
  }
}

TEST_CASE("docs/mobile_soc.md's worked example is the computed one", "[mobile_soc][docs]") {
  const MobileSoc soc = test_soc();
  const SocGraph g = small_graph();
  const DesignCost c = design_cost(g, soc, partition_graph(g, soc, soc.find("gpu")), {4, true});
  std::ifstream in(std::string(NPUSIM_SOURCE_DIR) + "/docs/mobile_soc.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto us = [](double s) {
    char b[32];
    std::snprintf(b, sizeof b, "**%.4f", s * 1e6);
    std::string t = b;
    while (t.back() == '0') t.pop_back();  // 2.4080 -> 2.408
    return t + " us**";
  };
  for (double v : {c.cpu_s, c.accelerator_s, c.boundary_s, c.total_s()}) {
    INFO(us(v));
    CHECK(doc.find(us(v)) != std::string::npos);
  }
  // "the boundary is 69 % of it"
  CHECK(doc.find(std::to_string(static_cast<int>(std::lround(100 * c.boundary_s / c.total_s()))) +
                 " % of it") != std::string::npos);
}
