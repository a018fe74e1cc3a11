// Shared types of the multi-device cascade (MultiTASC, docs/cascade.md): device tiers, the
// server's batch-latency table L(b) and the capacity metric (spec §3, Eq. 3).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

// Device tiers of the fleet (spec §2, Table I). Their order here is only an index; the
// controller ranks tiers by their light model's accuracy, not by this order.
enum class Tier : uint8_t { Low, Mid, High };
constexpr size_t kTiers = 3;
const char* tier_name(Tier t);

// The server's latency for a batch of b samples, for the batch sizes it serves (ascending).
struct BatchLatency {
  std::vector<int64_t> sizes;
  std::vector<uint64_t> ps;  // ps[i]: L(sizes[i])
  // L(b) for a served size b (asserts it is one).
  uint64_t of(int64_t b) const;
  int64_t largest() const { return sizes.empty() ? 0 : sizes.back(); }
};

// How the capacity's unbounded knapsack is solved: the paper's greedy (most samples per second
// first, as many as fit, then the next on the remaining time) or exactly (dynamic programme over
// the number of samples).
enum class CapacitySolver { Greedy, Exact };

// C = max over n of sum_j b_j n_j subject to sum_j L(b_j) n_j <= budget (n_j >= 0 integers).
uint64_t capacity(const BatchLatency& l, uint64_t budget_ps, CapacitySolver solver);

// What a controller sees at a control step (every period).
struct QueueState {
  uint64_t now_ps = 0;
  uint64_t queue_length = 0;     // forwarded samples waiting at the server now
  uint64_t capacity = 0;         // min(C, the largest batch size) (corrections §7.4)
  double mean_batch_period = 0;  // mean size of the batches served in the last period (0: none)
  double mean_batch_last = 0;    // mean size of the last `last_batches` batches served
};

// The fleet as a controller sees it: each device's tier, and the tier's light-model accuracy
// (on the prediction trace's calibration images), by which tiers are ranked.
struct FleetView {
  std::vector<Tier> tier;                       // per device
  std::array<double, kTiers> light_accuracy{};  // per tier
};

// One control step, for the controller's log.
struct ControlStep {
  double change = 0;      // TC: the threshold change applied (0: none)
  uint64_t updated = 0;   // devices whose threshold changed
  bool panic = false;     // every threshold set to 0 (decongestion)
  bool restored = false;  // thresholds restored after a panic
};

}  // namespace npusim
