// The MMU's dequantisation unit: rebuilds each weight's b-bit index from the first b bit-planes
// and looks it up in its row's centroid table, emitting fp16 weights for the MPE. fp16 weights
// bypass the lookup.
#pragma once

#include "sim/core/component.h"

namespace npusim {

class IDequantUnit : public Component {
 public:
  using Component::Component;
  // Cycles to stream `weights` weights of width `bits` through the unit, pipeline included.
  virtual uint64_t cycles(uint64_t weights, int bits) const = 0;
  virtual uint64_t pipeline_depth() const = 0;
  virtual void account(uint64_t weights, int bits, uint64_t cycles) = 0;
};

}  // namespace npusim
