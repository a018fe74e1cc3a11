// The server's batch latency L(b) (spec §5 (c)). Three sources:
//   npu      the heavy model's trace at each batch size runs on the server accelerator (the
//            cascade's `server` slot, e.g. the generic NPU's server-class preset), once per
//            size; one global factor scales every L(b) so that L(1) equals `batch1_latency`
//            (the paper's T4 figure: 15 ms InceptionV3, 25 ms EfficientNet-B3)
//   analytic L(b) = L(1) (a + (1 - a) b)   (the spec's fallback; corrections §7.5: a = 0.8)
//   table    the values given (e.g. a previous run's `cascade.server.latency_s`)
// The server serves the powers of two up to `max_batch` (and `max_batch` itself); with
// `batch_policy: any` every size up to it, L(b) between two of those interpolated linearly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/cascade/cascade_types.h"
#include "sim/workload/trace.h"

namespace npusim {

// 1, 2, 4, ... up to max_batch, and max_batch itself.
std::vector<int64_t> profiled_batch_sizes(int64_t max_batch);

// The heavy model at batch b: every operator's batch dimension scaled by b (conv, pool and
// attention `batch`; a weight GEMM's `m`, a GEMV becoming a GEMM of b rows; element counts and
// rows of element-wise, activation, norm and softmax operators). MappingError for an operator
// whose batch cannot be stated in the trace schema (a GEMM of two activations).
Model batched_model(const Model& m, int64_t b);

// Bytes the server holds for a batch of b: the weights once and, for the largest operator, its
// input and output activations for b samples.
uint64_t batch_footprint_bytes(const Model& m, int64_t b);

// L(b) = L(1) (a + (1 - a) b) for each size.
BatchLatency analytic_latency(const std::vector<int64_t>& sizes, uint64_t l1_ps, double a);

// Every size 1..largest, L(b) interpolated linearly between the given sizes.
BatchLatency interpolate_all_sizes(const BatchLatency& given);

}  // namespace npusim
