// The systolic array's closed-form cycle counts against the register-level reference model,
// which also computes the values (so the test proves the dataflow, not only a formula).
#include <catch2/catch.hpp>

#include <random>

#include "sim/compute/systolic_timing.h"
#include "systolic_reference.h"

using namespace npusim;
using namespace npusim::test;

namespace {

Matrix random_matrix(std::mt19937& rng, size_t r, size_t c) {
  std::uniform_int_distribution<int> d(-4, 4);
  Matrix m = zeros(r, c);
  for (auto& row : m)
    for (auto& x : row) x = d(rng);
  return m;
}

}  // namespace

TEST_CASE("derived tile latencies", "[systolic]") {
  // WS, one full 4x4 tile, M = 4 rows streamed: K' = 4 cycles to shift the weights in, then
  // the last output (m = 3, column 3) leaves the bottom row in cycle 4 + 3 + 3 + 3 = 13:
  // 2R + C + M - 2 = 14 cycles in all.
  ArrayGeometry ws{4, 4, Dataflow::WeightStationary, false};
  CHECK(gemm_block_cycles(ws, 4, 4, 4, 1) == 14);
  // Two K tiles (K = 8) without overlap: tile 1 shifts in once tile 0 has drained:
  // T1 = 4 + (4 + 4 + 4 - 2) + 4 = 18, end = 18 + 10 = 28.
  CHECK(gemm_block_cycles(ws, 4, 8, 4, 1) == 28);
  // With shadow weights: T1 = max(4 + 4, 4 + 4 + 4 - 1 + 4) = 15, end = 15 + 10 = 25.
  ws.overlap = true;
  CHECK(gemm_block_cycles(ws, 4, 8, 4, 1) == 25);
  // A long stream hides the shift entirely: M = 64, K = 8: T1 = max(4 + 64, 15) = 68,
  // end = 68 + 64 + 4 + 4 - 2 = 138.
  CHECK(gemm_block_cycles(ws, 64, 8, 4, 1) == 138);
  // Packed lanes: N = 8 on 4 columns with 2 lanes per PE is one tile, as fast as N = 4.
  CHECK(gemm_block_cycles(ws, 4, 4, 8, 2) == gemm_block_cycles(ws, 4, 4, 4, 1));
  // OS, one 4x4 output tile, K = 4: last MAC in cycle 4 + 4 + 4 - 3 = 9, results complete at
  // F = 10, drained through 4 registers: 14.
  ArrayGeometry os{4, 4, Dataflow::OutputStationary, false};
  CHECK(gemm_block_cycles(os, 4, 4, 4, 1) == 14);
  // Two output tiles (N = 8), no overlap: F1 = 14 + 10 = 24, end 28. Overlap: the second
  // tile enters at F0 = 10, F1 = 10 + max(10, 4) = 20, end 24.
  CHECK(gemm_block_cycles(os, 4, 4, 8, 1) == 28);
  os.overlap = true;
  CHECK(gemm_block_cycles(os, 4, 4, 8, 1) == 24);
  // IS is WS with M and N exchanged.
  ArrayGeometry is{4, 4, Dataflow::InputStationary, true};
  ws.overlap = true;
  CHECK(gemm_block_cycles(is, 5, 7, 9, 1) == gemm_block_cycles(ws, 9, 7, 5, 1));
}

TEST_CASE("reference conventions: full folds and no output drain", "[systolic]") {
  // WS 4x4, K = 5, N = 6, M = 3, no overlap. Tiles (column strips outer, K strips inner):
  // (K'=4, cols=4), (1, 4), (4, 2), (1, 2).
  ArrayGeometry ws{4, 4, Dataflow::WeightStationary, false};
  // used: T0 = 4; T1 = T0 + 3 + 4 + 4 - 2 + 1 = 14; T2 = 14 + 3 + 4 + 4 - 2 + 4 = 27;
  //       T3 = 27 + 3 + 4 + 2 - 2 + 1 = 35; end = 35 + 3 + 4 + 2 - 2 = 42.
  CHECK(gemm_block_cycles(ws, 3, 5, 6, 1) == 42);
  // full: every tile is (4, 4), so each costs 2R + C + M - 2 = 8 + 4 + 3 - 2 = 13: 4 x 13 = 52.
  ws.full_folds = true;
  CHECK(gemm_block_cycles(ws, 3, 5, 6, 1) == 52);
  // IS with full folds: 4 folds of 2R + C + N - 2 with the streamed N = 3: also 52.
  ArrayGeometry is{4, 4, Dataflow::InputStationary, false, true};
  CHECK(gemm_block_cycles(is, 6, 5, 3, 1) == 52);
  // OS 4x4, M = 5, N = 6, K = 3, no overlap. Tiles (row strips outer): (M'=4, cols 4),
  // (4, 2), (1, 4), (1, 2). used + drain: X = K + M' + cols - 2 = 9, 7, 6, 4; each step adds
  // R = 4 of drain: F = 9 + (7 + 4) + (6 + 4) + (4 + 4) = 38, end = F + 4 = 42.
  ArrayGeometry os{4, 4, Dataflow::OutputStationary, false};
  CHECK(gemm_block_cycles(os, 5, 3, 6, 1) == 42);
  // used, no drain: 9 + 7 + 6 + 4 = 26.
  os.os_drain = false;
  CHECK(gemm_block_cycles(os, 5, 3, 6, 1) == 26);
  // full, no drain (SCALE-Sim v2): 4 folds of R + C + K - 2 = 4 + 4 + 3 - 2 = 9: 36.
  os.full_folds = true;
  CHECK(gemm_block_cycles(os, 5, 3, 6, 1) == 36);
  // Without a drain, overlapping the accumulators changes nothing: 36 again.
  os.overlap = true;
  CHECK(gemm_block_cycles(os, 5, 3, 6, 1) == 36);
  // Full tiles are charged the same under either convention: WS K = 8, N = 8, M = 3, no
  // overlap: 4 folds of 13 = 52 both ways.
  ArrayGeometry used{4, 4, Dataflow::WeightStationary, false};
  ArrayGeometry full{4, 4, Dataflow::WeightStationary, false, true};
  CHECK(gemm_block_cycles(used, 3, 8, 8, 1) == 52);
  CHECK(gemm_block_cycles(full, 3, 8, 8, 1) == 52);
}

TEST_CASE("closed form equals the per-cycle PE model, and the values are right", "[systolic]") {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> dim(1, 9);
  // Cases that exercise what the rules are about: several tiles in a block, and (with full
  // folds) a partial tile whose full-fold charge differs from its used-rows charge.
  int multi_tile = 0, full_differs = 0;
  for (Dataflow df :
       {Dataflow::WeightStationary, Dataflow::InputStationary, Dataflow::OutputStationary}) {
    for (bool overlap : {false, true}) {
      for (bool full : {false, true}) {
        for (bool drain : {true, false}) {
          if (!drain && df != Dataflow::OutputStationary) continue;  // drain is OS-only
          for (uint64_t rows : {1, 2, 3, 4}) {
            for (uint64_t cols : {1, 2, 4}) {
              for (uint64_t lanes : {1, 2}) {
                for (int trial = 0; trial < 3; ++trial) {
                  uint64_t m = dim(rng), k = dim(rng), n = dim(rng);
                  Matrix a = random_matrix(rng, m, k), w = random_matrix(rng, k, n);
                  ArrayGeometry g{rows, cols, df, overlap, full, drain};
                  RefResult ref = reference_gemm(g, lanes, a, w);
                  INFO(dataflow_name(df)
                       << " overlap=" << overlap << " full=" << full << " drain=" << drain
                       << " R=" << rows << " C=" << cols << " lanes=" << lanes << " M=" << m
                       << " K=" << k << " N=" << n);
                  REQUIRE(ref.out == matmul(a, w));
                  REQUIRE(ref.cycles == gemm_block_cycles(g, m, k, n, lanes));
                  REQUIRE(ref.cycles == tile_sequence_cycles(g, gemm_tiles(g, m, k, n, lanes)));
                  if (gemm_tiles(g, m, k, n, lanes).size() > 1) ++multi_tile;
                  ArrayGeometry plain = g;
                  plain.full_folds = false;
                  if (full && ref.cycles != gemm_block_cycles(plain, m, k, n, lanes))
                    ++full_differs;
                }
              }
            }
          }
        }
      }
    }
  }
  CHECK(multi_tile > 100);
  CHECK(full_differs > 50);
}
