// The unzipFPGA CNN engine's timing and resource rules in closed form (spec
// ../shared/papers/unzipfpga.md §2.5-2.7 with the §8 corrections). The SystemC model times
// each P-tile with the per-P-tile forms below; the closed form of a whole layer sums Eq. 8
// over its row and column tiles and is what the DSE enumerates and the tests compare with.
//
// A layer is a GEMM (R x P) . (P x C) -> R x C: R output pixels, P = N_in K^2, C = N_out.
// Tiling <T_R, T_P, T_C>: T_C PEs of T_P MACs each; an output tile is T_R rows x T_C columns
// and accumulates ceil(P / T_P) P-tiles. Per output tile (rows = T_R,eff, cols = C_eff):
//   Eq. 5  t_WGen = n_b * ceil(T_P T_C / M) * ceil(P / T_P)
//   Eq. 6  t_in = rows * P * WL / bw_in,  t_out = rows * cols * WL / bw_out
//          (weights streamed from DRAM add P * cols * WL / bw_in to t_in, §8.4)
//          (alpha streamed adds its coefficients, sum over P-tiles of kernels spanned x cols x
//          n_b words, to t_in: see "The alpha buffer" below)
//          engine t_eng = rows * ceil(P / T_P)
//   Eq. 7  with input-selective PEs, when cols < T_C:
//          t_eng* = (T_C - cols + ceil((rows cols - (T_C - cols)(cols + 1)) / T_C)) ceil(P/T_P)
//          and the engine takes min(t_eng, t_eng*)
//   Eq. 8  II = max(t_in, t_WGen, t_eng, t_out); the bound label names the largest term.
//
// The alpha buffer (spec §2.3, §6, §8.8) holds the coefficients, N_in N_out n_b words a layer.
//   preload  every layer's alpha on chip before the run (the paper's idealisation, §7.2): no
//            traffic, no cycles.
//   stream   every P-tile reads the coefficients of the kernels it spans for its columns over the
//            read channel with its inputs (alpha_per_ptile); a kernel cut by a P-tile boundary is
//            read by both P-tiles. Per output tile t_in grows by alpha_per_tile x WL / bw_in.
//   spill    what fits on chip stays (device RAM minus the three ping-pong buffers, Eq. 9 with
//            §8.8), filled whole layers first-fit in execution order; the other layers stream as
//            in `stream`. A layer is either resident or streamed, so each layer's timing is the
//            preload or the stream rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace npusim::cnn {

inline uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// Basis vectors per kernel for a compression ratio rho of the 16-bit (4x4) code: round(16 rho),
// capped at 16 and at least 1 (§8.6).
inline uint64_t basis_count(double rho, uint64_t code_length = 16) {
  const auto n = static_cast<int64_t>(std::llround(rho * static_cast<double>(code_length)));
  return static_cast<uint64_t>(std::clamp<int64_t>(n, 1, static_cast<int64_t>(code_length)));
}

// Eq. 5 for one P-tile: the generator makes the T_P x T_C weight tile as ceil(T_P T_C / M)
// subtiles of M weights, each in n_b basis cycles.
inline uint64_t wgen_cycles_per_ptile(uint64_t n_b, uint64_t t_p, uint64_t t_c, uint64_t m) {
  return n_b * ceil_div(t_p * t_c, m);
}

// The PE array for one P-tile of `rows` activation rows against `cols` live columns of T_C PEs:
// one row per cycle, or Eq. 7 when idle PEs help (input_selective) and that is faster.
inline uint64_t engine_cycles_per_ptile(uint64_t rows, uint64_t cols, uint64_t t_c,
                                        bool input_selective) {
  if (!input_selective || cols >= t_c) return rows;
  const auto idle = static_cast<int64_t>(t_c - cols);
  const int64_t work = static_cast<int64_t>(rows * cols) - idle * static_cast<int64_t>(cols + 1);
  const auto tc = static_cast<int64_t>(t_c);
  const int64_t share = work > 0 ? (work + tc - 1) / tc : work / tc;  // ceil, either sign
  const int64_t helped = std::max<int64_t>(1, idle + share);
  return std::min(rows, static_cast<uint64_t>(helped));
}

// Coefficients a P-tile's generator reads: one per basis vector for each (kernel, column) the
// tile spans; rows [p0, p0 + rows) of the P dimension cover kernels of k2 = K^2 rows each.
inline uint64_t alpha_per_ptile(uint64_t p0, uint64_t rows, uint64_t cols, uint64_t n_b,
                                uint64_t k2) {
  const uint64_t kernels = (p0 + rows - 1) / k2 - p0 / k2 + 1;
  return kernels * cols * n_b;
}

// N_f exactly (§8.9): the most kernels any M-element subtile of a T_P x T_C weight tile
// touches. The generator walks the tile a column at a time (element e is row e mod T_P of
// column e / T_P); a column's rows are P positions p0 .. p0 + T_P - 1 of kernels of k2 rows,
// and p0 (a multiple of T_P) takes every offset modulo k2 it can over a layer's P-tiles.
inline uint64_t kernels_per_subtile(uint64_t m, uint64_t t_p, uint64_t t_c, uint64_t k2) {
  uint64_t most = 0;
  const uint64_t elements = t_p * t_c;
  for (uint64_t j = 0; j < k2; ++j) {
    const uint64_t offset = (j * t_p) % k2;
    for (uint64_t s = 0; s < elements; s += m) {
      uint64_t count = 0, last_key = ~uint64_t{0};
      for (uint64_t e = s; e < std::min(elements, s + m); ++e) {
        const uint64_t key = (e / t_p) * (t_p + k2) + (offset + e % t_p) / k2;
        if (key != last_key) ++count;
        last_key = key;
      }
      most = std::max(most, count);
    }
  }
  return most;
}

struct Design {
  uint64_t m = 1, t_r = 1, t_p = 1, t_c = 1;
  uint64_t wl_bits = 16;
  double bw_in = 1, bw_out = 1;  // bytes per cycle of the read and the write channel
  bool input_selective = false;
};

struct LayerShape {
  uint64_t r = 1, p = 1, c = 1;
  uint64_t n_b = 0;  // basis vectors per kernel; 0: weights streamed (dense layer)
  bool alpha_streamed =
      false;        // the generator's coefficients come per P-tile over the read channel
  uint64_t k2 = 9;  // kernel elements (P = N_in K^2)
};

// Coefficients an output tile of `cols` columns streams: the sum over its P-tiles of
// alpha_per_ptile (a kernel split between two P-tiles is read by both).
inline uint64_t alpha_per_tile(const LayerShape& l, uint64_t t_p, uint64_t cols) {
  uint64_t words = 0;
  for (uint64_t p0 = 0; p0 < l.p; p0 += t_p) {
    words += alpha_per_ptile(p0, std::min(t_p, l.p - p0), cols, l.n_b, l.k2);
  }
  return words;
}

// alpha: spill. Whole layers' coefficients (N_in N_out n_b words) stay in `left_bits` of RAM,
// first fit in the order given; the others are marked streamed.
struct AlphaSpill {
  uint64_t resident_bits = 0, streamed_layers = 0;
};
inline AlphaSpill spill_alpha(const std::vector<LayerShape*>& layers, uint64_t left_bits,
                              uint64_t wl_bits) {
  AlphaSpill r;
  for (LayerShape* s : layers) {
    if (s->n_b == 0) continue;
    const uint64_t bits = s->p / s->k2 * s->c * s->n_b * wl_bits;
    if (bits <= left_bits) {
      left_bits -= bits;
      r.resident_bits += bits;
    } else {
      s->alpha_streamed = true;
      ++r.streamed_layers;
    }
  }
  return r;
}

enum class Bound { Ifm, Weights, Compute, Ofm };
inline const char* bound_name(Bound b) {
  switch (b) {
    case Bound::Ifm:
      return "IFM";
    case Bound::Weights:
      return "W";
    case Bound::Compute:
      return "C";
    case Bound::Ofm:
      return "OFM";
  }
  return "?";
}

struct TileTimes {  // cycles of one output tile (Eq. 5-8)
  double in = 0, wgen = 0, eng = 0, out = 0;
  double interval() const { return std::max({in, wgen, eng, out}); }
  Bound bound() const {  // ties go to the first of IFM, W, C, OFM
    const double ii = interval();
    if (in == ii) return Bound::Ifm;
    if (wgen == ii) return Bound::Weights;
    if (eng == ii) return Bound::Compute;
    return Bound::Ofm;
  }
};

inline TileTimes tile_times(const Design& d, const LayerShape& l, uint64_t rows, uint64_t cols) {
  const uint64_t ptiles = ceil_div(l.p, d.t_p);
  const double word = static_cast<double>(d.wl_bits) / 8.0;
  TileTimes t;
  double in_bytes = static_cast<double>(rows * l.p) * word;
  if (l.n_b == 0) in_bytes += static_cast<double>(l.p * cols) * word;  // streamed weights
  if (l.n_b > 0 && l.alpha_streamed) {
    in_bytes += static_cast<double>(alpha_per_tile(l, d.t_p, cols)) * word;
  }
  t.in = in_bytes / d.bw_in;
  t.wgen = l.n_b == 0
               ? 0.0
               : static_cast<double>(wgen_cycles_per_ptile(l.n_b, d.t_p, d.t_c, d.m) * ptiles);
  t.eng =
      static_cast<double>(engine_cycles_per_ptile(rows, cols, d.t_c, d.input_selective) * ptiles);
  t.out = static_cast<double>(rows * cols) * word / d.bw_out;
  return t;
}

struct LayerTimes {
  double cycles = 0;         // sum of Eq. 8 over the layer's output tiles (§8.2)
  Bound bound = Bound::Ifm;  // of the first tile
};

inline LayerTimes layer_times(const Design& d, const LayerShape& l) {
  LayerTimes out;
  const uint64_t full_r = l.r / d.t_r, rem_r = l.r % d.t_r;
  const uint64_t full_c = l.c / d.t_c, rem_c = l.c % d.t_c;
  const uint64_t row_sizes[2] = {d.t_r, rem_r}, row_counts[2] = {full_r, rem_r ? 1u : 0u};
  const uint64_t col_sizes[2] = {d.t_c, rem_c}, col_counts[2] = {full_c, rem_c ? 1u : 0u};
  bool first = true;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      if (row_counts[i] == 0 || col_counts[j] == 0) continue;
      const TileTimes t = tile_times(d, l, row_sizes[i], col_sizes[j]);
      if (first) out.bound = t.bound();
      first = false;
      out.cycles += t.interval() * static_cast<double>(row_counts[i] * col_counts[j]);
    }
  }
  return out;
}

// §2.6 with §8.8: DSPs (one per 16-bit MAC of the engine and of the generator) and the
// on-chip buffers in bits (input 2 T_R T_P, output 2 T_R T_C, weights 2 T_P T_C words).
inline uint64_t dsp_use(const Design& d, bool generator) {
  return d.t_p * d.t_c + (generator ? d.m : 0);
}
inline uint64_t buffer_bits(const Design& d) {
  return (2 * d.t_r * d.t_p + 2 * d.t_r * d.t_c + 2 * d.t_p * d.t_c) * d.wl_bits;
}
// Block RAMs of 18 Kb (18,432 bits) the three ping-pong buffers round up to, each half a
// separate memory.
inline uint64_t bram18_blocks(const Design& d) {
  const uint64_t b = 18432;
  return 2 * (ceil_div(d.t_r * d.t_p * d.wl_bits, b) + ceil_div(d.t_r * d.t_c * d.wl_bits, b) +
              ceil_div(d.t_p * d.t_c * d.wl_bits, b));
}

}  // namespace npusim::cnn
