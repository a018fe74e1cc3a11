// Cycle rules of an R x C systolic array, derived from its register-level behaviour and
// checked exactly against the per-cycle PE model in tests/unit/systolic_reference.h.
//
// GEMM O[M x N] = A[M x K] . W[K x N]. Each PE may hold `lanes` weights (narrow operands
// packed into one multiplier), so a tile N' wide uses cols = ceil(N' / lanes) PE columns.
//
// Weight-stationary (WS). A tile holds W[K' x N'] (K' <= R rows, cols <= C columns). A row of A
// enters row r of the array skewed by r cycles: A[m][r] is at PE(r, c) in cycle T + m + r + c,
// meeting the partial sum of output (m, c), which flows down and leaves the bottom row (row
// sums pass every physical row; rows >= K' add nothing). The last output leaves in cycle
// T + (M-1) + (R-1) + (cols-1), so a tile injected at T finishes at
//     end = T + M + R + cols - 2.
// Weights enter through a vertical shift chain, one row per cycle: K' cycles to place a tile.
//  - overlap off: the chain writes the active weights, so loading waits until the array has
//    drained:  T_{i+1} = T_i + M_i + R + cols_i - 2 + K'_{i+1}.
//  - overlap on: the chain writes shadow registers; PE(r, c) swaps shadow -> active when the
//    first activation of a tile reaches it (cycle T + r + c). Shifting the next tile may start
//    once every used PE has swapped (the last, PE(K'-1, cols-1), in cycle T + K' + cols - 2),
//    and the next tile may enter once its shift is done and row 0 has taken the current
//    tile's last activation:
//        T_{i+1} = max(T_i + M_i, T_i + K'_i + cols_i - 1 + K'_{i+1}).
//  In both modes T_0 = K'_0 (the first tile is shifted in from cycle 0).
// Input-stationary (IS) is WS with the roles of A and W swapped: A^T[K' x M'] is stationary
// (cols = ceil(M' / lanes)) and the N columns of W stream through; the same rules hold with M
// and N exchanged.
// Output-stationary (OS). PE(r, c) accumulates O[r][c]; A[r][k] enters row r and W[k][c]
// enters column c, both skewed, meeting at PE(r, c) in cycle T + k + r + c. The last MAC of a
// tile (M' <= R rows, cols <= C, any K) is in cycle T + K + M' + cols - 3, so its results are
// complete at F = T + K + M' + cols - 2. Results drain down the columns through R registers
// (R cycles, cycles F .. F+R-1).
//  - overlap off: the drain shifts the accumulators themselves: T_{i+1} = F_i + R.
//  - overlap on: the accumulators are copied into a separate drain chain at F_i and the next
//    tile enters at once (T_{i+1} = F_i); a tile whose results are ready before the chain has
//    drained the previous tile stalls: F_i = max(T_i + K_i + M'_i + cols_i - 2, F_{i-1} + R).
//  In both modes the block ends when the last drain does: F_last + R.
//
// Reference conventions (both off by default; SCALE-Sim v2 uses both, see docs/scalesim.md):
//  - full_folds: every tile is charged as a full fold (depth = R, width = C), as if its unused
//    rows and columns were filled with zeros: the skew and fill cross the whole array. This is
//    exactly the timing of the same array running the operands zero-padded to whole folds.
//  - os_drain = false (OS only): results are read out of the accumulators in parallel when they
//    are complete, so a tile costs no drain: T_{i+1} = F_i, and the block ends at F_last.
//
// Operands wider than the multiplier run in several passes (ceil(a_bits / mac_bits) x
// ceil(w_bits / mac_bits)), each streaming the same data again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

enum class Dataflow { WeightStationary, OutputStationary, InputStationary };

const char* dataflow_name(Dataflow d);

struct ArrayGeometry {
  uint64_t rows = 0, cols = 0;
  Dataflow dataflow = Dataflow::WeightStationary;
  bool overlap = true;      // shadow weights (WS/IS) or double-buffered accumulators (OS)
  bool full_folds = false;  // charge every tile as a full R x C fold
  bool os_drain = true;     // OS results leave through R drain registers
};

// One tile in the array's own terms: `depth` = rows used (K' for WS/IS, M' for OS), `width` =
// PE columns used, `stream` = streamed length (M for WS, N for IS, K for OS).
struct ArrayTile {
  uint64_t depth, width, stream;
};

// Cycles from an empty array until the last result of `tiles` (executed in order) has left.
uint64_t tile_sequence_cycles(const ArrayGeometry& g, const std::vector<ArrayTile>& tiles);

// The tiles of a GEMM block in the array's canonical order:
//   WS: for each column strip of W, for each row strip (K) -> tile (K', cols, M)
//   IS: for each column strip of A^T (M), for each row strip (K) -> tile (K', cols, N)
//   OS: for each row strip of O (M), for each column strip (N) -> tile (M', cols, K)
std::vector<ArrayTile> gemm_tiles(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                                  uint64_t lanes);

// Cycles of a GEMM block; equal to tile_sequence_cycles(g, gemm_tiles(...)), but evaluated per
// run of equal tiles (tiles come in at most four shapes), so the cost grows with the number of
// column strips, not with the number of tiles.
uint64_t gemm_block_cycles(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                           uint64_t lanes);

// Elements a GEMM block moves between the array and its buffers (for the energy counters), with
// the tiles of gemm_tiles(): Fk = ceil(K / R) row folds; Fn = ceil(N / (C x lanes)) (WS, OS) or
// Fm = ceil(M / (C x lanes)) (IS) column folds; Fm' = ceil(M / R) (OS).
//   WS: W read once (K.N); A streams once per column fold (M.K.Fn); each row fold writes its
//       partial sums (M.N.Fk) and every fold after the first reads them back (M.N.(Fk-1)).
//   IS: A read once (M.K); W streams once per column fold (K.N.Fm); partial sums as WS.
//   OS: A streams once per column fold (M.K.Fn), W once per row fold (K.N.Fm'); each output is
//       written once (M.N), no partial sum leaves the array.
// Operands wider than the multiplier stream `passes` times (the streamed operands' reads, as
// the timing does); a tile's unused rows and columns move nothing (full_folds only pads time).
struct ArrayTraffic {
  uint64_t a_reads = 0, w_reads = 0, out_reads = 0, out_writes = 0;
};
ArrayTraffic gemm_block_traffic(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                                uint64_t lanes, uint64_t passes = 1);

}  // namespace npusim
