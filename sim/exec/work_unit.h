// A work unit: one trip through a double-buffered pipeline, the currency between a model's
// lowering (operators -> work units) and the execution engine (engine.h) that issues them.
//
//   loads    up to two operands from DRAM into on-chip buffers: a weight-side operand (weights,
//            or a runtime tensor used in the weights' place, with the tables that travel with
//            weights) and an input-side operand (activations, or cached keys and values);
//   compute  one piece of work on the model's units: a matrix product, a vector operation, or a
//            fused chain (matrix -> vector -> matrix on chip, e.g. attention's Q.K^T, softmax,
//            P.V); weights may pass the model's weight-transform unit (a dequantiser, a
//            decompressor, a weights generator) on their way to the matrix unit;
//   store    when the unit closes an output block, that block back to DRAM.
//
// Addresses are offsets: the engine adds the per-operator bases given when the units are fed,
// so one lowered operator can be reused for every layer and token. Which buffer an operand
// goes to is the model's choice (ExecEngine::Config::route), by tensor class.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"

namespace npusim {

// What a DRAM transfer carries, for the traffic report by tensor class. The classes are those
// of DNN workloads in general: weight tables are data that travel with weights (centroid LUTs,
// scales, codebooks, generator coefficients); KV is a transformer's cached keys and values.
enum class TensorClass : uint8_t { Weights, WeightTables, Kv, Activations };
constexpr size_t kTensorClasses = 4;
const char* tensor_class_name(TensorClass c);

struct WorkUnit {
  enum class Kind : uint8_t {
    Matrix,  // mw on the matrix unit
    Vector,  // vw on the vector unit
    Fused,   // mw (matrix), then vw (vector), then mw2 (matrix), all on chip
  };
  uint64_t weight_bytes = 0, weight_addr = 0;  // into the weight-side buffer
  TensorClass weight_class = TensorClass::Weights;
  uint64_t table_bytes = 0, table_addr = 0;    // weight tables, loaded with the weights
  uint64_t input_bytes = 0, input_addr = 0;    // into the input-side buffer
  TensorClass input_class = TensorClass::Activations;
  bool weight_static = true;  // false: the "weights" are runtime tensors (attention K/V)
  Kind kind = Kind::Matrix;
  bool transform_weights = false;  // weights pass the weight-transform unit before the matrix
  MatrixWork mw, mw2;
  VectorWork vw;
  bool opens_output = true, closes_output = true;
  uint64_t store_bytes = 0, store_addr = 0;
  TensorClass store_class = TensorClass::Activations;
};

}  // namespace npusim
