// Lowering of one transformer forward pass to the LLM NPU's steps (decode, tree verification,
// and prefill attention). WorkUnit addresses are offsets from per-operator bases the controller
// adds, so a lowered operator is a template reused for every layer and token.
//
//   linear, activations on chip (decode, tree): the layer's weights stream through the weight
//     buffer in row tiles (bit-plane layout, bitplane.h); each tile is one step: load its b
//     planes (+ b-bit LUTs when counted), dequantise, multiply on the MPE. Nothing is stored.
//     Tiles hold a whole multiple of the MPE's output width in rows (K = 11008, 4 planes in
//     256 KiB: 47 rows -> 32 on a 32-wide array), so many-token passes (trees) fill the array.
//     The fp16 copy is stored in blocks of R rows x a K chunk, R = that width, when a full-K
//     row tile would be narrower than the array (K = 11008 at 256 KiB: 11 rows); the partial
//     sums stay on chip.
//   attention (fused): per K/V head, the K and V of the cached context stream through the KV
//     buffer in chunks; each chunk is one step computing Q.K^T, the softmax update and P.V on
//     chip (scores never reach DRAM); the positions of the current forward pass, whose K/V are
//     on chip, take one more step without loads. With queries on chip (decode, tree) nothing
//     else moves; in prefill the queries are loaded in tiles and each tile's output is stored.
//     The new tokens' K/V are appended to the DRAM cache by the first step's store.
//   element-wise ops on chip: one vector step, no traffic.
#pragma once

#include <cstdint>
#include <vector>

#include "models/llm_npu/bitplane.h"
#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/mapping/lowering.h"

namespace npusim {

struct LlmBudgets {
  uint64_t weight = 0, act = 0, kv = 0, out = 0;  // bytes one step may place in each buffer
};

class LlmLowering {
 public:
  LlmLowering(const BitPlaneLayout& layout, LlmBudgets budgets, bool count_lut,
              MatrixGranule granule)
      : layout_(layout), b_(budgets), count_lut_(count_lut), granule_(granule) {}

  // m x k activations (on chip) times k x n weights of width `weight_bits`.
  void linear_on_chip(uint64_t m, uint64_t k, uint64_t n, int weight_bits, int act_bits,
                      std::vector<WorkUnit>& out) const;
  // A fused attention operator over op.kv_len positions, of which the last `on_chip_positions`
  // (the tokens of this forward pass) are already on chip; `append_tokens` new tokens' K/V
  // are written to the cache.
  void attention(const Operator& op, bool queries_on_chip, uint64_t on_chip_positions,
                 uint64_t append_tokens, std::vector<WorkUnit>& out) const;
  // An element-wise operator whose data stays on chip.
  void elementwise_on_chip(const Operator& op, std::vector<WorkUnit>& out) const;

  // Rows of a weight tile for inputs of width k (the tile holds the widest pass).
  uint64_t tile_rows(uint64_t k, bool fp16) const;
  // Weight tile shape {rows, k chunk} for a k x n matrix (k chunk < k only for blocked fp16).
  struct TileShape {
    uint64_t rows, k;
  };
  TileShape tile_shape(uint64_t k, uint64_t n, bool fp16) const;
  // DRAM footprint of a k x n weight matrix in this layout.
  uint64_t stored_weight_bytes(uint64_t k, uint64_t n, bool fp16) const;
  const BitPlaneLayout& layout() const { return layout_; }

 private:
  BitPlaneLayout layout_;
  LlmBudgets b_;
  bool count_lut_;
  MatrixGranule granule_;
};

}  // namespace npusim
