#include "models/cnn_engine/ovsf_codes.h"

#include "sim/core/errors.h"

namespace npusim::cnn {

std::vector<Code> sylvester_codes(uint64_t length) {
  NPUSIM_ASSERT(length > 0 && (length & (length - 1)) == 0, "OVSF code length not a power of 2");
  std::vector<Code> h{{1}};
  for (uint64_t n = 1; n < length; n *= 2) {
    std::vector<Code> next(2 * n, Code(2 * n));
    for (uint64_t i = 0; i < n; ++i) {
      for (uint64_t j = 0; j < n; ++j) {
        next[i][j] = next[i][j + n] = next[i + n][j] = h[i][j];
        next[i + n][j + n] = static_cast<uint8_t>(1 - h[i][j]);
      }
    }
    h.swap(next);
  }
  return h;
}

std::vector<Code> cropped_codes(uint64_t length, uint64_t k) {
  uint64_t side = 1;
  while (side * side < length) ++side;
  NPUSIM_ASSERT(side * side == length && k <= side, "kernel larger than the OVSF code");
  std::vector<Code> out;
  for (const Code& c : sylvester_codes(length)) {
    Code crop;
    for (uint64_t r = 0; r < k; ++r) {
      for (uint64_t col = 0; col < k; ++col) crop.push_back(c[r * side + col]);
    }
    out.push_back(crop);
  }
  return out;
}

OvsfCodeGenerator::OvsfCodeGenerator(std::vector<Code> codes, uint64_t width)
    : fifo_(codes.begin(), codes.end()), width_(width), shift_(0) {
  NPUSIM_ASSERT(!fifo_.empty() && !fifo_.front().empty() && width > 0, "empty OVSF generator");
  shift_ = width_ % fifo_.front().size();
}

Code OvsfCodeGenerator::next() {
  Code code = fifo_.front();
  fifo_.pop_front();
  const uint64_t len = code.size();
  Code out(width_);
  // M <= len: the code's M low bits; M > len: the code repeated, then its M mod len low bits.
  for (uint64_t k = 0; k < width_; ++k) out[k] = code[k % len];
  Code rotated(len);
  for (uint64_t k = 0; k < len; ++k) rotated[k] = code[(k + shift_) % len];
  fifo_.push_back(std::move(rotated));
  return out;
}

std::vector<int64_t> generate_tile(OvsfCodeGenerator& gen, const std::vector<int64_t>& alpha,
                                   uint64_t elements) {
  NPUSIM_ASSERT(alpha.size() == gen.codes(), "one coefficient per basis code");
  const uint64_t m = gen.width();
  std::vector<int64_t> weights(elements, 0);
  for (uint64_t s = 0; s * m < elements; ++s) {    // subtiles
    std::vector<int64_t> acc(m, 0);                // the M accumulators, cleared per subtile
    for (uint64_t j = 0; j < alpha.size(); ++j) {  // basis cycles
      const Code bits = gen.next();
      for (uint64_t k = 0; k < m; ++k) acc[k] += bits[k] ? alpha[j] : -alpha[j];
    }
    for (uint64_t k = 0; k < m && s * m + k < elements; ++k) weights[s * m + k] = acc[k];
  }
  return weights;
}

}  // namespace npusim::cnn
