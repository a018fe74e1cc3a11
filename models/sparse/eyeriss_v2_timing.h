// The Eyeriss-V2-like sparse CNN accelerator's per-layer latency (Dysta spec §2.1, from the
// Dysta artifact's model): 192 PEs (8x2 clusters of 3x4) at 200 MHz, INT8, DRAM hidden by
// double buffering. One layer j of sample i takes
//   cycles = floor((4 E + A + W) / PEs)
//   E = effectual MACs (both operands non-zero)            ~ MACs x weight density x act density
//   A = M1 F1 C1 S1 M2 F2 C2 S2 E_out F0                   (one address check per iact-SPad access)
//   W = 2 M1 S1 M2 S2 Rnz, Rnz ~ (C/C0) H W (1 - (1 - act density)^(R C0))   (non-zero SPad rows)
// with the row-stationary mapping below. Artifact quirks kept: every conv at stride 1 with
// 'same' padding (output = input size), fully connected layers as 1x1 convs; a depthwise conv
// is C = 1 per output channel (its MACs are exact; the mapping treats it as a conv with one
// input channel: our choice, the artifact has no depthwise layer in its Eyeriss model).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace npusim {

struct EyerissConfig {
  int64_t pes = 192;
  int64_t glb_bank_bytes = 2560;  // iact GLB bank (the paper's 2.5 KB)
  int64_t m0_max = 32;            // weight-SPad parallelism
  int64_t c1 = 8, f1 = 4, s1 = 3, m1 = 2;
};

struct ConvShape {  // C input channels, M output channels, R x S kernel, H x W input
  int64_t c = 1, m = 1, r = 1, s = 1, h = 1, w = 1;
};

struct EyerissMapping {
  int64_t c0 = 1, c1 = 1, c2 = 1, m0 = 1, m1 = 1, m2 = 1, f0 = 1, f1 = 1, f2 = 1, s1 = 1, s2 = 1;
  int64_t e = 1;  // output height (= input height: stride 1, 'same')
};

inline int64_t pow2_floor(int64_t v) {
  int64_t p = 1;
  while (p * 2 <= v) p *= 2;
  return v < 1 ? 1 : p;
}

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

inline EyerissMapping eyeriss_mapping(const ConvShape& l, const EyerissConfig& c) {
  EyerissMapping m;
  m.e = l.h;
  m.c0 = l.c <= 3 ? l.c : std::min(l.c, pow2_floor(16 / l.r));
  const int64_t glb_bits = c.glb_bank_bytes * 8;
  m.f0 = std::min(l.w, pow2_floor(glb_bits / std::max<int64_t>(1, m.e * l.r * m.c0 * 8)));
  m.m0 = std::min(c.m0_max, l.m);
  m.c1 = std::min(c.c1, ceil_div(l.c, m.c0));  // each level shrunk for a small layer
  m.f1 = std::min(c.f1, ceil_div(l.w, m.f0));
  m.s1 = std::min(c.s1, l.s);
  m.m1 = std::min(c.m1, ceil_div(l.m, m.m0));
  m.c2 = ceil_div(l.c, m.c0 * m.c1);
  m.f2 = ceil_div(l.w, m.f0 * m.f1);
  m.s2 = ceil_div(l.s, m.s1);
  m.m2 = ceil_div(l.m, m.m0 * m.m1);
  return m;
}

inline uint64_t conv_macs(const ConvShape& l) {  // stride 1, 'same': output H x W
  return static_cast<uint64_t>(l.m * l.c * l.r * l.s * l.h * l.w);
}

struct EyerissLayerWork {
  double effectual_macs = 0, address_checks = 0, weight_reads = 0;
};

inline EyerissLayerWork eyeriss_work(const ConvShape& l, const EyerissConfig& c,
                                     double weight_density, double act_density) {
  const EyerissMapping m = eyeriss_mapping(l, c);
  EyerissLayerWork w;
  w.effectual_macs = static_cast<double>(conv_macs(l)) * weight_density * act_density;
  w.address_checks =
      static_cast<double>(m.m1 * m.f1 * m.c1 * m.s1 * m.m2 * m.f2 * m.c2 * m.s2 * m.e * m.f0);
  const double rnz = static_cast<double>(l.c) / static_cast<double>(m.c0) *
                     static_cast<double>(l.h * l.w) *
                     (1.0 - std::pow(1.0 - act_density, static_cast<double>(l.r * m.c0)));
  w.weight_reads = 2.0 * static_cast<double>(m.m1 * m.s1 * m.m2 * m.s2) * rnz;
  return w;
}

inline uint64_t eyeriss_cycles(const EyerissLayerWork& w, const EyerissConfig& c) {
  return static_cast<uint64_t>(std::floor(
      (4.0 * w.effectual_macs + w.address_checks + w.weight_reads) / static_cast<double>(c.pes)));
}

}  // namespace npusim
