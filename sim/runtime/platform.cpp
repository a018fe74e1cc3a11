#include "sim/runtime/platform.h"

#include "sim/core/text.h"

namespace npusim {
namespace {

struct PlatformParams {
  Frequency clock;
};

}  // namespace

const ParamTable& Platform::param_table() {
  using P = PlatformParams;
  static const ParamTable t =
      ParamTable("platform",
                 "Several accelerators sharing one DRAM; `accelerators:` maps names to accelerator "
                 "descriptions (without their own `dram`).")
          .param("clock", &P::clock, "clock of the shared memory system")
          .def("1GHz")
          .slot("dram", "dram", "simple_dram", "the DRAM every accelerator shares");
  return t;
}

Platform::Platform(const ComponentArgs& a)
    : Component(a),
      clock_hz_(
          load_params<PlatformParams>(param_table(), {"name", "accelerators", "energy"}).clock),
      clock_(clock_hz_),
      bus_("bus") {
  context().clock = &clock_;
  dram_ = make_child<IDram>("dram");
  bus_.map(*dram_, 0);
  const ConfigNode accs = config().child("accelerators");
  if (!accs.present() || !accs.node().IsMap() || accs.node().size() == 0) {
    config().fail(
        "a platform needs `accelerators:`, a mapping of names to accelerator descriptions");
  }
  const uint64_t n = accs.node().size();
  const uint64_t window = dram_->capacity_bytes() / n / 4096 * 4096;
  for (const auto& kv : accs.node()) {
    const std::string name = kv.first.as<std::string>();
    const ConfigNode node = accs.child(name);
    if (node.child("dram").present()) {
      node.fail_at(node.node()["dram"], "dram",
                   "accelerator `" + name +
                       "` of a platform uses the platform's shared DRAM; remove its `dram`");
    }
    {
      ComponentArgs wa{node, "dram_window_" + name,          "dram_window",
                       this, &stats().group(name + "_dram"), &context()};
      sc_core::sc_module_name module_name(wa.slot.c_str());
      windows_.push_back(
          std::make_unique<DramWindow>(wa, *dram_, windows_.size() * window, window));
    }
    windows_.back()->initiator.bind(bus_.target);
    context().shared_dram = windows_.back().get();
    context().shared_memory = true;
    std::unique_ptr<Component> c =
        Registry::build("accelerator", node, name, this, stats().group(name), context());
    context().shared_dram = nullptr;
    context().clock = &clock_;
    auto* acc = dynamic_cast<IAccelerator*>(c.get());
    NPUSIM_ASSERT(acc != nullptr, "accelerator type does not implement IAccelerator");
    c.release();
    accelerators_.emplace_back(acc);
    view_.push_back(acc);
    names_.push_back(name);
  }
}

Platform::~Platform() = default;

IDram* IAccelerator::attach_dram(std::unique_ptr<IDram>& own) {
  if (context().shared_dram != nullptr) return context().shared_dram;
  own = make_child<IDram>("dram");
  return own.get();
}

void Platform::emit_resolved(YAML::Emitter& out) const {
  Component::emit_resolved(out);
  out << YAML::Key << "accelerators" << YAML::Value << YAML::BeginMap;
  for (size_t i = 0; i < view_.size(); ++i) {
    out << YAML::Key << names_[i] << YAML::Value << YAML::BeginMap;
    view_[i]->emit_resolved(out);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

Json Platform::params_json() const {
  Json j = Component::params_json();
  Json accs = Json::object();
  for (size_t i = 0; i < view_.size(); ++i) accs[names_[i]] = view_[i]->params_json();
  j["accelerators"] = accs;
  return j;
}

NPUSIM_REGISTER_COMPONENT(
    Platform, "platform", "platform",
    "Several accelerators sharing one DRAM (request streams are dispatched to them)");

}  // namespace npusim
