// Input-selective PEs, explicit mode (spec §2.4): a per-cycle model of how the PE array deals
// rows to its helper PEs, beside Eq. 7's closed form (cnn_timing.h).
//
// Micro-architecture. A P-tile has `rows` activation rows and `cols` live columns on T_C PEs.
// Live PE j (j < cols) keeps column j's weight and takes one of its rows per cycle. The
// T_C - cols idle PEs are helpers on a 2:1 switch that forwards the weight of the PE above: the
// helper chain is a shift register fed at its head by the weights buffer, one column per cycle
// in turn, so helper d (1-based distance from the last live PE) holds column (t - d) mod cols at
// cycle t >= d (the weight needs d - 1 cycles to ripple down to it) and works with a different
// weight every cycle. The banked input buffer gives each helper a row of its column that no PE
// has taken yet (live PEs take rows from the top, helpers from the bottom); a helper whose
// column is done idles that cycle. The tile ends when every (row, column) pair is computed.
//
// Against Eq. 7, t* = (T_C - C) + ceil((T_R C - (T_C - C)(C + 1)) / T_C):
//  - every PE live (C = T_C): both give T_R;
//  - one helper (T_C - C = 1): column j gets floor((t - 1 - j) / C) + 1 helper rows by cycle t;
//    the last column's floor(t / C) plus its own t reach T_R at t = ceil(T_R C / (C + 1)),
//    which is Eq. 7 with T_C - C = 1;
//  - half the array idle (T_C - C = C, the paper's 64 columns on 128 PEs): helpers d = 1..C hold
//    column j at the cycles t' = d + j + mC, so by cycle t column j has sum over d of
//    (floor((t - j - d) / C) + 1) = t - j helper rows (Hermite's identity); the last column,
//    j = C - 1, finishes when t + t - C + 1 >= T_R, i.e. t = ceil((T_R + C - 1) / 2), which is
//    Eq. 7: ceil((T_R C + C (C - 1)) / 2C). Both give T_R when that is not faster.
//  - otherwise they differ: with T_C - C = kC, k >= 2, the last column gets
//    k (t - C + 1) - C k (k - 1) / 2 helper rows, more than Eq. 7's even share of its ramp cost
//    (T_C - C)(T_C - C - 1), so the explicit mode is faster; with T_C - C not a multiple of C,
//    the helpers cover a window of T_C - C consecutive columns that reaches some columns later,
//    and the explicit mode can be slower (tests/unit/test_cnn_engine.cpp shows both).
#pragma once

#include <cstdint>
#include <vector>

namespace npusim::cnn {

inline uint64_t helper_pe_cycles(uint64_t rows, uint64_t cols, uint64_t t_c) {
  if (cols == 0 || cols >= t_c || rows == 0) return rows;
  const uint64_t helpers = t_c - cols;
  std::vector<uint64_t> left(cols, rows);  // rows of each column no PE has taken yet
  uint64_t remaining = rows * cols, t = 0;
  while (remaining > 0) {
    ++t;
    for (uint64_t j = 0; j < cols; ++j) {
      if (left[j] > 0) {
        --left[j];
        --remaining;
      }
    }
    const uint64_t reached = t < helpers ? t : helpers;  // helpers the weights have reached
    for (uint64_t d = 1; d <= reached; ++d) {
      uint64_t& col = left[(t - d) % cols];
      if (col > 0) {
        --col;
        --remaining;
      }
    }
  }
  return t;
}

}  // namespace npusim::cnn
