// Block planning for GEMM-like work on the generic NPU.
//
// A GEMM (m x k) . (k x n) is cut into blocks (mb x kb x nb) that live in the scratchpads:
// the input block in the ifmap buffer, the weight block in the weight buffer and the output
// block (partial sums at accumulator width while k is split, final outputs otherwise) in the
// ofmap buffer. With double buffering each buffer is split in two halves, and a block must
// fit in one half so the next one can load meanwhile.
//
// Loop nest (outer to inner): n-blocks, m-blocks, k-blocks, so an output block is finished
// (all of k accumulated) before the next starts and is stored once. DRAM traffic:
//     inputs  x (n-blocks)   + weights x (m-blocks) + outputs
// except when k is not split (kb = k): then one operand can stay resident while the other
// streams past it, and the loop order is chosen to keep the larger one resident:
//     weights resident (n outer): inputs x (n-blocks) + weights + outputs
//     inputs resident  (m outer): inputs + weights x (m-blocks) + outputs
// Candidate block sizes are the full dimension or multiples of the matrix unit's granule (its
// tile) by powers of two. The plan with the shortest estimated time wins. Double buffering
// overlaps a block's compute with the next block's transfer, so a block costs
// max(compute, fixed transfer latency + its bytes / DRAM bytes per cycle), where compute is the
// matrix unit's exact cycle count for that block shape (full and edge blocks differ); the sum
// over blocks is bounded below by the whole traffic time, and the first block's loads and the
// last block's store are exposed. Ties go to less traffic, then to fewer blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/compute/i_matrix_unit.h"

namespace npusim {

struct GemmProblem {
  uint64_t m = 0, k = 0, n = 0;
  int a_bits = 8, w_bits = 8, out_bits = 8, acc_bits = 32;
  // DRAM bytes of one input block (mb rows x kb columns of the im2col matrix for convs);
  // defaults to mb x kb x a_bits / 8.
  std::function<uint64_t(uint64_t mb, uint64_t kb)> input_block_bytes;
  // DRAM bytes of a weight block; defaults to kb x nb x w_bits / 8 (compression changes it).
  std::function<uint64_t(uint64_t kb, uint64_t nb)> weight_block_bytes;
};

struct BufferBudget {
  uint64_t ifmap = 0, weight = 0, ofmap = 0;  // bytes one block may use in each buffer
};

enum class LoopOrder { WeightsResident, InputsResident, Streaming };

struct GemmCost {
  std::function<uint64_t(uint64_t mb, uint64_t kb, uint64_t nb)> block_cycles;
  double dram_bytes_per_cycle = 1;
  uint64_t transfer_fixed_cycles = 0;  // per block: DMA set-up and DRAM access latency
};

struct GemmPlan {
  uint64_t mb = 0, kb = 0, nb = 0;
  LoopOrder order = LoopOrder::Streaming;
  uint64_t dram_bytes = 0;  // predicted traffic (inputs + weights + outputs)
  uint64_t blocks = 0;
  uint64_t compute_cycles = 0;    // predicted matrix-unit cycles
  uint64_t estimated_cycles = 0;  // max(compute, traffic time)
};

uint64_t input_bytes(const GemmProblem& p, uint64_t mb, uint64_t kb);
uint64_t weight_bytes(const GemmProblem& p, uint64_t kb, uint64_t nb);

// The best plan, or ConfigError naming the buffer that cannot hold even one granule.
GemmPlan plan_gemm(const GemmProblem& p, const MatrixGranule& g, const BufferBudget& budget,
                   const GemmCost& cost, const std::string& op_name);

}  // namespace npusim
