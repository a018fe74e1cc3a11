#include "sim/mapping/lowering.h"

#include <algorithm>
#include <cmath>

#include "sim/core/errors.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return a / b + (a % b != 0 ? 1 : 0);
}
// Unit counts of absurd operators saturate instead of wrapping (check() then refuses them).
uint64_t mul_sat(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
uint64_t add_sat(uint64_t a, uint64_t b) {
  return a + b < a ? UINT64_MAX : a + b;
}
uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}
int bits(int64_t b) {
  return static_cast<int>(b);
}

}  // namespace

void Lowering::Options::transfer_costs(const IDram& dram, const IDma& dma,
                                       const ClockDomain& clock) {
  dram_bytes_per_cycle = dram.peak_bandwidth() / static_cast<double>(clock.frequency().hz);
  transfer_fixed_cycles = dma.setup_cycles() + clock.cycle_at_ps(dram.access_latency().ps).n;
}

uint64_t Lowering::compressed_weight_bytes(const Operator& op, uint64_t elements, int64_t b) const {
  if (!opt_.bitmap_weights || op.sparsity.pattern == SparsityPattern::Dense)
    return bytes_for(elements, b);
  // Bitmap format: one presence bit per weight plus the non-zero values.
  auto nnz = static_cast<uint64_t>(std::ceil(static_cast<double>(elements) * op.sparsity.density));
  return std::min(bytes_for(elements, b), (elements + 7) / 8 + bytes_for(nnz, b));
}

uint64_t Lowering::weight_footprint(const Operator& op) const {
  return compressed_weight_bytes(op, tensor_sizes(op).weight, op.precision.weight);
}

bool elementwise_work(const Operator& op, VectorWork* out) {
  const int ab = static_cast<int>(op.precision.activation);
  switch (op.type) {
    case OpType::Elementwise:
      *out = {op.eltwise == EltwiseFn::Mul ? VectorFn::Mul : VectorFn::Add, u(op.elements), ab};
      return true;
    case OpType::Norm:
      *out = {op.norm == NormKind::LayerNorm ? VectorFn::LayerNorm
              : op.norm == NormKind::RmsNorm ? VectorFn::RmsNorm
                                             : VectorFn::BatchNorm,
              u(op.rows) * u(op.cols), ab};
      return true;
    case OpType::Softmax:
      *out = {VectorFn::Softmax, u(op.rows) * u(op.cols), ab};
      return true;
    case OpType::Activation: {
      static constexpr VectorFn kFn[] = {VectorFn::Copy, VectorFn::Relu,    VectorFn::Gelu,
                                         VectorFn::Silu, VectorFn::Sigmoid, VectorFn::Tanh,
                                         VectorFn::Exp,  VectorFn::Rope};
      *out = {kFn[static_cast<size_t>(op.fn)], u(op.elements), ab};  // (indexed by ActivationFn)
      return true;
    }
    default:
      return false;
  }
}

const GemmPlan& Lowering::plan(const Operator& op, const Gemm& g) {
  const GemmProblem& p = g.problem;
  std::string key = std::to_string(static_cast<int>(op.type)) + ':' + std::to_string(p.m) + ',' +
                    std::to_string(p.k) + ',' + std::to_string(p.n) + ',' +
                    std::to_string(p.a_bits) + ',' + std::to_string(p.w_bits) + ',' +
                    std::to_string(p.out_bits);
  if (op.type == OpType::Conv2d || op.type == OpType::DepthwiseConv2d) {
    for (int64_t v : {op.batch, op.in_h, op.in_w, op.kernel_h, op.kernel_w, op.stride, op.padding,
                      op.dilation, op.groups, op.in_channels})
      key += ',' + std::to_string(v);
  }
  if (opt_.bitmap_weights && op.sparsity.pattern != SparsityPattern::Dense) {
    key += ",s" + format_double(op.sparsity.density);
  }
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second;
  MatrixGranule gr = array_.granule(p.a_bits, p.w_bits);
  GemmCost cost;
  cost.block_cycles = [this, &p](uint64_t mb, uint64_t kb, uint64_t nb) {
    return array_.cycles({mb, kb, nb, p.a_bits, p.w_bits, 1});
  };
  cost.dram_bytes_per_cycle = opt_.dram_bytes_per_cycle;
  cost.transfer_fixed_cycles = opt_.transfer_fixed_cycles;
  return plans_.emplace(key, plan_gemm(p, gr, opt_.budget, cost, op.name)).first->second;
}

uint64_t Lowering::lower_gemm(const Operator& op, const Gemm& g_in, const TensorAddresses& at,
                              UnitSink* out) {
  Gemm g = g_in;
  g.op = &op;
  const GemmProblem& p = g.problem;
  const GemmPlan& pl = plan(op, g);
  const uint64_t mblocks = ceil_div(p.m, pl.mb), kblocks = ceil_div(p.k, pl.kb),
                 nblocks = ceil_div(p.n, pl.nb);
  // Single-block problems repeated many times (heads, groups) are packed into one step as far
  // as the buffers allow, so each step still moves a buffer-sized amount of data.
  uint64_t pack = 1;
  if (mblocks == 1 && kblocks == 1 && nblocks == 1 && g.count > 1) {
    uint64_t a = input_bytes(p, p.m, p.k), w = weight_bytes(p, p.k, p.n),
             o = bytes_for(p.m * p.n, p.out_bits);
    pack = g.count;
    if (a > 0) pack = std::min(pack, opt_.budget.ifmap / a);
    if (w > 0) pack = std::min(pack, opt_.budget.weight / w);
    if (o > 0) pack = std::min(pack, opt_.budget.ofmap / o);
    pack = std::max<uint64_t>(pack, 1);
  }
  const uint64_t per_rep = pl.order == LoopOrder::InputsResident
                               ? mul_sat(mblocks, nblocks)
                               : mul_sat(mul_sat(nblocks, mblocks), kblocks);
  const uint64_t units = mul_sat(ceil_div(g.count, pack), per_rep);
  if (out == nullptr) return units;
  // Tensors lie in DRAM in the order of the first pass over them; a block read again (inputs
  // for every n-block, weights for every m-block) is read from where it lies, not from past
  // the tensor's end.
  uint64_t in_off = 0, w_off = 0, out_off = 0;
  auto block = [&](uint64_t rep_n, uint64_t mi, uint64_t ki, uint64_t ni, bool load_w,
                   bool load_a) {
    const uint64_t mb = std::min(pl.mb, p.m - mi * pl.mb), kb = std::min(pl.kb, p.k - ki * pl.kb),
                   nb = std::min(pl.nb, p.n - ni * pl.nb);
    WorkUnit s;
    s.kind = WorkUnit::Kind::Matrix;
    s.mw = {mb, kb, nb, p.a_bits, p.w_bits, rep_n};
    s.weight_static = g.weights_are_static;
    s.weight_class = g.weights_are_static ? TensorClass::Weights : TensorClass::Activations;
    s.transform_weights = g.weights_are_static && opt_.transform_weights;
    if (load_w) {
      s.table_bytes = g.weights_are_static && opt_.table_layout_bytes
                          ? opt_.table_layout_bytes(*g.op, nb) * rep_n
                          : 0;
      s.weight_bytes = weight_bytes(p, kb, nb) * rep_n - s.table_bytes;
      s.weight_addr = at.weight + w_off;
      s.table_addr = s.weight_addr + s.weight_bytes;
      w_off += s.weight_bytes + s.table_bytes;
    }
    if (load_a) {
      s.input_bytes = input_bytes(p, mb, kb) * rep_n;
      s.input_addr = at.input + in_off;
      in_off += s.input_bytes;
    }
    s.opens_output = ki == 0;
    s.closes_output = ki + 1 == kblocks;
    if (s.closes_output) {
      s.store_bytes = bytes_for(mb * nb, p.out_bits) * rep_n;
      s.store_addr = at.output + out_off;
      out_off += s.store_bytes;
    }
    out->push(s);
  };
  for (uint64_t rep = 0; rep < g.count; rep += pack) {
    const uint64_t rep_n = std::min(pack, g.count - rep);
    const uint64_t rep_in = in_off, rep_w = w_off;
    if (pl.order == LoopOrder::InputsResident) {
      for (uint64_t mi = 0; mi < mblocks; ++mi) {
        w_off = rep_w;  // every m-block reads all the weights again
        for (uint64_t ni = 0; ni < nblocks; ++ni) block(rep_n, mi, 0, ni, true, ni == 0);
      }
    } else {
      const bool w_resident = pl.order == LoopOrder::WeightsResident;
      for (uint64_t ni = 0; ni < nblocks; ++ni) {
        in_off = rep_in;  // every n-block reads all the inputs again
        const uint64_t strip = w_off;
        for (uint64_t mi = 0; mi < mblocks; ++mi) {
          if (!w_resident) w_off = strip;  // and every m-block this n-block's weights
          for (uint64_t ki = 0; ki < kblocks; ++ki)
            block(rep_n, mi, ki, ni, !w_resident || mi == 0, true);
        }
      }
    }
  }
  return units;
}

uint64_t Lowering::lower_vector(const Operator& op, VectorFn fn, uint64_t units,
                                uint64_t in_bytes_per_unit, uint64_t weight_bytes_per_unit,
                                uint64_t out_bytes_per_unit, uint64_t work_per_unit, int b,
                                const TensorAddresses& at, UnitSink* out) {
  uint64_t per_step = units;
  if (in_bytes_per_unit > 0) per_step = std::min(per_step, opt_.budget.ifmap / in_bytes_per_unit);
  if (weight_bytes_per_unit > 0)
    per_step = std::min(per_step, opt_.budget.weight / weight_bytes_per_unit);
  if (out_bytes_per_unit > 0) per_step = std::min(per_step, opt_.budget.ofmap / out_bytes_per_unit);
  if (per_step == 0) {
    throw MappingError("operator `" + op.name + "` does not fit the generic NPU: one unit of its " +
                       "vector work needs " + std::to_string(in_bytes_per_unit) + " B of input, " +
                       std::to_string(out_bytes_per_unit) + " B of output; enlarge the buffers");
  }
  if (out == nullptr) return ceil_div(units, per_step);
  for (uint64_t done = 0; done < units; done += per_step) {
    const uint64_t n = std::min(per_step, units - done);
    WorkUnit s;
    s.kind = WorkUnit::Kind::Vector;
    s.vw = {fn, n * work_per_unit, b};
    s.input_bytes = n * in_bytes_per_unit;
    s.input_addr = at.input + done * in_bytes_per_unit;
    s.weight_bytes = n * weight_bytes_per_unit;
    s.weight_addr = at.weight + done * weight_bytes_per_unit;
    s.store_bytes = n * out_bytes_per_unit;
    s.store_addr = at.output + done * out_bytes_per_unit;
    out->push(s);
  }
  return ceil_div(units, per_step);
}

void Lowering::lower(const Operator& op, const TensorAddresses& at, UnitSink& out) {
  lower_any(op, at, &out);
}

void Lowering::lower(const Operator& op, const TensorAddresses& at, std::vector<WorkUnit>& out) {
  UnitSink sink(append_to(out), SIZE_MAX);
  lower_any(op, at, &sink);
  sink.close();
}

// kMaxUnitsPerOperator: memory no longer grows with the units, time does. The engine simulates
// about 7e4 units per second without fast-forward (edge_32x32, a 262144 x 8192 x 8192 GEMM:
// 2^20 units in 14 s), so 2^32 units would run for most of a day: larger operators are refused
// before the run, with their count, instead of running for days.
uint64_t Lowering::check(const Operator& op) {
  const uint64_t units = lower_any(op, {}, nullptr);
  if (units > kMaxUnitsPerOperator) {
    throw MappingError(
        "operator `" + op.name + "` lowers to " + std::to_string(units) +
        " work units, more than the " + std::to_string(kMaxUnitsPerOperator) +
        " one operator may have (too large to simulate); split it or enlarge the buffers at " +
        op.source);
  }
  return units;
}

uint64_t Lowering::lower_any(const Operator& op, const TensorAddresses& at, UnitSink* out) {
  const int ab = bits(op.precision.activation), wb = bits(op.precision.weight),
            ob = bits(op.precision.output), kvb = bits(op.precision.kv);
  auto problem = [&](uint64_t m, uint64_t k, uint64_t n, int a, int w) {
    GemmProblem p;
    p.m = m, p.k = k, p.n = n, p.a_bits = a, p.w_bits = w, p.out_bits = ob,
    p.acc_bits = opt_.acc_bits;
    return p;
  };
  auto with_compression = [&](GemmProblem& p) {
    if (opt_.weight_layout_bytes) {  // the model's layout; LUTs (if any) travel with the block
      p.weight_block_bytes = [this, &op](uint64_t kb, uint64_t nb) {
        return opt_.weight_layout_bytes(op, kb, nb) +
               (opt_.table_layout_bytes ? opt_.table_layout_bytes(op, nb) : 0);
      };
      return;
    }
    if (!opt_.bitmap_weights || op.sparsity.pattern == SparsityPattern::Dense) return;
    p.weight_block_bytes = [this, op](uint64_t kb, uint64_t nb) {
      return compressed_weight_bytes(op, kb * nb, op.precision.weight);
    };
  };
  switch (op.type) {
    case OpType::Gemm:
    case OpType::Gemv: {
      const bool weight = op.type == OpType::Gemv || op.b_operand == BOperand::Weight;
      Gemm g{problem(u(op.m), u(op.k), u(op.n), ab, weight ? wb : ab), 1, weight};
      if (weight) with_compression(g.problem);
      return lower_gemm(op, g, at, out);
    }
    case OpType::Conv2d: {
      const ConvOutput o = conv_output(op);
      const uint64_t cg = u(op.in_channels / op.groups), khw = u(op.kernel_h * op.kernel_w);
      Gemm g{problem(u(op.batch * o.h * o.w), cg * khw, u(op.out_channels / op.groups), ab, wb),
             u(op.groups), true};
      with_compression(g.problem);
      const uint64_t out_w = u(o.w), eff_kh = u(op.dilation * (op.kernel_h - 1) + 1);
      const uint64_t in_rows_all = u(op.batch * op.in_h);
      g.problem.input_block_bytes = [=](uint64_t mb, uint64_t kb) {
        // Input rows under mb output positions (partial rows at both ends), for the channels
        // that kb columns of the im2col matrix touch.
        uint64_t out_rows = std::min(u(op.batch * o.h), ceil_div(mb, out_w) + (mb % out_w ? 1 : 0));
        uint64_t in_rows = std::min(in_rows_all, (out_rows - 1) * u(op.stride) + eff_kh);
        uint64_t channels = std::min(cg, ceil_div(kb, khw));
        return std::min(bytes_for(mb * kb, ab), bytes_for(channels * in_rows * u(op.in_w), ab));
      };
      return lower_gemm(op, g, at, out);
    }
    case OpType::DepthwiseConv2d: {
      const ConvOutput o = conv_output(op);
      const uint64_t khw = u(op.kernel_h * op.kernel_w), outs = u(o.h * o.w);
      if (opt_.depthwise_on_vector) {
        return lower_vector(op, VectorFn::Mac, u(op.batch * op.channels),
                            bytes_for(u(op.in_h * op.in_w), ab), bytes_for(khw, wb),
                            bytes_for(outs, ob), outs * khw, std::max(ab, wb), at, out);
      }
      Gemm g{problem(u(op.batch) * outs, khw, 1, ab, wb), u(op.channels), true};
      return lower_gemm(op, g, at, out);
    }
    case OpType::Pool: {
      const ConvOutput o = conv_output(op);
      const uint64_t window =
          op.pool == PoolKind::GlobalAvg ? u(op.in_h * op.in_w) : u(op.kernel_h * op.kernel_w);
      return lower_vector(op, op.pool == PoolKind::Max ? VectorFn::MaxPool : VectorFn::AvgPool,
                          u(op.batch * op.channels), bytes_for(u(op.in_h * op.in_w), ab), 0,
                          bytes_for(u(o.h * o.w), ob), u(o.h * o.w) * window, ab, at, out);
    }
    case OpType::Elementwise:
    case OpType::Norm:
    case OpType::Softmax:
    case OpType::Activation: {
      // Chunked by rows (norm, softmax: a row is normalised as a whole) or by elements.
      VectorWork w;
      elementwise_work(op, &w);
      const bool rowwise = op.type == OpType::Norm || op.type == OpType::Softmax;
      const uint64_t units = rowwise ? u(op.rows) : u(op.elements), per = rowwise ? u(op.cols) : 1;
      const uint64_t inputs = op.type == OpType::Elementwise ? 2 : 1;
      return lower_vector(op, w.fn, units, bytes_for(inputs * per, ab), 0, bytes_for(per, ob), per,
                          ab, at, out);
    }
    case OpType::Attention: {
      const uint64_t kvh = u(op.kv_heads == 0 ? op.heads : op.kv_heads), group = u(op.heads) / kvh;
      const uint64_t reps = u(op.batch) * kvh, rows = u(op.q_len) * group;
      const uint64_t q_bytes = bytes_for(u(op.batch * op.heads * op.q_len * op.head_dim), ab);
      const uint64_t kv_bytes = bytes_for(reps * u(op.kv_len * op.head_dim), kvb);
      const uint64_t score_bytes = bytes_for(u(op.batch * op.heads * op.q_len * op.kv_len), ab);
      // Q.K^T: the keys play the weight operand (at KV width); scores go to `output`.
      Gemm qk{problem(rows, u(op.head_dim), u(op.kv_len), ab, kvb), reps, false};
      uint64_t units = lower_gemm(op, qk, {at.input, at.input + q_bytes, at.output}, out);
      units =
          add_sat(units, lower_vector(op, VectorFn::Softmax, u(op.batch * op.heads * op.q_len),
                                      bytes_for(u(op.kv_len), ab), 0, bytes_for(u(op.kv_len), ab),
                                      u(op.kv_len), ab, {at.output, 0, at.output}, out));
      // P.V: the values play the weight operand; the result overwrites the queries' slot.
      Gemm pv{problem(rows, u(op.kv_len), u(op.head_dim), ab, kvb), reps, false};
      return add_sat(
          units,
          lower_gemm(op, pv, {at.output, at.input + q_bytes + kv_bytes, at.output + score_bytes},
                     out));
    }
  }
  return 0;
}

}  // namespace npusim
