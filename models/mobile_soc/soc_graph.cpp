#include "models/mobile_soc/soc_graph.h"

#include <unordered_map>

#include "sim/core/errors.h"

namespace npusim {

uint64_t SocTensor::elements() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

uint64_t SocGraph::total_macs() const {
  uint64_t m = 0;
  for (const SocNode& n : nodes) m += n.macs;
  return m;
}

namespace {

std::string str(const ConfigNode& n, const char* key) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined() || !v.IsScalar()) n.fail(std::string("needs `") + key + "` (a string)");
  return v.as<std::string>();
}

uint64_t count(const ConfigNode& n, const char* key) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined()) return 0;
  int64_t x = -1;
  if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, x) || x < 0)
    n.fail_at(v, key, std::string("`") + key + "` must be a non-negative integer");
  return static_cast<uint64_t>(x);
}

SocTensor tensor(const ConfigNode& n, const std::string& name) {
  SocTensor t;
  t.name = name;
  const YAML::Node s = n.node()["shape"];
  if (!s.IsDefined() || !s.IsSequence() || s.size() == 0)
    n.fail("tensor `" + name + "` needs `shape`, a non-empty list of positive integers");
  for (const auto& d : s) {
    int64_t x = 0;
    if (!d.IsScalar() || !YAML::convert<int64_t>::decode(d, x) || x < 1)
      n.fail_at(d, "shape", "tensor `" + name + "` has a dimension that is not a positive integer");
    t.shape.push_back(x);
  }
  const std::string dt = str(n, "dtype");
  if (!parse_soc_dtype(dt, &t.dtype))
    n.fail_at(n.node()["dtype"], "dtype",
              "tensor `" + name + "` has dtype `" + dt + "` (fp32, fp16, int8, int32)");
  return t;
}

}  // namespace

SocGraph read_soc_graph(const Model& m) {
  const ConfigNode* sec = m.section("tflite");
  if (sec == nullptr)
    throw WorkloadError("model `" + m.name +
                        "` has no `tflite:` section, which mobile_soc runs (write it with "
                        "workloads/exporters/bert_family.py) at " +
                        m.source);
  const ConfigNode& s = *sec;
  s.check_keys({"inputs", "nodes"});
  SocGraph g;
  g.model = m.name;
  std::unordered_map<std::string, int> index;
  const ConfigNode ins = s.child("inputs");
  if (!ins.present() || !ins.node().IsSequence() || ins.node().size() == 0)
    s.fail("`tflite.inputs` must be a non-empty list of graph inputs");
  for (size_t i = 0; i < ins.node().size(); ++i) {
    const ConfigNode n = ins.element(i);
    n.check_keys({"name", "shape", "dtype"});
    const std::string name = str(n, "name");
    g.inputs.push_back(tensor(n, name));
    if (!index.emplace(name, -static_cast<int>(i) - 1).second)
      n.fail("tensor name `" + name + "` is used twice");
  }
  const ConfigNode nodes = s.child("nodes");
  if (!nodes.present() || !nodes.node().IsSequence() || nodes.node().size() == 0)
    s.fail("`tflite.nodes` must be a non-empty list of operators");
  for (size_t i = 0; i < nodes.node().size(); ++i) {
    const ConfigNode n = nodes.element(i);
    n.check_keys(
        {"name", "op", "inputs", "shape", "dtype", "macs", "weight_bytes", "const_weights"});
    SocNode node;
    node.name = str(n, "name");
    node.op = str(n, "op");
    node.source = n.where();
    const YAML::Node in = n.node()["inputs"];
    if (!in.IsDefined() || !in.IsSequence() || in.size() == 0)
      n.fail("node `" + node.name + "` needs `inputs`, a non-empty list of tensor names");
    for (const auto& e : in) {
      auto it = index.find(e.as<std::string>());
      if (it == index.end())
        n.fail_at(e, "inputs",
                  "node `" + node.name + "` reads `" + e.as<std::string>() +
                      "`, which is neither a graph input nor an earlier node");
      node.inputs.push_back(it->second);
    }
    node.out = tensor(n, node.name);
    node.macs = count(n, "macs");
    node.weight_bytes = count(n, "weight_bytes");
    const YAML::Node cw = n.node()["const_weights"];
    if (cw.IsDefined() && (!cw.IsScalar() || !YAML::convert<bool>::decode(cw, node.const_weights)))
      n.fail_at(cw, "const_weights", "`const_weights` must be true or false");
    if (!index.emplace(node.name, static_cast<int>(g.nodes.size())).second)
      n.fail("tensor name `" + node.name + "` is used twice");
    g.nodes.push_back(std::move(node));
  }
  return g;
}

[[maybe_unused]] static const bool npusim_tflite_section = register_model_section(
    {"tflite",
     "TFLite-level operator graph that mobile_soc partitions across its engines "
     "(docs/mobile_soc.md)",
     false});

}  // namespace npusim
