// Activity counters and energy (sim/energy): the compute units' buffer traffic per dataflow,
// counters x table by hand, the operators' split adding up, an LLM decode step's units, and
// bad tables.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llm_test_hw.h"
#include "sim/app/session.h"
#include "sim/app/summary.h"
#include "sim/compute/systolic_timing.h"
#include "sim/core/errors.h"
#include "sim/energy/energy_table.h"

using namespace npusim;

namespace {

// A table with round numbers, so that the expected energies can be added up by hand.
const char* kHandTable = R"(name: hand
technology: none
components:
  systolic_array:
    actions: {mac_8b: 1pJ}
    area: {value: 100um2, per: pe}
    leakage: {value: 1mW, per: pe}
  vector_unit:
    actions: {relu: 0.5pJ}
  scratchpad:
    actions: {read_byte: 2pJ, write_byte: 3pJ}
  dma_engine:
    actions: {descriptor: 10pJ, byte: 1pJ}
  simple_dram:
    actions: {read_byte: 100pJ, write_byte: 200pJ}
  mpe:
    actions: {mac_16b: 2pJ}
  bitplane_dequant:
    actions: {lookup: 1pJ, bypass: 0.5pJ}
)";

std::string write_table(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "npusim_test_energy";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

// A 4 x 4 array at 1 GHz, int8, 32-bit partial sums; buffers large enough for one work unit.
std::string npu(const std::string& dataflow, const std::string& table) {
  return "name: small\ntype: generic_npu\nclock: 1GHz\nenergy: {table: " + table +
         "}\n"
         "dram: {channels: 1, channel_bandwidth: 4GB/s, latency: 50ns, burst: 64B, interleave: "
         "256B}\n"
         "dma: {queues: 2, max_outstanding: 8, transaction_bytes: 1KiB, setup_cycles: 0}\n"
         "ifmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "weight_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "ofmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "array: {rows: 4, cols: 4, dataflow: " +
         dataflow + ", mac_bits: 8}\nvector: {lanes: 8}\n";
}

std::string gemm(int m, int k, int n) {
  return "schema_version: 1\nname: g\nmodels:\n  - name: g\n    layers:\n      - {name: g, op: "
         "gemm, m: " +
         std::to_string(m) + ", k: " + std::to_string(k) + ", n: " + std::to_string(n) + "}\n";
}

SessionOutput run(const std::string& hw, const std::string& wl, Overrides o = {}) {
  return test::run_texts(hw, wl, std::move(o));
}

double num(const SessionOutput& o, const std::string& path) {
  const Json* v = o.stats.at_path(path);
  INFO(path);
  REQUIRE(v != nullptr);
  return v->as_double();
}

const Json& component(const SessionOutput& o, const std::string& path) {
  const Json* list = o.stats.at_path("energy.components");
  for (size_t i = 0; i < list->size(); ++i)
    if (list->at(i).find("path")->as_string() == path) return list->at(i);
  FAIL("no component " << path << " in energy.components");
  return list->at(0);
}

}  // namespace

TEST_CASE("systolic array: buffer traffic of a block per dataflow, by hand", "[energy]") {
  // GEMM 8 x 8 x 8 on a 4 x 4 array: 2 row folds (K / R) and 2 column folds (N / C, or M / C
  // for IS; M / R for OS's row strips).
  const ArrayGeometry ws{4, 4, Dataflow::WeightStationary, true};
  ArrayTraffic t = gemm_block_traffic(ws, 8, 8, 8, 1);
  CHECK(t.w_reads == 64);            // K.N, once
  CHECK(t.a_reads == 8 * 8 * 2);     // M.K per column fold
  CHECK(t.out_writes == 8 * 8 * 2);  // M.N per row fold
  CHECK(t.out_reads == 8 * 8 * 1);   // read back by every fold after the first
  const ArrayGeometry is{4, 4, Dataflow::InputStationary, true};
  t = gemm_block_traffic(is, 8, 8, 8, 1);
  CHECK(t.a_reads == 64);
  CHECK(t.w_reads == 8 * 8 * 2);  // K.N per column fold of A^T (M / C)
  CHECK(t.out_writes == 128);
  CHECK(t.out_reads == 64);
  const ArrayGeometry os{4, 4, Dataflow::OutputStationary, true};
  t = gemm_block_traffic(os, 8, 8, 8, 1);
  CHECK(t.a_reads == 8 * 8 * 2);  // M.K per column strip
  CHECK(t.w_reads == 8 * 8 * 2);  // K.N per row strip (M / R)
  CHECK(t.out_writes == 64);      // each result once
  CHECK(t.out_reads == 0);
  // Packing 2 lanes per PE halves the column folds: WS over N = 8 on 4 x 2 lanes is one fold.
  t = gemm_block_traffic(ws, 8, 8, 8, 2);
  CHECK(t.a_reads == 64);
  // Operands wider than the multiplier stream again: 2 passes double WS's input reads.
  t = gemm_block_traffic(ws, 8, 8, 8, 1, 2);
  CHECK(t.a_reads == 256);
}

TEST_CASE("a GEMM's counters on each dataflow, from the run", "[energy]") {
  const std::string table = write_table("hand.yaml", kHandTable);
  // One work unit (8 x 8 x 8 int8 fits the 32 KiB halves); partial sums are 32-bit (4 B).
  struct Case {
    const char* dataflow;
    uint64_t ifmap_read, weight_read, ofmap_read, ofmap_written;
  };
  for (const Case& c : {Case{"weight_stationary", 128, 64, 64 * 4, 128 * 4},
                        Case{"input_stationary", 64, 128, 64 * 4, 128 * 4},
                        Case{"output_stationary", 128, 128, 0, 64 * 4}}) {
    INFO(c.dataflow);
    const SessionOutput o = run(npu(c.dataflow, table), gemm(8, 8, 8));
    REQUIRE(num(o, "generic_npu.steps") == 1);
    CHECK(num(o, "components.array.macs_8b") == 512);
    CHECK(num(o, "components.ifmap_sram.compute_bytes_read") == c.ifmap_read);
    CHECK(num(o, "components.weight_sram.compute_bytes_read") == c.weight_read);
    CHECK(num(o, "components.ofmap_sram.compute_bytes_read") == c.ofmap_read);
    CHECK(num(o, "components.ofmap_sram.compute_bytes_written") == c.ofmap_written);
    // The DMA's side: 64 B of A and 64 B of W in, 64 B of int8 results out.
    CHECK(num(o, "components.ifmap_sram.bytes_written") == 64);
    CHECK(num(o, "components.weight_sram.bytes_written") == 64);
    CHECK(num(o, "components.ofmap_sram.bytes_read") == 64);
    // Priced with the hand table (next test): 512 MACs x 1 pJ; the array's buffer reads x 2 pJ
    // and writes x 3 pJ; the transfers' 128 B written x 3 pJ and 64 B read x 2 pJ; the DMA's
    // 3 descriptors x 10 pJ + 192 B x 1 pJ; DRAM 128 B read x 100 pJ + 64 B written x 200 pJ.
    const double reads = static_cast<double>(c.ifmap_read + c.weight_read + c.ofmap_read);
    const double pj =
        512 + 2 * reads + 3 * static_cast<double>(c.ofmap_written) + 384 + 128 + 222 + 25600;
    CHECK(num(o, "energy.dynamic_j") == Approx(pj * 1e-12));
  }
}

TEST_CASE("energy of a small GEMM: counters x table, by hand", "[energy]") {
  const std::string table = write_table("hand.yaml", kHandTable);
  const SessionOutput o = run(npu("weight_stationary", table), gemm(8, 8, 8));
  // Weight-stationary counts (previous test): 512 MACs x 1 pJ = 512 pJ.
  // Scratchpads: compute reads 128 + 64 + 256 B x 2 pJ = 896 pJ, writes 512 B x 3 pJ = 1536 pJ;
  // transfers write 64 + 64 B x 3 pJ = 384 pJ and read 64 B x 2 pJ = 128 pJ: 2944 pJ.
  // DMA: 3 descriptors x 10 pJ + 192 B x 1 pJ = 222 pJ.
  // DRAM: one 64 B burst each for A and W read (128 B x 100 pJ) and one written (64 B x 200 pJ):
  // 25600 pJ.
  REQUIRE(num(o, "components.dma.descriptors") == 3);
  REQUIRE(num(o, "components.dram.bytes_moved") == 192);
  CHECK(num(o, "energy.dynamic_j") == Approx((512 + 2944 + 222 + 25600) * 1e-12));
  CHECK(component(o, "hw.array").find("dynamic_j")->as_double() == Approx(512e-12));
  CHECK(component(o, "hw.dram").find("dynamic_j")->as_double() == Approx(25600e-12));
  // Static: 16 PEs x 1 mW for the run; area 16 x 100 um2.
  CHECK(num(o, "energy.static_j") == Approx(16e-3 * num(o, "total_seconds")));
  CHECK(num(o, "energy.area_mm2") == Approx(16 * 100e-6));
  CHECK(num(o, "energy.average_power_w") ==
        Approx(num(o, "energy.total_j") / num(o, "total_seconds")));
  // One operator: exactly priced are its MACs and the array's buffer accesses (512 + 896 +
  // 1536 pJ); the rest is apportioned to it, so its row holds the whole energy.
  CHECK(o.stats.at_path("energy.operators")->at(0).find("exact_j")->as_double() ==
        Approx(2944e-12));
  const Json& row = o.stats.at_path("breakdown.layers")->at(0);
  CHECK(row.find("energy_j")->as_double() == Approx(num(o, "energy.total_j")));
  CHECK(o.stats.at_path("breakdown.phases")->at(0).find("energy_j")->as_double() ==
        Approx(num(o, "energy.total_j")));
}

TEST_CASE("energy equals the counters times the table on a multi-operator run", "[energy]") {
  // Independently of the report's code: every action's count (from the component's stats)
  // times its price, summed; fast-forward (on by default) changes no count.
  const std::string table = write_table("hand.yaml", kHandTable);
  const std::string wl =
      "schema_version: 1\nname: g\nmodels:\n  - name: g\n    layers:\n"
      "      - {name: a, op: gemm, m: 512, k: 256, n: 256}\n"
      "      - {name: r, op: activation, fn: relu, elements: 131072}\n"
      "      - {name: b, op: gemm, m: 512, k: 256, n: 128}\n";
  const SessionOutput on = run(npu("weight_stationary", table), wl);
  const SessionOutput off = run(npu("weight_stationary", table), wl, {{"fast_forward", "false"}});
  CHECK(num(on, "energy.total_j") == num(off, "energy.total_j"));
  CHECK(num(on, "components.array.macs_8b") == 512.0 * 256 * 256 + 512.0 * 256 * 128);
  const double sram = [&] {
    double s = 0;
    for (const char* b : {"ifmap_sram", "weight_sram", "ofmap_sram"}) {
      const std::string p = std::string("components.") + b + ".";
      s += 2e-12 * (num(on, p + "bytes_read") + num(on, p + "compute_bytes_read")) +
           3e-12 * (num(on, p + "bytes_written") + num(on, p + "compute_bytes_written"));
    }
    return s;
  }();
  const double dram_read = num(on, "components.dram.bytes_moved_read");
  const double expected = 1e-12 * num(on, "components.array.macs_8b") + sram +
                          0.5e-12 * num(on, "components.vector.elements_by_fn.relu") +
                          10e-12 * num(on, "components.dma.descriptors") +
                          1e-12 * num(on, "components.dma.bytes") + 100e-12 * dram_read +
                          200e-12 * (num(on, "components.dram.bytes_moved") - dram_read);
  CHECK(num(on, "energy.dynamic_j") == Approx(expected).epsilon(1e-12));
  // The operators' rows add up to the total; each exact part is the MACs and the array's
  // buffer accesses, which add up to the components' compute-side totals.
  double rows = 0;
  const Json* layers = on.stats.at_path("breakdown.layers");
  for (size_t i = 0; i < layers->size(); ++i) rows += layers->at(i).find("energy_j")->as_double();
  CHECK(rows == Approx(num(on, "energy.total_j")).epsilon(1e-12));
  double compute_side = 1e-12 * num(on, "components.array.macs_8b") +
                        0.5e-12 * num(on, "components.vector.elements_by_fn.relu");
  for (const char* b : {"ifmap_sram", "weight_sram", "ofmap_sram"}) {
    const std::string p = std::string("components.") + b + ".";
    compute_side +=
        2e-12 * num(on, p + "compute_bytes_read") + 3e-12 * num(on, p + "compute_bytes_written");
  }
  CHECK(on.stats.at_path("energy.operators")->at(0).find("exact_j")->as_double() ==
        Approx(compute_side).epsilon(1e-12));
}

TEST_CASE("LLM NPU: a decode step's MACs and dequantiser lookups, by hand", "[energy][llm]") {
  // The SFU's functions cost nothing here, so that the step's MPE and dequantiser energy stand out.
  std::string text = kHandTable;
  const std::string hand_vector = "  vector_unit:\n    actions: {relu: 0.5pJ}";
  text.replace(
      text.find(hand_vector), hand_vector.size(),
      "  vector_unit:\n    actions: {add: 0pJ, mul: 0pJ, relu: 0.5pJ, gelu: 0pJ, silu: 0pJ, "
      "sigmoid: 0pJ, tanh: 0pJ, exp: 0pJ, softmax: 0pJ, layernorm: 0pJ, rmsnorm: 0pJ, "
      "batchnorm: 0pJ, rope: 0pJ, max_pool: 0pJ, avg_pool: 0pJ, copy: 0pJ, mac: 0pJ}");
  const std::string table = write_table("hand_llm.yaml", text);
  const std::string hw = std::string(test::kSmallLlmHw) + "energy: {table: " + table + "}\n";
  // One layer, hidden 512, FFN 1024 (SwiGLU), 8 heads of 64, no LM head; 4-bit weights.
  auto wl = [](int gen) {
    return "schema_version: 1\nname: l\nmodels:\n  - name: l\n"
           "    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
           "    llm: {layers: 1, hidden: 512, ffn: 1024, heads: 8, vocab: 1000, max_context: 256, "
           "lm_head: false}\n"
           "    generation: {prompt_len: 16, gen_len: " +
           std::to_string(gen) + "}\n    schedule: {type: uniform, bits: 4}\n";
  };
  SessionOutput one = run(hw, wl(1)), two = run(hw, wl(2));
  // A decode step's linears: q, k, v, o (512 x 512) and gate, up (512 x 1024), down
  // (1024 x 512): 2,621,440 weights, each unpacked and looked up once (4 bits < 16), and as
  // many MACs with the one row being decoded.
  const double weights = 4.0 * 512 * 512 + 3.0 * 512 * 1024;
  CHECK(num(two, "components.dequant.lookups") - num(one, "components.dequant.lookups") == weights);
  CHECK(num(two, "components.dequant.bypassed") == 0);
  // Attention of the second step over c = 18 tokens (the 16 of the prompt, the one decoded by
  // the first step, and its own, made this step): Q.K^T and P.V are 8 heads x 64 x c MACs
  // each; every MAC is fp16 (the 16-bit class).
  const double c = 18;
  const double step_macs = weights + 2 * 8 * 64 * c;
  CHECK(num(two, "components.mpe.macs_16b") - num(one, "components.mpe.macs_16b") == step_macs);
  CHECK(num(two, "components.mpe.macs_16b") == num(two, "components.mpe.macs"));
  // Its energy on the MPE and the dequantiser: 2 pJ per MAC and 1 pJ per lookup.
  const double step_j = 2e-12 * step_macs + 1e-12 * weights;
  const double mpe_dq = [](const SessionOutput& o) {
    return component(o, "hw.mpe").find("dynamic_j")->as_double() +
           component(o, "hw.dequant").find("dynamic_j")->as_double();
  }(two) - [](const SessionOutput& o) {
    return component(o, "hw.mpe").find("dynamic_j")->as_double() +
           component(o, "hw.dequant").find("dynamic_j")->as_double();
  }(one);
  CHECK(mpe_dq == Approx(step_j));
}

TEST_CASE("bad energy tables are user errors naming the file, key or unit", "[energy]") {
  const std::string wl = gemm(8, 8, 8);
  auto with = [&](const std::string& name, const std::string& text) {
    return npu("weight_stationary", write_table(name, text));
  };
  // An action the run performed, missing from the table: named with its unit.
  CHECK_THROWS_WITH(
      run(with("no_mac.yaml",
               std::string(kHandTable)
                   .replace(std::string(kHandTable).find("mac_8b: 1pJ"), 11, "mac_4b: 1pJ")),
          wl),
      Catch::Contains("no energy for action `mac_8b` of hw.array (systolic_array)") &&
          Catch::Contains("512 times"));
  // A component without an entry.
  std::string no_dma = kHandTable;
  no_dma.erase(no_dma.find("  dma_engine:"),
               no_dma.find("  simple_dram:") - no_dma.find("  dma_engine:"));
  CHECK_THROWS_WITH(run(with("no_dma.yaml", no_dma), wl),
                    Catch::Contains("has no entry for hw.dma (dma_engine)"));
  // A negative energy, and a value without a unit.
  std::string neg = kHandTable;
  neg.replace(neg.find("read_byte: 2pJ"), 14, "read_byte: -2pJ");
  CHECK_THROWS_WITH(run(with("neg.yaml", neg), wl),
                    Catch::Contains("negative energy `-2pJ`") && Catch::Contains("neg.yaml:"));
  std::string bare = kHandTable;
  bare.replace(bare.find("read_byte: 2pJ"), 14, "read_byte: 2");
  CHECK_THROWS_WITH(run(with("bare.yaml", bare), wl), Catch::Contains("needs a energy unit"));
  // Area given per a unit the component is not sized in.
  std::string per = kHandTable;
  per.replace(per.find("per: pe}\n    leakage"), 7, "per: lane");
  CHECK_THROWS_WITH(run(with("per.yaml", per), wl),
                    Catch::Contains("per `lane`") && Catch::Contains("sized in `pe`"));
  // A base cycle; a missing table file.
  const std::string a =
      write_table("cycle_a.yaml", "name: a\nbase: cycle_b.yaml\ncomponents: {}\n");
  write_table("cycle_b.yaml", "name: b\nbase: cycle_a.yaml\ncomponents: {}\n");
  CHECK_THROWS_AS(load_energy_table(a), ConfigError);
  CHECK_THROWS_WITH(run(npu("weight_stationary", "/nonexistent/t.yaml"), wl),
                    Catch::Contains("/nonexistent/t.yaml"));
  // Every problem is a ConfigError (CLI exit status 2).
  CHECK_THROWS_AS(run(with("neg.yaml", neg), wl), ConfigError);
}

TEST_CASE("energy curves interpolate in log-log between their points", "[energy]") {
  const std::string path =
      write_table("curve.yaml",
                  "name: c\ncomponents:\n  scratchpad:\n    actions:\n      read_byte: "
                  "{energy: [[8KiB, 1pJ], [32KiB, 2pJ]]}\n");
  const EnergyTable t = load_energy_table(path);
  const EnergyPrice& p = t.components.at("scratchpad").actions.at("read_byte");
  // Energy doubles per 4x capacity: at 16 KiB (half-way in log) sqrt(2) pJ; at 128 KiB (one
  // more 4x, extending the segment) 4 pJ; at 8 KiB exactly 1 pJ.
  CHECK(p.at(16384) == Approx(1.41421356e-12));
  CHECK(p.at(131072) == Approx(4e-12));
  CHECK(p.at(8192) == Approx(1e-12));
}

TEST_CASE("docs/energy.md's worked example is what the shipped preset gives", "[energy][docs]") {
  std::ifstream f(std::string(NPUSIM_SOURCE_DIR) + "/docs/energy.md");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  SessionInput in;
  in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/generic_npu/edge_32x32.yaml",
                         ErrorKind::Config, "hw");
  in.workload = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/workloads/cnn/resnet18.yaml",
                               ErrorKind::Workload, "workload");
  const SessionOutput o = run_session(std::move(in));
  const std::string summary = summary_table(o.stats, 0);
  const size_t at = summary.find("  energy ");
  REQUIRE(at != std::string::npos);
  const std::string line = summary.substr(at, summary.find('\n', at) - at);
  INFO(line);
  CHECK(doc.find(line) != std::string::npos);
  const Json* comps = o.stats.at_path("energy.components");
  for (size_t i = 0; i < comps->size(); ++i) {
    const Json& c = comps->at(i);
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %s | %.4g | %.4g | %.4g |",
                  c.find("path")->as_string().c_str(), c.find("type")->as_string().c_str(),
                  c.find("dynamic_j")->as_double() * 1e6, c.find("static_j")->as_double() * 1e6,
                  c.find("area_mm2")->as_double());
    INFO(row);
    CHECK(doc.find(row) != std::string::npos);
  }
}
