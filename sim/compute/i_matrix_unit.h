// A matrix unit executes GEMM blocks O[m x n] += A[m x k] . W[k x n] out of on-chip buffers.
// `cycles` is the unit's timing rule (from its micro-architecture, never ticked). `execute`
// suspends the calling process for exactly those cycles and accounts the work; a controller
// that keeps its own local time (temporal decoupling) calls `cycles` and `account` instead.
#pragma once

#include <string>

#include "sim/core/component.h"

namespace npusim {

struct MatrixWork {
  uint64_t m = 0, k = 0, n = 0;
  int a_bits = 8, w_bits = 8;
  uint64_t count = 1;  // independent identical blocks executed back to back (heads, groups)
};

// Block sizes that fill the unit's tiles exactly; the tiler rounds blocks to these.
struct MatrixGranule {
  uint64_t m = 1, k = 1, n = 1;
};

class IMatrixUnit : public Component {
 public:
  using Component::Component;
  virtual uint64_t cycles(const MatrixWork& w) = 0;
  // Adds a block that took `cycles` to the unit's stats.
  virtual void account(const MatrixWork& w, uint64_t cycles) = 0;
  void execute(const MatrixWork& w, const std::string& label);
  virtual uint64_t peak_macs_per_cycle(int a_bits, int w_bits) const = 0;
  virtual MatrixGranule granule(int a_bits, int w_bits) const = 0;
};

}  // namespace npusim
