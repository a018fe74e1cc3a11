#include "sim/core/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "sim/core/errors.h"
#include "sim/core/input_file.h"
#include "sim/core/text.h"

namespace npusim {

void throw_user_error(ErrorKind kind, const std::string& msg) {
  if (kind == ErrorKind::Config) throw ConfigError(msg);
  throw WorkloadError(msg);
}

namespace {

std::shared_ptr<YamlDoc> parse(const std::string& text, const std::string& label, ErrorKind kind,
                               const std::string& root_path) {
  auto doc = std::make_shared<YamlDoc>();
  doc->file = label;
  auto slash = label.find_last_of('/');
  doc->dir = slash == std::string::npos ? "." : label.substr(0, slash);
  doc->kind = kind;
  doc->root_path = root_path;
  try {
    // All documents, so that a second one (after `---`) is an error rather than silently ignored.
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (!docs.empty()) doc->root = docs.front();
    for (size_t i = 1; i < docs.size(); ++i) {
      if (docs[i].IsDefined() && !docs[i].IsNull()) {
        throw_user_error(kind, label + ":" + std::to_string(docs[i].Mark().line + 1) +
                                   ": a second YAML document (after `---`); " + label +
                                   " must hold exactly one");
      }
    }
  } catch (const YAML::Exception& e) {
    throw_user_error(
        kind, "malformed YAML: " + e.msg + " at " + label + ":" + std::to_string(e.mark.line + 1));
  }
  if (!doc->root.IsDefined() || doc->root.IsNull()) {
    throw_user_error(kind, label + " is empty; expected a YAML mapping");
  }
  if (!doc->root.IsMap()) {
    throw_user_error(kind, label + ":" + std::to_string(doc->root.Mark().line + 1) +
                               ": expected a YAML mapping at the top level");
  }
  // `name:` labels the results; a mapping or a list there would otherwise be dropped silently.
  const YAML::Node& root = doc->root;
  if (const YAML::Node name = root["name"]; name && !name.IsScalar() && !name.IsNull()) {
    throw_user_error(kind, "`" + root_path + ".name` must be a single value, not a " +
                               (name.IsMap() ? "mapping" : "list") + " at " + label + ":" +
                               std::to_string(name.Mark().line + 1));
  }
  return doc;
}

}  // namespace

std::shared_ptr<YamlDoc> load_yaml_file(const std::string& path, ErrorKind kind,
                                        const std::string& root_path) {
  const std::string what =
      kind == ErrorKind::Config ? "a YAML hardware config" : "a YAML workload trace";
  const std::string hint = kind == ErrorKind::Workload
                               ? " (per-sample tables belong in the CSV files a trace points to)"
                               : "";
  std::string why = input_file_problem(path, kMaxYamlInputBytes, what);
  if (!why.empty()) throw_user_error(kind, "cannot read " + path + ": it " + why + hint);
  if (!std::ifstream(path, std::ios::binary))
    throw_user_error(kind, "cannot open " + path + ": no such readable file");
  std::string text;
  if (!read_input_file(path, kMaxYamlInputBytes, what, &text, &why)) {
    throw_user_error(kind, "cannot read " + path + ": it " + why + hint);
  }
  if (text.find('\0') != std::string::npos) {
    throw_user_error(kind, path + " is not a text file (it contains NUL bytes)");
  }
  return parse(text, path, kind, root_path);
}

std::shared_ptr<YamlDoc> load_yaml_text(const std::string& text, const std::string& label,
                                        ErrorKind kind, const std::string& root_path) {
  return parse(text, label, kind, root_path);
}

void apply_override(YamlDoc& doc, const std::string& raw_path, const std::string& value) {
  std::string flag = "override " + raw_path + "=" + value;
  std::string path = raw_path;
  if (path.rfind(doc.root_path + ".", 0) == 0) path = path.substr(doc.root_path.size() + 1);
  if (path.empty()) throw_user_error(doc.kind, "bad override `" + flag + "`: empty path");
  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string k; std::getline(ss, k, '.');) {
    if (k.empty()) throw_user_error(doc.kind, "bad override `" + flag + "`: empty path element");
    keys.push_back(k);
  }
  YAML::Node value_node;
  try {
    value_node = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw_user_error(doc.kind,
                     "bad override `" + flag + "`: value is not valid YAML (" + e.msg + ")");
  }
  if (!value_node.IsDefined() || value_node.IsNull()) value_node = YAML::Node(value);
  // Walk by value semantics: yaml-cpp nodes are handles, so assignment through them edits the tree.
  YAML::Node cur = doc.root;
  std::string walked = doc.root_path;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& k = keys[i];
    bool last = i + 1 == keys.size();
    if (cur.IsSequence()) {
      size_t idx = 0;
      try {
        idx = std::stoul(k);
      } catch (...) {
        throw_user_error(doc.kind, "bad override `" + flag + "`: `" + walked +
                                       "` is a list; address its elements by index, not `" + k +
                                       "`");
      }
      if (idx >= cur.size()) {
        throw_user_error(doc.kind, "bad override `" + flag + "`: `" + walked + "` has " +
                                       std::to_string(cur.size()) + " elements, no index " + k);
      }
      if (last) {
        cur[idx] = value_node;
      } else {
        YAML::Node next = cur[idx];
        cur.reset(next);
      }
    } else if (!cur.IsDefined() || cur.IsNull() || cur.IsMap()) {
      if (last) {
        cur[k] = value_node;
      } else {
        if (!cur[k].IsDefined() || cur[k].IsNull()) cur[k] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[k];
        cur.reset(next);
      }
    } else {
      throw_user_error(doc.kind, "bad override `" + flag + "`: `" + walked +
                                     "` is a value, not a section, so it has no key `" + k + "`");
    }
    walked += "." + k;
  }
  doc.overrides[walked] = flag;
}

ConfigNode::ConfigNode(std::shared_ptr<const YamlDoc> doc, YAML::Node node, std::string path)
    : doc_(std::move(doc)), node_(std::move(node)), path_(std::move(path)) {}

ConfigNode ConfigNode::child(const std::string& key) const {
  // operator[] on a const node never inserts; a missing key yields an undefined node, which
  // may be copied but not assigned.
  const YAML::Node& cn = node_;
  const bool map = node_.IsDefined() && node_.IsMap();
  return ConfigNode(doc_, map ? cn[key] : YAML::Node(YAML::NodeType::Undefined), path_ + "." + key);
}

ConfigNode ConfigNode::element(size_t i) const {
  const YAML::Node& cn = node_;
  return ConfigNode(doc_, cn[i], path_ + "." + std::to_string(i));
}

std::string ConfigNode::where(const YAML::Node& n, const std::string& key) const {
  std::string full = key.empty() ? path_ : path_ + "." + key;
  auto it = doc_->overrides.find(full);
  if (it != doc_->overrides.end()) return " (from " + it->second + ")";
  YAML::Mark m = n.IsDefined() ? n.Mark() : YAML::Mark::null_mark();
  if (m.is_null() || m.line < 0) m = node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark();
  if (m.is_null() || m.line < 0) return " in " + doc_->file;
  return " at " + doc_->file + ":" + std::to_string(m.line + 1);
}

void ConfigNode::fail(const std::string& msg) const {
  throw_user_error(doc_->kind, msg + where());
}

void ConfigNode::fail_at(const YAML::Node& n, const std::string& key,
                         const std::string& msg) const {
  throw_user_error(doc_->kind, msg + where(n, key));
}

void ConfigNode::require_map() const {
  if (!node_.IsMap()) fail("`" + path_ + "` must be a mapping of keys to values");
}

void ConfigNode::check_keys(const std::vector<std::string>& known) const {
  if (!present()) return;
  require_map();
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar())
      fail_at(it->first, "", "keys in `" + path_ + "` must be plain names");
    std::string key = it->first.Scalar();
    if (!seen.insert(key).second) {
      fail_at(it->first, key, "duplicate key `" + key + "` in " + path_);
    }
    bool ok = false;
    for (const auto& k : known) ok = ok || k == key;
    if (!ok) {
      fail_at(it->first, key, "unknown key `" + key + "` in " + path_ + did_you_mean(key, known));
    }
  }
}

}  // namespace npusim
