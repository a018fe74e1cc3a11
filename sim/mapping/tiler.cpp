#include "sim/mapping/tiler.h"

#include <tuple>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/units.h"
#include "sim/workload/op_math.h"

namespace npusim {
namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// The full dimension, and granule x 2^i below it.
std::vector<uint64_t> candidates(uint64_t dim, uint64_t granule) {
  std::vector<uint64_t> c{dim};
  for (uint64_t v = granule; v < dim; v *= 2) c.push_back(v);
  return c;
}

}  // namespace

uint64_t input_bytes(const GemmProblem& p, uint64_t mb, uint64_t kb) {
  return p.input_block_bytes ? p.input_block_bytes(mb, kb) : bytes_for(mb * kb, p.a_bits);
}

uint64_t weight_bytes(const GemmProblem& p, uint64_t kb, uint64_t nb) {
  return p.weight_block_bytes ? p.weight_block_bytes(kb, nb) : bytes_for(kb * nb, p.w_bits);
}

// Cycles of all blocks, each max(compute, transfer); every dimension has full blocks and at most
// one edge block, so there are at most eight block shapes.
uint64_t blocks_time(const GemmProblem& p, uint64_t mb, uint64_t kb, uint64_t nb,
                     double transfer_per_block, const GemmCost& cost) {
  auto pieces = [](uint64_t dim, uint64_t b) {
    std::vector<std::pair<uint64_t, uint64_t>> v;  // (size, count)
    if (dim / b) v.push_back({b, dim / b});
    if (dim % b) v.push_back({dim % b, 1});
    return v;
  };
  uint64_t total = 0;
  for (auto [ms, mc] : pieces(p.m, mb))
    for (auto [ks, kc] : pieces(p.k, kb))
      for (auto [ns, nc] : pieces(p.n, nb)) {
        auto c = static_cast<double>(cost.block_cycles(ms, ks, ns));
        total += mc * kc * nc * static_cast<uint64_t>(std::max(c, transfer_per_block));
      }
  return total;
}

GemmPlan plan_gemm(const GemmProblem& p, const MatrixGranule& g, const BufferBudget& budget,
                   const GemmCost& cost, const std::string& op_name) {
  NPUSIM_ASSERT(p.m > 0 && p.k > 0 && p.n > 0, "empty GEMM " + op_name);
  GemmPlan best;
  bool found = false;
  const uint64_t out_total = bytes_for(p.m * p.n, p.out_bits);
  for (uint64_t kb : candidates(p.k, g.k)) {
    const uint64_t kblocks = ceil_div(p.k, kb);
    const int ob = kblocks > 1 ? p.acc_bits : p.out_bits;
    for (uint64_t nb : candidates(p.n, g.n)) {
      const uint64_t nblocks = ceil_div(p.n, nb);
      if (weight_bytes(p, kb, nb) > budget.weight) continue;
      // Whole-dimension inputs/weights for the traffic estimate (sum over blocks).
      const uint64_t w_all = weight_bytes(p, kb, nb) * kblocks * nblocks;
      for (uint64_t mb : candidates(p.m, g.m)) {
        if (input_bytes(p, mb, kb) > budget.ifmap) continue;
        if (bytes_for(mb * nb, ob) > budget.ofmap) continue;
        const uint64_t mblocks = ceil_div(p.m, mb);
        const uint64_t a_all = input_bytes(p, mb, kb) * kblocks * mblocks;
        GemmPlan plan{mb, kb, nb, LoopOrder::Streaming, 0, mblocks * kblocks * nblocks};
        if (kblocks == 1) {
          uint64_t keep_w = a_all * nblocks + w_all, keep_a = a_all + w_all * mblocks;
          plan.order = keep_w <= keep_a ? LoopOrder::WeightsResident : LoopOrder::InputsResident;
          plan.dram_bytes = std::min(keep_w, keep_a) + out_total;
        } else {
          plan.dram_bytes = a_all * nblocks + w_all * mblocks + out_total;
        }
        const double bw = cost.dram_bytes_per_cycle;
        const double per_block =
            static_cast<double>(cost.transfer_fixed_cycles) +
            static_cast<double>(plan.dram_bytes) / static_cast<double>(plan.blocks) / bw;
        plan.compute_cycles = blocks_time(p, mb, kb, nb, 0.0, cost);
        const uint64_t overlapped =
            std::max<uint64_t>(blocks_time(p, mb, kb, nb, per_block, cost),
                               static_cast<uint64_t>(static_cast<double>(plan.dram_bytes) / bw));
        const double exposed =
            static_cast<double>(input_bytes(p, mb, kb) + weight_bytes(p, kb, nb) +
                                bytes_for(mb * nb, p.out_bits)) /
                bw +
            2.0 * static_cast<double>(cost.transfer_fixed_cycles);
        plan.estimated_cycles = overlapped + static_cast<uint64_t>(exposed);
        auto rank = [](const GemmPlan& x) {
          return std::make_tuple(x.estimated_cycles, x.dram_bytes, x.blocks);
        };
        if (!found || rank(plan) < rank(best)) {
          best = plan;
          found = true;
        }
      }
    }
  }
  if (!found) {
    const uint64_t gw = weight_bytes(p, std::min(g.k, p.k), std::min(g.n, p.n));
    const uint64_t gi = input_bytes(p, std::min(g.m, p.m), std::min(g.k, p.k));
    const uint64_t go = bytes_for(std::min(g.m, p.m) * std::min(g.n, p.n), p.acc_bits);
    std::string which =
        gw > budget.weight
            ? "weight_sram (" + format_bytes(Bytes{budget.weight}) +
                  " per block) cannot hold one " + format_bytes(Bytes{gw}) + " weight tile"
        : gi > budget.ifmap
            ? "ifmap_sram (" + format_bytes(Bytes{budget.ifmap}) + " per block) cannot hold one " +
                  format_bytes(Bytes{gi}) + " input tile"
            : "ofmap_sram (" + format_bytes(Bytes{budget.ofmap}) + " per block) cannot hold one " +
                  format_bytes(Bytes{go}) + " output tile";
    throw MappingError("operator `" + op_name + "` does not fit the generic NPU: " + which +
                       "; enlarge the buffer or shrink the array");
  }
  return best;
}

}  // namespace npusim
