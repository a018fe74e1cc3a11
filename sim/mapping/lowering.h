// Tiled lowering of trace operators to work units (sim/exec/work_unit.h), shared by the NPU
// models (the generic NPU for everything, the LLM NPU for prefill and operator-list workloads).
//
// A work unit is one trip through a double-buffered pipeline: DMA loads into the input buffers,
// one compute on the matrix or vector unit, and (when it completes an output block) a DMA
// store. GEMM-like operators (gemm, gemv, conv2d via implicit im2col, attention's two
// products, depthwise when mapped to the array) become the blocks of plan_gemm; the rest run
// on the vector unit in chunks that fit the buffers.
//
// Fidelity notes: tensors are laid out in DRAM in block order, so each block is one
// contiguous transfer. A conv block loads the input rows its output rows need (halo
// included) for the channels its k range covers, never more than its im2col size. Fused
// output activations are applied as results leave the array and cost no extra cycles.
// Attention is unfused: scores go to DRAM between Q.K^T, softmax and P.V; grouped K/V heads
// are shared by their query heads (the group's queries form the rows of one GEMM); the causal
// mask is not exploited.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/exec/work_unit.h"
#include "sim/mapping/tiler.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/workload/trace.h"

namespace npusim {

// The vector-unit work of an element-wise operator (norm, softmax, activation, elementwise);
// false for operators that are not element-wise.
bool elementwise_work(const Operator& op, VectorWork* out);

struct TensorAddresses {
  uint64_t input = 0, weight = 0, output = 0;  // DRAM bases of this operator's tensors
};

class Lowering {
 public:
  struct Options {
    BufferBudget budget;
    int acc_bits = 32;
    bool depthwise_on_vector = true;
    bool bitmap_weights = false;         // store sparse weights as a bitmap plus non-zeros
    double dram_bytes_per_cycle = 1;     // for the tiler's time estimate
    uint64_t transfer_fixed_cycles = 0;  // DMA set-up + DRAM latency, per block
    // Sets the two above from the memory system the steps will run on.
    void transfer_costs(const IDram& dram, const IDma& dma, const ClockDomain& clock);
    // Optional: DRAM bytes of `rows` x `k` weights of an operator (default: elements x bits / 8
    // or the bitmap format); lets a model describe its own weight layout (bit-planes).
    std::function<uint64_t(const Operator& op, uint64_t k, uint64_t rows)> weight_layout_bytes;
    // Optional: centroid-table bytes loaded with such a block (reported as LUT traffic).
    std::function<uint64_t(const Operator& op, uint64_t rows)> table_layout_bytes;
    bool transform_weights = false;  // weight-carrying matrix units pass the weight-transform unit
  };

  Lowering(IMatrixUnit& array, IVectorUnit& vector, Options options)
      : array_(array), vector_(vector), opt_(options) {}

  // Pushes the operator's units into `out` (which hands them on in bounded batches); the
  // caller closes the sink.
  void lower(const Operator& op, const TensorAddresses& at, UnitSink& out);
  // Appends the operator's units to `out` (small operators and tests: unbounded).
  void lower(const Operator& op, const TensorAddresses& at, std::vector<WorkUnit>& out);

  // Plans the operator without emitting a unit and returns how many units lower() will give:
  // raises the mapping errors lower() would (a block that fits no buffer), and MappingError
  // when the count exceeds kMaxUnitsPerOperator. Time and memory independent of the count.
  uint64_t check(const Operator& op);
  // The most units one operator may lower to (see lowering.cpp for the reason).
  static constexpr uint64_t kMaxUnitsPerOperator = uint64_t{1} << 32;

  // Weight bytes this operator keeps in DRAM (after compression), for the address plan.
  uint64_t weight_footprint(const Operator& op) const;

 private:
  struct Gemm {
    GemmProblem problem;
    uint64_t count = 1;  // independent repetitions (groups, heads)
    bool weights_are_static = true;
    const Operator* op = nullptr;
  };
  // With out == nullptr, lower_gemm and lower_vector only plan and return the unit count.
  uint64_t lower_gemm(const Operator& op, const Gemm& g, const TensorAddresses& at, UnitSink* out);
  // Vector work over `units` independent units (rows, channels, elements), chunked to fit.
  uint64_t lower_vector(const Operator& op, VectorFn fn, uint64_t units, uint64_t in_bytes_per_unit,
                        uint64_t weight_bytes_per_unit, uint64_t out_bytes_per_unit,
                        uint64_t work_per_unit, int bits, const TensorAddresses& at, UnitSink* out);
  uint64_t lower_any(const Operator& op, const TensorAddresses& at, UnitSink* out);
  const GemmPlan& plan(const Operator& op, const Gemm& g);
  uint64_t compressed_weight_bytes(const Operator& op, uint64_t elements, int64_t bits) const;

  IMatrixUnit& array_;
  IVectorUnit& vector_;
  Options opt_;
  std::unordered_map<std::string, GemmPlan> plans_;
};

}  // namespace npusim
