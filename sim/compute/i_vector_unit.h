// A vector / special-function unit: `lanes` element pipelines, each function with its own
// per-element cost and pipeline latency. An operation takes
//     latency(fn) + ceil(elements x cost(fn) / (lanes x packing))
// cycles, where packing > 1 when the operands are narrower than the lanes (see the impl).
// The execution engine (sim/exec) places the work in time and calls `account`.
#pragma once

#include <string>
#include <vector>

#include "sim/core/component.h"

namespace npusim {

// Element work a model can ask for. Multi-pass operations (softmax: max, exp-sum, scale;
// layernorm: mean, variance, normalise) carry their passes in their default cost.
enum class VectorFn {
  Add,
  Mul,
  Relu,
  Gelu,
  Silu,
  Sigmoid,
  Tanh,
  Exp,
  Softmax,
  LayerNorm,
  RmsNorm,
  BatchNorm,
  Rope,
  MaxPool,
  AvgPool,
  Copy,
  Mac,
  Count
};

const std::vector<std::string>& vector_fn_names();  // indexed by VectorFn
bool parse_vector_fn(const std::string& name, VectorFn* out);
const char* vector_fn_name(VectorFn f);

struct VectorWork {
  VectorFn fn = VectorFn::Add;
  uint64_t elements = 0;
  int bits = 16;
};

class IVectorUnit : public Component {
 public:
  using Component::Component;
  virtual uint64_t cycles(const VectorWork& w) const = 0;
  virtual void account(const VectorWork& w, uint64_t cycles) = 0;
  // Elements (or MACs, for fn = mac) per cycle at full rate for `bits`-wide elements.
  virtual uint64_t peak_elements_per_cycle(int bits) const = 0;
};

}  // namespace npusim
