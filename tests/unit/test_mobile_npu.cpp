// The mobile NPU (models/mobile_npu, NAWQ-SR): per-layer cycles at INT8 and A16W8, a partition
// switch, a DRE barrier and a CPU fallback of a rank-6 pixel-shuffle, each derived from the
// configured rates below; and the schedule's user errors.
#include <catch2/catch.hpp>

#include "sim/app/session.h"
#include "sim/core/errors.h"

using namespace npusim;

namespace {

// 1 GHz; tensor 64 INT8 MACs/cycle, A16W8 at half rate (32), no pipeline depth; vector unit
// 16 lanes of 16 bits packing two 8-bit elements (32 INT8 / 16 INT16 elements per cycle);
// launch 100 cycles; switch 1,000; Eq. (1) 50; descriptor 100; fallback hop 10,000 and the CPU
// at 1 B/cycle; DRAM 64 B/cycle with a 100-cycle latency.
const char* kHw =
    "name: tiny\ntype: mobile_npu\nclock: 1GHz\nlayer_launch: 100ns\npartition_switch: 1us\n"
    "rqu_eq1: 50ns\nps_descriptor: 100ns\nfallback_hop: 10us\ncpu_byte_rate: 1GB/s\n"
    "dram: {channels: 1, channel_bandwidth: 64GB/s, latency: 100ns, burst: 64B, interleave: 256B}\n"
    "dma: {queues: 1, max_outstanding: 8, transaction_bytes: 64KiB, setup_cycles: 0}\n"
    "sram: {capacity: 64KiB, ports: 2, port_width: 64B}\n"
    "tensor: {int8_macs_per_cycle: 64, a16w8_rate: 0.5, pipeline_depth: 0}\n"
    "hvx: {int8_macs_per_cycle: 32, a16w8_rate: 0, pipeline_depth: 0}\n"
    "vector: {lanes: 16, native_bits: 16, max_packing: 2}\n";

// patch_split 3x8x8 -> head (conv3x3 3->16) -> body (conv3x3 16->12) -> up.ps (PS 2, rank 6)
// -> stitch (the rank-4 rewrite unless a test says otherwise: nothing spills, the SRAM holds
// every tensor). head: 3*9*16*64 = 27,648 MACs, 432 + 16*4 = 496 weight bytes; body: 16*9*12*64 =
// 110,592 MACs, 1,728 + 48 = 1,776 bytes.
std::string trace(const std::string& layers, const std::string& ps = "rewrite") {
  return "schema_version: 1\nname: t\nmodels:\n  - name: t\n    layers:\n"
         "      - {name: head, op: conv2d, in_channels: 3, out_channels: 16, in_h: 8, in_w: 8, "
         "kernel_h: 3, kernel_w: 3, padding: 1}\n"
         "    sr:\n      model: t\n      frame: {lr_h: 8, lr_w: 8}\n"
         "      grid: {rows: 1, cols: 1, halo: 0}\n"
         "      schedule:\n        schedule_version: 1\n        model: t\n        variant: v\n"
         "        target: npu\n        pixel_shuffle: " +
         ps + "\n        layers:\n" + layers +
         "      nodes:\n"
         "        - {name: patch_split, type: patch_split, producers: [], in: [3, 8, 8], out: [3, "
         "8, 8], rank: 4}\n"
         "        - {name: head, type: conv, producers: [patch_split], in: [3, 8, 8], out: [16, 8, "
         "8], rank: 4, kernel: 3, groups: 1, macs: 27648, weight_bytes: 496}\n"
         "        - {name: body, type: conv, producers: [head], in: [16, 8, 8], out: [12, 8, 8], "
         "rank: 4, kernel: 3, groups: 1, macs: 110592, weight_bytes: 1776}\n"
         "        - {name: up.ps, type: pixel_shuffle, producers: [body], in: [12, 8, 8], out: [3, "
         "16, 16], rank: 6, factor: 2}\n"
         "        - {name: stitch, type: stitch, producers: [up.ps], in: [3, 16, 16], out: [3, 16, "
         "16], rank: 4}\n";
}

std::string layers(int b1, bool d1, int b2, bool d2) {
  auto l = [](const char* n, int b, bool d) {
    return std::string("          - {name: ") + n + ", act_bits: " + std::to_string(b) +
           ", dre: " + (d ? "true" : "false") + "}\n";
  };
  return l("head", b1, d1) + l("body", b2, d2);
}

SessionOutput run(const std::string& wl) {
  SessionInput in;
  in.hw = load_yaml_text(kHw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(wl, "wl.yaml", ErrorKind::Workload, "workload");
  return run_session(std::move(in));
}

const Json& row(const SessionOutput& o, const std::string& name) {
  const Json* rows = o.stats.at_path("breakdown.layers");
  for (size_t i = 0; i < rows->size(); ++i)
    if (rows->at(i).find("name")->as_string() == name) return rows->at(i);
  FAIL("no breakdown row " << name);
  return *rows;
}

uint64_t cycles(const SessionOutput& o, const std::string& name) {
  return row(o, name).find("cycles")->as_uint();
}

}  // namespace

TEST_CASE("mobile_npu: a layer's cycles at INT8 and at A16W8", "[mobile_npu]") {
  // Each layer's row is its launch plus its MACs at the mode's rate (its weights and input are
  // on chip before it starts: the weights prefetch under the previous layer).
  //   head INT8:   100 + 27,648 / 64 = 100 + 432 = 532;   A16W8: 100 + 27,648 / 32 = 964
  //   body INT8:   100 + 110,592 / 64 = 100 + 1,728 = 1,828; A16W8: 100 + 3,456 = 3,556
  const SessionOutput i8 = run(trace(layers(8, false, 8, false)));
  CHECK(cycles(i8, "head") == 532);
  CHECK(cycles(i8, "body") == 1828);
  CHECK(row(i8, "body").find("macs")->as_uint() == 110592);
  const SessionOutput a16 = run(trace(layers(16, false, 16, false)));
  CHECK(cycles(a16, "head") == 964);
  CHECK(cycles(a16, "body") == 3556);
  CHECK(a16.stats.at_path("mobile_npu.cycles_by_unit")->find("tensor.wide")->as_uint() ==
        864 + 3456);
  // No unit or mode change: no switch.
  CHECK(a16.stats.at_path("mobile_npu.models")->at(0).find("partition_switches")->as_uint() == 0);
}

TEST_CASE("mobile_npu: a mode change between layers is a partition switch", "[mobile_npu]") {
  // head INT8, body A16W8: body's row = switch 1,000 + launch 100 + 3,456 = 4,556.
  const SessionOutput o = run(trace(layers(8, false, 16, false)));
  CHECK(cycles(o, "head") == 532);
  CHECK(cycles(o, "body") == 1000 + 100 + 3456);
  const Json& m = o.stats.at_path("mobile_npu.models")->at(0);
  CHECK(m.find("partition_switches")->as_uint() == 1);
  CHECK(m.find("partitions")->as_uint() == 2);
  CHECK(o.stats.at_path("mobile_npu.partition_switch_seconds")->as_double() ==
        Approx(1e-6).epsilon(1e-12));
}

TEST_CASE("mobile_npu: a DRE layer waits for the RQU over its whole input", "[mobile_npu]") {
  // body with DRE: before it, the RQU: a log2(16 lanes) = 4-cycle min/max tree and Eq. (1)
  // (50) as fixed cost, then the requantise pass over body's 16 x 8 x 8 = 1,024 input
  // elements held at 16 bits: copy latency 2 + 1,024 / 16 = 66. Row: 4 + 50 + 66 = 120; body
  // itself starts only after it (its row is unchanged: 1,828).
  const SessionOutput o = run(trace(layers(8, false, 8, true)));
  CHECK(cycles(o, "body.rqu") == 4 + 50 + 66);
  CHECK(cycles(o, "body") == 1828);
  const uint64_t without = run(trace(layers(8, false, 8, false))).total_cycles;
  CHECK(o.total_cycles == without + 120);
  CHECK(o.stats.at_path("mobile_npu.dre_seconds")->as_double() == Approx(120e-9));
}

TEST_CASE("mobile_npu: a rank-6 pixel-shuffle falls back to the CPU", "[mobile_npu]") {
  // up.ps (rank 6 > 4 banks) goes to the CPU: hop 10,000 + its input (12 x 64 = 768 B) and
  // output (3 x 256 = 768 B) at 1 B/cycle: 10,000 + 1,536 = 11,536 cycles. body stores its 768
  // output bytes for the CPU (its row ends when they are in DRAM: 100 + 1,728 compute, then
  // the store's 100-cycle latency and 768 / 64 = 12 cycles of bus; the memories' hand-off adds
  // at most a cycle), and stitch loads the CPU's 768 bytes back.
  const SessionOutput o = run(trace(layers(8, false, 8, false), "fallback"));
  CHECK(row(o, "up.ps").find("compute_cycles")->as_uint() == 11536);
  CHECK(row(o, "body").find("dram_write_bytes")->as_uint() == 768);
  CHECK(cycles(o, "body") >= 100 + 1728 + 100 + 12);
  CHECK(cycles(o, "body") <= 100 + 1728 + 100 + 12 + 1);
  CHECK(o.stats.at_path("mobile_npu.fallback_seconds")->as_double() == Approx(11536e-9));
  const Json& steps = *o.stats.at_path("mobile_npu.models")->at(0).find("steps");
  CHECK(steps.at(2).find("name")->as_string() == "body");
  CHECK(steps.at(2).find("store_bytes")->as_uint() == 768);
  CHECK(steps.at(3).find("unit")->as_string() == "cpu_fallback");
  CHECK(steps.at(4).find("load_bytes")->as_uint() == 768);
  // The rank-4 rewrite runs it on the vector unit: launch 100 + 3 channel descriptors x 100 +
  // the copy of 768 INT8 elements (2 + 768 / 32 = 26) = 426, and nothing leaves the chip.
  const SessionOutput r = run(trace(layers(8, false, 8, false)));
  CHECK(cycles(r, "up.ps") == 100 + 300 + 26);
  CHECK(r.stats.at_path("mobile_npu.fallback_seconds")->as_double() == 0.0);
}

TEST_CASE("mobile_npu: schedules the hardware cannot run are user errors naming the layer",
          "[mobile_npu]") {
  CHECK_THROWS_WITH(run(trace(layers(8, false, 8, false), "native")),
                    Catch::Contains("layer `up.ps` is a rank-6 pixel_shuffle") &&
                        Catch::Contains("4 tensor banks"));
  CHECK_THROWS_AS(run(trace(layers(8, false, 32, false))), WorkloadError);
  CHECK_THROWS_WITH(run(trace(layers(8, false, 32, false))),
                    Catch::Contains("layer `body` is scheduled at act_bits 32"));
  CHECK_THROWS_WITH(
      run(trace("          - {name: head, act_bits: 8, dre: false}\n")),
      Catch::Contains("the schedule has 1 layers but the graph of `t` has 2 scheduled layers; "
                      "layer `body`"));
}
