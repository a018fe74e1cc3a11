#include "sim/core/params.h"

#include <cmath>
#include <stdexcept>

#include "sim/core/errors.h"
#include "sim/core/text.h"

namespace npusim {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::Bool:
      return "bool";
    case ParamType::Int:
      return "int";
    case ParamType::Float:
      return "float";
    case ParamType::String:
      return "string";
    case ParamType::Enum:
      return "enum";
    case ParamType::Time:
      return "time";
    case ParamType::Frequency:
      return "frequency";
    case ParamType::Bytes:
      return "size";
    case ParamType::Bandwidth:
      return "bandwidth";
    case ParamType::IntList:
      return "int list";
    case ParamType::FloatList:
      return "number list";
    case ParamType::Section:
      return "section";
  }
  return "?";
}

std::string format_param_value(const ParamValue& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_double(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(Time t) const { return format_time(t); }
    std::string operator()(Frequency f) const { return format_frequency(f); }
    std::string operator()(Bytes b) const { return format_bytes_exact(b); }
    std::string operator()(Bandwidth b) const { return format_bandwidth(b); }
    std::string operator()(const std::vector<int64_t>& l) const {
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + std::to_string(l[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<double>& l) const {
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + format_double(l[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

namespace {

// A comparable magnitude in base units, for range checks.
long double magnitude(const ParamValue& v) {
  struct Visitor {
    long double operator()(bool b) const { return b; }
    long double operator()(int64_t i) const { return static_cast<long double>(i); }
    long double operator()(double d) const { return d; }
    long double operator()(const std::string&) const { return 0; }
    long double operator()(Time t) const { return static_cast<long double>(t.ps); }
    long double operator()(Frequency f) const { return static_cast<long double>(f.hz); }
    long double operator()(Bytes b) const { return static_cast<long double>(b.n); }
    long double operator()(Bandwidth b) const { return b.bytes_per_s; }
    long double operator()(const std::vector<int64_t>&) const { return 0; }
    long double operator()(const std::vector<double>&) const { return 0; }
  };
  return std::visit(Visitor{}, v);
}

[[noreturn]] void bad_value(const ConfigNode& parent, const YAML::Node& n, const std::string& key,
                            const std::string& why) {
  parent.fail_at(n, key, "`" + parent.path() + "." + key + "` " + why);
}

}  // namespace

ParamSpec& ParamTable::last() {
  NPUSIM_ASSERT(!params_.empty(), "modifier before any parameter in table " + name_);
  return params_.back();
}

ParamTable& ParamTable::def(const ParamValue& v) {
  ParamSpec& p = last();
  // Integer literals given to float parameters are widened here, once.
  if (p.type == ParamType::Float && std::holds_alternative<int64_t>(v)) {
    p.default_value = static_cast<double>(std::get<int64_t>(v));
  } else {
    p.default_value = v;
  }
  return *this;
}

ParamTable& ParamTable::def(const char* text) {
  ParamSpec& p = last();
  p.default_value = parse_text(p, text);
  return *this;
}

ParamTable& ParamTable::min(const ParamValue& v) {
  last().min = v;
  return *this;
}
ParamTable& ParamTable::max(const ParamValue& v) {
  last().max = v;
  return *this;
}
ParamTable& ParamTable::min(const char* text) {
  last().min = parse_text(last(), text);
  return *this;
}
ParamTable& ParamTable::max(const char* text) {
  last().max = parse_text(last(), text);
  return *this;
}

ParamTable& ParamTable::choices(std::vector<std::string> c) {
  ParamSpec& p = last();
  NPUSIM_ASSERT(p.type == ParamType::String, "choices on a non-string parameter " + p.name);
  p.type = ParamType::Enum;
  p.choices = std::move(c);
  return *this;
}

ParamTable& ParamTable::unit(const char* u) {
  last().unit = u;
  return *this;
}

const ParamSpec* ParamTable::find(const std::string& name) const {
  for (const auto& p : params_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Parses a default or a range bound written in the table (programmer-supplied text).
ParamValue ParamTable::parse_text(const ParamSpec& p, const std::string& text) const {
  try {
    switch (p.type) {
      case ParamType::Time:
        return parse_time(text);
      case ParamType::Frequency:
        return parse_frequency(text);
      case ParamType::Bytes:
        return parse_bytes(text);
      case ParamType::Bandwidth:
        return parse_bandwidth(text);
      case ParamType::String:
      case ParamType::Enum:
        return std::string(text);
      default:
        break;
    }
  } catch (const std::invalid_argument& e) {
    NPUSIM_ASSERT(false, "bad literal for " + name_ + "." + p.name + ": " + e.what());
  }
  NPUSIM_ASSERT(false, "text literal for non-text parameter " + name_ + "." + p.name);
}

ParamValue ParamTable::parse_node(const ParamSpec& p, const ConfigNode& parent,
                                  const YAML::Node& n) const {
  if (p.type == ParamType::FloatList) {
    if (!n.IsSequence()) bad_value(parent, n, p.name, "must be a list of numbers, e.g. [1.5, 2]");
    std::vector<double> out;
    for (const auto& e : n) {
      try {
        out.push_back(e.as<double>());
      } catch (const YAML::Exception&) {
        bad_value(parent, n, p.name,
                  "must be a list of numbers; `" + (e.IsScalar() ? e.Scalar() : std::string("?")) +
                      "` is not one");
      }
      if (!std::isfinite(out.back())) bad_value(parent, n, p.name, "must hold finite numbers");
    }
    return out;
  }
  if (p.type == ParamType::IntList) {
    if (!n.IsSequence()) bad_value(parent, n, p.name, "must be a list of integers, e.g. [1, 2]");
    std::vector<int64_t> out;
    for (const auto& e : n) {
      try {
        out.push_back(e.as<int64_t>());
      } catch (const YAML::Exception&) {
        bad_value(parent, n, p.name,
                  "must be a list of integers; `" + (e.IsScalar() ? e.Scalar() : std::string("?")) +
                      "` is not one");
      }
    }
    return out;
  }
  if (!n.IsScalar())
    bad_value(parent, n, p.name,
              "must be a single value, not a " + std::string(n.IsMap() ? "mapping" : "list"));
  const std::string& text = n.Scalar();
  try {
    switch (p.type) {
      case ParamType::Bool:
        try {
          return n.as<bool>();
        } catch (const YAML::Exception&) {
          bad_value(parent, n, p.name, "must be true or false, not `" + text + "`");
        }
      case ParamType::Int:
        try {
          return n.as<int64_t>();
        } catch (const YAML::Exception&) {
          bad_value(parent, n, p.name, "must be an integer, not `" + text + "`");
        }
      case ParamType::Float:
        try {
          double d = n.as<double>();
          if (!std::isfinite(d))
            bad_value(parent, n, p.name, "must be a finite number, not `" + text + "`");
          return d;
        } catch (const YAML::Exception&) {
          bad_value(parent, n, p.name, "must be a number, not `" + text + "`");
        }
      case ParamType::String:
        return text;
      case ParamType::Enum: {
        for (const auto& c : p.choices) {
          if (c == text) return text;
        }
        bad_value(parent, n, p.name,
                  "must be one of " + join(p.choices, ", ") + "; `" + text + "` is not" +
                      did_you_mean(text, p.choices));
      }
      case ParamType::Time:
        return parse_time(text);
      case ParamType::Frequency:
        return parse_frequency(text);
      case ParamType::Bytes:
        return parse_bytes(text);
      case ParamType::Bandwidth:
        return parse_bandwidth(text);
      default:
        break;
    }
  } catch (const std::invalid_argument& e) {
    bad_value(parent, n, p.name, std::string("is invalid: ") + e.what());
  }
  NPUSIM_ASSERT(false, "unhandled parameter type");
}

void ParamTable::check_range(const ParamSpec& p, const ParamValue& v, const ConfigNode& parent,
                             const YAML::Node& n) const {
  const std::string key_path = parent.path() + "." + p.name;
  long double m = magnitude(v);
  if (p.min && m < magnitude(*p.min)) {
    parent.fail_at(n, p.name,
                   "`" + key_path + "` = " + format_param_value(v) + " is below the minimum " +
                       format_param_value(*p.min));
  }
  if (p.max && m > magnitude(*p.max)) {
    parent.fail_at(n, p.name,
                   "`" + key_path + "` = " + format_param_value(v) + " is above the maximum " +
                       format_param_value(*p.max));
  }
}

void ParamTable::load(const ConfigNode& node, void* out,
                      const std::vector<std::string>& extra_keys) const {
  std::vector<std::string> known = extra_keys;
  for (const auto& p : params_) known.push_back(p.name);
  for (const auto& s : slots_) known.push_back(s.name);
  node.check_keys(known);
  for (const auto& p : params_) {
    ConfigNode child = node.child(p.name);
    if (p.type == ParamType::Section) {
      if (child.present()) {
        p.section->load(child, p.section_field(out));
      } else {
        p.section->load_defaults(p.section_field(out));
      }
      continue;
    }
    if (!child.present()) {
      if (!p.default_value) {
        node.fail("missing required parameter `" + p.name + "` in " + node.path() + " (" + p.doc +
                  ")");
      }
      p.set(out, *p.default_value);
      continue;
    }
    ParamValue v = parse_node(p, node, child.node());
    check_range(p, v, node, child.node());
    p.set(out, v);
  }
  for (const auto& rule : checks_) {
    std::string msg = rule(out);
    if (!msg.empty()) node.fail("invalid " + node.path() + ": " + msg);
  }
}

void ParamTable::load_defaults(void* out) const {
  for (const auto& p : params_) {
    if (p.type == ParamType::Section) {
      p.section->load_defaults(p.section_field(out));
      continue;
    }
    NPUSIM_ASSERT(p.default_value.has_value(),
                  "required parameter " + name_ + "." + p.name + " loaded without a config");
    p.set(out, *p.default_value);
  }
}

void ParamTable::emit(YAML::Emitter& out, const void* obj) const {
  for (const auto& p : params_) {
    out << YAML::Key << p.name << YAML::Value;
    if (p.type == ParamType::Section) {
      out << YAML::BeginMap;
      p.section->emit(out, p.section_cfield(obj));
      out << YAML::EndMap;
      continue;
    }
    ParamValue v = p.get(obj);
    if (auto l = std::get_if<std::vector<int64_t>>(&v)) {
      out << YAML::Flow << YAML::BeginSeq;
      for (auto x : *l) out << x;
      out << YAML::EndSeq;
    } else if (auto f = std::get_if<std::vector<double>>(&v)) {
      out << YAML::Flow << YAML::BeginSeq;
      for (auto x : *f) out << format_double(x);
      out << YAML::EndSeq;
    } else if (auto b = std::get_if<bool>(&v)) {
      out << (*b ? "true" : "false");
    } else {
      out << format_param_value(v);
    }
  }
}

Json ParamTable::to_json(const void* obj) const {
  Json j = Json::object();
  for (const auto& p : params_) {
    if (p.type == ParamType::Section) {
      j[p.name] = p.section->to_json(p.section_cfield(obj));
      continue;
    }
    ParamValue v = p.get(obj);
    if (auto b = std::get_if<bool>(&v)) {
      j[p.name] = *b;
    } else if (auto i = std::get_if<int64_t>(&v)) {
      j[p.name] = *i;
    } else if (auto d = std::get_if<double>(&v)) {
      j[p.name] = *d;
    } else {
      j[p.name] = format_param_value(v);
    }
  }
  return j;
}

Json ParamTable::describe() const {
  Json j = Json::object();
  j["name"] = name_;
  j["doc"] = doc_;
  Json params = Json::array();
  for (const auto& p : params_) {
    Json e = Json::object();
    e["name"] = p.name;
    e["type"] = param_type_name(p.type);
    if (!p.unit.empty()) e["unit"] = p.unit;
    e["doc"] = p.doc;
    if (p.type == ParamType::Section) {
      e["section"] = p.section->describe();
    } else {
      e["required"] = !p.default_value.has_value();
      if (p.default_value) e["default"] = format_param_value(*p.default_value);
    }
    if (p.min) e["min"] = format_param_value(*p.min);
    if (p.max) e["max"] = format_param_value(*p.max);
    if (!p.choices.empty()) {
      Json c = Json::array();
      for (const auto& s : p.choices) c.push_back(s);
      e["choices"] = c;
    }
    params.push_back(e);
  }
  j["params"] = params;
  Json slots = Json::array();
  for (const auto& s : slots_) {
    Json e = Json::object();
    e["name"] = s.name;
    e["kind"] = s.kind;
    e["default_type"] = s.default_type;
    e["doc"] = s.doc;
    slots.push_back(e);
  }
  j["slots"] = slots;
  return j;
}

namespace {

std::string type_cell(const ParamSpec& p) {
  std::string t = param_type_name(p.type);
  if (p.type == ParamType::Enum) t += ": " + join(p.choices, " \\| ");
  if (!p.unit.empty()) t += " (" + p.unit + ")";
  return t;
}

}  // namespace

std::string describe_markdown(const ParamTable& t, int heading_level) {
  std::string h(static_cast<size_t>(heading_level), '#');
  std::string out = h + " `" + t.name() + "`\n\n" + t.doc() + "\n\n";
  if (!t.params().empty()) {
    out += "| key | type | default | range | description |\n|---|---|---|---|---|\n";
    for (const auto& p : t.params()) {
      std::string def = p.type == ParamType::Section ? "(section)"
                        : p.default_value            ? (format_param_value(*p.default_value).empty()
                                                            ? std::string("`\"\"`")
                                                            : "`" + format_param_value(*p.default_value) + "`")
                                                     : "**required**";
      std::string range;
      if (p.min) range += "≥ " + format_param_value(*p.min);
      if (p.max)
        range += std::string(range.empty() ? "" : ", ") + "≤ " + format_param_value(*p.max);
      out += "| `" + p.name + "` | " + type_cell(p) + " | " + def + " | " + range + " | " + p.doc +
             " |\n";
    }
    out += "\n";
  }
  if (!t.slots().empty()) {
    out += "| slot | kind | default type | description |\n|---|---|---|---|\n";
    for (const auto& s : t.slots()) {
      out += "| `" + s.name + "` | " + s.kind + " | " +
             (s.default_type.empty() ? "**required**" : "`" + s.default_type + "`") + " | " +
             s.doc + " |\n";
    }
    out += "\n";
  }
  for (const auto& p : t.params()) {
    if (p.type == ParamType::Section) {
      out += describe_markdown(*p.section, heading_level + 1);
    }
  }
  return out;
}

}  // namespace npusim
