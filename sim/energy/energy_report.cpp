#include "sim/energy/energy_report.h"

#include <cmath>
#include <functional>

#include "sim/core/errors.h"

namespace npusim {
namespace {

void walk(const Component& c, const std::function<void(const Component&)>& f) {
  f(c);
  for (const Component* k : c.children()) walk(*k, f);
}

const ComponentPrices& entry(const EnergyTable& t, const std::string& path,
                             const std::string& type) {
  const ComponentPrices* p = t.find(path, type);
  if (!p) {
    throw ConfigError("energy table `" + t.name + "` (" + t.file + ") has no entry for " + path +
                      " (" + type + "): add `" + type + ":` (or `" + path +
                      ":`) under `components:`");
  }
  return *p;
}

double sized(const SizedValue& v, const ComponentActivity& a, const std::string& path,
             const std::string& type, const EnergyTable& t, const char* what) {
  if (!v.given) return 0;
  if (v.per != a.size_unit) {
    throw ConfigError("energy table `" + t.name + "` gives the " + what + " of " + type + " per `" +
                      v.per + "`" + v.where + ", but " + path + " is sized in `" + a.size_unit +
                      "` (" + std::to_string(a.size) + " of them)");
  }
  return v.value * a.size;
}

}  // namespace

void EnergyReport::check_covers(const EnergyTable& table, const Component& root) {
  walk(root, [&](const Component& c) {
    ComponentActivity a;
    if (c.activity(a)) entry(table, c.path(), c.type());
  });
}

EnergyReport::EnergyReport(const EnergyTable& table, const Component& root, double seconds)
    : table_(table), seconds_(seconds) {
  walk(root, [&](const Component& c) {
    ComponentActivity a;
    if (c.activity(a)) add(c.path(), c.type(), a, &c);
  });
}

EnergyReport::EnergyReport(const EnergyTable& table, const std::vector<ActivityRecord>& records,
                           double seconds)
    : table_(table), seconds_(seconds) {
  for (const ActivityRecord& r : records) add(r.path, r.type, r.activity, nullptr);
}

void EnergyReport::add(const std::string& path, const std::string& type, const ComponentActivity& a,
                       const Component* c) {
  const ComponentPrices& p = entry(table_, path, type);
  ComponentEnergy e;
  e.component = c;
  e.path = path;
  e.type = type;
  e.counts = a.actions;
  for (const auto& [action, count] : a.actions) {
    auto it = p.actions.find(action);
    if (it == p.actions.end()) {
      if (count > 0) {
        throw ConfigError("energy table `" + table_.name + "` (" + table_.file +
                          ") has no energy for action `" + action + "` of " + path + " (" + type +
                          "), which performed it " + std::to_string(count) +
                          " times: add it under `components: " + type + ": actions:`");
      }
      e.action_each_j.push_back(0);
      e.action_j.push_back(0);
      continue;
    }
    const double each = it->second.at(static_cast<double>(a.capacity_bytes));
    e.action_each_j.push_back(each);
    e.action_j.push_back(each * static_cast<double>(count));
    e.dynamic_j += e.action_j.back();
  }
  e.static_j = sized(p.leakage, a, path, type, table_, "leakage") * seconds_;
  e.area_m2 = sized(p.area, a, path, type, table_, "area");
  dynamic_j_ += e.dynamic_j;
  static_j_ += e.static_j;
  area_m2_ += e.area_m2;
  components_.push_back(std::move(e));
}

const ComponentEnergy* EnergyReport::find(const Component* c) const {
  for (const auto& e : components_)
    if (c != nullptr && e.component == c) return &e;
  return nullptr;
}

double EnergyReport::price(const Component* c, const std::string& action) const {
  const ComponentEnergy* e = c ? find(c) : nullptr;
  if (!e) return 0;
  for (size_t i = 0; i < e->counts.size(); ++i)
    if (e->counts[i].first == action) return e->action_each_j[i];
  return 0;
}

double EnergyReport::exact_row(const OpActivity& act, const ExecEngine::Config& engine) const {
  double j = 0;
  for (size_t cls = 0; cls < kMacClasses; ++cls) {
    if (act.macs(cls))
      j += static_cast<double>(act.macs(cls)) * price(engine.matrix_unit, mac_action(cls));
  }
  for (size_t f = 0; f < kVectorFns; ++f) {
    if (act.vector_elements(f)) {
      j += static_cast<double>(act.vector_elements(f)) *
           price(engine.vector_unit, vector_fn_name(static_cast<VectorFn>(f)));
    }
  }
  if (const ComponentEnergy* t = engine.transform_unit ? find(engine.transform_unit) : nullptr) {
    for (size_t i = 0; i < kTransformActions && i < t->counts.size(); ++i)
      j += static_cast<double>(act.transform(i)) * t->action_each_j[i];
  }
  for (size_t b = 0; b < engine.buffers.size() && b < kActivityBuffers; ++b) {
    const Component* sram = engine.buffers[b].sram;
    if (!sram) continue;
    j += static_cast<double>(act.buffer_read(b)) * price(sram, "read_byte") +
         static_cast<double>(act.buffer_written(b)) * price(sram, "write_byte");
  }
  return j;
}

void EnergyReport::subtree(const Component& root, double& dynamic, double& stat) const {
  dynamic = stat = 0;
  walk(root, [&](const Component& c) {
    if (const ComponentEnergy* e = find(&c)) {
      dynamic += e->dynamic_j;
      stat += e->static_j;
    }
  });
}

EnergyReport::Rows EnergyReport::row_energy(const Component& acc, const ExecEngine::Config& engine,
                                            const std::vector<OpAccount>& rows,
                                            const std::vector<OpActivity>& activity) const {
  double dynamic = 0, stat = 0;
  subtree(acc, dynamic, stat);
  Rows out;
  out.energy_j.assign(rows.size(), 0.0);
  double bytes = 0, cycles = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    out.energy_j[i] = i < activity.size() ? exact_row(activity[i], engine) : 0.0;
    out.exact_j += out.energy_j[i];
    bytes += static_cast<double>(rows[i].dram_read + rows[i].dram_written);
    cycles += static_cast<double>(rows[i].cycles);
  }
  out.apportioned_j = std::max(0.0, dynamic - out.exact_j);
  out.static_j = stat;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double row_bytes = static_cast<double>(rows[i].dram_read + rows[i].dram_written);
    const double row_cycles = static_cast<double>(rows[i].cycles);
    if (bytes > 0) {
      out.energy_j[i] += out.apportioned_j * row_bytes / bytes;
    } else if (cycles > 0) {
      out.energy_j[i] += out.apportioned_j * row_cycles / cycles;
    }
    if (cycles > 0) out.energy_j[i] += stat * row_cycles / cycles;
  }
  return out;
}

Json EnergyReport::to_json() const {
  Json j = Json::object();
  j["table"] = table_.name;
  j["technology"] = table_.technology;
  j["table_file"] = table_.file;
  j["total_j"] = total_j();
  j["dynamic_j"] = dynamic_j_;
  j["static_j"] = static_j_;
  j["average_power_w"] = seconds_ > 0 ? total_j() / seconds_ : 0.0;
  j["area_mm2"] = area_m2_ * 1e6;
  Json comps = Json::array();
  for (const auto& e : components_) {
    Json c = Json::object();
    c["path"] = e.path;
    c["type"] = e.type;
    c["energy_j"] = e.dynamic_j + e.static_j;
    c["dynamic_j"] = e.dynamic_j;
    c["static_j"] = e.static_j;
    c["area_mm2"] = e.area_m2 * 1e6;
    Json actions = Json::object();
    for (size_t i = 0; i < e.counts.size(); ++i) {
      if (e.counts[i].second == 0) continue;
      Json a = Json::object();
      a["count"] = e.counts[i].second;
      a["energy_each_j"] = e.action_each_j[i];
      a["energy_j"] = e.action_j[i];
      actions[e.counts[i].first] = a;
    }
    c["actions"] = actions;
    comps.push_back(c);
  }
  j["components"] = comps;
  return j;
}

}  // namespace npusim
