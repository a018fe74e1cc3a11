// The example accelerator of docs/adding_an_accelerator.md (models/vector_npu): its lowering
// and the engine's double buffering give the cycle count derived by hand.
#include <catch2/catch.hpp>

#include "sim/app/session.h"
#include "sim/core/errors.h"

using namespace npusim;

namespace {

// 16 int8 lanes (native 8 bits: one MAC per lane per cycle), 32 KiB buffer halves, one
// 64 GB/s DRAM channel (64 B per cycle at 1 GHz) with 100 ns latency, no DMA set-up.
const char* kHw =
    "name: tiny\ntype: vector_npu\nclock: 1GHz\n"
    "dram: {channels: 1, channel_bandwidth: 64GB/s, latency: 100ns, burst: 64B, interleave: 256B}\n"
    "dma: {queues: 1, max_outstanding: 8, transaction_bytes: 64KiB, setup_cycles: 0}\n"
    "input_sram: {capacity: 64KiB, ports: 2, port_width: 64B}\n"
    "weight_sram: {capacity: 64KiB, ports: 2, port_width: 64B}\n"
    "output_sram: {capacity: 64KiB, ports: 2, port_width: 64B}\n"
    "vector: {lanes: 16, native_bits: 8}\n";

SessionOutput run(const std::string& layers) {
  SessionInput in;
  in.hw = load_yaml_text(kHw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload =
      load_yaml_text("schema_version: 1\nname: t\nmodels:\n  - name: t\n    layers:\n" + layers,
                     "wl.yaml", ErrorKind::Workload, "workload");
  return run_session(std::move(in));
}

}  // namespace

TEST_CASE("vector_npu: a GEMM's cycles from its work units, by hand", "[vector_npu]") {
  // GEMM 4 x 256 x 512, int8. A weight column is 256 B, so a 32 KiB half holds 128 columns;
  // the 4 input rows (1 KiB) fit: 4 units of 4 x 256 x 128 = 131072 MACs, each
  //   6 (MAC latency) + 131072 / 16 lanes = 8198 cycles.
  // Unit 0 loads 32 KiB of weights, then 1 KiB of inputs, at t = 0: the DRAM starts after its
  // 100 ns latency, weights occupy the bus 512 ns (100..612), inputs 16 ns more: 628.
  // Units 1..3 load while their predecessor computes (528 ns < 8198), so compute runs back to
  // back: 628 + 4 x 8198 = 33420. The last unit's 512 B of outputs then go to DRAM:
  // 100 ns latency + 8 ns: 33528 cycles in all.
  const SessionOutput o = run("      - {name: g, op: gemm, m: 4, k: 256, n: 512}\n");
  CHECK(o.stats.at_path("vector_npu.work_units")->as_uint() == 4);
  CHECK(o.total_cycles == 628 + 4 * 8198 + 108);
  CHECK(o.stats.at_path("dram.bytes_read")->as_uint() == 4 * (32768 + 1024));
  CHECK(o.stats.at_path("dram.bytes_written")->as_uint() == 4 * 512);
}

TEST_CASE("vector_npu: operators it has no unit for are mapping errors", "[vector_npu]") {
  CHECK_THROWS_AS(run("      - {name: c, op: conv2d, in_channels: 8, out_channels: 8, in_h: 8, "
                      "in_w: 8, kernel_h: 3, kernel_w: 3}\n"),
                  MappingError);
  CHECK_THROWS_WITH(
      run("      - {name: c, op: conv2d, in_channels: 8, out_channels: 8, in_h: 8, in_w: 8, "
          "kernel_h: 3, kernel_w: 3}\n"),
      Catch::Contains("vector_npu runs gemm, gemv and element-wise operators; `c` is conv2d"));
}
