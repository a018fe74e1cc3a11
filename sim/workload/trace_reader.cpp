// Trace reader: YAML -> Workload, with every check the schema documents. Errors are
// WorkloadErrors that name the file, line and field.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/core/errors.h"
#include "sim/core/input_file.h"
#include "sim/core/text.h"
#include "sim/workload/op_math.h"
#include "sim/workload/op_tables.h"
#include "sim/workload/trace.h"

namespace npusim {
namespace {

std::vector<std::pair<std::string, ModelSectionCheck>>& model_section_checks() {
  static std::vector<std::pair<std::string, ModelSectionCheck>> all;
  return all;
}

std::string location(const ConfigNode& n) {
  YAML::Mark m = n.node().IsDefined() ? n.node().Mark() : YAML::Mark::null_mark();
  if (m.is_null() || m.line < 0) return n.doc().file;
  return n.doc().file + ":" + std::to_string(m.line + 1);
}

void inherit(int64_t& v, int64_t from) {
  if (v == 0) v = from;
}

Operator load_operator(const ConfigNode& node, const Model& model) {
  if (!node.node().IsMap()) node.fail("each entry of `layers` must be a mapping with an `op:`");
  const YAML::Node& op_key = node.node()["op"];
  if (!op_key)
    node.fail("layer `" + node.path() + "` has no `op:` (one of: " + join(op_type_names(), ", ") +
              ")");
  if (!op_key.IsScalar()) node.fail_at(op_key, "op", "`op` must be an operator name");
  const std::string type_name = op_key.Scalar();
  const auto& names = op_type_names();
  auto it = std::find(names.begin(), names.end(), type_name);
  if (it == names.end()) {
    node.fail_at(op_key, "op",
                 "unknown operator `" + type_name + "`" + did_you_mean(type_name, names) +
                     "; known: " + join(names, ", "));
  }
  Operator op;
  op.type = static_cast<OpType>(it - names.begin());
  op.source = location(node);
  op_table(op.type).load(node, &op, {"op"});
  if (op.type == OpType::Gemv) op.m = 1;
  inherit(op.precision.activation, model.precision.activation);
  inherit(op.precision.weight, model.precision.weight);
  inherit(op.precision.output, model.precision.output);
  inherit(op.precision.kv, model.precision.kv);
  inherit(op.precision.kv, op.precision.activation);
  validate_shapes(op);
  return op;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// One CSV record (RFC 4180, without line breaks inside quotes): fields split at commas; a field
// in double quotes may hold commas, and "" stands for a quote; blanks around a field are dropped.
bool split_csv(const std::string& line, std::vector<std::string>* cells, std::string* why) {
  cells->clear();
  size_t i = 0;
  auto blanks = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  for (;;) {
    blanks();
    std::string cell;
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) {
          *why = "a quoted field has no closing quote";
          return false;
        }
        if (line[i] == '"' && (i + 1 >= line.size() || line[i + 1] != '"')) break;
        if (line[i] == '"') ++i;  // "" is one quote
        cell += line[i];
      }
      ++i;
      blanks();
      if (i < line.size() && line[i] != ',') {
        *why = "text after the closing quote of `" + cell + "`";
        return false;
      }
    } else {
      size_t comma = std::min(line.find(',', i), line.size());
      cell = trim(line.substr(i, comma - i));
      i = comma;
    }
    cells->push_back(cell);
    if (i >= line.size()) return true;
    ++i;  // past the comma
  }
}

DynamicSparsity load_sparsity_csv(const ConfigNode& node, const Model& model) {
  DynamicSparsityRef ref;
  dynamic_sparsity_table().load(node, &ref);
  std::string path = ref.file;
  if (!path.empty() && path[0] != '/') path = node.doc().dir + "/" + path;
  std::string why = input_file_problem(path, kMaxCsvInputBytes, "a dynamic sparsity CSV");
  if (!why.empty()) node.fail("cannot read dynamic sparsity file " + path + ": it " + why);
  std::ifstream in(path, std::ios::binary);
  if (!in) node.fail("cannot open dynamic sparsity file " + path);
  DynamicSparsity ds;
  ds.file = path;
  for (const auto& op : model.layers) ds.layers.push_back(op.name);
  std::map<int64_t, std::vector<double>> samples;
  std::string line;
  int line_no = 0;
  bool header = false;
  auto fail = [&](const std::string& why) {
    throw WorkloadError(path + ":" + std::to_string(line_no) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find('\0') != std::string::npos) fail("not a text file");
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
      line.erase(0, 3);  // UTF-8 byte order mark
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    if (!split_csv(line, &cells, &why)) fail(why);
    if (!header) {
      if (cells != std::vector<std::string>{"sample", "layer", "activation_density"}) {
        fail("expected the header `sample,layer,activation_density`");
      }
      header = true;
      continue;
    }
    if (cells.size() != 3) fail("expected 3 columns, found " + std::to_string(cells.size()));
    int64_t sample = 0;
    double density = 0;
    try {
      size_t used = 0;
      sample = std::stoll(cells[0], &used);
      if (used != cells[0].size() || sample < 0) throw std::invalid_argument("");
    } catch (...) {
      fail("sample `" + cells[0] + "` is not a non-negative integer");
    }
    try {
      size_t used = 0;
      density = std::stod(cells[2], &used);
      if (used != cells[2].size()) throw std::invalid_argument("");
    } catch (...) {
      fail("activation_density `" + cells[2] + "` is not a number");
    }
    if (!(density >= 0.0 && density <= 1.0))
      fail("activation_density " + cells[2] + " is outside [0, 1]");
    auto lit = std::find(ds.layers.begin(), ds.layers.end(), cells[1]);
    if (lit == ds.layers.end()) {
      fail("layer `" + cells[1] + "` is not in model `" + model.name + "`" +
           did_you_mean(cells[1], ds.layers));
    }
    auto& row = samples[sample];
    if (row.empty()) row.assign(ds.layers.size(), -1.0);
    double& slot = row[static_cast<size_t>(lit - ds.layers.begin())];
    if (slot >= 0) fail("sample " + cells[0] + " gives layer `" + cells[1] + "` twice");
    slot = density;
  }
  if (!header)
    throw WorkloadError(path +
                        ": empty file; expected the header `sample,layer,activation_density`");
  int64_t expect = 0;
  for (auto& [id, row] : samples) {
    if (id != expect) {
      throw WorkloadError(path + ": samples must be numbered 0, 1, 2, ...; sample " +
                          std::to_string(expect) + " is missing");
    }
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i] < 0) {
        throw WorkloadError(path + ": sample " + std::to_string(id) +
                            " has no density for layer `" + ds.layers[i] + "`");
      }
    }
    ds.density.push_back(row);
    ++expect;
  }
  return ds;
}

Model load_model(const ConfigNode& node) {
  if (!node.node().IsMap()) node.fail("each entry of `models` must be a mapping");
  Model model;
  model.source = location(node);
  std::vector<std::string> keys = {"layers", "llm", "generation", "dynamic_sparsity"};
  for (const ModelSection& s : model_sections()) keys.push_back(s.name);
  model_table().load(node, &model, keys);
  for (const ModelSection& s : model_sections()) {
    ConfigNode section = node.child(s.name);
    if (!section.present()) continue;
    if (s.llm_only && !node.child("llm").present())
      section.fail("`" + s.name + "` applies only to `llm` models");
    section.require_map();
    model.sections.emplace(s.name, section);
  }
  inherit(model.precision.kv, model.precision.activation);
  ConfigNode llm = node.child("llm"), layers = node.child("layers");
  if (llm.present()) {
    if (layers.present())
      node.fail("model `" + model.name + "` has both `layers` and `llm`; give one");
    LlmArch arch;
    llm_arch_table().load(llm, &arch);
    if (arch.kv_heads == 0) arch.kv_heads = arch.heads;
    if (arch.head_dim == 0) arch.head_dim = arch.hidden / arch.heads;
    ConfigNode gen = node.child("generation");
    if (!gen.present())
      node.fail("LLM model `" + model.name +
                "` needs a `generation:` section (prompt_len, gen_len)");
    generation_table().load(gen, &model.generation);
    if (model.generation.prompt_len + model.generation.gen_len > arch.max_context) {
      gen.fail("prompt_len + gen_len (" + std::to_string(model.generation.prompt_len) + " + " +
               std::to_string(model.generation.gen_len) + ") exceeds max_context (" +
               std::to_string(arch.max_context) + ")");
    }
    model.llm = arch;
  } else {
    if (node.child("generation").present()) node.fail("`generation` applies only to `llm` models");
    if (!layers.present())
      node.fail("model `" + model.name + "` needs `layers:` (an operator list) or `llm:`");
    if (!layers.node().IsSequence() || layers.node().size() == 0) {
      layers.fail("`layers` must be a non-empty list of operators");
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < layers.node().size(); ++i) {
      Operator op = load_operator(layers.element(i), model);
      if (!seen.insert(op.name).second) {
        throw WorkloadError("duplicate layer name `" + op.name + "` in model `" + model.name +
                            "` at " + op.source);
      }
      model.layers.push_back(std::move(op));
    }
  }
  ConfigNode dyn = node.child("dynamic_sparsity");
  if (dyn.present()) {
    if (model.llm) dyn.fail("dynamic_sparsity applies to operator-list models");
    model.dynamic_sparsity = load_sparsity_csv(dyn, model);
  }
  for (const auto& [name, check] : model_section_checks()) {
    if (const ConfigNode* section = model.section(name)) check(*section, model);
  }
  return model;
}

}  // namespace

namespace {

Workload load_workload_nested(const std::shared_ptr<const YamlDoc>& doc, int depth);

// `- from: other.yaml [model: name]`: the models of another trace (relative to this file), so a
// request stream can mix shipped workloads without copying them.
std::vector<Model> included_models(const ConfigNode& entry, int depth) {
  entry.check_keys({"from", "model"});
  const YAML::Node& f = entry.node()["from"];
  if (!f.IsScalar() || f.Scalar().empty())
    entry.fail_at(f, "from", "`from` must name a trace file");
  if (depth >= 4) entry.fail_at(f, "from", "traces include each other more than 4 deep (a cycle?)");
  std::string path = f.Scalar();
  if (path[0] != '/') path = entry.doc().dir + "/" + path;
  Workload other =
      load_workload_nested(load_yaml_file(path, ErrorKind::Workload, "workload"), depth + 1);
  const YAML::Node& pick = entry.node()["model"];
  if (!pick) return std::move(other.models);
  std::vector<std::string> names;
  for (Model& m : other.models) {
    if (pick.IsScalar() && m.name == pick.Scalar()) return {std::move(m)};
    names.push_back(m.name);
  }
  entry.fail_at(pick, "model",
                "no model `" + (pick.IsScalar() ? pick.Scalar() : std::string("?")) + "` in " +
                    path + " (models: " + join(names, ", ") + ")");
}

}  // namespace

Workload load_workload(const std::shared_ptr<const YamlDoc>& doc) {
  return load_workload_nested(doc, 0);
}

namespace {

Workload load_workload_nested(const std::shared_ptr<const YamlDoc>& doc, int depth) {
  ConfigNode root(doc, doc->root, "workload");
  // The version is checked first: a future schema may differ in everything else.
  const YAML::Node& v = doc->root["schema_version"];
  if (!v) root.fail("missing `schema_version` (this simulator reads version 1)");
  if (!v.IsScalar() || v.Scalar() != std::to_string(kTraceSchemaVersion)) {
    root.fail_at(v, "schema_version",
                 "unsupported schema_version `" + (v.IsScalar() ? v.Scalar() : std::string("?")) +
                     "` (this simulator reads version 1)");
  }
  WorkloadHeader h;
  workload_header_table().load(root, &h, {"models", "requests"});
  Workload w;
  w.schema_version = h.schema_version;
  w.name = h.name;
  w.file = doc->file;
  ConfigNode models = root.child("models");
  if (!models.present() || !models.node().IsSequence() || models.node().size() == 0) {
    root.fail("`models` must be a non-empty list");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < models.node().size(); ++i) {
    const ConfigNode entry = models.element(i);
    std::vector<Model> loaded;
    if (entry.node().IsMap() && entry.node()["from"]) {
      loaded = included_models(entry, depth);
    } else {
      loaded.push_back(load_model(entry));
    }
    for (Model& m : loaded) {
      if (!names.insert(m.name).second) {
        throw WorkloadError("duplicate model name `" + m.name + "` at " + m.source);
      }
      w.models.push_back(std::move(m));
    }
  }
  ConfigNode requests = root.child("requests");
  if (requests.present()) {
    requests.require_map();
    w.requests = requests;
  }
  return w;
}

}  // namespace

namespace {
std::vector<ModelSection>& section_registry() {
  static std::vector<ModelSection> all;
  return all;
}
}  // namespace

bool register_model_section(ModelSection s) {
  section_registry().push_back(std::move(s));
  return true;
}

const std::vector<ModelSection>& model_sections() {
  return section_registry();
}

bool register_model_section_check(const std::string& name, ModelSectionCheck check) {
  model_section_checks().emplace_back(name, check);
  return true;
}

Workload load_workload_file(const std::string& path) {
  return load_workload(load_yaml_file(path, ErrorKind::Workload, "workload"));
}

}  // namespace npusim
