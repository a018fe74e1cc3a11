#include "sim/app/session.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "sim/core/kernel.h"
#include "sim/core/text.h"
#include "sim/core/version.h"
#include "sim/energy/energy_report.h"
#include "sim/mem/i_memory.h"
#include "sim/report/timeline.h"
#include "sim/runtime/platform.h"
#include "sim/runtime/runtime.h"
#include "sim/workload/trace.h"

namespace npusim {

constexpr int kStatsSchemaVersion = 1;

std::pair<std::string, std::string> parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("bad override `" + text + "`: expected path.to.key=value");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void apply_overrides(SessionInput& in) {
  for (const auto& [path, value] : in.overrides) {
    if (path.rfind("workload.", 0) == 0) {
      if (!in.workload)
        throw ConfigError("override `" + path + "` addresses the workload, but none was given");
      apply_override(*in.workload, path, value);
    } else {
      apply_override(*in.hw, path, value);
    }
  }
  in.overrides.clear();
}

namespace {

std::string hw_name(const YamlDoc& hw) {
  const YAML::Node& n = hw.root["name"];
  if (n && n.IsScalar()) return n.Scalar();
  std::string stem = hw.file.substr(hw.file.find_last_of('/') + 1);
  return stem.substr(0, stem.find_last_of('.'));
}

// A platform's accelerator names, from the file (before anything is built).
std::vector<std::string> platform_names(const YamlDoc& hw) {
  std::vector<std::string> names;
  const YAML::Node& t = hw.root["type"];
  const YAML::Node& accs = hw.root["accelerators"];
  if (t && t.IsScalar() && Registry::find("platform", t.Scalar()) != nullptr && accs &&
      accs.IsMap()) {
    for (const auto& kv : accs) names.push_back(kv.first.as<std::string>());
  }
  return names;
}

// The table named by the hardware file's `energy:` section (docs/energy.md), if any.
std::optional<EnergyTable> energy_table_of(const std::shared_ptr<YamlDoc>& hw) {
  const ConfigNode e(hw, hw->root["energy"], "hw.energy");
  if (!e.present()) return std::nullopt;
  e.check_keys({"table"});
  const YAML::Node& t = e.node()["table"];
  if (!t || !t.IsScalar() || t.Scalar().empty())
    e.fail("`energy` needs `table:`, a shipped table's name or a .yaml file relative to this file");
  // A .yaml file is relative to the hardware file, after following symbolic links (a linked
  // preset still finds its table); a name is a shipped table.
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(hw->file, ec);
  return load_energy_table(t.Scalar(), ec ? hw->dir : real.parent_path().string(),
                           e.where(t, "table"));
}

// Energy of the run: the components' totals, each layer row's share and each phase's sum.
Json add_energy(const EnergyTable& table, const Component& root,
                const std::vector<IAccelerator*>& accs, std::vector<RunResult>& results,
                double seconds) {
  const EnergyReport rep(table, root, seconds);
  Json j = rep.to_json();
  Json attributed = Json::array();
  for (size_t i = 0; i < accs.size(); ++i) {
    const EnergyReport::Rows split = rep.row_energy(
        *accs[i], accs[i]->engine().config(), results[i].layer_accounts, results[i].layer_activity);
    const std::vector<double>& rows = split.energy_j;
    Json a = Json::object();
    a["accelerator"] = accs[i]->path();
    a["exact_j"] = split.exact_j;
    a["apportioned_j"] = split.apportioned_j;
    a["static_j"] = split.static_j;
    attributed.push_back(a);
    Json& layers = results[i].breakdown["layers"];
    std::vector<std::pair<std::string, double>> phases;
    for (size_t r = 0; r < rows.size() && r < layers.size(); ++r) {
      layers.at(r)["energy_j"] = rows[r];
      const std::string phase = layers.at(r).find("phase")->as_string();
      auto it = std::find_if(phases.begin(), phases.end(),
                             [&](const auto& p) { return p.first == phase; });
      if (it == phases.end()) {
        phases.emplace_back(phase, rows[r]);
      } else {
        it->second += rows[r];
      }
    }
    Json& ph = results[i].breakdown["phases"];
    for (size_t p = 0; p < ph.size(); ++p) {
      const std::string name = ph.at(p).find("name")->as_string();
      for (const auto& [n, e] : phases)
        if (n == name) ph.at(p)["energy_j"] = e;
    }
  }
  j["operators"] = attributed;  // how the layer rows' energy was split (docs/energy.md)
  return j;
}

// The hardware the file describes: one accelerator, or a platform of several sharing a DRAM.
struct Hardware {
  std::unique_ptr<Component> root;
  std::vector<IAccelerator*> accelerators;
  std::vector<std::string> names;  // a platform's accelerator names (empty for one accelerator)
  const IDram* memory = nullptr;   // reported at the top level
};

Hardware build(const std::shared_ptr<YamlDoc>& hw, StatGroup& stats, BuildContext& ctx) {
  ConfigNode root(hw, hw->root, "hw");
  const YAML::Node& t = hw->root["type"];
  std::vector<std::string> kinds = Registry::types_of("accelerator");
  kinds.push_back("platform");
  if (!t) {
    root.fail(
        "the hardware file needs a top-level `type:` naming the accelerator or `platform` (one "
        "of: " +
        join(kinds, ", ") + ")");
  }
  Hardware h;
  if (t.IsScalar() && Registry::find("platform", t.Scalar()) != nullptr) {
    auto c = Registry::build("platform", root, "hw", nullptr, stats, ctx);
    auto* p = dynamic_cast<Platform*>(c.get());
    NPUSIM_ASSERT(p != nullptr, "platform type does not implement Platform");
    h.accelerators = p->accelerators();
    h.names = p->names();
    h.memory = &p->dram();
    h.root = std::move(c);
    return h;
  }
  auto c = Registry::build("accelerator", root, "hw", nullptr, stats, ctx);
  auto* acc = dynamic_cast<IAccelerator*>(c.get());
  NPUSIM_ASSERT(acc != nullptr, "accelerator type does not implement IAccelerator");
  h.accelerators = {acc};
  h.memory = &acc->main_memory();
  h.root = std::move(c);
  return h;
}

std::string resolved(const std::string& name, const Component& acc) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name;
  acc.emit_resolved(out);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

const std::vector<std::string>& stats_top_level_keys() {
  static const std::vector<std::string> keys = {"schema_version", "simulator",    "hw",
                                                "workload",       "total_cycles", "total_seconds",
                                                "throughput",     "dram",         "breakdown"};
  return keys;
}

namespace {

struct Profile {  // each model alone on the hardware, for ANTT and the schedulers' estimates
  std::vector<uint64_t> isolated_ps, operators;
};

// One simulation of `workload` on `hw`: builds the hardware, runs the runtime, reports.
// `program_accelerator`: without a stream, the accelerator the program runs on (none: the
// first free one).
SessionOutput simulate(const std::shared_ptr<YamlDoc>& hw_doc, const Workload& workload,
                       const std::string& timeline_path, const RunOptions& options,
                       const Profile* profile, size_t timeline_limit = Timeline::kDefaultMaxEvents,
                       std::optional<size_t> program_accelerator = std::nullopt) {
  SessionOutput out;
  SimKernel kernel;
  StatGroup stats("hw");
  Timeline timeline(timeline_limit);
  BuildContext ctx;
  ctx.timeline = timeline_path.empty() ? nullptr : &timeline;
  Hardware hw = build(hw_doc, stats, ctx);
  const std::optional<EnergyTable> energy = energy_table_of(hw_doc);
  if (energy) EnergyReport::check_covers(*energy, *hw.root);
  for (IAccelerator* a : hw.accelerators) a->prepare(workload, options);
  RuntimeSetup setup;
  setup.accelerators = hw.accelerators;
  setup.accelerator_names =
      hw.names.empty() ? std::vector<std::string>{hw_name(*hw_doc)} : hw.names;
  setup.workload = &workload;
  setup.program_accelerator = program_accelerator;
  std::unique_ptr<Component> scheduler;
  if (workload.requests && profile != nullptr) {
    setup.stream = parse_request_stream(workload, hw.names);
    const ConfigNode node =
        setup.stream->scheduler
            ? *setup.stream->scheduler
            : ConfigNode(workload.requests->doc_ptr(), YAML::Node(), "workload.requests.scheduler");
    scheduler = Registry::build("scheduler", node, "scheduler", nullptr, stats.group("scheduler"),
                                ctx, "fcfs");
    setup.scheduler = dynamic_cast<IScheduler*>(scheduler.get());
    NPUSIM_ASSERT(setup.scheduler != nullptr, "scheduler type does not implement IScheduler");
    setup.isolated_ps = profile->isolated_ps;
    setup.isolated_ops = profile->operators;
  }
  Runtime runtime(std::move(setup));
  runtime.start();
  kernel.run();

  std::vector<RunResult> results;
  for (IAccelerator* a : hw.accelerators) results.push_back(a->result());
  double seconds = 0;
  for (const RunResult& x : results) seconds = std::max(seconds, x.total_seconds);
  const Json energy_json =
      energy ? add_energy(*energy, *hw.root, hw.accelerators, results, seconds) : Json();
  const RunResult& r = results.front();
  Json j = Json::object();
  j["schema_version"] = kStatsSchemaVersion;
  j["simulator"] = std::string("npusim ") + build_id();
  j["hw"] = hw_name(*hw_doc);
  j["workload"] = workload.name;
  j["total_cycles"] = r.total_cycles;
  j["total_seconds"] = seconds;
  Json tp = Json::object();
  const bool stream = workload.requests && profile != nullptr;
  const Json requests =
      stream ? runtime.report() : Json();  // (a single program has no stream metrics)
  if (stream) {
    tp["value"] = *requests.find("stp_requests_per_s");
    tp["unit"] = std::string("requests/s");
  } else {
    tp["value"] = r.throughput;
    tp["unit"] = r.throughput_unit;
  }
  j["throughput"] = tp;
  const IDram& dram = *hw.memory;
  Json d = Json::object();
  d["bytes_read"] = dram.bytes_read();
  d["bytes_written"] = dram.bytes_written();
  d["peak_bytes_per_s"] = dram.peak_bandwidth();
  d["bandwidth_utilisation"] = seconds > 0
                                   ? static_cast<double>(dram.bytes_read() + dram.bytes_written()) /
                                         (seconds * dram.peak_bandwidth())
                                   : 0.0;
  j["dram"] = d;
  j["breakdown"] = r.breakdown;
  for (const auto& [key, value] : r.sections.items()) j[key] = value;
  if (!hw.names.empty()) {  // a platform: every accelerator's own report
    Json accs = Json::object();
    for (size_t i = 0; i < results.size(); ++i) {
      Json a = Json::object();
      a["type"] = hw.accelerators[i]->type();
      a["total_cycles"] = results[i].total_cycles;
      a["total_seconds"] = results[i].total_seconds;
      a["dram_bytes_read"] = hw.accelerators[i]->main_memory().bytes_read();
      a["dram_bytes_written"] = hw.accelerators[i]->main_memory().bytes_written();
      a["breakdown"] = results[i].breakdown;
      for (const auto& [key, value] : results[i].sections.items()) a[key] = value;
      accs[hw.names[i]] = a;
    }
    j["accelerators"] = accs;
  }
  if (stream) j["requests"] = requests;
  if (energy) j["energy"] = energy_json;
  j["components"] = stats.to_json();
  out.stats = j;
  out.resolved_yaml = resolved(hw_name(*hw_doc), *hw.root);
  out.total_cycles = r.total_cycles;
  out.activations = SimKernel::activations();
  out.operators = runtime.requests().front().operators;
  scheduler.reset();
  hw.root.reset();  // modules go before the kernel's context
  if (!timeline_path.empty()) timeline.write(timeline_path);
  out.timeline_dropped = timeline.dropped();
  return out;
}

}  // namespace

SessionOutput run_session(SessionInput in) {
  apply_overrides(in);
  if (!in.workload) throw ConfigError("no workload given");
  const Workload workload = load_workload(in.workload);
  if (!workload.requests)
    return simulate(in.hw, workload, in.timeline_path, in.options, nullptr, in.timeline_limit);
  // A request stream: first each model alone, for the isolated latencies (validating the
  // stream before spending time on them), on the accelerator its first mix entry pins it to
  // (a heterogeneous platform's engines differ), else on the platform's first free one.
  const RequestStream stream = parse_request_stream(workload, platform_names(*in.hw));
  Profile profile;
  profile.isolated_ps.assign(workload.models.size(), 0);
  profile.operators.assign(workload.models.size(), 0);
  for (size_t m = 0; m < workload.models.size(); ++m) {
    const auto entry = std::find_if(stream.mix.begin(), stream.mix.end(),
                                    [m](const MixEntry& e) { return e.model == m; });
    if (entry == stream.mix.end()) continue;
    Workload alone = workload;
    alone.models = {workload.models[m]};
    alone.requests.reset();
    const SessionOutput o =
        simulate(in.hw, alone, "", in.options, nullptr, Timeline::kDefaultMaxEvents,
                 entry->accelerator);  // (progress: Ctrl-C works)
    profile.isolated_ps[m] =
        static_cast<uint64_t>(std::llround(o.stats.find("total_seconds")->as_double() * 1e12));
    profile.operators[m] = o.operators;
  }
  return simulate(in.hw, workload, in.timeline_path, in.options, &profile, in.timeline_limit);
}

std::string validate_session(SessionInput in) {
  apply_overrides(in);
  std::optional<Workload> workload;
  if (in.workload) workload = load_workload(in.workload);
  SimKernel kernel;
  StatGroup stats("hw");
  BuildContext ctx;
  Hardware hw = build(in.hw, stats, ctx);
  if (const std::optional<EnergyTable> energy = energy_table_of(in.hw))
    EnergyReport::check_covers(*energy, *hw.root);
  if (workload) {
    for (IAccelerator* a : hw.accelerators) a->prepare(*workload, in.options);
    if (workload->requests) parse_request_stream(*workload, hw.names);
  }
  std::string text = resolved(hw_name(*in.hw), *hw.root);
  hw.root.reset();
  return text;
}

}  // namespace npusim
