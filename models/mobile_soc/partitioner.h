// The delegate partitioner (transformers-mobile.md §3(d), §7 item 1) and the boundary-cost
// model (§3(e), §7 item 3): how TFLite cuts a graph into one accelerator's partitions and CPU
// fallbacks, and what a design (graph, accelerator or CPU alone, CPU options) costs.
//
// Partitioning (TFLite's PartitionGraphIntoIndependentNodeSubsets): in execution order, each
// epoch takes every node whose inputs are ready and whose kind (accepted by the accelerator's
// table at the dtype the accelerator would compute it at, or not) is the epoch's kind, so
// contracting any subset leaves the graph acyclic; the kind alternates. The accepted subsets are
// the candidate partitions; the delegate keeps the `max_partitions` largest by node count (ties:
// earlier first node) that have at least `min_nodes`; every other node runs on the CPU, which must
// accept it.
//
// Cost of a design:
//   accelerator  Σ_partitions [ launch + Σ_ops t_op ]
//   CPU          Σ_ops t_op (with the design's threads and XNNPACK)
//   boundary     Σ_partitions 2 x sync (entry, exit)
//              + Σ_(tensor, destination engine) crossing a partition boundary, counted once per
//                pair:  bytes at the producer's dtype / copy_bandwidth
//                     + (GPU side) bytes padded to 4 channels (PHWC4) / conv_bandwidth
//                     + (dtype change) elements x cvt_per_element
//                graph inputs start on the CPU and graph outputs end there. XNNPACK <->
//                reference-kernel hand-offs cost nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/mobile_soc/engines.h"
#include "models/mobile_soc/soc_graph.h"

namespace npusim {

struct SocPartition {
  const Engine* engine = nullptr;
  std::vector<size_t> nodes;  // execution order
};

struct BoundaryCrossing {
  int tensor = 0;     // SocGraph::tensor ref
  int consumer = -1;  // the first node that reads it on the destination engine; -1: the output
  std::string from, to;
  uint64_t bytes = 0;
  double copy_s = 0, layout_s = 0, convert_s = 0;
};

struct DelegationPlan {
  const Engine* accelerator = nullptr;   // nullptr: the CPU runs everything
  std::vector<SocPartition> partitions;  // execution order; adjacent CPU subsets merged
  size_t candidate_partitions = 0;       // accepted subsets before the delegate's cut
  std::vector<std::string> rejected;     // per node the accelerator rejects: why
  uint64_t delegated_nodes = 0;
  double delegated_work = 0, total_work = 0;  // node_work
  double delegated_fraction() const { return total_work > 0 ? delegated_work / total_work : 0; }
};

struct DesignCost {
  double accelerator_s = 0, cpu_s = 0, boundary_s = 0, sync_s = 0;  // boundary_s includes sync_s
  std::vector<double> partition_s;  // per partition: launch (accelerators) + its operators
  std::vector<BoundaryCrossing> crossings;
  double total_s() const { return accelerator_s + cpu_s + boundary_s; }
};

// Cuts `g` for `accelerator` (nullptr: CPU only). A node the CPU table rejects and the
// accelerator does not take is a WorkloadError naming the node, its op and its source.
DelegationPlan partition_graph(const SocGraph& g, const MobileSoc& soc, const Engine* accelerator);

// The cost of running `plan` (the rules above).
DesignCost design_cost(const SocGraph& g, const MobileSoc& soc, const DelegationPlan& plan,
                       const CpuOptions& cpu);

// Bytes each engine holds for the design: weights of its nodes, its arena (the largest
// inputs + output of one of its nodes) and delegate buffers (the boundary tensors it receives
// or sends).
struct EngineMemory {
  std::string engine;
  uint64_t weights = 0, arena = 0, delegate_buffers = 0;
  uint64_t total() const { return weights + arena + delegate_buffers; }
};
std::vector<EngineMemory> memory_ledger(const SocGraph& g, const DelegationPlan& plan,
                                        const DesignCost& cost);
// "" when every engine's total fits its `memory` and their sum fits the SoC's RAM; otherwise
// a message naming the engine and both values.
std::string memory_fit(const MobileSoc& soc, const std::vector<EngineMemory>& ledger);

}  // namespace npusim
