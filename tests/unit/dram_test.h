// Helpers shared by the banked DRAM tests.
#pragma once

#include <string>

#include "sim/core/config.h"
#include "sim/mem/dram_standard.h"

namespace npusim::test {

// A shipped standard (hw_configs/dram/<name>.yaml) as banked_dram loads it.
inline DramStandard dram_standard(const std::string& name) {
  auto doc = load_yaml_text("{}", "test.yaml", ErrorKind::Config, "hw");
  return load_standard(name, ConfigNode(doc, doc->root, "hw.dram"));
}

}  // namespace npusim::test
