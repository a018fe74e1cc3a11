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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

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
  uint64_t table_bytes = 0, table_addr = 0;  // weight tables, loaded with the weights
  uint64_t input_bytes = 0, input_addr = 0;  // into the input-side buffer
  TensorClass input_class = TensorClass::Activations;
  bool weight_static = true;  // false: the "weights" are runtime tensors (attention K/V)
  Kind kind = Kind::Matrix;
  bool transform_weights = false;  // weights pass the weight-transform unit before the matrix
  MatrixWork mw, mw2;
  VectorWork vw;
  // Typed extension points for what a model's lowering decides beyond the shared units:
  //   transform_work  the weight-transform unit's work when transform_weights is set, as a
  //                   product shape (e.g. a weights generator: m basis vectors, k = K^2, n
  //                   weights of the tile);
  //   engine          which of the model's own engines runs the unit (the model's enum, cast;
  //                   models with one engine leave it 0);
  //   lowered_cycles  compute cycles the lowering derived itself, for units that run on an
  //                   engine modelled as a roofline outside the cycle-level units.
  MatrixWork transform_work;
  uint8_t engine = 0;
  uint64_t lowered_cycles = 0;
  bool opens_output = true, closes_output = true;
  uint64_t store_bytes = 0, store_addr = 0;
  TensorClass store_class = TensorClass::Activations;
};

// Receives a lowering's units in bounded batches, so that lowering and simulating an operator
// use memory independent of its number of tiles. push() buffers up to `capacity` units; when a
// unit arrives at a full buffer, the buffer goes to `deliver` (not the last batch: one more
// unit follows) and the new unit starts the next one. close() delivers what is left as the
// operator's last batch (nothing when no unit was pushed).
class UnitSink {
 public:
  // first: the batch starts the operator; last: it ends it.
  using Deliver = std::function<void(std::vector<WorkUnit>&& units, bool first, bool last)>;
  static constexpr size_t kDefaultCapacity = size_t{1} << 14;

  // Capacity of the sinks made without one (a test lowers it to split operators finely).
  static size_t& default_capacity() {
    static size_t c = kDefaultCapacity;
    return c;
  }

  explicit UnitSink(Deliver deliver, size_t capacity = 0)
      : deliver_(std::move(deliver)),
        capacity_(std::max<size_t>(capacity == 0 ? default_capacity() : capacity, 1)) {}
  UnitSink(const UnitSink&) = delete;
  UnitSink& operator=(const UnitSink&) = delete;

  void push(const WorkUnit& u) {
    if (buffer_.size() >= capacity_) hand_over(false);
    if (buffer_.capacity() == 0) buffer_.reserve(std::min<size_t>(capacity_, 1024));
    buffer_.push_back(u);
    ++pushed_;
  }
  void close() {
    if (!buffer_.empty()) hand_over(true);
  }
  uint64_t pushed() const { return pushed_; }  // units pushed so far
  size_t capacity() const { return capacity_; }

 private:
  void hand_over(bool last) {
    std::vector<WorkUnit> batch;
    batch.swap(buffer_);
    const bool first = batches_++ == 0;
    deliver_(std::move(batch), first, last);
  }
  Deliver deliver_;
  size_t capacity_;
  std::vector<WorkUnit> buffer_;
  uint64_t pushed_ = 0, batches_ = 0;
};

// A sink that keeps every unit in `out` (small operators, cached templates, tests).
inline UnitSink::Deliver append_to(std::vector<WorkUnit>& out) {
  return [&out](std::vector<WorkUnit>&& units, bool, bool) {
    if (out.empty()) {
      out = std::move(units);
    } else {
      out.insert(out.end(), units.begin(), units.end());
    }
  };
}

}  // namespace npusim
