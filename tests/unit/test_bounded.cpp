// Bounded resources (issue 8, item 5): an operator's work units reach the engine in bounded
// batches, the batches do not change any cycle, re-read blocks stay inside their tensors, and
// operators that cannot be simulated are refused while planning, before any unit is made.
#include <catch2/catch.hpp>

#include <chrono>

#include "harness.h"
#include "sim/app/session.h"
#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/core/errors.h"
#include "sim/exec/engine.h"
#include "sim/mapping/lowering.h"
#include "sim/workload/op_math.h"
#include "sim/workload/phases.h"

using namespace npusim;
using namespace npusim::test;

namespace {

struct Delivery {
  size_t size;
  bool first, last;
};

std::vector<Delivery> deliveries(size_t capacity, size_t units) {
  std::vector<Delivery> got;
  UnitSink sink(
      [&](std::vector<WorkUnit>&& b, bool first, bool last) {
        got.push_back({b.size(), first, last});
      },
      capacity);
  for (size_t i = 0; i < units; ++i) sink.push(WorkUnit{});
  sink.close();
  CHECK(sink.pushed() == units);
  return got;
}

// The edge preset's units: a 32x32 int8 array, a 32-lane vector unit, and buffer halves of
// 128 KiB (ifmap), 128 KiB (weights) and 64 KiB (ofmap).
struct EdgeUnits {
  Harness h;
  std::unique_ptr<IMatrixUnit> array = h.build<IMatrixUnit>(
      "matrix_unit", "array", "type: systolic_array\nrows: 32\ncols: 32\nmac_bits: 8\n");
  std::unique_ptr<IVectorUnit> vector = h.build<IVectorUnit>(
      "vector_unit", "vector", "type: vector_unit\nlanes: 32\nnative_bits: 16\n");
  Lowering lowering(bool depthwise_on_vector = true) {
    Lowering::Options o;
    o.budget = {128 << 10, 128 << 10, 64 << 10};
    o.depthwise_on_vector = depthwise_on_vector;
    return Lowering(*array, *vector, o);
  }
};

Operator gemm(uint64_t m, uint64_t k, uint64_t n) {
  Operator op;
  op.name = "g";
  op.type = OpType::Gemm;
  op.m = static_cast<int64_t>(m), op.k = static_cast<int64_t>(k), op.n = static_cast<int64_t>(n);
  op.b_operand = BOperand::Weight;
  op.precision = {8, 8, 8, 8};  // int8, as a trace's defaults
  return op;
}

std::string gemm_workload(uint64_t m, uint64_t k, uint64_t n) {
  return "schema_version: 1\nname: g\nmodels:\n  - name: g\n    layers:\n      - {name: big, op: "
         "gemm, m: " +
         std::to_string(m) + ", k: " + std::to_string(k) + ", n: " + std::to_string(n) + "}\n";
}

SessionInput session(const std::string& hw_file, const std::string& workload_text,
                     Overrides o = {}) {
  SessionInput in;
  in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + hw_file, ErrorKind::Config, "hw");
  in.workload = load_yaml_text(workload_text, "wl.yaml", ErrorKind::Workload, "workload");
  in.overrides = std::move(o);
  return in;
}

SessionInput session_file(const std::string& hw_file, const std::string& workload_file) {
  SessionInput in;
  in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + hw_file, ErrorKind::Config, "hw");
  in.workload = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + workload_file,
                               ErrorKind::Workload, "workload");
  return in;
}

// Restores the sinks' default capacity when a test ends.
struct Capacity {
  explicit Capacity(size_t c) { UnitSink::default_capacity() = c; }
  ~Capacity() { UnitSink::default_capacity() = UnitSink::kDefaultCapacity; }
};

}  // namespace

TEST_CASE("a unit sink hands over bounded batches, the first and the last marked", "[bounded]") {
  // 7 units in batches of 3: 3 + 3 + 1. A unit arriving at a full buffer sends the buffer on
  // (not last: this unit follows), so the last batch is never empty.
  auto a = deliveries(3, 7);
  REQUIRE(a.size() == 3);
  CHECK((a[0].size == 3 && a[0].first && !a[0].last));
  CHECK((a[1].size == 3 && !a[1].first && !a[1].last));
  CHECK((a[2].size == 1 && !a[2].first && a[2].last));
  // 6 units: 3 + 3, the second last.
  auto b = deliveries(3, 6);
  REQUIRE(b.size() == 2);
  CHECK((b[0].first && !b[0].last && !b[1].first && b[1].last && b[1].size == 3));
  // Fewer than a batch: one, both first and last. None: nothing delivered.
  auto c = deliveries(3, 2);
  REQUIRE(c.size() == 1);
  CHECK((c[0].size == 2 && c[0].first && c[0].last));
  CHECK(deliveries(3, 0).empty());
}

TEST_CASE("planning counts the units lowering makes, for every shipped operator", "[bounded]") {
  SimKernel k;
  EdgeUnits units;
  for (bool on_vector : {true, false}) {
    Lowering lowering = units.lowering(on_vector);
    for (const char* file :
         {"workloads/cnn/resnet50.yaml", "workloads/cnn/mobilenetv2.yaml",
          "workloads/transformer/bert_base_seq384.yaml", "workloads/llm/phi-1.5/dialogsum.yaml"}) {
      const Workload w = load_workload_file(std::string(NPUSIM_SOURCE_DIR) + "/" + file);
      for (const Model& m : w.models) {
        for (size_t ph : {size_t{0}, phase_count(m) - 1}) {
          for (const Operator& op : make_phase(m, ph).ops) {
            std::vector<WorkUnit> made;
            lowering.lower(op, {}, made);
            INFO(file << " " << op.name);
            CHECK(lowering.check(op) == made.size());
          }
        }
      }
    }
  }
}

TEST_CASE("a block read again is read from inside its tensor", "[bounded]") {
  // Before the fix, every re-read advanced the offset: the 8192^3 GEMM's weights were read up
  // to 32 m-blocks x 64 MiB past their base and the inputs past the end of a 4 GiB DRAM (an
  // internal error at sim/mem/router.cpp). Every plan order is covered: 8192^3 splits k
  // (streaming), the others keep inputs or weights resident.
  SimKernel k;
  EdgeUnits units;
  Lowering lowering = units.lowering();
  for (auto [m, kk, n] : {std::array<uint64_t, 3>{8192, 8192, 8192},
                          {196, 1024, 256},
                          {4096, 64, 64},
                          {16, 4096, 4096},
                          {1024, 512, 1024}}) {
    const Operator op = gemm(m, kk, n);
    std::vector<WorkUnit> made;
    lowering.lower(op, {}, made);
    uint64_t in_end = 0, w_end = 0, out_end = 0, in_read = 0, w_read = 0;
    for (const WorkUnit& u : made) {
      if (u.input_bytes) in_end = std::max(in_end, u.input_addr + u.input_bytes);
      if (u.weight_bytes) w_end = std::max(w_end, u.weight_addr + u.weight_bytes);
      if (u.store_bytes) out_end = std::max(out_end, u.store_addr + u.store_bytes);
      in_read += u.input_bytes;
      w_read += u.weight_bytes;
    }
    INFO(m << "x" << kk << "x" << n);
    // int8: m*k input bytes, k*n weight bytes, m*n output bytes, each covered exactly.
    CHECK(in_end == m * kk);
    CHECK(w_end == kk * n);
    CHECK(out_end == m * n);
    CHECK(in_read >= m * kk);  // re-reads are traffic, not new addresses
    CHECK(w_read >= kk * n);
  }
}

TEST_CASE("feeding an operator in batches changes no cycle", "[bounded]") {
  // BERT-base (seq 128) on the edge preset: every GEMM, softmax and norm split into batches of
  // 5 units gives the same stats.json, byte for byte, as whole operators (the engine waits for
  // an operator's next batch before computing past its last fed unit).
  std::string whole, split;
  {
    Capacity c(UnitSink::kDefaultCapacity);
    whole = run_session(session_file("hw_configs/generic_npu/edge_32x32.yaml",
                                     "workloads/transformer/bert_base_seq128.yaml"))
                .stats.dump();
  }
  {
    Capacity c(5);
    split = run_session(session_file("hw_configs/generic_npu/edge_32x32.yaml",
                                     "workloads/transformer/bert_base_seq128.yaml"))
                .stats.dump();
  }
  CHECK(split == whole);
}

TEST_CASE("the engine holds a bounded number of units, whatever the operator's size", "[bounded]") {
  // 8192^3 int8 GEMM on the edge preset: 8 x 64 x 64 = 32768 blocks (the plan's streaming
  // order). In batches of 256 the engine never holds more than two batches' worth; the whole
  // operator used to be one 32768-unit vector (plus a second one while planning).
  Capacity c(256);
  ExecEngine::reset_peak_units_held();
  SessionOutput o = run_session(
      session("hw_configs/generic_npu/edge_32x32.yaml", gemm_workload(8192, 8192, 8192)));
  CHECK(o.stats.at_path("generic_npu.steps")->as_uint() == 32768);
  CHECK(ExecEngine::peak_units_held() <= 2 * 256);
  // It runs (it ended in an internal error before) and cannot beat the array's peak:
  // 8192^3 MACs / 1024 MACs per cycle = 536870912 cycles.
  CHECK(o.total_cycles >= 536870912ull);
  // And validation agrees that it can run.
  CHECK_NOTHROW(validate_session(
      session("hw_configs/generic_npu/edge_32x32.yaml", gemm_workload(8192, 8192, 8192))));
}

TEST_CASE("an operator that cannot be simulated is refused while planning", "[bounded]") {
  {
    SimKernel k;
    EdgeUnits units;
    Lowering lowering = units.lowering();
    // 10^6 x 10^6 x 10^6: far more than 2^32 blocks. Planning it takes no per-block work.
    const auto start = std::chrono::steady_clock::now();
    try {
      lowering.check(gemm(1000000, 1000000, 1000000));
      FAIL("no MappingError");
    } catch (const MappingError& e) {
      CHECK_THAT(e.what(), Catch::Contains("operator `g` lowers to") &&
                               Catch::Contains("more than the 4294967296 one operator may have"));
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  }
  // On the edge preset (4 GiB of DRAM) the operator's own footprint is named first, by
  // validation as by a run: 10^12 B of inputs + 10^12 B of weights + 10^12 B of outputs = 3 TB.
  for (bool run : {false, true}) {
    SessionInput in =
        session("hw_configs/generic_npu/edge_32x32.yaml", gemm_workload(1000000, 1000000, 1000000));
    try {
      if (run) {
        run_session(std::move(in));
      } else {
        validate_session(std::move(in));
      }
      FAIL("no MappingError");
    } catch (const MappingError& e) {
      CHECK_THAT(e.what(), Catch::Contains("the workload needs 3TB of DRAM for operator `big` "
                                           "alone (weights, inputs and outputs) but "
                                           "hw.dram.capacity is 4GiB at wl.yaml:6"));
    }
  }
}
