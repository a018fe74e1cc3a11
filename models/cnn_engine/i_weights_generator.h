// The CNN engine's weight-transform unit: rebuilds each T_P x T_C weight tile on chip from
// binary OVSF codes and coefficients (alpha) instead of reading it from DRAM (spec §2.3).
#pragma once

#include "sim/core/component.h"

namespace npusim {

class IWeightsGenerator : public Component {
 public:
  using Component::Component;
  virtual uint64_t width() const = 0;        // M: weights generated in parallel
  virtual uint64_t code_length() const = 0;  // bits of one OVSF code (16: 4x4 kernels)
  // Cycles to generate a tile of `elements` weights from `n_b` basis vectors per kernel.
  virtual uint64_t cycles(uint64_t n_b, uint64_t elements) const = 0;
  // A generated tile of kernels of `k2` = K^2 elements (the functional mode needs the code crop).
  virtual void account(uint64_t n_b, uint64_t k2, uint64_t elements, uint64_t cycles) = 0;
};

}  // namespace npusim
