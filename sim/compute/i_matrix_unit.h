// A matrix unit executes GEMM blocks O[m x n] += A[m x k] . W[k x n] out of on-chip buffers.
// `cycles` is the unit's timing rule (from its micro-architecture, never ticked); the
// execution engine (sim/exec) places the work in time and calls `account` for the unit's stats.
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

// Elements a block moves between the unit and its buffers (the energy counters' compute side).
struct MatrixTraffic {
  uint64_t a_reads = 0, w_reads = 0, out_reads = 0, out_writes = 0;
};

class IMatrixUnit : public Component {
 public:
  using Component::Component;
  virtual uint64_t cycles(const MatrixWork& w) = 0;
  // Adds a block that took `cycles` to the unit's stats.
  virtual void account(const MatrixWork& w, uint64_t cycles) = 0;
  virtual uint64_t peak_macs_per_cycle(int a_bits, int w_bits) const = 0;
  virtual MatrixGranule granule(int a_bits, int w_bits) const = 0;
  // What a block reads and writes in the buffers. Default: every operand once, each output
  // written once (a unit that keeps partial sums inside and reuses operands in registers).
  virtual MatrixTraffic traffic(const MatrixWork& w) const {
    return {w.m * w.k * w.count, w.k * w.n * w.count, 0, w.m * w.n * w.count};
  }
};

}  // namespace npusim
