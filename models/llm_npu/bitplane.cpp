#include "models/llm_npu/bitplane.h"

#include <algorithm>

namespace npusim {

std::string BitPlaneLayout::supported_text() const {
  return (max_bits == 1 ? std::string("1") : "1.." + std::to_string(max_bits)) +
         " (bit-planes) or 16 (fp16)";
}

uint64_t BitPlaneLayout::plane_chunk_bytes(uint64_t rows, uint64_t k) const {
  const uint64_t bytes = (rows * k + 7) / 8;
  return (bytes + align - 1) / align * align;
}

uint64_t BitPlaneLayout::weight_bytes(uint64_t rows, uint64_t k, int bits) const {
  if (bits == 16) return rows * k * 2;
  return static_cast<uint64_t>(bits) * plane_chunk_bytes(rows, k);
}

uint64_t BitPlaneLayout::table_bytes(uint64_t rows, int bits) const {
  if (bits == 16) return 0;
  return rows * (uint64_t{1} << bits) * lut_entry_bytes;
}

uint64_t BitPlaneLayout::stored_bytes(uint64_t rows, uint64_t k, bool fp16) const {
  if (fp16) return rows * k * 2;
  uint64_t luts = 0;
  for (int b = 1; b <= max_bits; ++b) luts += table_bytes(rows, b);
  return weight_bytes(rows, k, max_bits) + luts;
}

uint64_t BitPlaneLayout::tile_rows(uint64_t k, uint64_t budget, bool fp16, bool with_lut) const {
  auto widest = [&](uint64_t rows) {
    if (fp16) return weight_bytes(rows, k, 16);
    return weight_bytes(rows, k, max_bits) + (with_lut ? table_bytes(rows, max_bits) : 0);
  };
  // Largest rows with widest(rows) <= budget (widest grows with rows).
  uint64_t lo = 0, hi = std::max<uint64_t>(1, budget);
  while (lo < hi) {
    uint64_t mid = (lo + hi + 1) / 2;
    if (widest(mid) <= budget)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace npusim
