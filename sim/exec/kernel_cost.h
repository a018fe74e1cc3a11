// How an operator's fixed per-kernel cost combines with the kernel's own time (its data stream
// and its compute), as the execution engine applies it to every operator a model feeds.
//
//   Additive: the cost comes before the kernel's first compute, after its data has arrived, and
//             nothing overlaps it: t = overhead + t_stream. An NPU's instruction issue; a GPU
//             kernel launch seen as a fixed gap between kernels.
//   Floor:    the kernel holds the machine for at least `overhead` from its start (when the
//             previous kernel's compute ended) and its data stream runs inside that time:
//             t = max(overhead, t_stream). A GPU kernel's launch, ramp-up, DRAM latency and
//             tail form a floor that a short kernel cannot go below and a long memory-bound
//             kernel hides (on an H200 a 35 MB read takes about as long as a 4 MB one, ~13 us).
//
// Times are in cycles of the model's clock. t_stream is what the kernel takes with no fixed
// cost: from its start to the end of its last compute (loads that ran ahead of its start, under
// the previous kernel, shorten it). Under Floor the kernel's stores may finish before the floor
// ends; the next kernel starts at the floor's end at the earliest.
#pragma once

#include <algorithm>
#include <cstdint>

namespace npusim {

enum class KernelCostForm { Additive, Floor };

// The cycle at which a kernel's first compute may start, given the cycle at which it could
// start without a fixed cost (its data has arrived and the compute units are free).
inline uint64_t kernel_first_compute(KernelCostForm form, uint64_t ready, uint64_t overhead) {
  return form == KernelCostForm::Additive ? ready + overhead : ready;
}

// The cycle until which a kernel that started at `start` holds the compute units, given the
// cycle at which its last compute ends.
inline uint64_t kernel_busy_until(KernelCostForm form, uint64_t start, uint64_t last_compute_end,
                                  uint64_t overhead) {
  return form == KernelCostForm::Floor ? std::max(last_compute_end, start + overhead)
                                       : last_compute_end;
}

// A kernel on its own, from its start: its duration when its stream takes `stream` cycles.
inline uint64_t kernel_duration(KernelCostForm form, uint64_t overhead, uint64_t stream) {
  return form == KernelCostForm::Floor ? std::max(overhead, stream) : overhead + stream;
}

}  // namespace npusim
