// Shapes and operation counts of trace operators, shared by every model's mapper. All
// products are overflow-checked: a trace whose sizes do not fit in 63 bits is a WorkloadError.
#pragma once

#include <cstdint>
#include <string>

#include "sim/workload/trace.h"

namespace npusim {

struct ConvOutput {
  int64_t h, w;
};

// Output spatial size of conv2d / depthwise_conv2d / pool; WorkloadError if the window does
// not fit the padded input.
ConvOutput conv_output(const Operator& op);

// Multiply-accumulates of a GEMM-like operator (gemm, gemv, conv, depthwise, attention).
uint64_t op_macs(const Operator& op);

// Element counts of the operator's tensors (weights: 0 for ops without weights).
struct TensorSizes {
  uint64_t input = 0;   // activations read (both operands for elementwise add/mul)
  uint64_t weight = 0;  // weights read (static parameters)
  uint64_t output = 0;  // elements written
};
TensorSizes tensor_sizes(const Operator& op);

// ceil(elements x bits / 8).
uint64_t bytes_for(uint64_t elements, int64_t bits);

// a x b, or WorkloadError naming the operator.
uint64_t checked_mul(uint64_t a, uint64_t b, const Operator& op);

// Validates shapes (conv window fits, sizes fit) — called by the trace reader.
void validate_shapes(const Operator& op);

}  // namespace npusim
