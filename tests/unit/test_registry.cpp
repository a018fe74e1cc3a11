// Every registered component type: the expected set is registered (the OBJECT library keeps
// every self-registration), `describe` works, and each type builds from its defaults alone or,
// when it has required parameters, fails with a user error that names the first one.
#include <catch2/catch.hpp>

#include <set>

#include "sim/app/reference_docs.h"
#include "sim/core/component.h"
#include "sim/core/errors.h"
#include "sim/core/kernel.h"

using namespace npusim;

TEST_CASE("every expected component type is registered", "[registry]") {
  const std::set<std::pair<std::string, std::string>> expected = {
      {"accelerator", "generic_npu"},
      {"accelerator", "llm_npu"},
      {"platform", "platform"},
      {"dram", "simple_dram"},
      {"dma", "dma_engine"},
      {"scratchpad", "scratchpad"},
      {"matrix_unit", "systolic_array"},
      {"matrix_unit", "mpe"},
      {"vector_unit", "vector_unit"},
      {"dequant_unit", "bitplane_dequant"},
      {"precision_policy", "uniform"},
      {"precision_policy", "static"},
      {"precision_policy", "learned"},
      {"precision_policy", "python"},
      {"scheduler", "fcfs"},
      {"scheduler", "sjf"},
      {"accelerator", "vector_npu"},
      {"scheduler", "priority"},
      {"accelerator", "cnn_engine"},
      {"pe_array", "input_selective_pe_array"},
      {"weights_generator", "ovsf_weights_generator"},
      {"accelerator", "cascade"},
      {"cascade_controller", "static_threshold"},
      {"cascade_controller", "multitasc"},
      {"accelerator", "mobile_npu"},
      {"accelerator", "soc_engine"},
      {"matrix_unit", "precision_mac_array"}};
  std::set<std::pair<std::string, std::string>> registered;
  for (const ComponentInfo* c : Registry::all()) registered.insert({c->kind, c->type});
  for (const auto& e : expected) {
    INFO(e.first << "/" << e.second);
    CHECK(registered.count(e) == 1);
  }
}

TEST_CASE("every registered type describes itself and builds from its defaults", "[registry]") {
  for (const ComponentInfo* info : Registry::all()) {
    INFO(info->kind << "/" << info->type);
    const Json d = describe_type(info->type);
    CHECK(d.find("params") != nullptr);
    const ParamTable& table = info->table();
    const ParamSpec* required = nullptr;
    for (const ParamSpec& p : table.params()) {
      if (!p.default_value && p.type != ParamType::Section && required == nullptr) required = &p;
    }
    SimKernel kernel;
    ClockDomain clock(Frequency{1000000000});
    BuildContext ctx;
    ctx.clock = &clock;
    StatGroup stats("hw");
    auto doc =
        load_yaml_text("{type: " + info->type + "}", "defaults.yaml", ErrorKind::Config, "hw");
    const ConfigNode node(doc, doc->root, "hw");
    if (required == nullptr) {
      std::unique_ptr<Component> c;
      if (info->kind == "platform") {  // a platform needs its accelerators: defaults fail clearly
        CHECK_THROWS_WITH(Registry::build(info->kind, node, "hw", nullptr, stats, ctx),
                          Catch::Contains("a platform needs `accelerators:`"));
        continue;
      }
      try {
        c = Registry::build(info->kind, node, "hw", nullptr, stats, ctx);
      } catch (const UserError& e) {
        FAIL("defaults of " << info->type << " do not validate: " << e.what());
      }
      CHECK(c->type() == info->type);
    } else {
      CHECK_THROWS_AS(Registry::build(info->kind, node, "hw", nullptr, stats, ctx), UserError);
      CHECK_THROWS_WITH(Registry::build(info->kind, node, "hw", nullptr, stats, ctx),
                        Catch::Contains(required->name));
    }
  }
}
