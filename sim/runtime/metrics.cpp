#include "sim/runtime/metrics.h"

#include <algorithm>
#include <cmath>

namespace npusim {
namespace {

double seconds(uint64_t ps) {
  return static_cast<double>(ps) * 1e-12;
}

double ntt(const RequestRecord& r) {
  const uint64_t latency = r.finish_ps - r.arrival_ps;
  return r.isolated_ps ? static_cast<double>(latency) / static_cast<double>(r.isolated_ps) : 1.0;
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

}  // namespace

TenancyMetrics tenancy_metrics(const std::vector<RequestRecord>& requests) {
  TenancyMetrics m;
  m.requests = requests.size();
  std::vector<double> latencies;
  double min_np = 0, max_np = 0;
  uint64_t first_arrival = UINT64_MAX, last_finish = 0;
  for (const RequestRecord& r : requests) {
    m.preemptions += r.preemptions;
    if (r.deadline_ps) ++m.with_slo;
    if (!r.finished) continue;
    ++m.completed;
    first_arrival = std::min(first_arrival, r.arrival_ps);
    last_finish = std::max(last_finish, r.finish_ps);
    latencies.push_back(seconds(r.finish_ps - r.arrival_ps));
    const double n = ntt(r), np = 1.0 / n;
    m.antt += n;
    m.stp_progress += np;
    min_np = m.completed == 1 ? np : std::min(min_np, np);
    max_np = m.completed == 1 ? np : std::max(max_np, np);
    if (r.deadline_ps && r.finish_ps > r.deadline_ps) ++m.violations;
  }
  for (const RequestRecord& r : requests) {
    if (!r.finished && r.deadline_ps) ++m.violations;  // never finished: missed
  }
  if (m.completed == 0) return m;
  m.antt /= static_cast<double>(m.completed);
  m.fairness = max_np > 0 ? min_np / max_np : 0;
  m.violation_rate = static_cast<double>(m.violations) / static_cast<double>(m.requests);
  m.makespan_s = seconds(last_finish - first_arrival);
  m.stp_per_s = m.makespan_s > 0 ? static_cast<double>(m.completed) / m.makespan_s : 0;
  std::sort(latencies.begin(), latencies.end());
  double sum = 0;
  for (double l : latencies) sum += l;
  m.latency_mean_s = sum / static_cast<double>(latencies.size());
  m.latency_p50_s = percentile(latencies, 50);
  m.latency_p95_s = percentile(latencies, 95);
  m.latency_p99_s = percentile(latencies, 99);
  m.latency_max_s = latencies.back();
  return m;
}

Json requests_report(const std::vector<RequestRecord>& requests,
                     const std::vector<std::string>& models,
                     const std::vector<std::string>& accelerators, const std::string& scheduler,
                     bool with_list) {
  const TenancyMetrics m = tenancy_metrics(requests);
  Json j = Json::object();
  j["scheduler"] = scheduler;
  j["count"] = m.requests;
  j["completed"] = m.completed;
  j["antt"] = m.antt;
  j["slo_violation_rate"] = m.violation_rate;
  j["slo_violations"] = m.violations;
  j["requests_with_slo"] = m.with_slo;
  j["stp_requests_per_s"] = m.stp_per_s;
  j["stp_normalised_progress"] = m.stp_progress;
  j["fairness"] = m.fairness;
  j["preemptions"] = m.preemptions;
  j["makespan_s"] = m.makespan_s;
  Json lat = Json::object();
  lat["mean"] = m.latency_mean_s;
  lat["p50"] = m.latency_p50_s;
  lat["p95"] = m.latency_p95_s;
  lat["p99"] = m.latency_p99_s;
  lat["max"] = m.latency_max_s;
  j["latency_s"] = lat;
  Json per_model = Json::object();
  for (size_t k = 0; k < models.size(); ++k) {
    std::vector<RequestRecord> of;
    for (const RequestRecord& r : requests) {
      if (r.models.size() == 1 && r.models.front() == k) of.push_back(r);
    }
    if (of.empty()) continue;
    const TenancyMetrics mm = tenancy_metrics(of);
    Json e = Json::object();
    e["count"] = mm.requests;
    e["antt"] = mm.antt;
    e["slo_violation_rate"] = mm.violation_rate;
    e["latency_mean_s"] = mm.latency_mean_s;
    per_model[models[k]] = e;
  }
  j["per_model"] = per_model;
  if (!with_list) return j;
  Json list = Json::array();
  for (const RequestRecord& r : requests) {
    Json e = Json::object();
    e["id"] = r.id;
    std::string names;
    for (size_t k : r.models) names += (names.empty() ? "" : "+") + models[k];
    e["model"] = names;
    e["accelerator"] =
        r.accelerator < accelerators.size() ? accelerators[r.accelerator] : std::string();
    e["priority"] = r.priority;
    e["sample"] = r.sample;
    e["arrival_s"] = seconds(r.arrival_ps);
    e["start_s"] = seconds(r.start_ps);
    e["finish_s"] = seconds(r.finish_ps);
    e["deadline_s"] = r.deadline_ps ? Json(seconds(r.deadline_ps)) : Json();
    e["latency_s"] = seconds(r.finish_ps - r.arrival_ps);
    e["isolated_s"] = seconds(r.isolated_ps);
    e["ntt"] = ntt(r);
    e["preemptions"] = r.preemptions;
    e["slo_met"] = r.deadline_ps ? Json(r.finish_ps <= r.deadline_ps) : Json();
    list.push_back(e);
  }
  j["list"] = list;
  return j;
}

}  // namespace npusim
