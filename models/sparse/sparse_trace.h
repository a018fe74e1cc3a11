// The `sparse:` section of a workload model and its per-sample, per-layer trace (docs/sparse.md):
//
//   models:
//     - name: resnet50_unstructured
//       layers: [...]                  # the layers' shapes (conv, gemm, attention)
//       sparse: {arch: resnet50, pattern: unstructured, trace: traces/resnet50_unstructured.csv}
//
// The CSV has the header `sample,layer,density,weight_density,utilisation,latency_s,
// dataset_group` (columns in any order; `sample`, `layer` and `density` required, the others as
// the accelerator's latency source needs them) and one row per (sample, layer), every layer of
// the model for every sample. `density` is what the runtime monitor counts: the density of
// non-zeros of the layer's input activation (CNN) or of the attention scores kept (AttNN).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/workload/trace.h"

namespace npusim {

struct SparseTraceRow {
  double density = 1, weight_density = -1, utilisation = -1, latency_s = -1;
};

struct SparseModelTrace {
  std::string arch, pattern, file;
  std::vector<std::string> groups;                // per sample (dataset_group; "" when absent)
  std::vector<std::vector<SparseTraceRow>> rows;  // [sample][layer]
  bool has_weight_density = false, has_utilisation = false, has_latency = false;
};

// Reads the model's `sparse:` section and its CSV; WorkloadError with file:line on bad input.
// Parsed traces are shared (by file, size, modification time, section and layers): a session
// reads each once although it prepares the accelerator for every isolated-latency run.
std::shared_ptr<const SparseModelTrace> load_sparse_trace(const Model& m);

}  // namespace npusim
