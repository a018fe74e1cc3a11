#include "sim/app/reference_docs.h"

#include <algorithm>

#include "sim/core/component.h"
#include "sim/core/errors.h"
#include "sim/core/text.h"
#include "sim/workload/op_tables.h"

namespace npusim {
namespace {

const ParamTable* op_table_named(const std::string& type) {
  const auto& names = op_type_names();
  auto it = std::find(names.begin(), names.end(), type);
  return it == names.end() ? nullptr : &op_table(static_cast<OpType>(it - names.begin()));
}

}  // namespace

Json describe_type(const std::string& type) {
  if (const ComponentInfo* c = Registry::find_type(type)) {
    Json j = c->table().describe();
    j["kind"] = c->kind;
    j["type"] = c->type;
    j["doc"] = c->doc;
    return j;
  }
  if (const ParamTable* t = op_table_named(type)) {
    Json j = t->describe();
    j["kind"] = "trace operator";
    j["type"] = type;
    return j;
  }
  std::vector<std::string> all;
  for (const ComponentInfo* c : Registry::all()) all.push_back(c->type);
  for (const auto& n : op_type_names()) all.push_back(n);
  throw ConfigError("unknown type `" + type + "`" + did_you_mean(type, all) +
                    "; `npusim list` shows the registered ones");
}

std::string describe_text(const std::string& type) {
  describe_type(type);  // errors for unknown types
  if (const ComponentInfo* c = Registry::find_type(type)) {
    return "kind: " + c->kind + "\n\n" + describe_markdown(c->table(), 1);
  }
  return "kind: trace operator\n\n" + describe_markdown(*op_table_named(type), 1);
}

std::string config_reference_markdown() {
  std::string out =
      "# Hardware configuration reference\n\n"
      "Generated from the parameter tables by `npusim docs config`; "
      "`tests/unit/test_docs.cpp` fails when this file and the code disagree.\n\n"
      "A hardware file is a tree of components. The root names an accelerator with `type:` "
      "(and a `name:` for reports); each key that is a *slot* holds a child component whose "
      "`type:` picks an implementation of the slot's kind (the default when omitted). "
      "Sizes, times, frequencies and bandwidths need units: `256KiB`, `4MB`, `100ns`, "
      "`1GHz`, `32GB/s` (k/M/G/T are powers of 1000, Ki/Mi/Gi/Ti powers of 1024). Any "
      "key may be overridden from the command line with `--set path.to.key=value`.\n\n"
      "The root may also hold `energy: {table: NAME}`: the energy table that prices the run, "
      "a shipped table's name (`hw_configs/energy/NAME.yaml`) or a `.yaml` file relative to the "
      "hardware file; without it a run reports no energy (docs/energy.md).\n\n";
  std::string kind;
  for (const ComponentInfo* c : Registry::all()) {
    if (c->kind != kind) {
      kind = c->kind;
      out += "## Kind `" + kind + "`\n\n";
    }
    out += describe_markdown(c->table(), 3);
  }
  return out;
}

std::string trace_reference_markdown() {
  std::string out;
  out += describe_markdown(workload_header_table(), 3);
  out += describe_markdown(model_table(), 3);
  out += describe_markdown(llm_arch_table(), 3);
  out += describe_markdown(generation_table(), 3);
  out += describe_markdown(dynamic_sparsity_table(), 3);
  out += "### Operators\n\nEvery operator has `op:` (its type) and the fields below.\n\n";
  for (size_t i = 0; i < op_type_names().size(); ++i) {
    out += describe_markdown(op_table(static_cast<OpType>(i)), 4);
  }
  return out;
}

}  // namespace npusim
