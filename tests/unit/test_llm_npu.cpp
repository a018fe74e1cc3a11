// The LLM NPU: bit-plane bytes, tile and MPE cycle rules, decode-step bounds, PMPD's sanity
// invariants, exactness of the controller's time decoupling and lowering reuse.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "harness.h"
#include "llm_test_hw.h"
#include "models/llm_npu/bitplane.h"
#include "models/llm_npu/llm_lowering.h"
#include "models/llm_npu/tree.h"
#include "sim/app/session.h"

using namespace npusim;

namespace {

const std::string kHw = test::kSmallLlmHw;

// A small decoder: 4 layers, hidden 512, FFN 1024 (SwiGLU), 8 heads of 64.
std::string llm(int prompt, int gen, const std::string& schedule, const std::string& extra = "") {
  return "schema_version: 1\nname: small-llm\nmodels:\n  - name: small\n"
         "    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
         "    llm: {layers: 4, hidden: 512, ffn: 1024, heads: 8, vocab: 1000, max_context: 2048}\n"
         "    generation: {prompt_len: " +
         std::to_string(prompt) + ", gen_len: " + std::to_string(gen) +
         "}\n"
         "    schedule: " +
         schedule + "\n" + extra;
}

SessionOutput run(const std::string& wl, Overrides o = {}) {
  return test::run_texts(kHw, wl, std::move(o));
}

double num(const SessionOutput& o, const std::string& path) {
  return o.stats.at_path(path)->as_double();
}

// Weights of the small model's decoder-block linears: q, k, v, o (512 x 512) and gate, up,
// down (512 x 1024) per layer.
constexpr double kWeightsPerToken = 4.0 * (4 * 512 * 512 + 3 * 512 * 1024);

}  // namespace

TEST_CASE("bit-plane layout: a b-bit pass reads exactly b planes", "[llm]") {
  BitPlaneLayout l;  // 4 planes, 64 B aligned, fp16 LUT entries
  // 128 rows x 1024 inputs: one plane is 128 x 1024 / 8 = 16384 B (already 64 B aligned).
  CHECK(l.plane_chunk_bytes(128, 1024) == 16384);
  for (int b = 1; b <= 4; ++b) CHECK(l.weight_bytes(128, 1024, b) == 16384u * b);
  CHECK(l.weight_bytes(128, 1024, 16) == 128u * 1024 * 2);
  // 3 rows x 10 inputs = 30 bits -> 4 B, padded to 64 B per plane.
  CHECK(l.weight_bytes(3, 10, 3) == 3u * 64);
  // LUTs: 2^b fp16 centroids per row.
  CHECK(l.table_bytes(128, 2) == 128u * 4 * 2);
  CHECK(l.table_bytes(128, 4) == 128u * 16 * 2);
  CHECK(l.table_bytes(128, 16) == 0);
  // Stored: all 4 planes + the LUTs of 1..4 bits (2+4+8+16 entries of 2 B per row).
  CHECK(l.stored_bytes(128, 1024, false) == 4u * 16384 + 128u * 30 * 2);
  // Tile rows for a 64 KiB half: 4 planes of rows x 128 B fit 128 rows; with LUTs,
  // rows x (512 + 32) <= 65536 gives 120.
  CHECK(l.tile_rows(1024, 65536, false, false) == 128);
  CHECK(l.tile_rows(1024, 65536, false, true) == 120);
  CHECK(l.tile_rows(1024, 65536, true, false) == 32);
  CHECK(l.supports(3));
  CHECK_FALSE(l.supports(5));
  CHECK(l.supports(16));
}

TEST_CASE("on-chip GEMV tiles: bytes per precision and dequant-bound cycles", "[llm]") {
  BitPlaneLayout l;
  LlmLowering low(l, {65536, 131072, 65536, 65536}, false, MatrixGranule{16, 16, 16});
  for (int b : {2, 3, 4, 16}) {
    std::vector<WorkUnit> steps;
    low.linear_on_chip(1, 1024, 512, b, 16, steps);
    uint64_t bytes = 0;
    for (const WorkUnit& s : steps) bytes += s.weight_bytes;
    INFO(b << " bits");
    // 512 x 1024 weights at b bits, with no padding (rows x 1024 / 8 is a multiple of 64).
    CHECK(bytes == 512u * 1024 * static_cast<uint64_t>(b) / 8);
    CHECK(steps.size() == (b == 16 ? 16u : 4u));  // 32 rows per fp16 tile, 128 otherwise
  }
  // Blocked fp16: with k = 4096 a full-K tile holds 65536 / 8192 = 8 rows, narrower than the
  // MPE's 16 output lanes, so tiles are 16 rows x 65536 / (16 x 2) = 2048 inputs: 512 / 16 = 32
  // row tiles x 2 K chunks = 64 steps of 64 KiB, the second chunk 2048 x 16 x 2 B further on.
  std::vector<WorkUnit> blocked;
  low.linear_on_chip(1, 4096, 512, 16, 16, blocked);
  REQUIRE(blocked.size() == 64u);
  for (const WorkUnit& s : blocked) CHECK(s.weight_bytes == 65536u);
  CHECK(blocked[1].weight_addr == 65536u);
  CHECK(blocked[2].weight_addr == 16u * 4096 * 2);
  CHECK(blocked[1].mw.k == 2048u);
  CHECK(blocked[1].mw.n == 16u);
  CHECK(low.stored_weight_bytes(4096, 512, true) == 512u * 4096 * 2);
  // One 128-row tile on an MPE with 64 x 64 MV lanes and a 256 weights/cycle dequantiser:
  //   MPE: ceil(1024 / 64) x ceil(128 / 64) = 32 cycles + depth 8 = 40
  //   dequant: 128 x 1024 / 256 = 512 cycles + depth 4 = 516
  // so the step takes max(40, 516) + 4 (the MPE starts after the dequant pipeline) = 520.
  npusim::SimKernel k;
  npusim::test::Harness h;
  auto mpe = h.build<IMatrixUnit>(
      "matrix_unit", "mpe",
      "type: mpe\nmv_k: 64\nmv_n: 64\nmm_m: 16\nmm_k: 16\nmm_n: 16\npipeline_depth: 8\n");
  CHECK(mpe->cycles({1, 1024, 128, 16, 3, 1}) == 40);
  // MM mode (prefill): 64 x 256 x 128 on 16 x 16 x 16 = 4 x 16 x 8 = 512 + 8.
  CHECK(mpe->cycles({64, 256, 128, 16, 16, 1}) == 520);
}

TEST_CASE("tree acceptance: interpolation in log(n) and exact running totals", "[llm]") {
  TreeDecoding t;
  t.sizes = {10, 100};
  t.tau = {2.0, 3.0};
  t.tree_size = 10;
  CHECK(t.accepted_per_step(1) == 1.0);
  CHECK(t.accepted_per_step(10) == Approx(2.0));
  CHECK(t.accepted_per_step(100) == Approx(3.0));
  // Halfway in log between 10 and 100 (n = sqrt(1000) ~ 31.6): 2.5.
  CHECK(t.accepted_per_step(31) == Approx(2.0 + std::log(3.1) / std::log(10.0)));
  // Beyond the table the last slope in log(n) continues: tau(1000) = 4.
  CHECK(t.accepted_per_step(1000) == Approx(4.0));
  t.calibration = 1.07;
  t.tree_size = 100;
  int64_t total = 0;
  for (int k = 0; k < 100; ++k) total += t.accepted_at(k);
  CHECK(total == static_cast<int64_t>(std::floor(100 * 3.0 * 1.07 + 1e-9)));  // 321
  CHECK(t.check().empty());
  t.tau = {2.0};
  CHECK_FALSE(t.check().empty());
}

TEST_CASE("decode is weight-streaming bound: time per token = bytes / bandwidth", "[llm]") {
  // PMPD spec §2.6 invariant 1 in paper mode: decode time per token equals (weight bytes at
  // b bits + KV bytes) / BW within 2 %, since compute hides under the stream.
  for (int b : {2, 3, 4, 16}) {
    SessionOutput o = run(llm(64, 16, "{type: uniform, bits: " + std::to_string(b) + "}"));
    const double weight_bytes = kWeightsPerToken * b / 8;
    // K and V read per layer per step: 2 x context x 512 x 2 B, context 64..79 (mean 71.5).
    const double kv_bytes = 4 * 2 * 71.5 * 512 * 2;
    const double expected_s = (weight_bytes + kv_bytes) / 32e9;
    INFO(b << " bits");
    CHECK(num(o, "llm.time_per_output_token_s") == Approx(expected_s).epsilon(0.02));
    CHECK(num(o, "llm_npu.dram_bytes_by_class.weights.read") >= 16 * weight_bytes);  // + prefill
    CHECK(num(o, "llm_npu.phases.decode.dram_bandwidth_utilisation") > 0.97);
    // Invariant 2: MAC utilisation in decode follows the stream: of the 32 B per cycle, the
    // weight bytes bring 8 / b MACs each and the fp16 K/V bytes 1/2 MAC each (one MAC per
    // cached element), over 4096 MACs. (Spec: 1.6 % at 4 bits on the 4K config.)
    const double w_share = weight_bytes / (weight_bytes + kv_bytes);
    const double expected_util = 32.0 * (w_share * 8 / b + (1 - w_share) * 0.5) / 4096;
    CHECK(num(o, "llm_npu.phases.decode.mac_utilisation") == Approx(expected_util).epsilon(0.15));
    CHECK(num(o, "llm.average_weight_bits_per_token") == b);
  }
}

TEST_CASE("decode traffic by tensor class matches the layout exactly", "[llm]") {
  // 3-bit weights, LUTs counted: per token every linear streams 3 planes and its 3-bit LUTs
  // (8 fp16 centroids per output row); K/V reads are 2 x context x 512 x 2 B per layer and
  // appends 2 x 512 x 2 B per layer.
  SessionOutput with = run(llm(32, 8, "{type: uniform, bits: 3}"), {{"count_lut", "true"}});
  SessionOutput without = run(llm(32, 8, "{type: uniform, bits: 3}"));
  const double rows_per_token = 4.0 * (4 * 512 + 2 * 1024 + 512);  // output rows of all linears
  const double decode_luts = 8 * rows_per_token * 8 * 2;
  const double prefill_luts = rows_per_token * 8 * 2;  // prefill reads each weight block once
  CHECK(num(with, "llm_npu.dram_bytes_by_class.luts.read") == decode_luts + prefill_luts);
  CHECK(num(without, "llm_npu.dram_bytes_by_class.luts.read") == 0);
  double kv_read = 0;
  for (int step = 0; step < 8; ++step) kv_read += 4 * 2.0 * (32 + step) * 512 * 2;
  CHECK(num(without, "llm_npu.dram_bytes_by_class.kv.read") ==
        kv_read + /* prefill */ 4 * 2.0 * 32 * 512 * 2);
  CHECK(num(without, "llm_npu.dram_bytes_by_class.kv.written") == 8 * 4 * 2.0 * 512 * 2);
}

TEST_CASE("time decoupling and lowering reuse change no cycle count", "[llm]") {
  const std::string wl = llm(48, 12, "{type: static, high_bits: 4, low_bits: 3, switch_step: 5}");
  SessionOutput base = run(wl);
  SessionOutput every_transfer = run(wl, {{"sync_quantum", "0ps"}});
  SessionOutput no_reuse = run(wl, {{"lowering_cache", "false"}});
  CHECK(base.total_cycles == every_transfer.total_cycles);
  CHECK(base.total_cycles == no_reuse.total_cycles);
  // Everything but the resolved parameters is identical.
  auto strip = [](const SessionOutput& o) {
    Json j = o.stats;
    return j.at_path("breakdown")->dump() + j.at_path("dram")->dump() + j.at_path("llm")->dump();
  };
  CHECK(strip(base) == strip(every_transfer));
  CHECK(strip(base) == strip(no_reuse));
}

TEST_CASE("fast-forward skips repeating steps and changes no number", "[llm]") {
  // A wider model, so linear layers are long runs of identical weight tiles: hidden 2048,
  // FFN 8192; at 4 planes a 64 KiB half holds 64 rows of 2048 (32 tiles per q/k/v/o, 128 per
  // gate/up) and 16 rows of 8192 (down: 128 tiles). Tree decoding adds MM-mode steps.
  const std::string wl =
      "schema_version: 1\nname: wide\nmodels:\n  - name: wide\n"
      "    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
      "    llm: {layers: 2, hidden: 2048, ffn: 8192, heads: 16, vocab: 1000, max_context: 512}\n"
      "    generation: {prompt_len: 16, gen_len: 6}\n"
      "    schedule: {type: static, high_bits: 4, low_bits: 3, switch_step: 2}\n";
  const std::string tree = "    decoding: {tree_size: 24, sizes: [8, 64], tau: [1.8, 2.4]}\n";
  for (const std::string& w : {wl, wl + tree}) {
    for (const char* quantum : {"1ms", "0ps"}) {
      SessionOutput on = run(w, {{"sync_quantum", quantum}});
      SessionOutput off = run(w, {{"sync_quantum", quantum}, {"fast_forward", "false"}});
      INFO((w.size() > wl.size() ? "tree, " : "plain, ") << "quantum " << quantum);
      CHECK(num(on, "llm_npu.fast_forwarded_steps") > 0);
      CHECK(num(off, "llm_npu.fast_forwarded_steps") == 0);
      CHECK(on.total_cycles == off.total_cycles);
      // Every line of stats.json is the same, but the skipped-step count and averages whose
      // sums were replayed as k x (one period) rather than added k x p times (last bits).
      std::istringstream a(on.stats.dump()), b(off.stats.dump());
      std::string la, lb;
      size_t lines = 0, approximate = 0;
      while (std::getline(a, la) && std::getline(b, lb)) {
        ++lines;
        if (la == lb || la.find("fast_forwarded_steps") != std::string::npos) continue;
        ++approximate;
        INFO(la << "  vs  " << lb);
        REQUIRE(la.substr(0, la.find(':')) == lb.substr(0, lb.find(':')));
        CHECK(std::stod(la.substr(la.find(':') + 1)) ==
              Approx(std::stod(lb.substr(lb.find(':') + 1))).epsilon(1e-12));
      }
      CHECK(lines > 100);
      CHECK(approximate <= 2);
    }
  }
}

TEST_CASE("layers that repeat within a decode step are applied at once, exactly", "[llm]") {
  // 6 layers: within a step every layer is the same work (the attention spans the same
  // context), so once the state after layer l equals the state after layer l - 1 (later by
  // one layer's time), layers l + 1 .. 5 are applied as repetitions. The earliest comparison
  // is after layer 1, so at most 4 layers per step are skipped, 8 steps x 4 = 32 in all.
  const std::string wl =
      "schema_version: 1\nname: deep\nmodels:\n  - name: deep\n"
      "    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
      "    llm: {layers: 6, hidden: 1024, ffn: 4096, heads: 8, vocab: 1000, max_context: 512}\n"
      "    generation: {prompt_len: 40, gen_len: 8}\n"
      "    schedule: {type: static, high_bits: 4, low_bits: 2, switch_step: 3}\n";
  SessionOutput on = run(wl), off = run(wl, {{"fast_forward", "false"}});
  const double layers = num(on, "llm_npu.fast_forwarded_layers");
  CHECK(layers <= 32);
  CHECK(layers >= 24);  // (at least 3 of the 4 in every step, once warmed up)
  CHECK(num(off, "llm_npu.fast_forwarded_layers") == 0);
  CHECK(on.total_cycles == off.total_cycles);
  std::istringstream a(on.stats.dump()), b(off.stats.dump());
  std::string la, lb;
  size_t lines = 0, different = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    ++lines;
    if (la == lb || la.find("fast_forwarded") != std::string::npos) continue;
    ++different;
    INFO(la << "  vs  " << lb);
    CHECK(std::stod(la.substr(la.find(':') + 1)) ==
          Approx(std::stod(lb.substr(lb.find(':') + 1))).epsilon(1e-12));
  }
  CHECK(lines > 500);  // every operator row of every layer is compared
  CHECK(different <= 2);
}

TEST_CASE("static schedule: average bits and a switch without a bubble", "[llm]") {
  // 12 tokens, the first 5 at 4 bits and the rest at 3: 3 + 5/12 bits on average.
  SessionOutput s = run(llm(48, 12, "{type: static, high_bits: 4, low_bits: 3, switch_step: 5}"));
  CHECK(num(s, "llm.average_weight_bits_per_token") == Approx(3.0 + 5.0 / 12));
  // Decode time = 5 tokens at 4 bits + 7 at 3 bits (bytes / BW), within 2 %.
  double kv = 0;
  for (int i = 0; i < 12; ++i) kv += 4 * 2.0 * (48 + i) * 512 * 2;
  const double expected = (5 * kWeightsPerToken * 4 / 8 + 7 * kWeightsPerToken * 3 / 8 + kv) / 32e9;
  CHECK(num(s, "llm.decode_seconds") == Approx(expected).epsilon(0.02));
  // A switch penalty stalls compute for that long; the stream keeps going, so at most that.
  SessionOutput p = run(llm(48, 12, "{type: static, high_bits: 4, low_bits: 3, switch_step: 5}"),
                        {{"switch_penalty_cycles", "5000"}});
  CHECK(p.total_cycles > s.total_cycles);
  CHECK(p.total_cycles <= s.total_cycles + 5000);
}

TEST_CASE("tree decoding: a flat step below the knee accepts tau tokens", "[llm]") {
  const std::string table = "    decoding: {tree_size: TREE, sizes: [8, 64], tau: [1.8, 2.4]}\n";
  auto with_tree = [&](int n) {
    std::string d = table;
    d.replace(d.find("TREE"), 4, std::to_string(n));
    return run(llm(64, 24, "{type: uniform, bits: 4}", d));
  };
  SessionOutput plain = with_tree(1), tree8 = with_tree(8);
  // 8 tree tokens ride on the weights loaded for one: the MPE needs 8 x 16 = 128 MACs per
  // weight row of 16 ... far below the stream, so a step costs about one token's time.
  const double step_plain = num(plain, "llm.decode_seconds") / num(plain, "llm.decode_steps");
  const double step_tree = num(tree8, "llm.decode_seconds") / num(tree8, "llm.decode_steps");
  CHECK(step_tree == Approx(step_plain).epsilon(0.05));
  CHECK(num(tree8, "llm.tokens_per_decode_step") == Approx(1.8).epsilon(0.06));
  CHECK(num(tree8, "llm.decode_tokens_per_s") > 1.6 * num(plain, "llm.decode_tokens_per_s"));
}

TEST_CASE("a tree whose activations overflow the buffers runs through DRAM", "[llm]") {
  // Decode keeps activations on chip while every matrix operator's input fits the 256 KiB
  // activation buffer and its output the 128 KiB output buffer. The tightest is gate/up's
  // output, n x 1024 x 2 B: n <= 64 fits, n = 65 (130 KiB) spills.
  auto tree = [&](int n) {
    return run(llm(
        64, 8, "{type: uniform, bits: 4}",
        "    decoding: {tree_size: " + std::to_string(n) + ", sizes: [8, 64], tau: [1.8, 2.4]}\n"));
  };
  SessionOutput fits = tree(64), spills = tree(65);
  CHECK(num(fits, "llm.decode_steps_spilled") == 0);
  CHECK(num(spills, "llm.decode_steps_spilled") == num(spills, "llm.decode_steps"));
  // Spilled, each step writes at least every matrix operator's output to DRAM: per layer
  // q, k, v, o and down (n x 512 each) and gate, up (n x 1024 each), fp16. The prefill
  // (64 tokens) is the same in both runs.
  const double per_step = 4 * 65 * (5 * 512 + 2 * 1024) * 2.0;
  const double extra = num(spills, "llm_npu.dram_bytes_by_class.activations.written") -
                       num(fits, "llm_npu.dram_bytes_by_class.activations.written");
  CHECK(extra >= num(spills, "llm.decode_steps") * per_step);
  CHECK(num(spills, "llm.time_per_decode_step_s") > num(fits, "llm.time_per_decode_step_s"));
}

TEST_CASE("bad schedules are user errors naming the key", "[llm]") {
  CHECK_THROWS_AS(run(llm(32, 10, "{type: uniform, bits: 5}")), WorkloadError);
  CHECK_THROWS_WITH(
      run(llm(32, 10, "{type: static, high_bits: 4, low_bits: 3, switch_step: 11}")),
      Catch::Contains("switch_step` = 11 is past the generation length (gen_len = 10)"));
  CHECK_THROWS_WITH(
      run(llm(32, 10, "{type: uniform, bits: 5}")),
      Catch::Contains("= 5 bits is not supported by the weight layout; supported: 1..4"));
  CHECK_THROWS_WITH(run(llm(32, 10, "{type: python, prefill_bits: 4}")),
                    Catch::Contains("needs a policy callable"));
  CHECK_THROWS_WITH(run(llm(32, 10, "{type: staic, bits: 4}")),
                    Catch::Contains("did you mean `static`"));
  CHECK_THROWS_WITH(run(llm(32, 10, "{type: learned, high_bits: 4, low_bits: 3}")),
                    Catch::Contains("needs exactly one of `switch_step` and `class`"));
}

TEST_CASE("LLM requests preempt each other at operator boundaries and all tokens are generated",
          "[llm][runtime]") {
  // A long generation (64 tokens) arrives first; a short one (4 tokens) 1 us later. Preemptive
  // SJF lets the short one in at the long one's next operator boundary; both programs then run
  // to their ends on the same accelerator, each resuming where it stopped.
  const std::string wl =
      "schema_version: 1\nname: two-llm\nmodels:\n"
      "  - name: long\n    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
      "    llm: {layers: 2, hidden: 512, ffn: 1024, heads: 8, vocab: 1000, max_context: 512}\n"
      "    generation: {prompt_len: 32, gen_len: 64}\n    schedule: {type: uniform, bits: 4}\n"
      "  - name: short\n    precision: {activation: 16, weight: 16, output: 16, kv: 16}\n"
      "    llm: {layers: 2, hidden: 512, ffn: 1024, heads: 8, vocab: 1000, max_context: 512}\n"
      "    generation: {prompt_len: 32, gen_len: 4}\n    schedule: {type: uniform, bits: 4}\n"
      "requests:\n  arrivals: trace\n  trace: [{at: 0us, model: long}, {at: 1us, model: short}]\n"
      "  scheduler: {type: sjf, preemptive: true}\n";
  SessionOutput o = run(wl);
  const Json* list = o.stats.at_path("requests.list");
  CHECK(o.stats.at_path("requests.completed")->as_uint() == 2);
  CHECK(list->at(0).find("preemptions")->as_uint() >= 1);
  CHECK(list->at(1).find("finish_s")->as_double() < list->at(0).find("finish_s")->as_double());
  // The short request ran alone once it started: its service time is its isolated latency
  // (it never yields: nothing shorter waits).
  const double service =
      list->at(1).find("finish_s")->as_double() - list->at(1).find("start_s")->as_double();
  CHECK(service == Approx(list->at(1).find("isolated_s")->as_double()).epsilon(1e-9));
  CHECK(num(o, "llm.generated_tokens") == 68);
}
