// Address interleaving of a banked DRAM. A mapping is a string of two-letter fields, most
// significant first, that cut the burst index (address / burst bytes) into bit fields:
//
//   Ro  row            Co  column (in bursts within the row)
//   Ch  channel        Ra  rank
//   Bg  bank group     Ba  bank (within its group when Bg is present; otherwise the bank
//                          index within the rank, whose low bits pick the bank group, so
//                          consecutive bank indices alternate groups)
//
// E.g. `RoBaRaCoCh` (consecutive bursts alternate channels, then walk a row: streams hit open
// rows on every channel), `RoRaBaChCo` (a whole row on one channel before the next channel),
// `ChRaBaRoCo` (each channel a contiguous slice of the address space). Every field is a bit
// field, so every count it takes must be a power of two, and the fields together cover the
// capacity exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/mem/dram_standard.h"

namespace npusim {

struct DramCoord {
  uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0;  // bank: within its group
  uint64_t row = 0, column = 0;                              // column in bursts
};

// Bursts of a transaction that fall on one row of one bank.
struct RowRun {
  DramCoord at;
  uint64_t bursts = 0;
};

class AddressMapping {
 public:
  // Returns "" or the reason the mapping cannot serve `s` (an unknown or repeated field, a
  // count that is not a power of two), naming the values.
  static std::string check(const std::string& spec, const DramStandard& s);
  AddressMapping(const std::string& spec, const DramStandard& s);

  DramCoord decode(uint64_t addr) const;
  // The bursts of [addr, addr + len) as runs on one (channel, rank, bank, row) each, per aligned
  // power-of-two block in address order (within a block, by the varying bits of Ch, Ra, Bg, Ba
  // and Ro in that order); O(runs), not O(bursts).
  void split(uint64_t addr, uint64_t len, std::vector<RowRun>& out) const;
  uint64_t burst_bytes() const { return burst_bytes_; }
  const std::string& spec() const { return spec_; }

 private:
  enum Field { Ch, Ra, Bg, Ba, Ro, Co, kFields };
  struct Bits {
    int shift = 0, width = 0;
  };
  uint64_t field(uint64_t burst, Field f) const {
    return (burst >> bits_[f].shift) & ((uint64_t{1} << bits_[f].width) - 1);
  }
  DramCoord coord(uint64_t burst) const;
  void add_block(uint64_t base, int k, std::vector<RowRun>& out) const;

  std::string spec_;
  Bits bits_[kFields];
  // For an aligned block of 2^k bursts: the bits below k of every field but the column (in
  // field order, then ascending), and how many column bits lie below k (add_block's tables).
  uint8_t varying_[65][64] = {};
  uint8_t varying_count_[65] = {}, column_below_[65] = {};
  // The coordinates each bit of the burst index sets alone: every field is a bit field (a flat
  // bank index splits at a power of two), so a burst's coordinates are the OR of its bits'.
  DramCoord bit_coord_[64];
  int group_shift_ = -1;     // log2(bank groups), where a flat bank index splits (a power of two)
  bool flat_banks_ = false;  // no Bg field: Ba is the bank index within the rank
  uint32_t bank_groups_ = 1;
  int offset_bits_ = 0;
  uint64_t burst_bytes_ = 0;
};

}  // namespace npusim
