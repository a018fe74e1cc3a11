#include "models/cascade/server_latency.h"

#include <algorithm>
#include <cmath>

#include "sim/core/errors.h"
#include "sim/workload/op_math.h"

namespace npusim {

std::vector<int64_t> profiled_batch_sizes(int64_t max_batch) {
  std::vector<int64_t> out;
  for (int64_t b = 1; b < max_batch; b *= 2) out.push_back(b);
  out.push_back(max_batch);
  return out;
}

Model batched_model(const Model& m, int64_t b) {
  Model out = m;
  out.name = m.name + "_b" + std::to_string(b);
  out.batch = m.batch * b;
  for (Operator& op : out.layers) {
    switch (op.type) {
      case OpType::Gemm:
        if (op.b_operand != BOperand::Weight)
          throw MappingError("operator `" + op.name + "` (" + op.source +
                             "): a GEMM of two activations cannot be batched in the trace "
                             "schema; the cascade's server model must be a CNN-style model");
        op.m *= b;
        break;
      case OpType::Gemv:
        op.type = OpType::Gemm;
        op.m = b;
        break;
      case OpType::Conv2d:
      case OpType::DepthwiseConv2d:
      case OpType::Pool:
      case OpType::Attention:
        op.batch *= b;
        break;
      case OpType::Elementwise:
      case OpType::Activation:
        op.elements *= b;
        break;
      case OpType::Norm:
      case OpType::Softmax:
        op.rows *= b;
        break;
    }
  }
  return out;
}

uint64_t batch_footprint_bytes(const Model& m, int64_t b) {
  uint64_t weights = 0, activations = 0;
  for (const Operator& op : m.layers) {
    const TensorSizes t = tensor_sizes(op);
    weights += bytes_for(t.weight, op.precision.weight);
    activations = std::max(activations, bytes_for(t.input, op.precision.activation) +
                                            bytes_for(t.output, op.precision.output));
  }
  const unsigned __int128 total =
      static_cast<unsigned __int128>(activations) * static_cast<uint64_t>(b) + weights;
  return total > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(total);
}

BatchLatency analytic_latency(const std::vector<int64_t>& sizes, uint64_t l1_ps, double a) {
  BatchLatency l;
  l.sizes = sizes;
  for (int64_t b : sizes) {
    l.ps.push_back(static_cast<uint64_t>(
        std::llround(static_cast<double>(l1_ps) * (a + (1 - a) * static_cast<double>(b)))));
  }
  return l;
}

BatchLatency interpolate_all_sizes(const BatchLatency& g) {
  BatchLatency l;
  for (int64_t b = 1; b <= g.largest(); ++b) {
    l.sizes.push_back(b);
    const auto hi = std::lower_bound(g.sizes.begin(), g.sizes.end(), b);
    const auto i = static_cast<size_t>(hi - g.sizes.begin());
    if (*hi == b || i == 0) {
      l.ps.push_back(g.ps[i]);
      continue;
    }
    const double x0 = static_cast<double>(g.sizes[i - 1]), x1 = static_cast<double>(g.sizes[i]);
    const double y0 = static_cast<double>(g.ps[i - 1]), y1 = static_cast<double>(g.ps[i]);
    l.ps.push_back(static_cast<uint64_t>(
        std::llround(y0 + (y1 - y0) * (static_cast<double>(b) - x0) / (x1 - x0))));
  }
  return l;
}

}  // namespace npusim
