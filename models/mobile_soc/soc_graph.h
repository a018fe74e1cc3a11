// A DNN as the mobile runtime sees it: TFLite-level operators in execution order, each with its
// output tensor (shape, dtype), its producers, MACs, weight bytes and the flags the delegates'
// predicates read. A trace carries it in a model's `tflite:` section (written by
// workloads/exporters/bert_family.py; docs/mobile_soc.md):
//
//   tflite:
//     inputs: [{name: ids, shape: [1, 64], dtype: int32}]
//     nodes:
//       - {name: emb, op: GATHER, inputs: [ids], shape: [1, 64, 128], dtype: fp32,
//          weight_bytes: 15627264}
//       - {name: fc, op: FULLY_CONNECTED, inputs: [emb], shape: [1, 64, 128], dtype: fp32,
//          macs: 1048576, weight_bytes: 66048}
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "models/mobile_soc/op_support.h"
#include "sim/workload/trace.h"

namespace npusim {

struct SocTensor {
  std::string name;
  std::vector<int64_t> shape;
  SocDtype dtype = SocDtype::Fp32;
  uint64_t elements() const;
  uint64_t bytes() const { return elements() * soc_dtype_bytes(dtype); }
  int64_t batch() const { return shape.empty() ? 1 : shape.front(); }
};

struct SocNode {
  std::string name, op;
  std::vector<int> inputs;  // >= 0: a node's index; < 0: graph input -(i + 1)
  SocTensor out;
  uint64_t macs = 0, weight_bytes = 0;
  // Bytes of its weights one execution reads: all of them, except a GATHER (an embedding
  // lookup), which reads only the rows it gathers: its output's bytes, at most the table.
  uint64_t weight_bytes_read() const {
    return op == "GATHER" ? std::min(weight_bytes, out.bytes()) : weight_bytes;
  }
  bool const_weights = true;  // FULLY_CONNECTED / CONV: the weight operand is a constant
  std::string source;         // "file:line"
  OpQuery query() const {
    return {op, out.dtype, out.batch(), static_cast<int64_t>(out.shape.size()), const_weights};
  }
};

struct SocGraph {
  std::string model;
  std::vector<SocTensor> inputs;
  std::vector<SocNode> nodes;  // execution order: every input precedes its consumer
  const SocTensor& tensor(int ref) const {
    return ref >= 0 ? nodes[static_cast<size_t>(ref)].out : inputs[static_cast<size_t>(-ref - 1)];
  }
  uint64_t total_macs() const;
};

// Reads a model's `tflite:` section; every problem is a WorkloadError naming the file and line.
SocGraph read_soc_graph(const Model& m);

}  // namespace npusim
