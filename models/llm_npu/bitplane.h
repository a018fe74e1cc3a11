// DRAM layout of Any-Precision bit-plane weights (PMPD spec §2.3). A linear layer is stored
// as row tiles; a tile of `rows` output rows x `k` inputs holds `max_bits` planes (plane j =
// bit j, MSB first, of every weight's centroid index), each plane chunk padded to `align`
// bytes, followed by the per-row centroid LUTs of each supported precision (2^b fp16 entries
// per row). A b-bit pass reads the first b planes of each tile, plus the b-bit LUTs when LUT
// traffic is counted. fp16 weights (b = 16) are a separate plain copy, 2 bytes per weight.
#pragma once

#include <cstdint>
#include <string>

namespace npusim {

struct BitPlaneLayout {
  int max_bits = 4;
  uint64_t align = 64;
  uint64_t lut_entry_bytes = 2;

  bool supports(int bits) const { return bits == 16 || (bits >= 1 && bits <= max_bits); }
  std::string supported_text() const;  // "1..4 or 16"

  uint64_t plane_chunk_bytes(uint64_t rows, uint64_t k) const;
  // Bytes a `bits`-wide pass streams for rows x k weights (b plane chunks, or fp16).
  uint64_t weight_bytes(uint64_t rows, uint64_t k, int bits) const;
  // Bytes of the `bits`-wide centroid tables of `rows` rows (0 for fp16).
  uint64_t table_bytes(uint64_t rows, int bits) const;
  // Bytes a tile occupies in DRAM (all planes and all LUTs; or fp16).
  uint64_t stored_bytes(uint64_t rows, uint64_t k, bool fp16) const;
  // Rows per tile so that the widest pass (max_bits planes, plus their LUT when `with_lut`; or
  // fp16) fits `budget`.
  uint64_t tile_rows(uint64_t k, uint64_t budget, bool fp16, bool with_lut) const;
};

}  // namespace npusim
