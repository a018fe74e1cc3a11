#include "sim/report/breakdown.h"

namespace npusim {

size_t Breakdown::row(const std::string& phase, const std::string& name,
                      const std::string& op_type) {
  std::string key = phase + '\x1f' + name;
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  index_.emplace(key, rows_.size());
  rows_.push_back({phase, name, op_type, 0, {}, {}});
  return rows_.size() - 1;
}

void Breakdown::add(size_t row, const OpAccount& a, const OpActivity* act) {
  Row& r = rows_[row];
  ++r.count;
  r.total.cycles += a.cycles;
  r.total.compute_cycles += a.compute_cycles;
  r.total.macs += a.macs;
  r.total.dram_read += a.dram_read;
  r.total.dram_written += a.dram_written;
  r.total.peak_macs_per_cycle = a.peak_macs_per_cycle;
  if (act) r.activity.add(*act);
}

std::vector<OpActivity> Breakdown::row_activity() const {
  std::vector<OpActivity> out;
  out.reserve(rows_.size());
  for (const Row& r : rows_) out.push_back(r.activity);
  return out;
}

std::vector<OpAccount> Breakdown::row_totals() const {
  std::vector<OpAccount> out;
  out.reserve(rows_.size());
  for (const Row& r : rows_) out.push_back(r.total);
  return out;
}

void Breakdown::add_phase(const std::string& phase, uint64_t cycles, uint64_t steps) {
  for (auto& p : phases_) {
    if (p.name == phase) {
      p.cycles += cycles;
      p.steps += steps;
      return;
    }
  }
  phases_.push_back({phase, cycles, steps});
}

Json Breakdown::to_json(double clock_hz) const {
  Json j = Json::object();
  Json phases = Json::array();
  for (const auto& p : phases_) {
    Json e = Json::object();
    e["name"] = p.name;
    e["steps"] = p.steps;
    e["cycles"] = p.cycles;
    e["seconds"] = static_cast<double>(p.cycles) / clock_hz;
    phases.push_back(e);
  }
  j["phases"] = phases;
  Json layers = Json::array();
  for (const auto& r : rows_) {
    Json e = Json::object();
    e["phase"] = r.phase;
    e["name"] = r.name;
    e["op"] = r.op_type;
    e["count"] = r.count;
    e["cycles"] = r.total.cycles;
    e["compute_cycles"] = r.total.compute_cycles;
    e["macs"] = r.total.macs;
    e["dram_read_bytes"] = r.total.dram_read;
    e["dram_write_bytes"] = r.total.dram_written;
    double cap =
        static_cast<double>(r.total.cycles) * static_cast<double>(r.total.peak_macs_per_cycle);
    e["mac_utilisation"] = cap > 0 ? static_cast<double>(r.total.macs) / cap : 0.0;
    layers.push_back(e);
  }
  j["layers"] = layers;
  return j;
}

}  // namespace npusim
