// The fleet co-simulation (docs/cascade.md): devices of three tiers run their light model on
// every sample back to back (or at a set rate), each sample's device time drawn log-normally
// around the tier's latency; a sample whose BvSB is below the device's threshold goes over the
// network (a constant delay each way) to the server's single FIFO queue; the server, whenever it
// is idle and the queue is not empty, serves the largest batch size it has that the queue fills
// and is busy for L(b); the controller adjusts thresholds every period.
//
// Events on the SystemC kernel: one per batch the server serves (and one when it wakes for an
// arrival), one per control period. Devices do not wait on anything (spec §6.3: they never
// wait for the server's reply), so their samples between two threshold changes are generated
// in time order in one step when the controller has decided; the server's queue is the list of
// forwarded samples by arrival time, and its length at time t counts the arrivals up to t.
// Nothing ticks per device or per sample, so thousands of devices cost only their samples.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/cascade/cascade_types.h"
#include "models/cascade/i_cascade_controller.h"
#include "models/cascade/predictions.h"

namespace npusim {

// Which batch the idle server takes from a queue of QL samples: the largest size in its table
// not above QL (the spec's rule), or min(QL, the largest size) with L interpolated (`any`).
enum class BatchPolicy { LargestServed, Any };

struct TierSetup {
  int64_t devices = 0;
  uint64_t latency_ps = 0;  // the light model's mean latency on the device
  uint64_t period_ps = 0;   // one sample every period (0: back to back)
  size_t light_model = 0;   // column of the prediction trace
  double threshold = 0;     // starting (baseline) threshold
};

struct FleetSetup {
  std::array<TierSetup, kTiers> tiers;
  int64_t samples_per_device = 0;
  uint64_t seed = 1;
  double jitter_cv = 0;
  bool aligned_start = false;  // every device's first sample starts at the fleet's start
  uint64_t slo_ps = 0, network_delay_ps = 0;
  BatchLatency latency;  // the sizes the server serves (all sizes up to the cap with `any`)
  BatchPolicy batch_policy = BatchPolicy::LargestServed;
  uint64_t capacity = 0;  // min(C, the largest batch), what the controller compares with
  size_t heavy_model = 0;
  bool keep_samples = false;  // every sample's record (the per-sample CSV)
};

struct SampleRecord {
  uint32_t device = 0, image = 0;
  uint64_t start_ps = 0, emit_ps = 0, done_ps = 0;  // relative to the fleet's start
  uint32_t batch = 0;                               // 0: not forwarded
  bool correct = false;
};

struct ControlRecord {
  uint64_t at_ps = 0;  // relative to the fleet's start
  uint64_t queue_length = 0;
  double mean_batch = 0;  // the one the controller used
  ControlStep step;
  std::array<double, kTiers> mean_threshold{};  // over the tier's devices, after the step
};

struct TierOutcome {
  uint64_t devices = 0, samples = 0, met = 0, forwarded = 0, correct = 0;
  uint64_t first_start_ps = UINT64_MAX, last_emit_ps = 0;
  double accuracy = 0;  // mean over the tier's devices of their top-1
};

struct FleetOutcome {
  std::array<TierOutcome, kTiers> tiers;
  std::vector<double> device_accuracy;
  std::vector<uint64_t> forwarded_latency_ps;  // in completion order
  uint64_t batches = 0, batched_samples = 0, busy_ps = 0, end_ps = 0;
  uint64_t panics = 0, updates = 0;
  std::vector<SampleRecord> samples;  // with keep_samples, in emission order
  std::vector<ControlRecord> log;
};

class Fleet {
 public:
  Fleet(FleetSetup setup, const PredictionTrace& predictions, ICascadeController& controller);
  ~Fleet();
  // Runs the fleet from the current simulated time until every sample has completed. Call from
  // a SystemC process (it spawns the server and the controller and waits for them).
  void run();
  const FleetOutcome& outcome() const { return out_; }
  const FleetSetup& setup() const { return s_; }

 private:
  struct Impl;
  FleetSetup s_;
  FleetOutcome out_;
  const PredictionTrace& p_;
  ICascadeController& ctl_;
};

}  // namespace npusim
