#include "sim/energy/energy_table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "sim/core/errors.h"
#include "sim/core/units.h"

namespace npusim {
namespace {

struct UnitScale {
  const char* unit;
  double scale;
};
const std::vector<UnitScale> kEnergyUnits = {{"fJ", 1e-15}, {"pJ", 1e-12}, {"nJ", 1e-9},
                                             {"uJ", 1e-6},  {"mJ", 1e-3},  {"J", 1.0}};
const std::vector<UnitScale> kPowerUnits = {{"nW", 1e-9}, {"uW", 1e-6}, {"mW", 1e-3}, {"W", 1.0}};
const std::vector<UnitScale> kAreaUnits = {{"um2", 1e-12}, {"mm2", 1e-6}};

std::string unit_list(const std::vector<UnitScale>& units) {
  std::string s;
  for (const auto& u : units) s += (s.empty() ? "" : ", ") + std::string(u.unit);
  return s;
}

// "0.23pJ" -> 2.3e-13. `what` names the quantity in messages ("energy", "power", "area").
double parse_quantity(const ConfigNode& at, const YAML::Node& n, const std::string& key,
                      const std::vector<UnitScale>& units, const std::string& what) {
  if (!n.IsScalar()) at.fail_at(n, key, "`" + key + "` must be a " + what + " with a unit");
  const std::string text = n.Scalar();
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  std::string unit(end ? end : "");
  unit.erase(0, unit.find_first_not_of(' '));
  if (end == text.c_str() || !std::isfinite(v)) {
    at.fail_at(
        n, key,
        "`" + key + "` must be a " + what + " like 1.5" + units[1].unit + ", not `" + text + "`");
  }
  for (const auto& u : units) {
    if (unit == u.unit) {
      if (v < 0) at.fail_at(n, key, "negative " + what + " `" + text + "` for `" + key + "`");
      return v * u.scale;
    }
  }
  at.fail_at(
      n, key,
      "`" + text + "` for `" + key + "` needs a " + what + " unit (" + unit_list(units) + ")");
}

EnergyPrice parse_price(const ConfigNode& action, const std::string& name) {
  EnergyPrice p;
  p.where = action.where();
  const YAML::Node& n = action.node();
  YAML::Node e;
  if (n.IsMap()) {
    action.check_keys({"energy", "source"});
    e = n["energy"];
    if (!e) action.fail("action `" + name + "` needs `energy:`");
    if (n["source"]) p.source = n["source"].Scalar();
  } else {
    e = n;  // shorthand: `mac_8b: 0.23pJ`
  }
  if (e.IsSequence()) {
    for (size_t i = 0; i < e.size(); ++i) {
      const YAML::Node& pt = e[i];
      if (!pt.IsSequence() || pt.size() != 2 || !pt[0].IsScalar()) {
        action.fail_at(pt, name,
                       "a point of the energy curve of `" + name + "` must be [capacity, energy]");
      }
      double cap = 0;
      try {
        cap = static_cast<double>(parse_bytes(pt[0].Scalar()).n);
      } catch (const std::invalid_argument& ex) {
        action.fail_at(pt[0], name,
                       std::string("bad capacity in the curve of `") + name + "`: " + ex.what());
      }
      const double j = parse_quantity(action, pt[1], name, kEnergyUnits, "energy");
      if (cap <= 0 || j <= 0) {
        action.fail_at(pt, name,
                       "the curve of `" + name + "` needs positive capacities and " +
                           "energies (it is interpolated in log-log)");
      }
      if (!p.curve.empty() && cap <= p.curve.back().first) {
        action.fail_at(pt, name, "the curve of `" + name + "` must list increasing capacities");
      }
      p.curve.emplace_back(cap, j);
    }
    if (p.curve.empty()) action.fail("the energy curve of `" + name + "` is empty");
  } else {
    p.curve.emplace_back(1.0, parse_quantity(action, e, name, kEnergyUnits, "energy"));
  }
  return p;
}

SizedValue parse_sized(const ConfigNode& c, const std::string& key,
                       const std::vector<UnitScale>& units, const std::string& what) {
  SizedValue s;
  if (!c.present()) return s;
  c.check_keys({"value", "per", "source"});
  const YAML::Node& n = c.node();
  if (!n["value"] || !n["per"]) c.fail("`" + key + "` needs `value:` and `per:`");
  s.value = parse_quantity(c, n["value"], "value", units, what);
  s.per = n["per"].Scalar();
  if (n["source"]) s.source = n["source"].Scalar();
  s.where = c.where();
  s.given = true;
  return s;
}

// A table reference: a name from hw_configs/energy, or a file ending in .yaml, relative to
// `dir` (the directory of the file that names it).
std::string resolve(const std::string& ref, const std::string& dir, const std::string& what) {
  namespace fs = std::filesystem;
  if (ref.size() > 5 && ref.substr(ref.size() - 5) == ".yaml")
    return ref[0] == '/' ? ref : dir + "/" + ref;
  const fs::path shipped = fs::path(NPUSIM_SOURCE_DIR) / "hw_configs" / "energy";
  const std::string path = (shipped / (ref + ".yaml")).string();
  if (fs::exists(path)) return path;
  std::string known;
  if (fs::is_directory(shipped)) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(shipped))
      if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  }
  throw ConfigError("unknown energy table `" + ref + "`" + what + " (shipped: " + known +
                    "; or give a file ending in .yaml)");
}

void load_into(EnergyTable& t, const std::string& path, std::set<std::string>& seen) {
  t.files.push_back(path);
  if (!seen.insert(path).second) {
    throw ConfigError("energy table " + path + " is its own base (a `base:` cycle)");
  }
  auto doc = load_yaml_file(path, ErrorKind::Config, "energy");
  ConfigNode root(doc, doc->root, "energy");
  root.check_keys({"name", "technology", "source", "base", "components"});
  const YAML::Node& r = doc->root;
  if (r["base"]) {
    if (!r["base"].IsScalar()) root.fail_at(r["base"], "base", "`base` must be a file name");
    load_into(t, resolve(r["base"].Scalar(), doc->dir, root.where(r["base"], "base")), seen);
  }
  if (r["name"]) t.name = r["name"].Scalar();
  if (r["technology"]) t.technology = r["technology"].Scalar();
  if (r["source"]) t.source = r["source"].Scalar();
  t.file = path;
  if (t.name.empty()) root.fail("an energy table needs a `name:`");
  const ConfigNode comps = root.child("components");
  if (!comps.present()) root.fail("an energy table needs `components:`");
  comps.require_map();
  std::set<std::string> keys;
  for (auto it = comps.node().begin(); it != comps.node().end(); ++it) {
    const std::string key = it->first.Scalar();
    if (!keys.insert(key).second)
      comps.fail_at(it->first, key, "duplicate component `" + key + "`");
    const ConfigNode c = comps.child(key);
    c.check_keys({"actions", "area", "leakage"});
    ComponentPrices& cp = t.components[key];
    cp.where = comps.where(it->first, key);
    const ConfigNode actions = c.child("actions");
    if (actions.present()) {
      actions.require_map();
      std::set<std::string> names;
      for (auto a = actions.node().begin(); a != actions.node().end(); ++a) {
        const std::string name = a->first.Scalar();
        if (!names.insert(name).second)
          actions.fail_at(a->first, name, "duplicate action `" + name + "`");
        cp.actions[name] = parse_price(actions.child(name), name);
      }
    }
    const SizedValue area = parse_sized(c.child("area"), "area", kAreaUnits, "area");
    if (area.given) cp.area = area;
    const SizedValue leak = parse_sized(c.child("leakage"), "leakage", kPowerUnits, "power");
    if (leak.given) cp.leakage = leak;
  }
}

// A file's identity for the cache: its size and modification time (0s when unreadable).
std::pair<uintmax_t, int64_t> stamp(const std::string& file) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) return {0, 0};
  const auto t = std::filesystem::last_write_time(file, ec);
  if (ec) return {0, 0};
  return {size, static_cast<int64_t>(t.time_since_epoch().count())};
}

}  // namespace

double EnergyPrice::at(double capacity_bytes) const {
  if (curve.size() == 1) return curve.front().second;
  const double x = std::log(std::max(capacity_bytes, 1.0));
  size_t i = 1;
  while (i + 1 < curve.size() && std::log(curve[i].first) < x) ++i;
  const double x0 = std::log(curve[i - 1].first), x1 = std::log(curve[i].first);
  const double y0 = std::log(curve[i - 1].second), y1 = std::log(curve[i].second);
  return std::exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0));
}

const ComponentPrices* EnergyTable::find(const std::string& path, const std::string& type) const {
  auto it = components.find(path);
  if (it != components.end()) return &it->second;
  it = components.find(type);
  return it != components.end() ? &it->second : nullptr;
}

// Tables are parsed once per process (a sweep's worker runs many simulations): a cached table
// is reused while none of its files (it and its bases) has changed size or time.
EnergyTable load_energy_table(const std::string& path) {
  struct Entry {
    EnergyTable table;
    std::vector<std::pair<uintmax_t, int64_t>> stamps;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(path);
    if (it != cache.end()) {
      bool fresh = true;
      for (size_t i = 0; i < it->second.table.files.size() && fresh; ++i)
        fresh = stamp(it->second.table.files[i]) == it->second.stamps[i];
      if (fresh) return it->second.table;
    }
  }
  EnergyTable t;
  std::set<std::string> seen;
  load_into(t, path, seen);
  Entry e{t, {}};
  for (const std::string& f : t.files) e.stamps.push_back(stamp(f));
  std::lock_guard<std::mutex> lock(mutex);
  cache[path] = std::move(e);
  return t;
}

EnergyTable load_energy_table(const std::string& ref, const std::string& dir,
                              const std::string& where) {
  return load_energy_table(resolve(ref, dir, where));
}

}  // namespace npusim
