#include "sim/workload/op_math.h"

#include "sim/core/errors.h"

namespace npusim {
namespace {

constexpr uint64_t kLimit = uint64_t{1} << 62;

[[noreturn]] void too_large(const Operator& op) {
  throw WorkloadError("operator `" + op.name +
                      "` is too large to simulate (a tensor or count "
                      "exceeds 2^62) at " +
                      op.source);
}

uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}

}  // namespace

uint64_t checked_mul(uint64_t a, uint64_t b, const Operator& op) {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  if (p >= kLimit) too_large(op);
  return static_cast<uint64_t>(p);
}

uint64_t bytes_for(uint64_t elements, int64_t bits) {
  unsigned __int128 b = static_cast<unsigned __int128>(elements) * static_cast<uint64_t>(bits);
  return static_cast<uint64_t>((b + 7) / 8);
}

ConvOutput conv_output(const Operator& op) {
  if (op.type == OpType::Pool && op.pool == PoolKind::GlobalAvg) return {1, 1};
  int64_t eff_h = op.dilation * (op.kernel_h - 1) + 1, eff_w = op.dilation * (op.kernel_w - 1) + 1;
  int64_t ph = op.in_h + 2 * op.padding, pw = op.in_w + 2 * op.padding;
  if (eff_h > ph || eff_w > pw) {
    throw WorkloadError("operator `" + op.name + "`: kernel " + std::to_string(op.kernel_h) + "x" +
                        std::to_string(op.kernel_w) + " (dilation " + std::to_string(op.dilation) +
                        ") does not fit the padded input " + std::to_string(ph) + "x" +
                        std::to_string(pw) + " at " + op.source);
  }
  return {(ph - eff_h) / op.stride + 1, (pw - eff_w) / op.stride + 1};
}

uint64_t op_macs(const Operator& op) {
  switch (op.type) {
    case OpType::Gemm:
      return checked_mul(checked_mul(u(op.m), u(op.k), op), u(op.n), op);
    case OpType::Gemv:
      return checked_mul(u(op.k), u(op.n), op);
    case OpType::Conv2d: {
      ConvOutput o = conv_output(op);
      uint64_t per_out =
          checked_mul(u(op.in_channels / op.groups), u(op.kernel_h * op.kernel_w), op);
      uint64_t outs =
          checked_mul(checked_mul(u(op.batch), u(op.out_channels), op), u(o.h * o.w), op);
      return checked_mul(per_out, outs, op);
    }
    case OpType::DepthwiseConv2d: {
      ConvOutput o = conv_output(op);
      uint64_t outs = checked_mul(checked_mul(u(op.batch), u(op.channels), op), u(o.h * o.w), op);
      return checked_mul(outs, u(op.kernel_h * op.kernel_w), op);
    }
    case OpType::Attention: {
      // Q.K^T and P.V: 2 x heads x q_len x kv_len x head_dim (the causal mask is not exploited).
      uint64_t per = checked_mul(checked_mul(u(op.q_len), u(op.kv_len), op), u(op.head_dim), op);
      return checked_mul(checked_mul(2, u(op.heads), op), checked_mul(per, u(op.batch), op), op);
    }
    default:
      return 0;
  }
}

TensorSizes tensor_sizes(const Operator& op) {
  TensorSizes s;
  switch (op.type) {
    case OpType::Gemm:
      s.input = checked_mul(u(op.m), u(op.k), op);
      (op.b_operand == BOperand::Weight ? s.weight : s.input) += checked_mul(u(op.k), u(op.n), op);
      s.output = checked_mul(u(op.m), u(op.n), op);
      break;
    case OpType::Gemv:
      s.input = u(op.k);
      s.weight = checked_mul(u(op.k), u(op.n), op);
      s.output = u(op.n);
      break;
    case OpType::Conv2d: {
      ConvOutput o = conv_output(op);
      s.input =
          checked_mul(checked_mul(u(op.batch), u(op.in_channels), op), u(op.in_h * op.in_w), op);
      s.weight = checked_mul(checked_mul(u(op.out_channels), u(op.in_channels / op.groups), op),
                             u(op.kernel_h * op.kernel_w), op);
      s.output = checked_mul(checked_mul(u(op.batch), u(op.out_channels), op), u(o.h * o.w), op);
      break;
    }
    case OpType::DepthwiseConv2d: {
      ConvOutput o = conv_output(op);
      s.input = checked_mul(checked_mul(u(op.batch), u(op.channels), op), u(op.in_h * op.in_w), op);
      s.weight = checked_mul(u(op.channels), u(op.kernel_h * op.kernel_w), op);
      s.output = checked_mul(checked_mul(u(op.batch), u(op.channels), op), u(o.h * o.w), op);
      break;
    }
    case OpType::Pool: {
      ConvOutput o = conv_output(op);
      s.input = checked_mul(checked_mul(u(op.batch), u(op.channels), op), u(op.in_h * op.in_w), op);
      s.output = checked_mul(checked_mul(u(op.batch), u(op.channels), op), u(o.h * o.w), op);
      break;
    }
    case OpType::Elementwise:
      s.input = checked_mul(2, u(op.elements), op);
      s.output = u(op.elements);
      break;
    case OpType::Norm:
    case OpType::Softmax:
      s.input = s.output = checked_mul(u(op.rows), u(op.cols), op);
      break;
    case OpType::Activation:
      s.input = s.output = u(op.elements);
      break;
    case OpType::Attention: {
      int64_t kvh = op.kv_heads == 0 ? op.heads : op.kv_heads;
      uint64_t q =
          checked_mul(checked_mul(u(op.batch), u(op.heads), op), u(op.q_len * op.head_dim), op);
      uint64_t kv =
          checked_mul(checked_mul(u(op.batch), u(kvh), op), u(op.kv_len * op.head_dim), op);
      s.input = q + 2 * kv;
      s.output = q;
      break;
    }
  }
  return s;
}

void validate_shapes(const Operator& op) {
  // Spatial products can overflow int64 before the checked helpers see them.
  for (int64_t v : {op.m, op.k, op.n, op.in_h, op.in_w, op.channels, op.in_channels,
                    op.out_channels, op.elements, op.rows, op.cols, op.q_len, op.kv_len,
                    op.head_dim, op.heads, op.batch, op.kernel_h, op.kernel_w}) {
    if (v > (int64_t{1} << 31)) too_large(op);
  }
  tensor_sizes(op);
  op_macs(op);
}

}  // namespace npusim
