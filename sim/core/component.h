// Components and their self-registering factory. A hardware YAML is a tree: each key that is
// a declared slot holds a child component, whose `type:` picks a registered implementation of
// the slot's kind. Implementations register with one macro in their own .cpp:
//
//   NPUSIM_REGISTER_COMPONENT(SimpleDram, "dram", "simple_dram", "Channel-interleaved DRAM");
//
// The class provides `static const ParamTable& param_table()` and a constructor taking
// `const ComponentArgs&`. The library is linked whole (a CMake OBJECT library) so every
// registration runs; tests/unit/test_registry.cpp checks the expected set.
#pragma once

#include <yaml-cpp/yaml.h>
#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/core/clock.h"
#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/core/params.h"
#include "sim/core/stats.h"

namespace npusim {

class Component;
class Timeline;

// State shared by the whole tree while it is built and run.
struct BuildContext {
  const ClockDomain* clock = nullptr;  // set by the accelerator before it makes its children
  Timeline* timeline = nullptr;        // null unless --timeline
  // Set by a platform while it builds its accelerators: the DRAM they share (each accelerator
  // uses it instead of building its own) and that its engines must reach it in time order.
  class IDram* shared_dram = nullptr;
  bool shared_memory = false;
};

// A component's activity for pricing: its actions with their counts, and the size its area and
// leakage scale with. Components that are not priced (routers, the accelerator's shell) give none.
struct ComponentActivity {
  std::vector<std::pair<std::string, uint64_t>> actions;  // action -> count
  std::string size_unit = "instance";  // what the table's area and leakage are per
  double size = 1;                     // how many of them
  uint64_t capacity_bytes = 0;         // a memory's capacity (for per-capacity energy curves)
};

struct ComponentArgs {
  ConfigNode config;  // this component's mapping (may be absent: all defaults)
  std::string slot;   // key in the parent; also the SystemC module name
  std::string type;   // registered implementation name
  Component* parent = nullptr;
  StatGroup* stats = nullptr;
  BuildContext* ctx = nullptr;
};

class Component {
 public:
  explicit Component(const ComponentArgs& args);
  virtual ~Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const std::string& path() const { return config_.path(); }
  const std::string& type() const { return type_; }
  const std::string& slot() const { return slot_; }
  StatGroup& stats() const { return *stats_; }
  const ClockDomain& clock() const;
  Timeline* timeline() const { return ctx_->timeline; }

  // Writes `type`, every parameter (defaults resolved) and every child.
  virtual void emit_resolved(YAML::Emitter& out) const;
  virtual Json params_json() const;
  // The actions this component performed, for the energy report (sim/energy); false when the
  // component is not priced (a router, an accelerator's shell). Read after the run.
  virtual bool activity(ComponentActivity& out) const {
    (void)out;
    return false;
  }
  const std::vector<const Component*>& children() const { return children_; }

 protected:
  // Reads this component's parameters through `table`; call once, in the constructor.
  template <class P>
  P load_params(const ParamTable& table, const std::vector<std::string>& extra_keys = {}) {
    P p{};
    std::vector<std::string> extra = extra_keys;
    extra.push_back("type");
    table.load(config_, &p, extra);
    table_ = &table;
    emit_params_ = [&table, p](YAML::Emitter& out) { table.emit(out, &p); };
    params_json_ = [&table, p]() { return table.to_json(&p); };
    return p;
  }

  // Builds the child in `slot` (declared in this component's table) and returns it as I.
  template <class I>
  std::unique_ptr<I> make_child(const std::string& slot) {
    std::unique_ptr<Component> c = build_child(slot);
    I* typed = dynamic_cast<I*>(c.get());
    NPUSIM_ASSERT(typed != nullptr, "component type `" + c->type() + "` in slot " + slot +
                                        " does not implement the slot's interface");
    c.release();
    return std::unique_ptr<I>(typed);
  }

  BuildContext& context() const { return *ctx_; }
  const ConfigNode& config() const { return config_; }

 private:
  std::unique_ptr<Component> build_child(const std::string& slot);

  ConfigNode config_;
  std::string slot_, type_;
  StatGroup* stats_;
  BuildContext* ctx_;
  const ClockDomain* clock_;  // the clock in force when this component was built
  const ParamTable* table_ = nullptr;
  std::function<void(YAML::Emitter&)> emit_params_;
  std::function<Json()> params_json_;
  std::vector<const Component*> children_;
};

struct ComponentInfo {
  std::string kind, type, doc;
  const ParamTable& (*table)();
  std::function<std::unique_ptr<Component>(const ComponentArgs&)> make;
};

class Registry {
 public:
  static bool add(ComponentInfo info);
  static const ComponentInfo* find(const std::string& kind, const std::string& type);
  // Any kind; nullptr when no implementation has that type name.
  static const ComponentInfo* find_type(const std::string& type);
  static std::vector<const ComponentInfo*> all();  // sorted by kind, then type
  static std::vector<std::string> types_of(const std::string& kind);

  // Builds a component from a mapping with a `type:` key (used for the root of a hw file).
  static std::unique_ptr<Component> build(const std::string& kind, const ConfigNode& node,
                                          const std::string& slot, Component* parent,
                                          StatGroup& stats, BuildContext& ctx,
                                          const std::string& default_type = "");
};

// Builds T. A SystemC module takes its name from the sc_module_name on top of SystemC's name
// stack, which must stay alive for the whole constructor (a temporary in a mem-initializer
// would not); so the factory owns it, and module classes use sc_module's default constructor
// (listing sc_module as their first base).
template <class T>
std::unique_ptr<Component> make_component(const ComponentArgs& a) {
  if constexpr (std::is_base_of_v<sc_core::sc_module, T>) {
    sc_core::sc_module_name name(a.slot.c_str());
    return std::make_unique<T>(a);
  } else {
    return std::make_unique<T>(a);
  }
}

}  // namespace npusim

#define NPUSIM_REGISTER_COMPONENT(CLASS, KIND, TYPE, DOC)                                 \
  [[maybe_unused]] static const bool npusim_registered_##CLASS = ::npusim::Registry::add( \
      {KIND, TYPE, DOC, &CLASS::param_table, &::npusim::make_component<CLASS>})
