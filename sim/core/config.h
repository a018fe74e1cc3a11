// YAML documents with their origin, and views of one mapping inside them. Every error a
// config or trace can cause goes through ConfigNode::fail, so each message names the dotted
// path, the key, and where it came from (file:line, or the --set flag that wrote it).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace npusim {

enum class ErrorKind { Config, Workload };

[[noreturn]] void throw_user_error(ErrorKind kind, const std::string& msg);

struct YamlDoc {
  YAML::Node root;
  std::string file;  // as the user named it
  std::string dir;   // directory of `file`, for relative paths inside it
  ErrorKind kind = ErrorKind::Config;
  std::string root_path;                         // "hw" or "workload"
  std::map<std::string, std::string> overrides;  // dotted path -> "--set k=v" that wrote it
};

// Loads a file; a missing file, an empty file or malformed YAML is a user error.
std::shared_ptr<YamlDoc> load_yaml_file(const std::string& path, ErrorKind kind,
                                        const std::string& root_path);
// Loads YAML text (Python passes dicts this way); `label` stands in for the file name.
std::shared_ptr<YamlDoc> load_yaml_text(const std::string& text, const std::string& label,
                                        ErrorKind kind, const std::string& root_path);

// Applies `--set path=value`. `path` is dotted, relative to the document root (a leading
// "hw." / "workload." is accepted); list elements are addressed by index. The value is
// parsed as YAML, so `[1,2]` is a list. Missing leaf keys and maps are created; whether the
// key is valid is decided later by the parameter tables (so typos get a did-you-mean).
void apply_override(YamlDoc& doc, const std::string& path, const std::string& value);

class ConfigNode {
 public:
  ConfigNode(std::shared_ptr<const YamlDoc> doc, YAML::Node node, std::string path);

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const YamlDoc& doc() const { return *doc_; }
  std::shared_ptr<const YamlDoc> doc_ptr() const { return doc_; }
  bool present() const { return node_.IsDefined() && !node_.IsNull(); }

  // Sub-node by key (may be absent: present() == false).
  ConfigNode child(const std::string& key) const;
  ConfigNode element(size_t i) const;

  // " at file:line" for `n` (a node within this view), or " at --set x=y" for overrides.
  std::string where(const YAML::Node& n, const std::string& key = "") const;
  std::string where() const { return where(node_); }
  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& key,
                            const std::string& msg) const;

  // Requires a mapping; checks duplicate keys and that every key is in `known`.
  void check_keys(const std::vector<std::string>& known) const;
  void require_map() const;

 private:
  std::shared_ptr<const YamlDoc> doc_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace npusim
