#include "sim/mem/address_mapping.h"

#include <algorithm>

#include "sim/core/errors.h"

namespace npusim {

namespace {

const char* const kNames[] = {"Ch", "Ra", "Bg", "Ba", "Ro", "Co"};

bool pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}
int log2u(uint64_t v) {
  int n = 0;
  while ((uint64_t{1} << n) < v) ++n;
  return n;
}

// Counts each field spans, in the order of kNames; Ba spans every bank of a rank without Bg.
std::vector<std::pair<std::string, uint64_t>> counts(const DramStandard& s, bool has_bg) {
  return {{"channels", static_cast<uint64_t>(s.channels)},
          {"ranks", static_cast<uint64_t>(s.ranks)},
          {"bank_groups", static_cast<uint64_t>(s.bank_groups)},
          {has_bg ? "banks_per_group" : "bank_groups x banks_per_group",
           has_bg ? static_cast<uint64_t>(s.banks_per_group) : s.banks_per_rank()},
          {"rows", static_cast<uint64_t>(s.rows)},
          {"columns / burst_length", s.bursts_per_row()}};
}

}  // namespace

std::string AddressMapping::check(const std::string& spec, const DramStandard& s) {
  if (spec.size() % 2 != 0) return "mapping `" + spec + "` is not a sequence of two-letter fields";
  int seen[6] = {0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < spec.size(); i += 2) {
    const std::string f = spec.substr(i, 2);
    int idx = -1;
    for (int j = 0; j < 6; ++j) {
      if (f == kNames[j]) idx = j;
    }
    if (idx < 0)
      return "mapping `" + spec + "` has an unknown field `" + f + "` (fields: Ro Co Ch Ra Bg Ba)";
    if (++seen[idx] > 1) return "mapping `" + spec + "` names `" + f + "` twice";
  }
  for (int j : {0, 1, 3, 4, 5}) {
    if (!seen[j])
      return "mapping `" + spec + "` lacks the field `" + kNames[j] +
             "` (needs Ro Co Ch Ra Ba, and Bg optionally)";
  }
  const bool has_bg = seen[2] != 0;
  const auto c = counts(s, has_bg);
  for (int j = 0; j < 6; ++j) {
    if (j == 2 && !has_bg) continue;
    if (!pow2(c[j].second)) {
      return c[j].first + " = " + std::to_string(c[j].second) +
             " is not a power of two, which mapping `" + spec + "` needs for its field `" +
             kNames[j] + "` (the next power of two is " +
             std::to_string(uint64_t{1} << log2u(c[j].second)) + ")";
    }
  }
  if (!pow2(s.burst_bytes())) {
    return "burst of " + std::to_string(s.burst_bytes()) +
           " B is not a power of two, which the mapping needs";
  }
  return "";
}

AddressMapping::AddressMapping(const std::string& spec, const DramStandard& s) : spec_(spec) {
  NPUSIM_ASSERT(check(spec, s).empty(), "mapping checked before construction");
  flat_banks_ = spec.find("Bg") == std::string::npos;
  bank_groups_ = static_cast<uint32_t>(s.bank_groups);
  burst_bytes_ = s.burst_bytes();
  offset_bits_ = log2u(burst_bytes_);
  const auto c = counts(s, !flat_banks_);
  int shift = 0;
  for (size_t i = spec.size(); i >= 2; i -= 2) {  // least significant field first
    const std::string f = spec.substr(i - 2, 2);
    for (int j = 0; j < kFields; ++j) {
      if (f != kNames[j]) continue;
      bits_[j] = {shift, log2u(c[j].second)};
      shift += bits_[j].width;
    }
  }
  for (int k = 0; k <= 64; ++k) {
    int nv = 0, col = 0;
    for (int f = 0; f < kFields; ++f) {
      for (int b = bits_[f].shift; b < bits_[f].shift + bits_[f].width && b < k; ++b) {
        if (f == Co)
          ++col;
        else
          varying_[k][nv++] = static_cast<uint8_t>(b);
      }
    }
    varying_count_[k] = static_cast<uint8_t>(nv);
    column_below_[k] = static_cast<uint8_t>(col);
  }
  if (pow2(bank_groups_)) group_shift_ = log2u(bank_groups_);
  NPUSIM_ASSERT(!flat_banks_ || group_shift_ >= 0,
                "a flat bank count is a power of two (check()), so its bank groups are");
  for (int b = 0; b < 64; ++b) bit_coord_[b] = coord(uint64_t{1} << b);
}

DramCoord AddressMapping::coord(uint64_t burst) const {
  DramCoord d;
  d.channel = static_cast<uint32_t>(field(burst, Ch));
  d.rank = static_cast<uint32_t>(field(burst, Ra));
  if (flat_banks_) {
    const auto b = static_cast<uint32_t>(field(burst, Ba));
    d.bank_group = b & (bank_groups_ - 1);
    d.bank = b >> group_shift_;
  } else {
    d.bank_group = static_cast<uint32_t>(field(burst, Bg));
    d.bank = static_cast<uint32_t>(field(burst, Ba));
  }
  d.row = field(burst, Ro);
  d.column = field(burst, Co);
  return d;
}

DramCoord AddressMapping::decode(uint64_t addr) const {
  return coord(addr >> offset_bits_);
}

// An aligned block of 2^k bursts: the bits below k take every value, so each combination of the
// non-column bits below k is one row run of 2^(column bits below k) bursts. (Runs of different
// blocks may share a row; they stay separate entries, which the scheduler serves as row hits.)
void AddressMapping::add_block(uint64_t base, int k, std::vector<RowRun>& out) const {
  const int nv = varying_count_[k];
  const uint8_t* varying = varying_[k];
  const uint64_t each = uint64_t{1} << column_below_[k];
  // The block's first burst has every varying bit clear (it is aligned): each run's coordinates
  // are its coordinates with that run's varying bits set.
  const DramCoord first = coord(base);
  for (uint64_t i = 0; i < (uint64_t{1} << nv); ++i) {
    RowRun& r = out.emplace_back();
    r.at = first;
    r.bursts = each;
    for (int v = 0; v < nv; ++v) {
      if (((i >> v) & 1) == 0) continue;
      const DramCoord& d = bit_coord_[varying[v]];
      r.at.channel |= d.channel;
      r.at.rank |= d.rank;
      r.at.bank_group |= d.bank_group;
      r.at.bank |= d.bank;
      r.at.row |= d.row;
    }
  }
}

void AddressMapping::split(uint64_t addr, uint64_t len, std::vector<RowRun>& out) const {
  out.clear();
  uint64_t b0 = addr >> offset_bits_;
  const uint64_t b1 = (addr + len + burst_bytes_ - 1) >> offset_bits_;
  while (b0 < b1) {
    // The largest aligned block at b0 that fits: 2^k with k at most b0's trailing zeros and
    // log2 of what is left (both below 64).
    const int align = b0 == 0 ? 63 : __builtin_ctzll(b0), fit = 63 - __builtin_clzll(b1 - b0);
    const int k = std::min(align, fit);
    add_block(b0, k, out);
    b0 += uint64_t{1} << k;
  }
}

}  // namespace npusim
