#include "sim/app/session.h"

#include "sim/core/kernel.h"
#include "sim/core/version.h"
#include "sim/mem/i_memory.h"
#include "sim/report/timeline.h"
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
      if (!in.workload) throw ConfigError("override `" + path + "` addresses the workload, but none was given");
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

std::unique_ptr<IAccelerator> build(const std::shared_ptr<YamlDoc>& hw, StatGroup& stats,
                                    BuildContext& ctx) {
  ConfigNode root(hw, hw->root, "hw");
  if (!hw->root["type"]) {
    root.fail("the hardware file needs a top-level `type:` naming the accelerator (one of: " +
              [] {
                std::string s;
                for (const auto& t : Registry::types_of("accelerator")) s += (s.empty() ? "" : ", ") + t;
                return s;
              }() + ")");
  }
  auto c = Registry::build("accelerator", root, "hw", nullptr, stats, ctx);
  auto* acc = dynamic_cast<IAccelerator*>(c.get());
  NPUSIM_ASSERT(acc != nullptr, "accelerator type does not implement IAccelerator");
  c.release();
  return std::unique_ptr<IAccelerator>(acc);
}

std::string resolved(const std::string& name, const IAccelerator& acc) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name;
  acc.emit_resolved(out);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

const std::vector<std::string>& stats_top_level_keys() {
  static const std::vector<std::string> keys = {
      "schema_version", "simulator", "hw", "workload", "total_cycles", "total_seconds",
      "throughput", "dram", "breakdown"};
  return keys;
}

SessionOutput run_session(SessionInput in) {
  apply_overrides(in);
  if (!in.workload) throw ConfigError("no workload given");
  const Workload workload = load_workload(in.workload);
  SessionOutput out;
  SimKernel kernel;
  StatGroup stats("hw");
  Timeline timeline;
  BuildContext ctx;
  ctx.timeline = in.timeline_path.empty() ? nullptr : &timeline;
  std::unique_ptr<IAccelerator> acc = build(in.hw, stats, ctx);
  acc->prepare(workload, in.options);
  kernel.run();
  RunResult r = acc->result();

  Json j = Json::object();
  j["schema_version"] = kStatsSchemaVersion;
  j["simulator"] = std::string("npusim ") + build_id();
  j["hw"] = hw_name(*in.hw);
  j["workload"] = workload.name;
  j["total_cycles"] = r.total_cycles;
  j["total_seconds"] = r.total_seconds;
  Json tp = Json::object();
  tp["value"] = r.throughput;
  tp["unit"] = r.throughput_unit;
  j["throughput"] = tp;
  const IDram& dram = acc->main_memory();
  Json d = Json::object();
  d["bytes_read"] = dram.bytes_read();
  d["bytes_written"] = dram.bytes_written();
  d["peak_bytes_per_s"] = dram.peak_bandwidth();
  d["bandwidth_utilisation"] =
      r.total_seconds > 0 ? static_cast<double>(dram.bytes_read() + dram.bytes_written()) /
                                (r.total_seconds * dram.peak_bandwidth())
                          : 0.0;
  j["dram"] = d;
  j["breakdown"] = r.breakdown;
  for (const auto& [key, value] : r.sections.items()) j[key] = value;
  j["components"] = stats.to_json();
  out.stats = j;
  out.resolved_yaml = resolved(hw_name(*in.hw), *acc);
  out.total_cycles = r.total_cycles;
  out.activations = SimKernel::activations();
  acc.reset();  // modules go before the kernel's context
  if (!in.timeline_path.empty()) timeline.write(in.timeline_path);
  return out;
}

std::string validate_session(SessionInput in) {
  apply_overrides(in);
  std::optional<Workload> workload;
  if (in.workload) workload = load_workload(in.workload);
  SimKernel kernel;
  StatGroup stats("hw");
  BuildContext ctx;
  std::unique_ptr<IAccelerator> acc = build(in.hw, stats, ctx);
  if (workload) acc->prepare(*workload, in.options);
  return resolved(hw_name(*in.hw), *acc);
}

}  // namespace npusim
