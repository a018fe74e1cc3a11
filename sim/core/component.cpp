#include "sim/core/component.h"

#include <algorithm>
#include <map>

#include "sim/core/text.h"

namespace npusim {
namespace {

std::map<std::pair<std::string, std::string>, ComponentInfo>& registry() {
  static std::map<std::pair<std::string, std::string>, ComponentInfo> r;
  return r;
}

}  // namespace

Component::Component(const ComponentArgs& args)
    : config_(args.config),
      slot_(args.slot),
      type_(args.type),
      stats_(args.stats),
      ctx_(args.ctx),
      clock_(args.ctx ? args.ctx->clock : nullptr) {
  NPUSIM_ASSERT(stats_ != nullptr && ctx_ != nullptr, "component built without context");
}

const ClockDomain& Component::clock() const {
  // Parts keep the clock of the accelerator that built them (a platform builds several).
  const ClockDomain* c = clock_ != nullptr ? clock_ : ctx_->clock;
  NPUSIM_ASSERT(c != nullptr, path() + " needs a clock, but no accelerator set one");
  return *c;
}

std::unique_ptr<Component> Component::build_child(const std::string& slot) {
  NPUSIM_ASSERT(table_ != nullptr, path() + ": load_params must run before make_child");
  const SlotSpec* spec = nullptr;
  for (const auto& s : table_->slots()) {
    if (s.name == slot) spec = &s;
  }
  NPUSIM_ASSERT(spec != nullptr, path() + " has no slot " + slot);
  auto child = Registry::build(spec->kind, config_.child(slot), slot, this, stats_->group(slot),
                               *ctx_, spec->default_type);
  children_.push_back(child.get());
  return child;
}

void Component::emit_resolved(YAML::Emitter& out) const {
  out << YAML::Key << "type" << YAML::Value << type_;
  if (emit_params_) emit_params_(out);
  for (const Component* c : children_) {
    out << YAML::Key << c->slot() << YAML::Value << YAML::BeginMap;
    c->emit_resolved(out);
    out << YAML::EndMap;
  }
}

Json Component::params_json() const {
  Json j = params_json_ ? params_json_() : Json::object();
  for (const Component* c : children_) {
    Json cj = c->params_json();
    j[c->slot()] = cj;
  }
  return j;
}

bool Registry::add(ComponentInfo info) {
  auto key = std::make_pair(info.kind, info.type);
  NPUSIM_ASSERT(registry().count(key) == 0, "component type registered twice: " + info.type);
  registry().emplace(key, std::move(info));
  return true;
}

const ComponentInfo* Registry::find(const std::string& kind, const std::string& type) {
  auto it = registry().find({kind, type});
  return it == registry().end() ? nullptr : &it->second;
}

const ComponentInfo* Registry::find_type(const std::string& type) {
  for (const auto& [key, info] : registry()) {
    if (key.second == type) return &info;
  }
  return nullptr;
}

std::vector<const ComponentInfo*> Registry::all() {
  std::vector<const ComponentInfo*> out;
  for (const auto& [key, info] : registry()) out.push_back(&info);
  return out;
}

std::vector<std::string> Registry::types_of(const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& [key, info] : registry()) {
    if (key.first == kind) out.push_back(key.second);
  }
  return out;
}

std::unique_ptr<Component> Registry::build(const std::string& kind, const ConfigNode& node,
                                           const std::string& slot, Component* parent,
                                           StatGroup& stats, BuildContext& ctx,
                                           const std::string& default_type) {
  if (node.present() && !node.node().IsMap()) {
    node.fail("`" + node.path() + "` must be a mapping with a `type:` key");
  }
  std::string type = default_type;
  if (node.present() && node.node()["type"]) {
    const YAML::Node& t = node.node()["type"];
    if (!t.IsScalar()) node.fail_at(t, "type", "`" + node.path() + ".type` must be a name");
    type = t.Scalar();
  }
  std::vector<std::string> choices = types_of(kind);
  if (type.empty()) {
    node.fail("`" + node.path() + "` needs a `type:` (one of: " + join(choices, ", ") + ")");
  }
  const ComponentInfo* info = find(kind, type);
  if (info == nullptr) {
    std::string msg = "unknown " + kind + " type `" + type + "` for " + node.path() +
                      did_you_mean(type, choices) + "; registered: " + join(choices, ", ");
    if (node.present() && node.node()["type"]) node.fail_at(node.node()["type"], "type", msg);
    node.fail(msg);
  }
  ComponentArgs args{node, slot, type, parent, &stats, &ctx};
  return info->make(args);
}

}  // namespace npusim
