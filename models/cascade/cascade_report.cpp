// The cascade's outputs: the `cascade` section of stats.json, the per-sample CSV and the
// controller's log (docs/cascade.md defines every field).
//   slo_satisfaction  = samples whose end-to-end latency is within the SLO / all samples (a
//                       sample kept on the device counts as met when its device time is)
//   throughput        = samples / the emission window (first start to last emission)
//   forwarded_share   = forwarded samples / all samples
//   accuracy          = mean over devices of each device's top-1 (synthetic unless the
//                       prediction trace says otherwise)
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "models/cascade/cascade.h"

namespace npusim {
namespace {

double seconds(uint64_t ps) {
  return static_cast<double>(ps) / 1e12;
}
double ratio(uint64_t a, uint64_t b) {
  return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

Json latency_json(std::vector<uint64_t> v) {
  Json j = Json::object();
  j["count"] = static_cast<uint64_t>(v.size());
  if (v.empty()) return j;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {  // nearest rank
    const auto k = static_cast<size_t>(std::max(1.0, std::ceil(q * static_cast<double>(v.size()))));
    return seconds(v[k - 1]);
  };
  double sum = 0;
  for (uint64_t x : v) sum += seconds(x);
  j["mean"] = sum / static_cast<double>(v.size());
  j["p50"] = rank(0.50);
  j["p95"] = rank(0.95);
  j["p99"] = rank(0.99);
  j["max"] = seconds(v.back());
  return j;
}

}  // namespace

Json cascade_report(const Cascade& c) {
  const FleetOutcome& o = c.outcome();
  const CascadeParams& p = c.params();
  const PredictionTrace& pred = c.predictions();
  Json j = Json::object();
  uint64_t samples = 0, met = 0, fwd = 0, devices = 0, first = UINT64_MAX, last = 0;
  double acc_sum = 0;
  Json tiers = Json::object();
  for (size_t t = 0; t < kTiers; ++t) {
    const TierOutcome& x = o.tiers[t];
    if (x.devices == 0) continue;
    samples += x.samples;
    met += x.met;
    fwd += x.forwarded;
    devices += x.devices;
    acc_sum += x.accuracy * static_cast<double>(x.devices);
    first = std::min(first, x.first_start_ps);
    last = std::max(last, x.last_emit_ps);
    Json tj = Json::object();
    tj["devices"] = x.devices;
    tj["samples"] = x.samples;
    tj["slo_satisfaction"] = ratio(x.met, x.samples);
    tj["forwarded_share"] = ratio(x.forwarded, x.samples);
    tj["throughput_samples_per_s"] =
        static_cast<double>(x.samples) / seconds(x.last_emit_ps - x.first_start_ps);
    tj["accuracy"] = x.accuracy;
    tj["baseline_threshold"] = c.baselines()[t].threshold;
    tiers[tier_name(static_cast<Tier>(t))] = tj;
  }
  j["accuracy_is_synthetic"] = pred.synthetic;
  j["predictions"] = pred.file;
  j["devices"] = devices;
  j["samples"] = samples;
  j["slo_s"] = seconds(p.slo.ps);
  j["network_delay_s"] = seconds(p.network_delay.ps);
  j["slo_satisfaction"] = ratio(met, samples);
  j["forwarded_share"] = ratio(fwd, samples);
  j["throughput_samples_per_s"] = static_cast<double>(samples) / seconds(last - first);
  j["emission_window_s"] = seconds(last - first);
  j["accuracy"] = devices > 0 ? acc_sum / static_cast<double>(devices) : 0.0;
  j["tiers"] = tiers;
  Json s = Json::object();
  s["model"] = c.heavy_model();
  const char* sources[] = {"npu", "analytic", "table"};
  s["latency_source"] = sources[static_cast<int>(p.latency_source)];
  Json sizes = Json::array(), lat = Json::array(), npu = Json::array();
  const BatchLatency& l = c.latency();
  for (size_t i = 0; i < l.sizes.size(); ++i) {
    if (p.batch_policy == BatchPolicy::Any && (l.sizes[i] & (l.sizes[i] - 1)) != 0 &&
        l.sizes[i] != l.largest())
      continue;  // (the interpolated sizes are not reported)
    sizes.push_back(l.sizes[i]);
    lat.push_back(seconds(l.ps[i]));
  }
  for (uint64_t x : c.npu_latency_ps()) npu.push_back(seconds(x));
  s["batch_sizes"] = sizes;
  s["latency_s"] = lat;
  if (!c.npu_latency_ps().empty()) {
    s["npu_latency_s"] = npu;
    s["calibration_factor"] = c.calibration_factor();
  }
  s["capacity_budget_s"] = seconds(c.capacity_budget_ps());
  s["capacity"] = c.capacity_samples();
  s["batches"] = o.batches;
  s["mean_batch"] = ratio(o.batched_samples, o.batches);
  s["busy_s"] = seconds(o.busy_ps);
  s["utilisation"] =
      o.end_ps > 0 ? static_cast<double>(o.busy_ps) / static_cast<double>(o.end_ps) : 0.0;
  j["server"] = s;
  j["forwarded_latency_s"] = latency_json(o.forwarded_latency_ps);
  Json ctl = Json::object();
  ctl["type"] = c.controller_type();
  ctl["periods"] = static_cast<uint64_t>(o.log.size());
  ctl["threshold_updates"] = o.updates;
  ctl["panics"] = o.panics;
  j["controller"] = ctl;
  j["end_s"] = seconds(o.end_ps);
  return j;
}

std::string cascade_samples_csv(const Cascade& c) {
  const FleetOutcome& o = c.outcome();
  std::vector<Tier> tier_of;
  for (size_t t = 0; t < kTiers; ++t)
    for (uint64_t d = 0; d < o.tiers[t].devices; ++d) tier_of.push_back(static_cast<Tier>(t));
  std::ostringstream out;
  out << "device,tier,image,t_start,t_emit,forwarded,batch,t_done,latency,correct\n";
  char buf[256];
  for (const SampleRecord& r : o.samples) {
    std::snprintf(buf, sizeof buf, "%u,%s,%u,%.9f,%.9f,%d,%u,%.9f,%.9f,%d\n", r.device,
                  tier_name(tier_of[r.device]), r.image, seconds(r.start_ps), seconds(r.emit_ps),
                  r.batch > 0 ? 1 : 0, r.batch, seconds(r.done_ps), seconds(r.done_ps - r.start_ps),
                  r.correct ? 1 : 0);
    out << buf;
  }
  return out.str();
}

std::string cascade_controller_csv(const Cascade& c) {
  std::ostringstream out;
  out << "t,capacity,mean_batch,queue_length,change,updated,panic,restored,threshold_low,"
         "threshold_mid,threshold_high\n";
  char buf[256];
  for (const ControlRecord& r : c.outcome().log) {
    std::snprintf(buf, sizeof buf, "%.6f,%llu,%.4f,%llu,%.4f,%llu,%d,%d", seconds(r.at_ps),
                  static_cast<unsigned long long>(c.capacity_samples()), r.mean_batch,
                  static_cast<unsigned long long>(r.queue_length), r.step.change,
                  static_cast<unsigned long long>(r.step.updated), r.step.panic ? 1 : 0,
                  r.step.restored ? 1 : 0);
    out << buf;
    for (size_t t = 0; t < kTiers; ++t) {  // (empty for a tier without devices)
      if (c.outcome().tiers[t].devices == 0) {
        out << ",";
        continue;
      }
      std::snprintf(buf, sizeof buf, ",%.4f", r.mean_threshold[t]);
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace npusim
