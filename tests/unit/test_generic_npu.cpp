// End-to-end checks of the generic NPU: double buffering hides the cheaper of transfer and
// compute, nothing beats the roofline, the breakdown adds up, runs are deterministic.
#include <catch2/catch.hpp>

#include "sim/app/session.h"
#include "sim/compute/systolic_timing.h"
#include "sim/core/component.h"

using namespace npusim;

namespace {

// An 8x8 array at 1 GHz with one 4 GB/s DRAM channel (4 bytes per cycle) and 64 KiB buffers.
std::string small_npu(bool double_buffer) {
  return std::string("name: small\ntype: generic_npu\nclock: 1GHz\ndouble_buffer: ") +
         (double_buffer ? "true" : "false") +
         "\n"
         "dram: {channels: 1, channel_bandwidth: 4GB/s, latency: 50ns, burst: 64B, interleave: "
         "256B}\n"
         "dma: {queues: 2, max_outstanding: 8, transaction_bytes: 1KiB, setup_cycles: 0}\n"
         "ifmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "weight_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "ofmap_sram: {capacity: 64KiB, ports: 2, port_width: 64B, banks: 16, bank_width: 8B}\n"
         "array: {rows: 8, cols: 8, dataflow: weight_stationary, mac_bits: 8}\n"
         "vector: {lanes: 8}\n";
}

std::string gemm_workload(int m, int k, int n) {
  return "schema_version: 1\nname: g\nmodels:\n  - name: g\n    layers:\n      - {name: g, op: "
         "gemm, m: " +
         std::to_string(m) + ", k: " + std::to_string(k) + ", n: " + std::to_string(n) + "}\n";
}

SessionOutput run(const std::string& hw, const std::string& wl, Overrides o = {}) {
  SessionInput in;
  in.hw = load_yaml_text(hw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(wl, "wl.yaml", ErrorKind::Workload, "workload");
  in.overrides = std::move(o);
  return run_session(std::move(in));
}

double num(const SessionOutput& o, const std::string& path) {
  return o.stats.at_path(path)->as_double();
}

}  // namespace

TEST_CASE("double buffering hides transfers when compute dominates", "[generic_npu]") {
  // GEMM 2048 x 64 x 64 (int8). Budget per buffer half = 32 KiB, so the tiler takes blocks of
  // 512 rows (512 x 64 B of input = 32 KiB), keeps the 4 KiB of weights resident, and writes
  // 512 x 64 B of output per block. Per block: compute = 64 tiles (8 k-strips x 8 n-strips)
  // streaming 512 rows; transfer = 32 KiB at 4 B/cycle = 8192 cycles, well below compute.
  ArrayGeometry g{8, 8, Dataflow::WeightStationary, true};
  const uint64_t block = gemm_block_cycles(g, 512, 64, 64, 1);
  REQUIRE(block > 3 * 8192);
  const uint64_t compute = 4 * block;
  const uint64_t first_load = (32768 + 4096) / 4 + 50, last_store = 32768 / 4 + 50;
  SessionOutput db = run(small_npu(true), gemm_workload(2048, 64, 64));
  SessionOutput sb = run(small_npu(false), gemm_workload(2048, 64, 64));
  // Double-buffered: the array never waits after the first block arrives, so the run is the
  // compute plus the exposed first load and last store (each bounded by its transfer time
  // plus latency; DMA pipelining may make them shorter, never longer).
  CHECK(db.total_cycles >= compute);
  CHECK(db.total_cycles <= compute + first_load + last_store + 100);
  // Single-buffered (one 64 KiB buffer: two blocks of 1024 rows): every block waits for its
  // load and the next cannot start before the store, so no transfer is hidden.
  const uint64_t sb_block = gemm_block_cycles(g, 1024, 64, 64, 1);
  CHECK(sb.total_cycles >= 2 * sb_block + 2 * (65536 / 4) + 2 * (65536 / 4));
  CHECK(sb.total_cycles > db.total_cycles);
}

TEST_CASE("double buffering hides compute when transfers dominate", "[generic_npu]") {
  // GEMV 1 x 4096 x 4096 of int8 weights: 16 MiB at 4 B/cycle = 4194304 cycles of DRAM time.
  // On a 64x64 weight-stationary array a GEMV tile of 4096 weights takes
  // max(1, 64 + 64 - 1 + 64) = 191 cycles (the shift-in dominates), i.e. 21 weights per cycle,
  // five times the 4 weights per cycle DRAM delivers: the array waits on memory.
  SessionOutput o = run(small_npu(true), gemm_workload(1, 4096, 4096),
                        {{"array.rows", "64"}, {"array.cols", "64"}});
  const double weight_cycles = 4096.0 * 4096.0 / 4.0;  // DRAM-bound lower bound
  CHECK(o.total_cycles >= weight_cycles);
  // Every byte moved is accounted; the array's time hides under the transfers: within 2 %.
  const double moved = num(o, "dram.bytes_read") + num(o, "dram.bytes_written");
  CHECK(o.total_cycles <= moved / 4.0 * 1.02);
  CHECK(num(o, "dram.bandwidth_utilisation") > 0.98);
}

TEST_CASE("no run beats the roofline, and the breakdown adds up", "[generic_npu]") {
  for (auto [m, k, n] : std::vector<std::array<int, 3>>{
           {1, 512, 512}, {64, 64, 64}, {300, 200, 100}, {1000, 33, 517}, {7, 4096, 3}}) {
    SessionOutput o = run(small_npu(true), gemm_workload(m, k, n));
    const double macs = double(m) * k * n;
    INFO(m << "x" << k << "x" << n);
    CHECK(o.total_cycles >= macs / 64.0);  // 64 MACs per cycle at best
    CHECK(o.total_cycles >= (num(o, "dram.bytes_read") + num(o, "dram.bytes_written")) / 4.0);
    // Every input, weight and output byte crosses the DRAM interface at least once.
    CHECK(num(o, "dram.bytes_read") >= double(m) * k + double(k) * n);
    CHECK(num(o, "dram.bytes_written") == double(m) * n);
    uint64_t sum = 0;
    const Json* layers = o.stats.at_path("breakdown.layers");
    for (size_t i = 0; i < layers->size(); ++i) sum += layers->at(i).find("cycles")->as_uint();
    CHECK(sum == o.total_cycles);
    CHECK(num(o, "components.array.macs") == macs);
  }
}

TEST_CASE("the same inputs give byte-identical stats", "[generic_npu]") {
  const std::string wl =
      "schema_version: 1\nname: mix\nmodels:\n  - name: mix\n    layers:\n"
      "      - {name: c, op: conv2d, in_channels: 16, out_channels: 32, in_h: 28, in_w: 28, "
      "kernel_h: 3, kernel_w: 3, padding: 1, activation: relu}\n"
      "      - {name: d, op: depthwise_conv2d, channels: 32, in_h: 28, in_w: 28, kernel_h: 3, "
      "kernel_w: 3, padding: 1}\n"
      "      - {name: p, op: pool, kind: global_avg, channels: 32, in_h: 28, in_w: 28}\n"
      "      - {name: f, op: gemm, m: 1, k: 32, n: 10}\n";
  std::string a = run(small_npu(true), wl).stats.dump(2),
              b = run(small_npu(true), wl).stats.dump(2);
  CHECK(a == b);
}

TEST_CASE("the resolved config reproduces the run", "[generic_npu]") {
  SessionOutput first = run(small_npu(true), gemm_workload(100, 100, 100));
  SessionOutput again = run(first.resolved_yaml, gemm_workload(100, 100, 100));
  CHECK(first.stats.dump() == again.stats.dump());
}

TEST_CASE("an LLM expands into prefill and decode phases", "[generic_npu]") {
  const std::string wl =
      "schema_version: 1\nname: llm\nmodels:\n  - name: tiny-llm\n    precision: {activation: 16, "
      "weight: 8, output: 16}\n"
      "    llm: {layers: 2, hidden: 64, ffn: 128, heads: 4, vocab: 100, max_context: 64}\n"
      "    generation: {prompt_len: 8, gen_len: 4}\n";
  SessionOutput o = run(small_npu(true), wl);
  const Json* phases = o.stats.at_path("breakdown.phases");
  REQUIRE(phases->size() == 2);
  CHECK(phases->at(0).find("name")->as_string() == "prefill");
  CHECK(phases->at(1).find("name")->as_string() == "decode");
  CHECK(phases->at(1).find("steps")->as_uint() == 4);
  CHECK(o.stats.at_path("throughput.unit")->as_string() == "tokens/s");
  CHECK(num(o, "llm.generated_tokens") == 4);
  // tokens/s = decode tokens / decode time
  const double decode_s = phases->at(1).find("seconds")->as_double();
  CHECK(num(o, "throughput.value") == Approx(4 / decode_s));
}

TEST_CASE("the tiler weighs compute against traffic", "[generic_npu]") {
  // ResNet-50's layer3 1x1 convs as a GEMM (196 x 1024 x 256) on the edge preset. A plan that
  // only minimises DRAM bytes streams 2-row blocks through the array and reaches 4 % of its
  // peak; weighing each block's compute against its transfer keeps the array busy.
  SessionInput in;
  in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/generic_npu/edge_32x32.yaml",
                         ErrorKind::Config, "hw");
  in.workload =
      load_yaml_text(gemm_workload(196, 1024, 256), "wl.yaml", ErrorKind::Workload, "workload");
  SessionOutput o = run_session(std::move(in));
  CHECK(num(o, "generic_npu.mac_utilisation") > 0.85);
}

TEST_CASE("weight precision sets the bytes moved", "[generic_npu]") {
  // 64 x 128 x 128: weights are 16 KiB at 8 bits, 8 KiB at 4 and 32 KiB at 16, inputs 8 KiB.
  // With memory this fast the tiler runs the whole problem as one block (buffer halves are
  // 32 KiB) rather than pipelining smaller ones, so each byte is read once and the reads differ
  // by exactly the weight bytes.
  const std::string wl8 = gemm_workload(64, 128, 128);
  auto reads = [&](const char* bits) {
    SessionOutput o =
        run(small_npu(true), wl8,
            {{"workload.models.0.precision.weight", bits}, {"dram.channel_bandwidth", "1000GB/s"}});
    REQUIRE(num(o, "generic_npu.steps") == 1);
    return num(o, "dram.bytes_read");
  };
  const double r8 = reads("8"), r4 = reads("4"), r16 = reads("16");
  CHECK(r8 == 64.0 * 128 + 128.0 * 128);
  CHECK(r8 - r4 == 128.0 * 128 / 2);
  CHECK(r16 - r8 == 128.0 * 128);
}
