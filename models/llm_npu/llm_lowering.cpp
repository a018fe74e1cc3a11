#include "models/llm_npu/llm_lowering.h"

#include <algorithm>

#include "sim/core/errors.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}

}  // namespace

uint64_t LlmLowering::tile_rows(uint64_t k, bool fp16) const {
  const uint64_t rows = layout_.tile_rows(k, b_.weight, fp16, count_lut_);
  if (rows == 0) {
    throw MappingError("the weight buffer (" + format_bytes(Bytes{b_.weight}) +
                       " per tile) cannot hold one weight row of " + std::to_string(k) + " inputs");
  }
  return rows;
}

LlmLowering::TileShape LlmLowering::tile_shape(uint64_t k, uint64_t n, bool fp16) const {
  const uint64_t rows = tile_rows(k, fp16), width = granule_.n;
  // Whole multiples of the MPE's output width, so that many-token passes fill the array.
  if (rows >= width) return {rows - rows % width, k};
  if (!fp16 || n <= rows) return {rows, k};
  // Blocked fp16: `width` rows, the longest K chunk (a multiple of the MPE's reduction width
  // when it allows one) that fits the budget. 2 bytes per weight.
  uint64_t chunk = b_.weight / (width * 2);
  if (chunk >= granule_.k) chunk -= chunk % granule_.k;
  return {width, std::min(chunk, k)};
}

uint64_t LlmLowering::stored_weight_bytes(uint64_t k, uint64_t n, bool fp16) const {
  const uint64_t rows = tile_shape(k, n, fp16).rows, full = n / rows, rest = n % rows;
  return full * layout_.stored_bytes(rows, k, fp16) +
         (rest ? layout_.stored_bytes(rest, k, fp16) : 0);
}

void LlmLowering::linear_on_chip(uint64_t m, uint64_t k, uint64_t n, int weight_bits, int act_bits,
                                 std::vector<WorkUnit>& out) const {
  const bool fp16 = weight_bits == 16;
  const TileShape t = tile_shape(k, n, fp16);
  const uint64_t stride = layout_.stored_bytes(t.rows, k, fp16);
  for (uint64_t r0 = 0, tile = 0; r0 < n; r0 += t.rows, ++tile) {
    const uint64_t r = std::min(t.rows, n - r0);
    for (uint64_t k0 = 0; k0 < k; k0 += t.k) {  // one chunk unless blocked fp16
      const uint64_t kc = std::min(t.k, k - k0);
      WorkUnit s;
      s.kind = WorkUnit::Kind::Matrix;
      s.transform_weights = true;
      s.weight_bytes = layout_.weight_bytes(r, kc, weight_bits);
      s.weight_addr = tile * stride + k0 * r * 2;  // planes first, LUTs after the max_bits planes
      if (count_lut_ && !fp16) {
        s.table_bytes = layout_.table_bytes(r, weight_bits);
        s.table_addr = tile * stride + layout_.weight_bytes(r, k, layout_.max_bits);
      }
      s.mw = {m,        kc,          r,
              act_bits, weight_bits, 1};  // the MPE computes in fp16; w_bits tells the dequantiser
      s.opens_output = s.closes_output = false;
      out.push_back(s);
    }
  }
}

void LlmLowering::elementwise_on_chip(const Operator& op, std::vector<WorkUnit>& out) const {
  WorkUnit s;
  s.kind = WorkUnit::Kind::Vector;
  NPUSIM_ASSERT(elementwise_work(op, &s.vw), "not an element-wise operator: " + op.name);
  s.opens_output = s.closes_output = false;
  out.push_back(s);
}

void LlmLowering::attention(const Operator& op, bool queries_on_chip, uint64_t on_chip_positions,
                            uint64_t append_tokens, std::vector<WorkUnit>& out) const {
  const uint64_t kvh = u(op.kv_heads == 0 ? op.heads : op.kv_heads), group = u(op.heads) / kvh;
  const uint64_t reps = u(op.batch) * kvh, hd = u(op.head_dim);
  NPUSIM_ASSERT(on_chip_positions <= u(op.kv_len), "more on-chip positions than keys");
  const uint64_t cached = u(op.kv_len) - on_chip_positions;  // positions read from DRAM
  const int ab = static_cast<int>(op.precision.activation), kvb = static_cast<int>(op.precision.kv);
  const uint64_t kv_pos_bytes = 2 * bytes_for(hd, kvb);  // one position's K and V of one head
  const uint64_t rows_all = u(op.q_len) * group;         // the group's queries share K/V
  // Query tile: all of them on chip, or as many as the input buffer holds.
  const uint64_t q_row_bytes = bytes_for(hd, ab);
  const uint64_t q_rows = queries_on_chip ? rows_all : std::min(rows_all, b_.act / q_row_bytes);
  // K/V chunk: fits the KV buffer, and its scores for the query tile fit the output buffer.
  const uint64_t score_row_bytes = bytes_for(q_rows, ab);
  const uint64_t longest = std::max<uint64_t>({cached, on_chip_positions, 1});
  const uint64_t chunk =
      std::min({longest, b_.kv / kv_pos_bytes, b_.out / std::max<uint64_t>(1, score_row_bytes)});
  if (q_rows == 0 || chunk == 0) {
    throw MappingError("attention `" + op.name +
                       "` does not fit the LLM NPU: one key/value position (" +
                       std::to_string(kv_pos_bytes) +
                       " B) or one query row must fit the KV, input and output buffers");
  }
  // Whole-context steps of several heads at once when the buffers allow (short contexts).
  uint64_t heads_per_step = 1;
  if (chunk >= cached && q_rows == rows_all) {
    heads_per_step = std::min({reps, b_.kv / std::max<uint64_t>(1, cached * kv_pos_bytes),
                               b_.out / std::max<uint64_t>(1, longest * score_row_bytes)});
    heads_per_step = std::max<uint64_t>(1, heads_per_step);
  }
  const uint64_t append_bytes = append_tokens * u(op.batch) * kvh * kv_pos_bytes;
  bool first = true;
  uint64_t kv_off = 0, q_off = 0, o_off = 0;
  for (uint64_t h = 0; h < reps; h += heads_per_step) {
    const uint64_t heads = std::min(heads_per_step, reps - h);
    for (uint64_t q0 = 0; q0 < rows_all; q0 += q_rows) {
      const uint64_t qr = std::min(q_rows, rows_all - q0);
      // Chunks of cached positions (loaded), then the on-chip positions (not loaded).
      std::vector<std::pair<uint64_t, bool>> pieces;
      for (uint64_t p0 = 0; p0 < cached; p0 += chunk)
        pieces.push_back({std::min(chunk, cached - p0), true});
      if (on_chip_positions > 0) pieces.push_back({on_chip_positions, false});
      for (size_t i = 0; i < pieces.size(); ++i) {
        const auto [c, loaded] = pieces[i];
        WorkUnit s;
        s.kind = WorkUnit::Kind::Fused;
        s.weight_static = false;
        if (loaded) {
          s.input_bytes = heads * c * kv_pos_bytes;
          s.input_addr = kv_off;
          s.input_class = TensorClass::Kv;
          kv_off += s.input_bytes;
        }
        if (!queries_on_chip && i == 0) {  // the query tile rides with its first piece
          s.weight_bytes = heads * qr * q_row_bytes;
          s.weight_addr = q_off;
          s.weight_class = TensorClass::Activations;
          q_off += s.weight_bytes;
        }
        s.mw = {qr, hd, c, ab, kvb, heads};
        s.vw = {VectorFn::Softmax, heads * qr * c, ab};
        s.mw2 = {qr, c, hd, ab, kvb, heads};
        s.opens_output = !queries_on_chip && i == 0;
        s.closes_output = !queries_on_chip && i + 1 == pieces.size();
        if (s.closes_output) {
          s.store_bytes = heads * qr * q_row_bytes;
          s.store_addr = o_off;
          o_off += s.store_bytes;
        }
        if (first && append_bytes > 0) {
          NPUSIM_ASSERT(s.store_bytes == 0,
                        "an attention step cannot both append K/V and store outputs");
          s.store_bytes = append_bytes;
          s.store_class = TensorClass::Kv;
          s.store_addr = 0;
        }
        first = false;
        out.push_back(s);
      }
    }
  }
}

}  // namespace npusim
