// OVSF (Walsh-Hadamard) codes and the weights generator's code generator, bit-true (spec
// §2.2-2.3). Codes are rows of the Sylvester Hadamard matrix H_L (L a power of two), as bits:
// 1 for +1, 0 for -1. A K x K kernel with K^2 < L uses the K x K crop of a sqrt(L) x sqrt(L)
// code (a 3x3 kernel: the top-left 3x3 of a 4x4 code, §2.2).
//
// The code generator holds a layer's n_b codes of `len` bits in a FIFO and delivers M code bits
// per basis cycle without replicating codes: it outputs the head code's bits from its current
// phase (repeated when M > len) and pushes the code back rotated by M mod len, so that the next
// read of the same code, n_b cycles later, is in phase for the next subtile. Invariant (tested
// against an independent reference): bit k of subtile s for code j is code_j[(s M + k) mod len].
// (The spec's "rotate left by K^2 - mod(M, K^2)" for M > K^2 is this rotation written in the
// opposite bit order.)
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace npusim::cnn {

using Code = std::vector<uint8_t>;  // bit k = element k of the kernel (row-major)

// The L x L Sylvester construction H_1 = [1], H_2k = [[H_k, H_k], [H_k, -H_k]].
std::vector<Code> sylvester_codes(uint64_t length);
// The codes of a K x K kernel: the top-left K x K crop of each (sqrt(L))^2 code.
std::vector<Code> cropped_codes(uint64_t length, uint64_t k);

class OvsfCodeGenerator {
 public:
  // `codes`: the layer's n_b basis codes, all of the same length; `width`: M bits per cycle.
  OvsfCodeGenerator(std::vector<Code> codes, uint64_t width);
  // One basis cycle: M bits of the code at the head of the FIFO, which goes back aligned.
  Code next();
  uint64_t aligner_shift() const { return shift_; }  // the rotation applied per read
  uint64_t width() const { return width_; }
  uint64_t codes() const { return fifo_.size(); }  // n_b

 private:
  std::deque<Code> fifo_;
  uint64_t width_, shift_;
};

// The weights generator's datapath, bit-true (spec §2.3, Alg. 1): a tile of `elements` weights
// in subtiles of M = gen.width() lanes; per subtile, n_b basis cycles each take the M code bits
// of the next code from `gen` and add +alpha_j (bit 1) or -alpha_j (bit 0) into the M
// accumulators. `alpha[j]` is basis vector j's coefficient (the same for every kernel here: the
// functional mode checks bits and arithmetic, not a trained layer). Returns the tile's weights.
std::vector<int64_t> generate_tile(OvsfCodeGenerator& gen, const std::vector<int64_t>& alpha,
                                   uint64_t elements);

}  // namespace npusim::cnn
