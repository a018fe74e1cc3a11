// The multi-device cascade (MultiTASC, docs/cascade.md) as the root of a hardware file: a fleet
// of devices in three tiers, a network, and a server accelerator (the `server` slot: any
// registered accelerator, e.g. the generic NPU's server-class preset) behind one batching
// queue, with a pluggable threshold controller (the `controller` slot).
//
// The workload is the server's heavy model (one model, batch 1). The runtime runs it as a single
// program: run_model() first measures L(b) by running the heavy model at each batch size on
// the server accelerator (`latency_source: npu`; the breakdown's phases `<model>_b<b>`), then
// runs the fleet (fleet.h) on the same SystemC kernel; the breakdown's `fleet` row spans it.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/cascade/fleet.h"
#include "models/cascade/i_cascade_controller.h"
#include "models/cascade/predictions.h"
#include "models/cascade/server_latency.h"
#include "sim/core/i_accelerator.h"
#include "sim/workload/trace.h"

namespace npusim {

enum class TierLatencySource { Npu, Analytic, Table };
enum class BaselineMode { Calibrated, Fixed };

struct CascadeTierParams {
  int64_t devices;
  Time latency;
  double rate;
  std::string light_model;
};

struct CascadeParams {
  CascadeTierParams low, mid, high;
  int64_t samples_per_device, seed;
  double jitter_cv;
  bool aligned_start;
  Time slo, network_delay;
  std::string predictions;
  TierLatencySource latency_source;
  Time batch1_latency;
  double analytic_a;
  std::vector<double> latency_table_ms;
  int64_t max_batch;
  BatchPolicy batch_policy;
  CapacitySolver capacity_solver;
  BaselineMode baseline;
  double threshold, forward_share, accuracy_tolerance;
  std::string samples_csv, controller_log;
};

class Cascade : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table();
  explicit Cascade(const ComponentArgs& a);
  ~Cascade() override;

  void prepare(const Workload& w, const RunOptions& options) override;
  void run_model(size_t index, IRequestContext& ctx) override;
  ExecEngine& engine() override { return server_->engine(); }
  RunAccounting& accounting() override { return server_->accounting(); }
  RunResult result() override;
  const IDram& main_memory() const override { return server_->main_memory(); }
  const ClockDomain& accelerator_clock() const override { return server_->accelerator_clock(); }

  const CascadeParams& params() const { return p_; }
  const std::string& heavy_model() const { return heavy_; }
  const std::string& controller_type() const { return controller_->type(); }
  // After run_model: the server's own L(b) (npu source; empty otherwise), the calibration
  // factor applied to it, the L(b) the fleet used, the capacity and the fleet's outcome.
  const std::vector<uint64_t>& npu_latency_ps() const { return npu_ps_; }
  double calibration_factor() const { return factor_; }
  const BatchLatency& latency() const { return latency_; }
  uint64_t capacity_budget_ps() const { return budget_ps_; }
  uint64_t capacity_samples() const { return capacity_; }
  const FleetOutcome& outcome() const { return fleet_->outcome(); }
  const PredictionTrace& predictions() const { return *predictions_; }
  const std::array<BaselineChoice, kTiers>& baselines() const { return baseline_; }

 private:
  std::array<const CascadeTierParams*, kTiers> tiers() const {
    return {&p_.low, &p_.mid, &p_.high};
  }
  void measure_latency(IRequestContext& ctx);
  FleetSetup fleet_setup() const;
  std::string path_of_tier(size_t t) const;

  CascadeParams p_;
  std::unique_ptr<IAccelerator> server_;
  std::unique_ptr<ICascadeController> controller_;
  std::vector<int64_t> sizes_;  // the profiled batch sizes
  Workload batched_;            // the heavy model at each profiled size (npu source)
  std::string heavy_;
  std::optional<PredictionTrace> predictions_;
  std::array<BaselineChoice, kTiers> baseline_{};
  std::vector<uint64_t> npu_ps_;
  double factor_ = 1;
  BatchLatency latency_;
  uint64_t budget_ps_ = 0, capacity_ = 0, fleet_start_ps_ = 0;
  std::unique_ptr<Fleet> fleet_;
};

// The `cascade` section of stats.json (cascade_report.cpp) and the CSV outputs.
Json cascade_report(const Cascade& c);
std::string cascade_samples_csv(const Cascade& c);
std::string cascade_controller_csv(const Cascade& c);

}  // namespace npusim
