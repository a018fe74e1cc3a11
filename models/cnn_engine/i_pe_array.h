// The CNN engine's PE array: T_C PEs, each a T_P-wide dot product (one 16-bit MAC per DSP),
// fed one activation row per cycle; optionally input-selective (spec §2.4): PEs idle in a
// narrow layer take rows from their neighbours.
#pragma once

#include "sim/compute/i_matrix_unit.h"
#include "sim/core/component.h"

namespace npusim {

class IPeArray : public Component {
 public:
  using Component::Component;
  virtual uint64_t pes() const = 0;          // T_C
  virtual uint64_t macs_per_pe() const = 0;  // T_P
  virtual bool input_selective() const = 0;
  // Cycles of one P-tile: `rows` activation rows against `cols` live columns.
  virtual uint64_t cycles(uint64_t rows, uint64_t cols) const = 0;
  virtual void account(const MatrixWork& w, uint64_t cycles) = 0;
};

}  // namespace npusim
