#include "models/cascade/cascade.h"

#include <algorithm>
#include <cmath>

#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/mem/i_memory.h"
#include "sim/report/atomic_file.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/phases.h"

namespace npusim {
namespace {

const ParamTable& tier_table(const char* name, int devices, const char* latency,
                             const char* model) {
  using P = CascadeTierParams;
  static std::vector<std::unique_ptr<ParamTable>> tables;
  tables.push_back(std::make_unique<ParamTable>(
      ParamTable(name, "A device tier: how many devices, their light model and its latency")
          .param("devices", &P::devices, "devices of this tier in the fleet")
          .def(devices)
          .min(0)
          .max(1000000)
          .param("latency", &P::latency, "the light model's mean latency on the device (Table I)")
          .def(latency)
          .min("1us")
          .param("rate", &P::rate,
                 "samples per second a device emits (0: back to back, one per `latency`)")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .unit("1/s")
          .param("light_model", &P::light_model, "the light model's column in the predictions")
          .def(ParamValue(std::string(model)))));
  return *tables.back();
}

}  // namespace

const ParamTable& Cascade::param_table() {
  using P = CascadeParams;
  static const ParamTable& low = tier_table("cascade_tier_low", 0, "31ms", "mobilenetv2");
  static const ParamTable& mid = tier_table("cascade_tier_mid", 10, "43ms", "efficientnet_lite0");
  static const ParamTable& high = tier_table("cascade_tier_high", 0, "33ms", "efficientnet_b0");
  static const ParamTable t =
      ParamTable("cascade",
                 "Multi-device cascade (MultiTASC): a fleet of devices forwards hard samples to "
                 "one batching server accelerator; a controller moves their thresholds")
          .section("low", &P::low, low, "low-end tier (Sony Xperia C5, MobileNetV2)")
          .section("mid", &P::mid, mid, "mid tier (Samsung A71, EfficientNet-Lite0)")
          .section("high", &P::high, high, "high-end tier (Samsung S20 FE, EfficientNet-B0)")
          .param("samples_per_device", &P::samples_per_device, "samples each device processes")
          .def(5000)
          .min(1)
          .max(100000000)
          .param("seed", &P::seed, "device phases, jitter and image draws")
          .def(1)
          .min(0)
          .param("jitter_cv", &P::jitter_cv,
                 "coefficient of variation of a device's latency "
                 "(log-normal)")
          .def(ParamValue(0.05))
          .min(ParamValue(0.0))
          .max(ParamValue(2.0))
          .param("aligned_start", &P::aligned_start,
                 "every device starts its first sample at time 0 (else at a random phase within "
                 "one sample's interval)")
          .def(ParamValue(false))
          .param("slo", &P::slo, "end-to-end latency SLO of a sample")
          .def("100ms")
          .min("1us")
          .param("network_delay", &P::network_delay, "one-way device-server delay")
          .def("5ms")
          .param(
              "predictions", &P::predictions,
              "prediction trace (YAML header, relative to this file; models/cascade/predictions.h)")
          .def(ParamValue(std::string("../../workloads/cascade/multitasc_predictions.yaml")))
          .param_enum("latency_source", &P::latency_source,
                      {{"npu", TierLatencySource::Npu},
                       {"analytic", TierLatencySource::Analytic},
                       {"table", TierLatencySource::Table}},
                      "where L(b) comes from: the server accelerator running the heavy model at "
                      "each batch size, the analytic L(1)(a + (1-a)b), or `latency_table`")
          .def("npu")
          .param("batch1_latency", &P::batch1_latency,
                 "L(1): npu calibrates one factor to it (0s: no calibration); analytic uses it")
          .def("15ms")
          .param("analytic_a", &P::analytic_a, "a of the analytic L(b)")
          .def(ParamValue(0.8))
          .min(ParamValue(0.0))
          .max(ParamValue(1.0))
          .param("latency_table", &P::latency_table_ms,
                 "L(b) in ms for b = 1, 2, 4, ... max_batch (latency_source: table)")
          .def(ParamValue(std::vector<double>{}))
          .unit("ms")
          .param("max_batch", &P::max_batch, "largest batch the server forms")
          .def(64)
          .min(1)
          .max(1 << 20)
          .param_enum("batch_policy", &P::batch_policy,
                      {{"largest_served", BatchPolicy::LargestServed}, {"any", BatchPolicy::Any}},
                      "the idle server takes the largest of 1, 2, 4, ... not above the queue, or "
                      "any size up to max_batch (L interpolated)")
          .def("largest_served")
          .param_enum("capacity_solver", &P::capacity_solver,
                      {{"greedy", CapacitySolver::Greedy}, {"exact", CapacitySolver::Exact}},
                      "how the capacity's knapsack is solved")
          .def("greedy")
          .param_enum("baseline", &P::baseline,
                      {{"calibrated", BaselineMode::Calibrated}, {"fixed", BaselineMode::Fixed}},
                      "starting thresholds: chosen per light model on the calibration images, or "
                      "`threshold` for every device")
          .def("calibrated")
          .param("threshold", &P::threshold, "the fixed starting threshold (baseline: fixed)")
          .def(ParamValue(0.5))
          .min(ParamValue(0.0))
          .max(ParamValue(1.0))
          .param("forward_share", &P::forward_share,
                 "calibrated baseline: the share of samples it aims to forward")
          .def(ParamValue(0.30))
          .min(ParamValue(0.0))
          .max(ParamValue(1.0))
          .param("accuracy_tolerance", &P::accuracy_tolerance,
                 "calibrated baseline: accuracy it may lose against the best threshold")
          .def(ParamValue(0.01))
          .min(ParamValue(0.0))
          .max(ParamValue(1.0))
          .param("samples_csv", &P::samples_csv, "per-sample CSV to write (\"\": none)")
          .def(ParamValue(std::string()))
          .param("controller_log", &P::controller_log, "controller log CSV to write (\"\": none)")
          .def(ParamValue(std::string()))
          .slot("server", "accelerator", "generic_npu", "the server's accelerator")
          .slot("controller", "cascade_controller", "multitasc", "the threshold controller")
          .check<P>([](const P& p) -> std::string {
            if (p.low.devices + p.mid.devices + p.high.devices == 0)
              return "the fleet is empty: low.devices, mid.devices and high.devices are all 0";
            for (const CascadeTierParams* t : {&p.low, &p.mid, &p.high}) {
              if (t->devices > 0 && t->rate * t->latency.seconds() > 1.0)
                return "a device of light model " + t->light_model + " cannot emit at rate " +
                       std::to_string(t->rate) + "/s: one sample takes its latency " +
                       std::to_string(t->latency.seconds()) + " s";
            }
            return "";
          });
  return t;
}

Cascade::Cascade(const ComponentArgs& a)
    : IAccelerator(a), p_(load_params<CascadeParams>(param_table(), kHardwareRootKeys)) {
  server_ = make_child<IAccelerator>("server");
  controller_ = make_child<ICascadeController>("controller");
  sizes_ = profiled_batch_sizes(p_.max_batch);
  if (p_.latency_source == TierLatencySource::Table &&
      p_.latency_table_ms.size() != sizes_.size()) {
    std::string want;
    for (int64_t b : sizes_) want += (want.empty() ? "" : ", ") + std::to_string(b);
    config().fail("latency_table has " + std::to_string(p_.latency_table_ms.size()) +
                  " values, but max_batch " + std::to_string(p_.max_batch) + " needs " +
                  std::to_string(sizes_.size()) + " (L(b) in ms for b = " + want + ")");
  }
  for (double ms : p_.latency_table_ms) {
    if (!(ms > 0)) config().fail("latency_table holds " + std::to_string(ms) + " ms; L(b) > 0");
  }
}

Cascade::~Cascade() = default;

void Cascade::prepare(const Workload& w, const RunOptions& options) {
  if (w.models.size() != 1 || w.models.front().llm)
    throw WorkloadError("workload " + w.file +
                        ": a cascade runs one operator-list model, the "
                        "server's heavy model (it has " +
                        std::to_string(w.models.size()) + ")");
  const Model& heavy = w.models.front();
  heavy_ = heavy.name;
  const uint64_t need = batch_footprint_bytes(heavy, p_.max_batch);
  const uint64_t have = server_->main_memory().capacity_bytes();
  if (need > have) {
    const YAML::Node n = config().node()["max_batch"];
    const std::string msg = "max_batch " + std::to_string(p_.max_batch) + ": a batch of " +
                            heavy.name + " needs " + std::to_string(need) +
                            " bytes (weights and the largest layer's activations), more "
                            "than the server's memory of " +
                            std::to_string(have) + " bytes";
    if (n) config().fail_at(n, "max_batch", msg);
    config().fail(msg);
  }
  const std::string path = p_.predictions.empty() || p_.predictions.front() == '/'
                               ? p_.predictions
                               : config().doc().dir + "/" + p_.predictions;
  predictions_ = load_predictions(path);
  const size_t h = predictions_->model(heavy.name, " (the workload's model)");
  for (size_t t = 0; t < kTiers; ++t) {
    const CascadeTierParams& tp = *tiers()[t];
    if (tp.devices == 0) continue;
    const size_t l = predictions_->model(tp.light_model, " (" + path_of_tier(t) + ".light_model)");
    baseline_[t] = baseline_threshold(*predictions_, l, h, p_.forward_share, p_.accuracy_tolerance);
  }
  if (p_.latency_source == TierLatencySource::Npu) {
    batched_ = w;
    batched_.models.clear();
    for (int64_t b : sizes_) batched_.models.push_back(batched_model(heavy, b));
    server_->prepare(batched_, options);
  }
}

std::string Cascade::path_of_tier(size_t t) const {
  return path() + "." + tier_name(static_cast<Tier>(t));
}

void Cascade::measure_latency(IRequestContext& ctx) {
  std::vector<uint64_t> ps;
  if (p_.latency_source == TierLatencySource::Npu) {
    for (size_t i = 0; i < sizes_.size(); ++i) {
      const uint64_t start = time_to_ps(sc_core::sc_time_stamp());
      server_->run_model(i, ctx);
      server_->engine().finish();
      npu_ps_.push_back(time_to_ps(sc_core::sc_time_stamp()) - start);
    }
    factor_ = p_.batch1_latency.ps > 0
                  ? static_cast<double>(p_.batch1_latency.ps) / static_cast<double>(npu_ps_.front())
                  : 1.0;
    for (uint64_t x : npu_ps_)
      ps.push_back(static_cast<uint64_t>(std::llround(static_cast<double>(x) * factor_)));
  } else if (p_.latency_source == TierLatencySource::Analytic) {
    ps = analytic_latency(sizes_, p_.batch1_latency.ps, p_.analytic_a).ps;
  } else {
    for (double ms : p_.latency_table_ms)
      ps.push_back(static_cast<uint64_t>(std::llround(ms * 1e9)));
  }
  BatchLatency profiled{sizes_, ps};
  latency_ = p_.batch_policy == BatchPolicy::Any ? interpolate_all_sizes(profiled) : profiled;
  // The controller compares the queue with what the server can finish within its share of the
  // SLO: the SLO less the slowest tier's device time and both network legs (corrections §7.1).
  uint64_t device = 0;
  for (const CascadeTierParams* t : tiers())
    if (t->devices > 0) device = std::max(device, t->latency.ps);
  const uint64_t spent = device + 2 * p_.network_delay.ps;
  budget_ps_ = p_.slo.ps > spent ? p_.slo.ps - spent : 0;
  capacity_ = std::min<uint64_t>(capacity(latency_, budget_ps_, p_.capacity_solver),
                                 static_cast<uint64_t>(latency_.largest()));
}

FleetSetup Cascade::fleet_setup() const {
  FleetSetup s;
  for (size_t t = 0; t < kTiers; ++t) {
    const CascadeTierParams& tp = *tiers()[t];
    TierSetup& ts = s.tiers[t];
    ts.devices = tp.devices;
    ts.latency_ps = tp.latency.ps;
    ts.period_ps = tp.rate > 0 ? static_cast<uint64_t>(std::llround(1e12 / tp.rate)) : 0;
    if (tp.devices > 0) ts.light_model = predictions_->model(tp.light_model, "");
    ts.threshold = p_.baseline == BaselineMode::Fixed ? p_.threshold : baseline_[t].threshold;
  }
  s.samples_per_device = p_.samples_per_device;
  s.seed = static_cast<uint64_t>(p_.seed);
  s.jitter_cv = p_.jitter_cv;
  s.aligned_start = p_.aligned_start;
  s.slo_ps = p_.slo.ps;
  s.network_delay_ps = p_.network_delay.ps;
  s.latency = latency_;
  s.batch_policy = p_.batch_policy;
  s.capacity = capacity_;
  s.heavy_model = predictions_->model(heavy_, "");
  s.keep_samples = !p_.samples_csv.empty();
  return s;
}

void Cascade::run_model(size_t index, IRequestContext& ctx) {
  NPUSIM_ASSERT(index == 0, "a cascade's workload has one model");
  measure_latency(ctx);
  RunAccounting& acc = accounting();
  fleet_start_ps_ = time_to_ps(sc_core::sc_time_stamp());
  fleet_ = std::make_unique<Fleet>(fleet_setup(), *predictions_, *controller_);
  fleet_->run();
  acc.begin_phase("fleet", PhaseKind::Other);
  acc.set_end_ps(acc.begin_op("fleet", "fleet", 0), time_to_ps(sc_core::sc_time_stamp()));
  engine().hold_until(time_to_ps(sc_core::sc_time_stamp()));
}

RunResult Cascade::result() {
  RunResult r = server_->result();
  NPUSIM_ASSERT(fleet_ != nullptr, "cascade result before its run");
  r.sections["cascade"] = cascade_report(*this);
  const Json& c = r.sections["cascade"];
  r.throughput = c.find("throughput_samples_per_s")->as_double();
  r.throughput_unit = "samples/s";
  if (!p_.samples_csv.empty()) write_file_atomic(p_.samples_csv, cascade_samples_csv(*this));
  if (!p_.controller_log.empty())
    write_file_atomic(p_.controller_log, cascade_controller_csv(*this));
  return r;
}

NPUSIM_REGISTER_COMPONENT(Cascade, "accelerator", "cascade",
                          "Multi-device cascade sharing one batching server accelerator "
                          "(MultiTASC)");

}  // namespace npusim
