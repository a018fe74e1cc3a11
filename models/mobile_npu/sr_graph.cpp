#include "models/mobile_npu/sr_graph.h"

#include <map>
#include <unordered_map>

#include "sim/core/config.h"
#include "sim/core/errors.h"

namespace npusim {
namespace {

const std::vector<std::pair<std::string, SrNodeType>> kTypes = {
    {"conv", SrNodeType::Conv},
    {"dw", SrNodeType::Dw},
    {"pw", SrNodeType::Pw},
    {"meanshift", SrNodeType::MeanShift},
    {"prelu", SrNodeType::Prelu},
    {"lrelu", SrNodeType::Lrelu},
    {"relu", SrNodeType::Relu},
    {"sigmoid", SrNodeType::Sigmoid},
    {"add", SrNodeType::Add},
    {"mul", SrNodeType::Mul},
    {"concat", SrNodeType::Concat},
    {"split", SrNodeType::Split},
    {"pool", SrNodeType::Pool},
    {"std", SrNodeType::Std},
    {"pixel_shuffle", SrNodeType::PixelShuffle},
    {"channel_shuffle", SrNodeType::ChannelShuffle},
    {"patch_split", SrNodeType::PatchSplit},
    {"stitch", SrNodeType::Stitch}};

int64_t get_int(const ConfigNode& n, const std::string& key, int64_t lo, bool required = true,
                int64_t def = 0) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) n.fail("`" + n.path() + "` needs `" + key + "`");
    return def;
  }
  int64_t x = 0;
  try {
    x = v.as<int64_t>();
  } catch (const YAML::Exception&) {
    n.fail_at(v, key, "`" + key + "` of `" + n.path() + "` must be an integer");
  }
  if (x < lo) {
    n.fail_at(v, key,
              "`" + key + "` of `" + n.path() + "` is " + std::to_string(x) + ", below " +
                  std::to_string(lo));
  }
  return x;
}

std::string get_str(const ConfigNode& n, const std::string& key, const std::string& def = "",
                    bool required = true) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) n.fail("`" + n.path() + "` needs `" + key + "`");
    return def;
  }
  if (!v.IsScalar()) n.fail_at(v, key, "`" + key + "` of `" + n.path() + "` must be a string");
  return v.Scalar();
}

bool get_bool(const ConfigNode& n, const std::string& key) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined() || v.IsNull()) n.fail("`" + n.path() + "` needs `" + key + "`");
  try {
    return v.as<bool>();
  } catch (const YAML::Exception&) {
    n.fail_at(v, key, "`" + key + "` of `" + n.path() + "` must be true or false");
  }
}

template <class E>
E get_enum(const ConfigNode& n, const std::string& key,
           const std::vector<std::pair<std::string, E>>& names, const std::string& def) {
  const std::string s = get_str(n, key, def, def.empty());
  std::string all;
  for (const auto& kv : names) {
    if (kv.first == s) return kv.second;
    all += (all.empty() ? "" : " | ") + kv.first;
  }
  n.fail_at(n.node()[key], key,
            "`" + key + "` of `" + n.path() + "` is `" + s + "`; expected " + all);
}

std::array<int64_t, 3> get_shape(const ConfigNode& n, const std::string& key) {
  const YAML::Node v = n.node()[key];
  if (!v.IsSequence() || v.size() != 3)
    n.fail("`" + key + "` of `" + n.path() + "` must be [channels, height, width]");
  std::array<int64_t, 3> s{};
  for (size_t i = 0; i < 3; ++i) {
    try {
      s[i] = v[i].as<int64_t>();
    } catch (const YAML::Exception&) {
      s[i] = 0;
    }
    if (s[i] < 1 || s[i] > (int64_t{1} << 24))
      n.fail_at(v, key, "`" + key + "` of `" + n.path() + "` needs sizes in 1..2^24");
  }
  return s;
}

SrSchedule read_schedule(const ConfigNode& s) {
  s.check_keys({"schedule_version", "model", "variant", "target", "pixel_shuffle", "int8_unit",
                "layers", "provenance"});
  SrSchedule out;
  out.source = s.where();
  if (get_int(s, "schedule_version", 1) != 1)
    s.fail("schedule_version " + std::to_string(get_int(s, "schedule_version", 1)) +
           " is not supported (this simulator reads 1)");
  out.model = get_str(s, "model");
  out.variant = get_str(s, "variant");
  out.target = get_enum<SrTarget>(
      s, "target",
      {{"npu", SrTarget::Npu}, {"cpu_fp32", SrTarget::CpuFp32}, {"gpu_fp16", SrTarget::GpuFp16}},
      "");
  out.pixel_shuffle = get_enum<PixelShufflePolicy>(s, "pixel_shuffle",
                                                   {{"native", PixelShufflePolicy::Native},
                                                    {"rewrite", PixelShufflePolicy::Rewrite},
                                                    {"fallback", PixelShufflePolicy::Fallback}},
                                                   "fallback");
  out.int8_unit = get_enum<Int8Unit>(
      s, "int8_unit", {{"tensor", Int8Unit::Tensor}, {"vector", Int8Unit::Vector}}, "tensor");
  const ConfigNode layers = s.child("layers");
  if (!layers.node().IsSequence()) s.fail("the schedule needs `layers`, a list");
  return out;
}

}  // namespace

const char* sr_node_type_name(SrNodeType t) {
  return kTypes[static_cast<size_t>(t)].first.c_str();
}

bool is_scheduled(SrNodeType t) {
  return t == SrNodeType::Conv || t == SrNodeType::Dw || t == SrNodeType::Pw ||
         t == SrNodeType::MeanShift;
}

bool is_fusable(SrNodeType t) {
  switch (t) {
    case SrNodeType::Prelu:
    case SrNodeType::Lrelu:
    case SrNodeType::Relu:
    case SrNodeType::Sigmoid:
    case SrNodeType::Add:
    case SrNodeType::Mul:
    case SrNodeType::Concat:
    case SrNodeType::Split:
    case SrNodeType::Pool:
    case SrNodeType::Std:
      return true;
    default:
      return false;
  }
}

SrGraph read_sr_graph(const Model& m) {
  const ConfigNode* sec = m.section("sr");
  if (sec == nullptr)
    throw WorkloadError("model `" + m.name + "` has no `sr:` section, which mobile_npu runs (" +
                        "write it with workloads/exporters/sr_models.py) at " + m.source);
  const ConfigNode& s = *sec;
  s.check_keys({"model", "scale", "frame", "grid", "params", "depth_label", "schedule", "nodes"});
  SrGraph g;
  g.model = get_str(s, "model");
  g.scale = get_int(s, "scale", 1, false, 4);
  const ConfigNode frame = s.child("frame"), grid = s.child("grid");
  frame.check_keys({"lr_h", "lr_w"});
  grid.check_keys({"rows", "cols", "halo"});
  if (!frame.present()) s.fail("`sr` needs `frame: {lr_h, lr_w}`");
  g.lr_h = get_int(frame, "lr_h", 1);
  g.lr_w = get_int(frame, "lr_w", 1);
  if (grid.present()) {
    g.rows = get_int(grid, "rows", 1);
    g.cols = get_int(grid, "cols", 1);
    g.halo = get_int(grid, "halo", 0, false, 0);
  }
  const ConfigNode nodes = s.child("nodes");
  if (!nodes.node().IsSequence() || nodes.node().size() == 0)
    s.fail("`sr.nodes` must be a non-empty list of graph nodes");
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < nodes.node().size(); ++i) {
    const ConfigNode n = nodes.element(i);
    n.check_keys({"name", "type", "producers", "in", "out", "rank", "kernel", "groups", "factor",
                  "macs", "weight_bytes", "elements"});
    SrNode node;
    node.name = get_str(n, "name");
    node.source = n.where();
    node.type = get_enum<SrNodeType>(n, "type", kTypes, "");
    const YAML::Node prods = n.node()["producers"];
    if (prods.IsDefined() && !prods.IsSequence())
      n.fail("`producers` of node `" + node.name + "` must be a list of node names");
    for (size_t j = 0; prods.IsDefined() && j < prods.size(); ++j) {
      const std::string p = prods[j].as<std::string>();
      auto it = index.find(p);
      if (it == index.end())
        n.fail("node `" + node.name + "` names producer `" + p + "`, which is not an earlier node");
      node.producers.push_back(it->second);
    }
    if (node.producers.empty() && node.type != SrNodeType::PatchSplit)
      n.fail("node `" + node.name + "` has no producers (only patch_split starts the graph)");
    node.in = get_shape(n, "in");
    node.out = get_shape(n, "out");
    node.rank = get_int(n, "rank", 1);
    node.kernel = get_int(n, "kernel", 0, false, 0);
    node.groups = get_int(n, "groups", 1, false, 1);
    node.factor = get_int(n, "factor", 0, false, 0);
    node.macs = static_cast<uint64_t>(get_int(n, "macs", 0, false, 0));
    node.weight_bytes = static_cast<uint64_t>(get_int(n, "weight_bytes", 0, false, 0));
    node.elements = static_cast<uint64_t>(node.out[0] * node.out[1] * node.out[2]);
    if (node.type == SrNodeType::PixelShuffle && node.factor < 1)
      n.fail("pixel_shuffle node `" + node.name + "` needs `factor` >= 1");
    if (!index.emplace(node.name, g.nodes.size()).second)
      n.fail("node name `" + node.name + "` is used twice");
    g.nodes.push_back(std::move(node));
  }
  // The schedule: inline, or a file relative to the trace.
  const ConfigNode sched = s.child("schedule");
  if (!sched.present())
    s.fail("`sr` needs `schedule` (a schedule file or an inline schedule; docs/mobile_npu.md)");
  ConfigNode sn = sched;
  std::shared_ptr<YamlDoc> file;
  if (sched.node().IsScalar()) {
    std::string path = sched.node().Scalar();
    if (!path.empty() && path[0] != '/') path = sched.doc().dir + "/" + path;
    file = load_yaml_file(path, ErrorKind::Workload, "schedule");
    sn = ConfigNode(file, file->root, "schedule");
  }
  g.schedule = read_schedule(sn);
  if (g.schedule.model != g.model)
    sn.fail("the schedule is for model `" + g.schedule.model + "` but the graph is `" + g.model +
            "`");
  // One entry per scheduled node, same names, same order.
  std::vector<size_t> scheduled;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (is_scheduled(g.nodes[i].type)) scheduled.push_back(i);
  const ConfigNode layers = sn.child("layers");
  const size_t given = layers.node().size();
  for (size_t j = 0; j < std::max(given, scheduled.size()); ++j) {
    if (j >= given) {
      layers.fail("the schedule has " + std::to_string(given) + " layers but the graph of `" +
                  g.model + "` has " + std::to_string(scheduled.size()) +
                  " scheduled layers; layer `" + g.nodes[scheduled[j]].name + "` (number " +
                  std::to_string(j + 1) + ") has no entry");
    }
    const ConfigNode l = layers.element(j);
    l.check_keys({"name", "act_bits", "dre"});
    const std::string name = get_str(l, "name");
    if (j >= scheduled.size()) {
      l.fail("the schedule has " + std::to_string(given) + " layers but the graph of `" + g.model +
             "` has " + std::to_string(scheduled.size()) + " scheduled layers; `" + name +
             "` (number " + std::to_string(j + 1) + ") is extra");
    }
    if (name != g.nodes[scheduled[j]].name) {
      l.fail("schedule layer " + std::to_string(j + 1) + " is `" + name +
             "` but the graph's scheduled layer " + std::to_string(j + 1) + " is `" +
             g.nodes[scheduled[j]].name + "`");
    }
    SrLayerChoice c;
    c.act_bits = static_cast<int>(get_int(l, "act_bits", 1));
    if (c.act_bits > 32)
      l.fail("act_bits of layer `" + name + "` is " + std::to_string(c.act_bits) + ", above 32");
    c.dre = get_bool(l, "dre");
    g.schedule.layers.push_back(c);
  }
  // Widths: a scheduled layer writes at its own act_bits; every other node at its first
  // producer's width (the frame is 8-bit RGB).
  g.bits.assign(g.nodes.size(), 8);
  g.layer_of.assign(g.nodes.size(), -1);
  for (size_t j = 0; j < scheduled.size(); ++j) g.layer_of[scheduled[j]] = static_cast<int>(j);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const SrNode& n = g.nodes[i];
    if (g.layer_of[i] >= 0) {
      g.bits[i] = g.schedule.layers[static_cast<size_t>(g.layer_of[i])].act_bits;
    } else if (!n.producers.empty()) {
      g.bits[i] = g.bits[n.producers[0]];
    }
  }
  return g;
}

}  // namespace npusim
