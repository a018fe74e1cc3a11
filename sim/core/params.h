// Parameter tables. A component (or a trace record) declares each parameter once: name, type,
// unit, default or "required", range, doc, and the struct field it fills. The same table
// drives loading (with unknown-key and range errors), the resolved config, `npusim describe`,
// the Python `describe()`, and docs/config.md.
//
//   static const ParamTable& table() {
//     static const ParamTable t = ParamTable("simple_dram", "Channel-interleaved DRAM")
//         .param("channels", &P::channels, "independent channels").def(2).min(1).max(64)
//         .param("latency", &P::latency, "access latency").def("100ns");
//     return t;
//   }
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/json.h"
#include "sim/core/units.h"

namespace npusim {

enum class ParamType {
  Bool,
  Int,
  Float,
  String,
  Enum,
  Time,
  Frequency,
  Bytes,
  Bandwidth,
  IntList,
  FloatList,
  Section
};

const char* param_type_name(ParamType t);

using ParamValue = std::variant<bool, int64_t, double, std::string, Time, Frequency, Bytes,
                                Bandwidth, std::vector<int64_t>, std::vector<double>>;

std::string format_param_value(const ParamValue& v);

class ParamTable;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Int;
  std::string doc;
  std::string unit;  // for plain numbers: "cycles", "bits", "PEs", "fraction", ...
  std::optional<ParamValue> default_value;  // empty: required
  std::optional<ParamValue> min, max;
  std::vector<std::string> choices;  // Enum
  const ParamTable* section = nullptr;
  std::function<void(void*, const ParamValue&)> set;
  std::function<ParamValue(const void*)> get;
  std::function<void*(void*)> section_field;  // Section: address of the sub-struct
  std::function<const void*(const void*)> section_cfield;
};

// A child component: the key names the slot, `type:` inside picks the implementation.
struct SlotSpec {
  std::string name;
  std::string kind;          // interface kind, e.g. "dram"
  std::string default_type;  // "" when the slot must be given explicitly
  std::string doc;
};

namespace detail {
template <class T>
struct ParamTraits;
template <>
struct ParamTraits<bool> {
  static constexpr ParamType type = ParamType::Bool;
  using V = bool;
};
template <>
struct ParamTraits<int> {
  static constexpr ParamType type = ParamType::Int;
  using V = int64_t;
};
template <>
struct ParamTraits<int64_t> {
  static constexpr ParamType type = ParamType::Int;
  using V = int64_t;
};
template <>
struct ParamTraits<uint32_t> {
  static constexpr ParamType type = ParamType::Int;
  using V = int64_t;
};
template <>
struct ParamTraits<uint64_t> {
  static constexpr ParamType type = ParamType::Int;
  using V = int64_t;
};
template <>
struct ParamTraits<double> {
  static constexpr ParamType type = ParamType::Float;
  using V = double;
};
template <>
struct ParamTraits<std::string> {
  static constexpr ParamType type = ParamType::String;
  using V = std::string;
};
template <>
struct ParamTraits<Time> {
  static constexpr ParamType type = ParamType::Time;
  using V = Time;
};
template <>
struct ParamTraits<Frequency> {
  static constexpr ParamType type = ParamType::Frequency;
  using V = Frequency;
};
template <>
struct ParamTraits<Bytes> {
  static constexpr ParamType type = ParamType::Bytes;
  using V = Bytes;
};
template <>
struct ParamTraits<Bandwidth> {
  static constexpr ParamType type = ParamType::Bandwidth;
  using V = Bandwidth;
};
template <>
struct ParamTraits<std::vector<int64_t>> {
  static constexpr ParamType type = ParamType::IntList;
  using V = std::vector<int64_t>;
};
template <>
struct ParamTraits<std::vector<double>> {
  static constexpr ParamType type = ParamType::FloatList;
  using V = std::vector<double>;
};
}  // namespace detail

class ParamTable {
 public:
  ParamTable(std::string name, std::string doc) : name_(std::move(name)), doc_(std::move(doc)) {}

  template <class S, class T>
  ParamTable& param(const char* name, T S::*field, const char* doc) {
    using Tr = detail::ParamTraits<T>;
    ParamSpec p;
    p.name = name;
    p.type = Tr::type;
    p.doc = doc;
    p.set = [field](void* obj, const ParamValue& v) {
      static_cast<S*>(obj)->*field = static_cast<T>(std::get<typename Tr::V>(v));
    };
    p.get = [field](const void* obj) -> ParamValue {
      return static_cast<typename Tr::V>(static_cast<const S*>(obj)->*field);
    };
    if constexpr (std::is_unsigned_v<T> && std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      p.min = int64_t{0};
    }
    params_.push_back(std::move(p));
    return *this;
  }

  // A choice among named values, stored as the enum `E`: the YAML names are the choices (with
  // a did-you-mean), the model sees a typed value and never compares strings.
  template <class S, class E>
  ParamTable& param_enum(const char* name, E S::*field,
                         std::vector<std::pair<std::string, E>> names, const char* doc) {
    static_assert(std::is_enum_v<E>, "param_enum needs an enum field");
    ParamSpec p;
    p.name = name;
    p.type = ParamType::Enum;
    p.doc = doc;
    for (const auto& n : names) p.choices.push_back(n.first);
    p.set = [field, names](void* obj, const ParamValue& v) {
      for (const auto& n : names) {
        if (n.first == std::get<std::string>(v)) static_cast<S*>(obj)->*field = n.second;
      }
    };
    p.get = [field, names](const void* obj) -> ParamValue {
      for (const auto& n : names) {
        if (n.second == static_cast<const S*>(obj)->*field) return n.first;
      }
      return std::string();
    };
    params_.push_back(std::move(p));
    return *this;
  }

  // A nested mapping parsed with its own table into `field` (a struct).
  template <class S, class Sub>
  ParamTable& section(const char* name, Sub S::*field, const ParamTable& sub, const char* doc) {
    ParamSpec p;
    p.name = name;
    p.type = ParamType::Section;
    p.doc = doc;
    p.section = &sub;
    p.section_field = [field](void* obj) -> void* { return &(static_cast<S*>(obj)->*field); };
    p.section_cfield = [field](const void* obj) -> const void* {
      return &(static_cast<const S*>(obj)->*field);
    };
    params_.push_back(std::move(p));
    return *this;
  }

  ParamTable& slot(const char* name, const char* kind, const char* default_type, const char* doc) {
    slots_.push_back({name, kind, default_type, doc});
    return *this;
  }

  // A fully built spec (for tables generated in a loop).
  ParamTable& add_spec(ParamSpec p) {
    params_.push_back(std::move(p));
    return *this;
  }

  // Modifiers for the last declared parameter.
  ParamTable& def(const ParamValue& v);
  ParamTable& def(const char* text);  // parsed with the parameter's type ("100ns", "fp16")
  ParamTable& def(int v) { return def(ParamValue(int64_t{v})); }
  ParamTable& def(bool v) { return def(ParamValue(v)); }  // not def(int)
  ParamTable& min(const ParamValue& v);
  ParamTable& max(const ParamValue& v);
  ParamTable& min(int v) { return min(ParamValue(int64_t{v})); }
  ParamTable& max(int v) { return max(ParamValue(int64_t{v})); }
  ParamTable& min(const char* text);
  ParamTable& max(const char* text);
  ParamTable& choices(std::vector<std::string> c);
  ParamTable& unit(const char* u);

  // A cross-parameter rule: returns "" when satisfied, else a message stating both values.
  template <class S>
  ParamTable& check(std::function<std::string(const S&)> rule) {
    checks_.push_back([rule](const void* obj) { return rule(*static_cast<const S*>(obj)); });
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<ParamSpec>& params() const { return params_; }
  const std::vector<SlotSpec>& slots() const { return slots_; }
  const ParamSpec* find(const std::string& name) const;

  // Fills `out` from `node` (defaults for absent keys), checks ranges and rules, and rejects
  // keys that are neither parameters, slots nor `extra_keys`.
  void load(const ConfigNode& node, void* out,
            const std::vector<std::string>& extra_keys = {}) const;
  // Fills `out` with defaults only; fails (InternalError) if a parameter is required.
  void load_defaults(void* out) const;
  // Writes every parameter (with defaults resolved) as YAML key/value pairs into a map.
  void emit(YAML::Emitter& out, const void* obj) const;
  // Every parameter as JSON (name -> value text), for stats and the sweep database.
  Json to_json(const void* obj) const;
  // The table's own description (types, units, defaults, docs, slots).
  Json describe() const;

 private:
  ParamSpec& last();
  ParamValue parse_text(const ParamSpec& p, const std::string& text) const;
  ParamValue parse_node(const ParamSpec& p, const ConfigNode& parent, const YAML::Node& n) const;
  void check_range(const ParamSpec& p, const ParamValue& v, const ConfigNode& parent,
                   const YAML::Node& n) const;

  std::string name_, doc_;
  std::vector<ParamSpec> params_;
  std::vector<SlotSpec> slots_;
  std::vector<std::function<std::string(const void*)>> checks_;
};

// Markdown for one table (used for docs/config.md and docs/trace_format.md).
std::string describe_markdown(const ParamTable& t, int heading_level);

}  // namespace npusim
