#include "models/mobile_npu/mobile_plan.h"

#include <algorithm>
#include <cmath>

#include "sim/core/errors.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}
uint64_t ceil_div(uint64_t a, uint64_t b) {
  return b == 0 ? 0 : (a + b - 1) / b;
}
uint64_t bytes_at(uint64_t elements, int bits) {
  return bytes_for(elements, bits);
}

VectorFn vector_fn(SrNodeType t) {
  switch (t) {
    case SrNodeType::Add:
      return VectorFn::Add;
    case SrNodeType::Mul:
      return VectorFn::Mul;
    case SrNodeType::Prelu:
    case SrNodeType::Lrelu:
    case SrNodeType::Relu:
      return VectorFn::Relu;
    case SrNodeType::Sigmoid:
      return VectorFn::Sigmoid;
    case SrNodeType::Pool:
    case SrNodeType::Std:
      return VectorFn::AvgPool;
    default:
      return VectorFn::Copy;
  }
}

// The node's MACs as matrix blocks: pixels x (c_in / groups x k^2) x (c_out / groups), groups.
MatrixWork conv_work(const SrNode& n, int bits) {
  MatrixWork w;
  const uint64_t k2 = u(std::max<int64_t>(n.kernel, 1) * std::max<int64_t>(n.kernel, 1));
  w.m = u(n.out[1] * n.out[2]);
  w.count = u(n.groups);
  w.k = u(n.in[0] / n.groups) * k2;
  w.n = u(n.out[0] / n.groups);
  w.a_bits = bits;
  w.w_bits = 8;
  return w;
}

// Splits `total` into `tiles` parts: all but the last ceil(total / tiles).
uint64_t part(uint64_t total, uint64_t tiles, uint64_t i) {
  const uint64_t per = ceil_div(total, tiles);
  const uint64_t start = std::min(total, per * i);
  return std::min(per, total - start);
}

class Planner {
 public:
  Planner(const SrGraph& g, const SrPlanHw& hw) : g_(g), hw_(hw), n_(g.nodes.size()) {}

  SrPlan run() {
    if (g_.schedule.target != SrTarget::Npu) return baseline();
    fuse();
    place();
    SrPlan p;
    p.fused = fused_;
    int prev_unit = -1, prev_mode = -1, prev_bits = -1;
    bool prev_dre = false;
    int first_unit = -1, first_mode = -1;
    for (size_t i = 0; i < n_; ++i) {
      if (fused_[i]) continue;
      const SrNode& n = g_.nodes[i];
      const int layer = g_.layer_of[i];
      if (layer >= 0) {
        const SrLayerChoice& c = g_.schedule.layers[u(layer)];
        check_mode(n, c.act_bits);
        const SrEngine e = engine_for(c.act_bits);
        const int mode = c.act_bits <= 8 ? 8 : 16;
        uint64_t stall = 0;
        if (prev_unit >= 0 && (prev_unit != static_cast<int>(e) || prev_mode != mode)) {
          stall = hw_.partition_switch;
          ++p.switches;
        }
        if (c.act_bits != prev_bits || c.dre != prev_dre) ++p.partitions;
        if (first_unit < 0) {
          first_unit = static_cast<int>(e);
          first_mode = mode;
          p.wrap_step = p.steps.size();
        }
        prev_unit = static_cast<int>(e);
        prev_mode = mode;
        prev_bits = c.act_bits;
        prev_dre = c.dre;
        if (c.dre) {
          p.steps.push_back(rqu_step(i));
          p.steps.back().stall = stall;
          stall = 0;
          ++p.dre_layers;
        }
        p.steps.push_back(node_step(i, e, c.act_bits));
        p.steps.back().stall = stall;
        p.steps.back().dre = c.dre;
      } else {
        p.steps.push_back(other_step(i));
        if (p.steps.back().fallback) ++p.fallbacks;
      }
    }
    p.wrap_switch = first_unit >= 0 && (first_unit != prev_unit || first_mode != prev_mode);
    p.switch_cycles = hw_.partition_switch;
    for (SrStep& s : p.steps) {
      for (WorkUnit& w : s.units) w.opens_output = w.closes_output = w.store_bytes > 0;
      p.weight_bytes += s.weight_bytes;
      const int b = std::min(32, std::max(1, s.bits));
      p.act_bytes_by_bits[u(b)] += s.load_bytes + s.store_bytes;
    }
    return p;
  }

 private:
  SrEngine engine_for(int bits) const {
    return bits <= 8 && g_.schedule.int8_unit == Int8Unit::Vector ? SrEngine::Hvx
                                                                  : SrEngine::Tensor;
  }

  void check_mode(const SrNode& n, int bits) const {
    const SrEngine e = engine_for(bits);
    const uint64_t rate = bits > 16 || bits < 1 ? 0
                          : e == SrEngine::Hvx  ? hw_.hvx_int8_rate
                          : bits <= 8           ? hw_.tensor_int8_rate
                                                : hw_.tensor_a16w8_rate;
    if (rate == 0) {
      throw WorkloadError(
          "layer `" + n.name + "` is scheduled at act_bits " + std::to_string(bits) +
          ", which the NPU's " + (e == SrEngine::Hvx ? "hvx unit" : "tensor unit") +
          " does not support (modes: INT8" +
          (hw_.tensor_a16w8_rate > 0 ? " and A16W8 on the tensor unit" : "") + ") at " + n.source);
    }
  }

  // Element-wise nodes whose first producer is a convolution (or fused into one) join it.
  void fuse() {
    fused_.assign(n_, false);
    home_.resize(n_);
    for (size_t i = 0; i < n_; ++i) {
      home_[i] = i;
      const SrNode& n = g_.nodes[i];
      if (!hw_.fuse_elementwise || !is_fusable(n.type) || n.producers.empty() || to_cpu(n))
        continue;
      const size_t p = n.producers[0];
      if (g_.layer_of[p] >= 0 || fused_[p]) {
        fused_[i] = true;
        home_[i] = home_[p];
      }
    }
  }

  bool to_cpu(const SrNode& n) const {
    const auto& ops = g_.schedule.cpu_ops;
    return std::find(ops.begin(), ops.end(), n.type) != ops.end();
  }

  // Which nodes fall back, which are resident, which store their output.
  void place() {
    fallback_.assign(n_, false);
    resident_.assign(n_, true);
    store_.assign(n_, false);
    for (size_t i = 0; i < n_; ++i) {
      const SrNode& n = g_.nodes[i];
      if (!fused_[i] && to_cpu(n)) {  // routed to the CPU by the schedule (spec §6 item 5)
        if (!hw_.cpu_fallback) {
          throw ConfigError("node `" + n.name +
                            "` is routed to the CPU (cpu_ops) but cpu_fallback "
                            "is false (" +
                            n.source + ")");
        }
        fallback_[i] = true;
        continue;
      }
      if (fused_[i] || n.rank <= hw_.tensor_banks) continue;
      const bool ps = n.type == SrNodeType::PixelShuffle;
      const PixelShufflePolicy pol = g_.schedule.pixel_shuffle;
      if (ps && pol == PixelShufflePolicy::Rewrite) continue;  // rank 4 after the rewrite
      if (ps && pol == PixelShufflePolicy::Native) {
        throw WorkloadError("layer `" + n.name + "` is a rank-" + std::to_string(n.rank) +
                            " pixel_shuffle scheduled on the NPU (pixel_shuffle: native), whose "
                            "scratchpad has " +
                            std::to_string(hw_.tensor_banks) +
                            " tensor banks (tensor_banks); use pixel_shuffle: rewrite or "
                            "fallback, at " +
                            n.source);
      }
      if (!hw_.cpu_fallback) {
        throw ConfigError("layer `" + n.name + "` has rank " + std::to_string(n.rank) +
                          ", above the NPU's " + std::to_string(hw_.tensor_banks) +
                          " tensor banks, and must fall back to the CPU, but cpu_fallback is "
                          "false (" +
                          n.source + ")");
      }
      fallback_[i] = true;
    }
    for (size_t i = 0; i < n_; ++i) {
      if (fused_[i]) continue;
      resident_[i] = !fallback_[i] && in_bytes(i) + out_bytes(i) <= hw_.sram_bytes;
    }
    for (size_t i = 0; i < n_; ++i) {
      if (fused_[i]) continue;
      const bool spill = !resident_[i];
      if (spill || fallback_[i]) {
        store_[i] = !fallback_[i];
        for (size_t p : g_.nodes[i].producers) store_[home_[p]] = true;
      }
    }
  }

  uint64_t in_bytes(size_t i) const {
    uint64_t b = 0;
    for (size_t p : g_.nodes[i].producers) b += bytes_at(g_.nodes[p].elements, g_.bits[p]);
    if (g_.nodes[i].type == SrNodeType::PatchSplit) b = bytes_at(g_.nodes[i].elements, 8);
    return b;
  }
  uint64_t out_bytes(size_t i) const {
    const SrNode& n = g_.nodes[i];
    if (n.type == SrNodeType::Stitch) return stitch_bytes(n);
    return bytes_at(n.elements, g_.bits[i]);
  }
  // The HR patch interior, 8-bit RGB.
  uint64_t stitch_bytes(const SrNode& n) const {
    const int64_t s = g_.scale, h = n.out[1] - 2 * g_.halo * s, w = n.out[2] - 2 * g_.halo * s;
    return u(n.out[0] * std::max<int64_t>(h, 1) * std::max<int64_t>(w, 1));
  }

  // DRAM bytes the node loads: the frame (patch_split), or each producer's tensor when this
  // node spills or the producer's output lives in DRAM.
  uint64_t load_bytes(size_t i) const {
    const SrNode& n = g_.nodes[i];
    if (n.type == SrNodeType::PatchSplit) return bytes_at(n.elements, 8);
    uint64_t b = 0;
    for (size_t p : n.producers) {
      const size_t h = home_[p];
      if (!resident_[i] || !resident_[h] || fallback_[h])
        b += bytes_at(g_.nodes[p].elements, g_.bits[p]);
    }
    return b;
  }

  // Cuts the node's work into equal tiles that fit the buffer halves (by output pixels, or by
  // elements for vector work); weights are loaded once, a share with each tile.
  void tile(SrStep& s, const WorkUnit& whole, uint64_t load, uint64_t store, uint64_t weights,
            bool matrix) {
    const uint64_t grain = std::max<uint64_t>(1, matrix ? whole.mw.m : whole.vw.elements);
    uint64_t tiles =
        std::max<uint64_t>({1, ceil_div(load, hw_.input_half), ceil_div(store, hw_.output_half),
                            ceil_div(weights, hw_.weight_half)});
    tiles = std::min(tiles, grain);
    tiles = ceil_div(grain, ceil_div(grain, tiles));
    for (uint64_t t = 0; t < tiles; ++t) {
      WorkUnit w = whole;
      w.weight_bytes = part(weights, tiles, t);
      w.weight_addr = ceil_div(weights, tiles) * t;
      w.input_bytes = part(load, tiles, t);
      w.input_addr = ceil_div(load, tiles) * t;
      w.store_bytes = part(store, tiles, t);
      w.store_addr = ceil_div(store, tiles) * t;
      (matrix ? w.mw.m : w.vw.elements) = part(grain, tiles, t);
      if (w.input_bytes > hw_.input_half || w.store_bytes > hw_.output_half ||
          w.weight_bytes > hw_.weight_half) {
        throw MappingError("step `" + s.name + "`: a tile of " + std::to_string(w.input_bytes) +
                           " input, " + std::to_string(w.weight_bytes) + " weight and " +
                           std::to_string(w.store_bytes) +
                           " output bytes does not fit the SRAM's buffer halves (" +
                           std::to_string(hw_.input_half) + ", " + std::to_string(hw_.weight_half) +
                           ", " + std::to_string(hw_.output_half) + " bytes)");
      }
      s.units.push_back(w);
    }
    s.load_bytes = load;
    s.store_bytes = store;
    s.weight_bytes = weights;
  }

  SrStep node_step(size_t i, SrEngine e, int bits) {
    const SrNode& n = g_.nodes[i];
    SrStep s;
    s.name = n.name;
    s.op_type = std::string(sr_node_type_name(n.type)) + "@" + sr_engine_name(e) +
                (bits <= 8 ? ".int8" : ".a16w8");
    s.node = i;
    s.engine = e;
    s.bits = bits;
    s.resident = resident_[i];
    s.overhead = hw_.layer_launch;
    WorkUnit w;
    w.kind = WorkUnit::Kind::Matrix;
    w.mw = conv_work(n, bits);
    set_engine(w, e);
    if (w.mw.m * w.mw.k * w.mw.n * w.mw.count != n.macs) {
      throw WorkloadError(
          "node `" + n.name + "` states " + std::to_string(n.macs) + " MACs but its shapes give " +
          std::to_string(w.mw.m * w.mw.k * w.mw.n * w.mw.count) + " at " + n.source);
    }
    tile(s, w, load_bytes(i), store_[i] ? out_bytes(i) : 0, n.weight_bytes, true);
    return s;
  }

  // The RQU of a DRE layer: min/max (fused into the producer's output stage, or a pass of its
  // own over a 16-bit intermediate in DRAM), a log2(lanes) reduce tree, Eq. (1), and the
  // requantise pass at vector rate.
  SrStep rqu_step(size_t i) {
    const SrNode& n = g_.nodes[i];
    SrStep s;
    s.name = n.name + ".rqu";
    s.op_type = "rqu";
    s.node = i;
    s.engine = SrEngine::Rqu;
    s.bits = 16;
    s.rqu = true;
    uint64_t tree = 0;
    for (uint64_t l = 1; l < hw_.vector_lanes; l <<= 1) ++tree;
    s.overhead = tree + hw_.rqu_eq1;
    const uint64_t elems = n.in_elements();
    WorkUnit q;
    q.kind = WorkUnit::Kind::Vector;
    q.vw = {VectorFn::Copy, elems, 16};  // reads the 16-bit intermediate
    set_engine(q, SrEngine::Rqu);
    if (hw_.rqu_fused_minmax) {
      s.units.push_back(q);
      return s;
    }
    // Unfused: the producer's 16-bit intermediate goes to DRAM (written once), a min/max pass
    // reads it, and the requantise pass reads it again; each pass in tiles of the buffers.
    const uint64_t wide = bytes_at(elems, 16);
    WorkUnit mm = q;
    mm.vw.fn = VectorFn::MaxPool;
    SrStep minmax, requant;
    minmax.name = requant.name = s.name;
    tile(minmax, mm, wide, wide, 0, false);
    tile(requant, q, wide, 0, 0, false);
    s.units = minmax.units;
    s.units.insert(s.units.end(), requant.units.begin(), requant.units.end());
    s.load_bytes = 2 * wide;
    s.store_bytes = wide;
    return s;
  }

  SrStep other_step(size_t i) {
    const SrNode& n = g_.nodes[i];
    SrStep s;
    s.name = n.name;
    s.node = i;
    s.bits = g_.bits[i];
    s.resident = resident_[i];
    if (fallback_[i]) {
      // The CPU reads the tensor from DRAM, dequantises, permutes, quantises and writes it.
      s.fallback = true;
      s.engine = SrEngine::CpuFallback;
      s.op_type = std::string(sr_node_type_name(n.type)) + "@cpu_fallback";
      const uint64_t bytes = in_bytes(i) + out_bytes(i);
      WorkUnit w;
      w.kind = WorkUnit::Kind::Vector;
      w.vw = {VectorFn::Copy, n.elements, s.bits};
      set_engine(w, SrEngine::CpuFallback);
      w.lowered_cycles =
          hw_.fallback_hop +
          static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / hw_.cpu_bytes_per_cycle));
      s.units.push_back(w);
      return s;
    }
    s.engine = SrEngine::Vector;
    s.op_type = std::string(sr_node_type_name(n.type)) + "@vector";
    s.overhead = hw_.layer_launch;
    if (n.type == SrNodeType::PixelShuffle && n.rank > hw_.tensor_banks) {
      // The rank-4 rewrite: c strided copies of s^2 h w elements, one descriptor each.
      s.op_type = "pixel_shuffle_rewrite@vector";
      s.overhead += u(n.out[0]) * hw_.ps_descriptor;
    }
    WorkUnit w;
    w.kind = WorkUnit::Kind::Vector;
    uint64_t elems =
        n.type == SrNodeType::Pool || n.type == SrNodeType::Std ? n.in_elements() : n.elements;
    if (n.type == SrNodeType::Std) elems *= 2;  // mean, then squared deviations
    w.vw = {vector_fn(n.type), elems, s.bits};
    set_engine(w, SrEngine::Vector);
    const uint64_t store =
        n.type == SrNodeType::Stitch ? out_bytes(i) : (store_[i] ? out_bytes(i) : 0);
    tile(s, w, load_bytes(i), store, 0, false);
    return s;
  }

  // CPU FP32 / GPU FP16: every node a roofline step, no NPU traffic.
  SrPlan baseline() {
    SrPlan p;
    p.fused.assign(n_, false);
    const bool cpu = g_.schedule.target == SrTarget::CpuFp32;
    const double bytes_per = cpu ? 4.0 : 2.0;
    for (size_t i = 0; i < n_; ++i) {
      const SrNode& n = g_.nodes[i];
      SrStep s;
      s.name = n.name;
      s.node = i;
      s.engine = cpu ? SrEngine::Cpu : SrEngine::Gpu;
      s.bits = cpu ? 32 : 16;
      s.op_type = std::string(sr_node_type_name(n.type)) + (cpu ? "@cpu" : "@gpu");
      const double bytes = bytes_per * static_cast<double>(n.in_elements() + n.elements) +
                           static_cast<double>(n.weight_bytes);
      const double mac_c =
          static_cast<double>(n.macs) / (cpu ? hw_.cpu_macs_per_cycle : hw_.gpu_macs_per_cycle);
      const double mem_c = bytes / (cpu ? hw_.cpu_bytes_per_cycle_mem : hw_.gpu_bytes_per_cycle);
      WorkUnit w;
      w.kind = WorkUnit::Kind::Vector;
      w.vw = {VectorFn::Copy, n.elements, s.bits};
      set_engine(w, s.engine);
      w.lowered_cycles = (cpu ? hw_.cpu_op_overhead : hw_.gpu_op_overhead) +
                         static_cast<uint64_t>(std::ceil(std::max(mac_c, mem_c)));
      w.mw.m = n.macs;  // for utilisation
      w.opens_output = w.closes_output = false;
      s.units.push_back(w);
      p.steps.push_back(std::move(s));
    }
    return p;
  }

  const SrGraph& g_;
  const SrPlanHw& hw_;
  size_t n_;
  std::vector<bool> fused_, fallback_, resident_, store_;
  std::vector<size_t> home_;
};

}  // namespace

const char* sr_engine_name(SrEngine e) {
  static const char* const names[kSrEngines] = {"tensor",       "hvx", "vector", "rqu",
                                                "cpu_fallback", "cpu", "gpu"};
  return names[static_cast<size_t>(e)];
}

SrPlan plan_sr(const SrGraph& g, const SrPlanHw& hw) {
  return Planner(g, hw).run();
}

}  // namespace npusim
