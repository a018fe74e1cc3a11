// The CNN engine's lowering (spec §2.1, §6): a layer (R x P) . (P x C) becomes, for each row
// tile (T_R,eff rows) and column tile (C_eff columns), ceil(P / T_P) work units, one per P-tile:
//   input    the tile's T_R,eff x T_P,eff activations (im2col rows) over the read channel;
//   weights  streamed (dense layers, and every layer of the vanilla baseline): the T_P,eff x
//            C_eff weight tile over the read channel into the weights buffer; generated (OVSF
//            layers): no weight traffic, the unit passes the weights generator with its work in
//            `transform_work` = {m: n_b basis vectors, k: K^2 of the kernels, n: T_P T_C weights}
//            (a tile is W = sum_j alpha_j b_j, an n_b-deep product per weight), and with alpha
//            streamed its coefficients come over the read channel as weight tables;
//   compute  T_R,eff x T_P,eff x C_eff MACs on the PE array (mw);
//   store    the output tile (T_R,eff x C_eff) after its last P-tile, over the write channel.
// Addresses are offsets from the operator's bases (inputs, weights or tables, outputs).
#pragma once

#include <cstdint>

#include "models/cnn_engine/cnn_timing.h"
#include "sim/exec/work_unit.h"

namespace npusim::cnn {

struct LoweredLayer {
  LayerShape shape;
};

inline void lower_layer(const LoweredLayer& l, const Design& d, UnitSink& out) {
  const uint64_t word = d.wl_bits / 8;
  const LayerShape& s = l.shape;
  for (uint64_t r0 = 0; r0 < s.r; r0 += d.t_r) {
    const uint64_t rows = std::min(d.t_r, s.r - r0);
    for (uint64_t c0 = 0; c0 < s.c; c0 += d.t_c) {
      const uint64_t cols = std::min(d.t_c, s.c - c0);
      for (uint64_t p0 = 0; p0 < s.p; p0 += d.t_p) {
        const uint64_t depth = std::min(d.t_p, s.p - p0);
        WorkUnit w;
        w.kind = WorkUnit::Kind::Matrix;
        w.mw = {rows, depth, cols, static_cast<int>(d.wl_bits), static_cast<int>(d.wl_bits), 1};
        w.input_bytes = rows * depth * word;
        w.input_addr = (r0 * s.p + p0 * rows) * word;
        if (s.n_b == 0) {
          w.weight_bytes = depth * cols * word;
          w.weight_addr = (c0 * s.p + p0 * cols) * word;
        } else {
          w.transform_weights = true;
          w.transform_work = {s.n_b, s.k2, d.t_p * d.t_c, 1, static_cast<int>(d.wl_bits), 1};
          if (s.alpha_streamed) {
            w.table_bytes = alpha_per_ptile(p0, depth, cols, s.n_b, s.k2) * word;
            w.table_addr = (c0 * s.p + p0 * cols) * s.n_b * word;
          }
        }
        w.opens_output = p0 == 0;
        w.closes_output = p0 + depth >= s.p;
        if (w.closes_output) {
          w.store_bytes = rows * cols * word;
          w.store_addr = (r0 * s.c + c0 * rows) * word;
        }
        out.push(w);
      }
    }
  }
}

}  // namespace npusim::cnn
