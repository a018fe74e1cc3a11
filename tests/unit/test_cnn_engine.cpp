// unzipFPGA's CNN engine (models/cnn_engine): the closed-form rules of the spec derived by
// hand, the simulated steady-state interval against Eq. 8 for each bound, Eq. 7's input-
// selective PEs, the OVSF code generator's bit invariant against an independent Hadamard
// reference, and the bad designs the issue lists.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

#include "models/cnn_engine/cnn_timing.h"
#include "models/cnn_engine/helper_pe_dealing.h"
#include "models/cnn_engine/ovsf_codes.h"
#include "sim/app/session.h"
#include "sim/core/errors.h"

using namespace npusim;
using namespace npusim::cnn;

namespace {

// 1 GHz; a DRAM of two channels of `gbps` GB/s (= `gbps` bytes per cycle each) interleaved by
// 1 GiB, so loads use channel 0 and stores (from 1 GiB on) channel 1: split read and write
// channels as in Eq. 6. No latency, 2-byte bursts, no DMA set-up, wide single-cycle buffers:
// the transfers take exactly bytes / bandwidth.
std::string hw(int gbps, const std::string& engine, const std::string& pe, const std::string& wgen,
               const std::string& input_capacity = "1MiB") {
  return "name: t\ntype: cnn_engine\nclock: 1GHz\n" + engine +
         "\ndram: {channels: 2, channel_bandwidth: " + std::to_string(gbps) +
         "GB/s, latency: 0ns, burst: 2B, interleave: 1GiB, capacity: 4GiB}\n"
         "dma: {queues: 2, max_outstanding: 8, transaction_bytes: 1MiB, setup_cycles: 0}\n"
         "input_sram: {capacity: " +
         input_capacity +
         ", banks: 64, bank_width: 128B, port_width: 4096B, latency: 0}\n"
         "weight_sram: {capacity: 1MiB, banks: 64, bank_width: 128B, port_width: 4096B, latency: "
         "0}\n"
         "output_sram: {capacity: 1MiB, banks: 64, bank_width: 128B, port_width: 4096B, latency: "
         "0}\n"
         "pe_array: {" +
         pe + "}\nweights_generator: {" + wgen + "}\n";
}

SessionOutput run(const std::string& hw_text, const std::string& layers,
                  const std::string& section = "") {
  SessionInput in;
  in.hw = load_yaml_text(hw_text, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(
      "schema_version: 1\nname: t\nmodels:\n  - name: t\n    precision: {activation: 16, "
      "weight: 16, output: 16}\n" +
          section + "    layers:\n" + layers,
      "wl.yaml", ErrorKind::Workload, "workload");
  return run_session(std::move(in));
}

// A 3x3 conv (padding 1) on a 1 x `r` input: R = r output pixels, P = 9 N_in, C = N_out.
std::string conv3(uint64_t r, int n_in, int n_out) {
  return "      - {name: l, op: conv2d, in_channels: " + std::to_string(n_in) +
         ", out_channels: " + std::to_string(n_out) + ", in_h: 1, in_w: " + std::to_string(r) +
         ", kernel_h: 3, kernel_w: 3, stride: 1, padding: 1}\n";
}
std::string conv1(uint64_t r, int n_in, int n_out) {
  return "      - {name: l, op: conv2d, in_channels: " + std::to_string(n_in) +
         ", out_channels: " + std::to_string(n_out) + ", in_h: 1, in_w: " + std::to_string(r) +
         ", kernel_h: 1, kernel_w: 1, stride: 1, padding: 0}\n";
}
std::string ratio(double rho) {
  return "    ovsf: {ratios: {l: " + std::to_string(rho) + "}}\n";
}

// The steady-state interval: one more row tile of T_R = 16 rows adds exactly one II.
uint64_t row_tile_interval(const std::string& hw_text,
                           const std::function<std::string(uint64_t)>& layer,
                           const std::string& section) {
  const uint64_t a = run(hw_text, layer(3 * 16), section).total_cycles;
  const uint64_t b = run(hw_text, layer(4 * 16), section).total_cycles;
  return b - a;
}

}  // namespace

TEST_CASE("cnn_engine: Eq. 5-8 per output tile, by hand", "[cnn_engine]") {
  // <M 8, T_R 16, T_P 9, T_C 8>, P = 72 (8 input channels x 3x3) in 8 P-tiles, C = 8.
  Design d{8, 16, 9, 8, 16, 4.0, 4.0, false};
  // bw 4 B/cycle, n_b = round(16 x 0.25) = 4:
  //   t_in   = 16 x 72 x 2 B / 4 = 576;  t_WGen = 4 x ceil(72 / 8) x 8 = 288
  //   t_eng  = 16 x 8 = 128;              t_out  = 16 x 8 x 2 B / 4 = 64   -> IFM, II 576
  const TileTimes t = tile_times(d, {64, 72, 8, basis_count(0.25)}, 16, 8);
  CHECK(t.in == 576);
  CHECK(t.wgen == 288);
  CHECK(t.eng == 128);
  CHECK(t.out == 64);
  CHECK(t.bound() == Bound::Ifm);
  // n_b = round(16 rho), capped at 16 and at least 1 (§8.6): 0.4 -> 6, 1/3 -> 5, 0.125 -> 2.
  CHECK(basis_count(0.4) == 6);
  CHECK(basis_count(1.0 / 3.0) == 5);
  CHECK(basis_count(0.125) == 2);
  CHECK(basis_count(0.01) == 1);
  // A dense layer streams its weights over the read channel: + 72 x 8 x 2 B / 4 = 288 (§8.4).
  CHECK(tile_times(d, {64, 72, 8, 0}, 16, 8).in == 576 + 288);
  // Partial tiles (§8.2): R = 40 is 2 tiles of 16 rows and one of 8 (t_in 288, t_WGen 288,
  // t_eng 64, t_out 32: a tie, labelled IFM): 2 x 576 + 288 = 1440.
  CHECK(layer_times(d, {40, 72, 8, 4}).cycles == 1440);
}

TEST_CASE("cnn_engine: Eq. 7, input-selective PEs", "[cnn_engine]") {
  // 64 live columns of 128 PEs, 196 rows: the 64 idle PEs take rows,
  //   128 - 64 + ceil((196 x 64 - 64 x 65) / 128) = 64 + ceil(8384 / 128) = 64 + 66 = 130.
  CHECK(engine_cycles_per_ptile(196, 64, 128, true) == 130);
  CHECK(engine_cycles_per_ptile(196, 64, 128, false) == 196);
  // Equal to t_eng when every PE is live, and never slower than one row per cycle:
  // 100 of 128 columns, 16 rows: 28 + ceil((1600 - 28 x 101) / 128) = 28 + ceil(-1228 / 128)
  // = 28 - 9 = 19 > 16, so 16.
  CHECK(engine_cycles_per_ptile(196, 128, 128, true) == 196);
  CHECK(engine_cycles_per_ptile(16, 100, 128, true) == 16);
}

namespace {

// Independent of the per-cycle model: column j is done at the first cycle t at which its own PE
// (t rows) and the helpers that held its weight, H_j(t) = #{(d, t'): d <= t' <= t,
// (t' - d) mod C = j} = sum over d of (floor((t - j - d) / C) + 1 when t >= j + d), cover its
// T_R rows; the tile ends with its last column.
uint64_t helper_reference(uint64_t rows, uint64_t cols, uint64_t t_c) {
  if (cols >= t_c) return rows;
  uint64_t end = 0;
  for (uint64_t j = 0; j < cols; ++j) {
    uint64_t t = 0, covered = 0;
    while (covered < rows) {
      ++t;
      covered = t;
      for (uint64_t d = 1; d <= t_c - cols; ++d) {
        if (t >= j + d) covered += (t - j - d) / cols + 1;
      }
    }
    end = std::max(end, t);
  }
  return end;
}

}  // namespace

TEST_CASE("cnn_engine: the explicit helper-PE mode against Eq. 7", "[cnn_engine]") {
  // Where they must agree (the derivations are in helper_pe_dealing.h):
  // every PE live: T_R.
  CHECK(helper_pe_cycles(196, 128, 128) == 196);
  // One helper, 7 columns on 8 PEs, 16 rows: the last column gets floor(t / 7) helper rows;
  // t = 14: 14 + 2 = 16 rows (t = 13: 13 + 1 = 14, short). Eq. 7: 1 + ceil((112 - 8) / 8) = 14.
  CHECK(helper_pe_cycles(16, 7, 8) == 14);
  CHECK(engine_cycles_per_ptile(16, 7, 8, true) == 14);
  // Half the array idle, the paper's case (64 columns on 128 PEs), 196 rows: the last column has
  // t - 63 helper rows by cycle t, so t + t - 63 >= 196 at t = ceil(259 / 2) = 130 = Eq. 7.
  CHECK(helper_pe_cycles(196, 64, 128) == 130);
  CHECK(helper_pe_cycles(1568, 64, 128) == 816);  // ceil((1568 + 63) / 2)
  CHECK(helper_pe_cycles(16, 4, 8) == 10);        // ceil((16 + 3) / 2)
  // Fewer rows than columns: the last column's helpers arrive after cycle 63, too late; both T_R.
  CHECK(helper_pe_cycles(49, 64, 128) == 49);
  CHECK(engine_cycles_per_ptile(49, 64, 128, true) == 49);
  for (uint64_t t_c = 2; t_c <= 40; ++t_c) {
    for (uint64_t rows = 1; rows <= 70; rows += 3) {
      INFO("T_C " << t_c << ", rows " << rows);
      CHECK(helper_pe_cycles(rows, t_c - 1, t_c) ==
            engine_cycles_per_ptile(rows, t_c - 1, t_c, true));
      if (t_c % 2 == 0) {
        CHECK(helper_pe_cycles(rows, t_c / 2, t_c) ==
              engine_cycles_per_ptile(rows, t_c / 2, t_c, true));
      }
    }
  }
  // Where they differ. 2 columns on 8 PEs (6 helpers, 3 per column), 16 rows: by cycle 6 the
  // live PEs did 12 rows and helpers 1 + 2 + ... + 6 = 21, 33 >= 32, but column 1 is one row
  // short (helpers hold it at odd t - d only), so 7 cycles; Eq. 7 charges its ramp
  // (T_C - C)(T_C - C - 1) = 30 instead of the explicit 1 + ... + 5 = 15:
  // 6 + ceil((32 - 6 x 3) / 8) = 8.
  CHECK(helper_pe_cycles(16, 2, 8) == 7);
  CHECK(engine_cycles_per_ptile(16, 2, 8, true) == 8);
  // 96 columns on 128 PEs: the 32 helpers hold a window of 32 consecutive columns that moves by
  // one column a cycle, so columns get unequal help; a perfectly even share would need
  // ceil((196 x 96 + 32 x 31 / 2) / 128) = 151 cycles, Eq. 7 says
  // 32 + ceil((18816 - 32 x 97) / 128) = 32 + 123 = 155, the dealing takes 164.
  CHECK(engine_cycles_per_ptile(196, 96, 128, true) == 155);
  CHECK(helper_pe_cycles(196, 96, 128) == 164);
  // The per-cycle model against the per-column count, on every shape of small arrays.
  for (uint64_t t_c = 2; t_c <= 24; ++t_c) {
    for (uint64_t cols = 1; cols < t_c; ++cols) {
      for (uint64_t rows : {1u, 2u, 5u, 16u, 49u}) {
        INFO("rows " << rows << ", cols " << cols << ", T_C " << t_c);
        CHECK(helper_pe_cycles(rows, cols, t_c) == helper_reference(rows, cols, t_c));
        CHECK(helper_pe_cycles(rows, cols, t_c) <= rows);
      }
    }
  }
  CHECK(helper_reference(196, 96, 128) == 164);
}

TEST_CASE("cnn_engine: the simulated steady-state interval is Eq. 8, per bound", "[cnn_engine]") {
  const std::string eng = "tile_rows: 16";
  const std::string pe = "pes: 8, macs_per_pe: 9";
  auto c3 = [](uint64_t r) { return conv3(r, 8, 8); };
  SECTION("IFM") {  // as above: II = t_in = 16 x 72 x 2 / 4 = 576
    CHECK(row_tile_interval(hw(4, eng, pe, "width: 8"), c3, ratio(0.25)) == 576);
  }
  SECTION("W") {  // 64 B/cycle, n_b 16: t_WGen = 16 x 9 x 8 = 1152 > t_eng 128, t_in 36, t_out 4
    CHECK(row_tile_interval(hw(64, eng, pe, "width: 8"), c3, ratio(1.0)) == 1152);
  }
  SECTION("C") {  // 64 B/cycle, n_b 1: t_WGen = 72, t_in = 36, t_out = 4; t_eng = 16 x 8 = 128
    CHECK(row_tile_interval(hw(64, eng, pe, "width: 8"), c3, ratio(0.0625)) == 128);
  }
  SECTION("OFM") {
    // A dense 1x1 conv, P = 2 (one P-tile), C = 8, 4 B/cycle: t_in = (16 x 2 + 2 x 8) x 2 / 4
    // = 24 (inputs and the streamed weights), t_eng = 16, t_out = 16 x 8 x 2 / 4 = 64.
    auto c1 = [](uint64_t r) { return conv1(r, 2, 8); };
    CHECK(row_tile_interval(hw(4, eng, pe, "width: 8"), c1, "") == 64);
    CHECK(tile_times({8, 16, 9, 8, 16, 4.0, 4.0, false}, {64, 2, 8, 0}, 16, 8).bound() ==
          Bound::Ofm);
  }
  SECTION("C with input-selective PEs (Eq. 7)") {
    // C = 4 of T_C = 8: 4 + ceil((16 x 4 - 4 x 5) / 8) = 4 + 6 = 10 cycles per P-tile,
    // 8 P-tiles: 80 (t_in 36, t_WGen 72, t_out 2 at 64 B/cycle; without input selection 128).
    auto narrow = [](uint64_t r) { return conv3(r, 8, 4); };
    CHECK(
        row_tile_interval(hw(64, eng, "pes: 8, macs_per_pe: 9, input_selective: true", "width: 8"),
                          narrow, ratio(0.0625)) == 80);
    CHECK(row_tile_interval(hw(64, eng, pe, "width: 8"), narrow, ratio(0.0625)) == 128);
    // The explicit helper-PE mode: half the array idle, so the same 10 per P-tile.
    const std::string dealt =
        "pes: 8, macs_per_pe: 9, input_selective: true, "
        "selective_timing: explicit";
    CHECK(row_tile_interval(hw(64, eng, dealt, "width: 8"), narrow, ratio(0.0625)) == 80);
    // C = 2 of T_C = 8, M = 16 (t_WGen = 1 x ceil(72 / 16) x 8 = 40, t_in 36, t_out 1):
    // Eq. 7 8 cycles per P-tile (64), the explicit dealing 7 (56).
    auto two = [](uint64_t r) { return conv3(r, 8, 2); };
    CHECK(
        row_tile_interval(hw(64, eng, "pes: 8, macs_per_pe: 9, input_selective: true", "width: 16"),
                          two, ratio(0.0625)) == 64);
    CHECK(row_tile_interval(hw(64, eng, dealt, "width: 16"), two, ratio(0.0625)) == 56);
  }
}

TEST_CASE("cnn_engine: a layer's simulated cycles follow the closed form", "[cnn_engine]") {
  // ResNet-18's layer2 3x3 conv (28x28, 128 -> 128, R = 784, P = 1152) on <M 68, T_R 196,
  // T_P 13, T_C 64> at 4 B/cycle, OVSF rho 0.5 (n_b 8): Eq. 8 summed over 4 x 2 output tiles;
  // the simulation adds only the first load and the last store (fill and drain, < 3 %).
  const std::string h = hw(4, "tile_rows: 196", "pes: 64, macs_per_pe: 13", "width: 68");
  const SessionOutput o = run(h,
                              "      - {name: l, op: conv2d, in_channels: 128, out_channels: 128, "
                              "in_h: 28, in_w: 28, kernel_h: 3, kernel_w: 3, padding: 1}\n",
                              ratio(0.5));
  const LayerTimes t = layer_times({68, 196, 13, 64, 16, 4.0, 4.0, false}, {784, 1152, 128, 8});
  // t_in = 196 x 1152 x 2 / 4 = 112896 > t_WGen = 8 x 13 x 89 = 9256, t_eng = 196 x 89: IFM.
  CHECK(t.bound == Bound::Ifm);
  CHECK(t.cycles == 8 * 112896);
  CHECK(static_cast<double>(o.total_cycles) >= t.cycles);
  CHECK(static_cast<double>(o.total_cycles) <= 1.03 * t.cycles);
  CHECK(o.stats.at_path("cnn_engine.layers")->at(0).find("bound")->as_string() == "IFM");
  // Only activations cross DRAM: every tile re-reads its 196 x 1152 inputs (2 column tiles).
  CHECK(o.stats.at_path("dram.bytes_read")->as_uint() == 2 * 784 * 1152 * 2);
  CHECK(o.stats.at_path("dram.bytes_written")->as_uint() == 784 * 128 * 2);
}

TEST_CASE("cnn_engine: OVSF code generator keeps the bit invariant (spec §2.3)", "[cnn_engine]") {
  // Independent reference: Sylvester H_16 entry (i, j) is +1 iff popcount(i & j) is even.
  auto hadamard = [](uint64_t i, uint64_t j) {
    return static_cast<uint8_t>(__builtin_popcountll(i & j) % 2 == 0 ? 1 : 0);
  };
  const std::vector<Code> full = sylvester_codes(16);
  for (uint64_t i = 0; i < 16; ++i) {
    for (uint64_t j = 0; j < 16; ++j) CHECK(full[i][j] == hadamard(i, j));
  }
  // 3x3 kernels: the top-left 3x3 crop of the 4x4 codes (element r*3+c = code bit r*4+c).
  const std::vector<Code> crop = cropped_codes(16, 3);
  for (uint64_t m : {4u, 7u, 9u, 13u, 20u, 32u}) {  // M < K^2 = 9, M = K^2, M > K^2
    INFO("M = " << m);
    const uint64_t n_b = 5;
    OvsfCodeGenerator gen(std::vector<Code>(crop.begin(), crop.begin() + n_b), m);
    for (uint64_t s = 0; s < 12; ++s) {
      for (uint64_t j = 0; j < n_b; ++j) {
        const Code v = gen.next();
        for (uint64_t k = 0; k < m; ++k) {
          const uint64_t e = (s * m + k) % 9;  // bit k of subtile s = code_j[(s M + k) mod K^2]
          REQUIRE(v[k] == hadamard(j, (e / 3) * 4 + e % 3));
        }
      }
    }
    // The bit-true datapath (the generator's functional mode): weight e of a tile is
    // sum_j alpha_j (+1 if code_j's bit at kernel position e mod 9 is set, else -1), from the
    // same reference. Alpha (3, -5, 7, 2, 11) is arbitrary; 40 weights span 3 kernels and a part.
    const std::vector<int64_t> alpha{3, -5, 7, 2, 11};
    OvsfCodeGenerator fresh(std::vector<Code>(crop.begin(), crop.begin() + n_b), m);
    const std::vector<int64_t> w = generate_tile(fresh, alpha, 40);
    for (uint64_t e = 0; e < 40; ++e) {
      int64_t want = 0;
      for (uint64_t j = 0; j < n_b; ++j) {
        const uint64_t pos = e % 9;
        want += hadamard(j, (pos / 3) * 4 + pos % 3) ? alpha[j] : -alpha[j];
      }
      REQUIRE(w[e] == want);
    }
  }
  // e.g. weight 0 (position 0, every code's bit +1): 3 - 5 + 7 + 2 + 11 = 18; weight 1 (code 1
  // is + - + - along a row): 3 + 5 + 7 - 2 + 11 = 24.
  OvsfCodeGenerator g(std::vector<Code>(crop.begin(), crop.begin() + 5), 4);
  const std::vector<int64_t> w = generate_tile(g, {3, -5, 7, 2, 11}, 2);
  CHECK(w[0] == 18);
  CHECK(w[1] == 24);
}

TEST_CASE("cnn_engine: the weights generator's functional mode", "[cnn_engine]") {
  // OVSF rho 0.25 (n_b 4), T_P 9 x T_C 8 = 72 weights per tile at M = 8: 9 subtiles, each
  // 4 basis cycles of 8 code bits: 9 x 4 x 8 = 288 bits per tile. R = 32 in 2 row tiles, P = 72
  // in 8 P-tiles: 16 tiles, 1152 weights, 4608 bits; every weight matches the codes.
  const std::string pe = "pes: 8, macs_per_pe: 9";
  const auto timing = run(hw(4, "tile_rows: 16", pe, "width: 8"), conv3(32, 8, 8), ratio(0.25));
  const auto func =
      run(hw(4, "tile_rows: 16", pe, "width: 8, mode: functional"), conv3(32, 8, 8), ratio(0.25));
  CHECK(func.total_cycles == timing.total_cycles);  // the mode changes no timing
  CHECK(func.stats.at_path("components.weights_generator.weights_checked")->as_uint() == 1152);
  CHECK(func.stats.at_path("components.weights_generator.code_bits")->as_uint() == 4608);
  CHECK(func.stats.at_path("components.weights_generator.weight_errors")->as_uint() == 0);
  CHECK(timing.stats.at_path("components.weights_generator.weight_errors") == nullptr);
}

TEST_CASE("cnn_engine: N_f, the kernels one subtile spans", "[cnn_engine]") {
  // T_P = 9 = K^2: a column's 9 rows are one kernel (P-tiles start on kernel boundaries);
  // M = 9 spans 1 kernel, M = 18 two, M = 10 two (9 + 1).
  CHECK(kernels_per_subtile(9, 9, 4, 9) == 1);
  CHECK(kernels_per_subtile(18, 9, 4, 9) == 2);
  CHECK(kernels_per_subtile(10, 9, 4, 9) == 2);
  // T_P = 13: P-tiles start at offsets 0, 4, 8, 3, 7, 2, 6, 1, 5 (mod 9); 13 rows from offset 8
  // touch kernels at rows 8 | 9..17 | 18..20: 3 kernels in one column (Eq. 3 would say 2).
  CHECK(kernels_per_subtile(13, 13, 4, 9) == 3);
}

TEST_CASE("cnn_engine: bad designs and ratios are user errors naming both values", "[cnn_engine]") {
  const std::string pe = "pes: 64, macs_per_pe: 13";
  const std::string layer = conv3(64, 8, 8);
  CHECK_THROWS_WITH(run(hw(4, "tile_rows: 16\ndevice_dsps: 900", pe, "width: 69"), layer),
                    Catch::Contains("needs 901 DSPs") && Catch::Contains("is 900"));
  CHECK_THROWS_AS(run(hw(4, "tile_rows: 16", pe, "width: 0"), layer), ConfigError);
  CHECK_THROWS_WITH(run(hw(4, "tile_rows: 100000", pe, "width: 8"), layer),
                    Catch::Contains("device_ram_bits is 19200000"));
  CHECK_THROWS_WITH(run(hw(4, "tile_rows: 16", pe, "width: 8", "512B"), layer),
                    Catch::Contains("does not fit half of hw.input_sram"));
  CHECK_THROWS_AS(run(hw(4, "tile_rows: 16", pe, "width: 8"), layer, ratio(1.5)), WorkloadError);
  CHECK_THROWS_WITH(run(hw(4, "tile_rows: 16", pe, "width: 8"), layer, ratio(1.5)),
                    Catch::Contains("must be in (0, 1]"));
  CHECK_THROWS_WITH(
      run(hw(4, "tile_rows: 16", pe, "width: 8"),
          "      - {name: l, op: conv2d, in_channels: 3, out_channels: 8, in_h: 16, in_w: 16, "
          "kernel_h: 7, kernel_w: 7, stride: 2, padding: 3}\n",
          ratio(0.5)),
      Catch::Contains("7x7 kernel (49 weights)") && Catch::Contains("code_length) is 16"));
}

TEST_CASE("cnn_engine: streamed alpha and dense layers passed through the generator",
          "[cnn_engine]") {
  const std::string pe = "pes: 8, macs_per_pe: 9";
  // OVSF rho 0.25 (n_b 4), R = 32 in 2 row tiles of 16, P = 72 in 8 P-tiles of 9 rows = one
  // kernel each, C = 8. Inputs: 2 tiles x 16 x 72 x 2 B = 4608 B. Streamed alpha: per P-tile
  // 1 kernel x 8 columns x 4 coefficients x 2 B = 64 B, 16 P-tiles: 1024 B more.
  const auto preload = run(hw(4, "tile_rows: 16", pe, "width: 8"), conv3(32, 8, 8), ratio(0.25));
  const auto stream =
      run(hw(4, "tile_rows: 16\nalpha: stream", pe, "width: 8"), conv3(32, 8, 8), ratio(0.25));
  CHECK(preload.stats.at_path("dram.bytes_read")->as_uint() == 4608);
  // GOp/s from the trace's operation count when it gives one: 2 GOp per inference, and % of the
  // peak 2 x 900 DSPs x 1 GHz = 1800 GOp/s.
  const auto counted = run(hw(4, "tile_rows: 16", pe, "width: 8"), conv3(32, 8, 8),
                           "    ovsf: {gop: 2.0, ratios: {l: 0.25}}\n");
  const double inf_s = counted.stats.at_path("throughput.value")->as_double();
  CHECK(counted.stats.at_path("cnn_engine.gops")->as_double() == Approx(2.0 * inf_s));
  CHECK(counted.stats.at_path("cnn_engine.pct_of_peak")->as_double() ==
        Approx(100.0 * 2.0 * inf_s / 1800.0));
  CHECK(stream.stats.at_path("dram.bytes_read")->as_uint() == 4608 + 1024);
  // A dense 1x1 conv (P = 2, C = 8): streamed, each of the 2 row tiles reads 16 x 2 x 2 B of
  // inputs and 2 x 8 x 2 B of weights (192 B); passed through the generator (n_b = K^2 = 1)
  // only the inputs (128 B).
  const auto streamed = run(hw(4, "tile_rows: 16", pe, "width: 8"), conv1(32, 2, 8));
  const auto passed =
      run(hw(4, "tile_rows: 16\ndense_layers: passthrough", pe, "width: 8"), conv1(32, 2, 8));
  CHECK(streamed.stats.at_path("dram.bytes_read")->as_uint() == 192);
  CHECK(passed.stats.at_path("dram.bytes_read")->as_uint() == 128);
  CHECK(passed.stats.at_path("cnn_engine.layers")->at(0).find("n_b")->as_uint() == 1);
}

TEST_CASE("cnn_engine: the alpha buffer's preload, stream and spill modes", "[cnn_engine]") {
  const std::string pe = "pes: 8, macs_per_pe: 9";
  // Stream, Eq. 8 with alpha in t_in: OVSF rho 0.25 (n_b 4), T_R 16, P = 72 in 8 P-tiles of one
  // kernel each, C = 8 at 4 B/cycle: t_in = (16 x 72 inputs + 8 P-tiles x 1 kernel x 8 columns
  // x 4 coefficients) x 2 B / 4 = (1152 + 256) x 2 / 4 = 704 (preload: 576).
  auto c3 = [](uint64_t r) { return conv3(r, 8, 8); };
  CHECK(row_tile_interval(hw(4, "tile_rows: 16\nalpha: stream", pe, "width: 8"), c3, ratio(0.25)) ==
        704);
  CHECK(row_tile_interval(hw(4, "tile_rows: 16", pe, "width: 8"), c3, ratio(0.25)) == 576);
  LayerShape streamed{64, 72, 8, 4, true, 9};
  CHECK(tile_times({8, 16, 9, 8, 16, 4.0, 4.0, false}, streamed, 16, 8).in == 704);
  // T_P = 6 cuts every kernel: rows 0-8 (kernel 0) fall in P-tiles [0, 6) and [6, 12), rows
  // 9-17 in [6, 12) and [12, 18), and so on, so each of the 8 kernels is read twice:
  // 16 x 8 columns x 4 coefficients per output tile.
  CHECK(alpha_per_tile(streamed, 6, 8) == 16 * 8 * 4);
  // Spill: two OVSF layers, `a` (rho 0.25: 8 x 8 kernels x 4 = 256 coefficients, 4096 bits) and
  // `b` (rho 0.5: 512 coefficients, 8192 bits). The buffers take (2 x 16 x 9 + 2 x 16 x 8 +
  // 2 x 9 x 8) x 16 = 11008 bits. With 11008 + 4096 + 100 bits of RAM, `a` stays on chip and `b`
  // streams: per P-tile 1 kernel x 8 columns x 8 x 2 B = 128 B, 16 P-tiles (2 row tiles x 8):
  // 2048 B over the 2 x 4608 B of inputs. With no room both stream (+ 1024 B for `a`); with room
  // for both, as preload.
  const std::string two =
      "      - {name: a, op: conv2d, in_channels: 8, out_channels: 8, in_h: 1, in_w: 32, "
      "kernel_h: 3, kernel_w: 3, padding: 1}\n"
      "      - {name: b, op: conv2d, in_channels: 8, out_channels: 8, in_h: 1, in_w: 32, "
      "kernel_h: 3, kernel_w: 3, padding: 1}\n";
  const std::string ratios = "    ovsf: {ratios: {a: 0.25, b: 0.5}}\n";
  auto read = [&](const std::string& engine) {
    return run(hw(4, engine, pe, "width: 8"), two, ratios)
        .stats.at_path("dram.bytes_read")
        ->as_uint();
  };
  CHECK(read("tile_rows: 16") == 9216);
  CHECK(read("tile_rows: 16\nalpha: stream") == 9216 + 1024 + 2048);
  CHECK(read("tile_rows: 16\nalpha: spill\ndevice_ram_bits: 15204") == 9216 + 2048);
  CHECK(read("tile_rows: 16\nalpha: spill\ndevice_ram_bits: 11008") == 9216 + 1024 + 2048);
  CHECK(read("tile_rows: 16\nalpha: spill\ndevice_ram_bits: 23296") == 9216);
  const auto spilled = run(
      hw(4, "tile_rows: 16\nalpha: spill\ndevice_ram_bits: 15204", pe, "width: 8"), two, ratios);
  CHECK(spilled.stats.at_path("cnn_engine.alpha_resident_bits")->as_uint() == 4096);
  CHECK(spilled.stats.at_path("cnn_engine.alpha_streamed_layers")->as_uint() == 1);
}
