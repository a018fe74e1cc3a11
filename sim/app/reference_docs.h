// Reference documentation generated from the parameter tables: `npusim describe`, Python's
// describe(), docs/config.md and the field reference of docs/trace_format.md all come from
// here, so none can drift from what the loader accepts.
#pragma once

#include <string>

#include "sim/core/json.h"

namespace npusim {

// A registered component type or a trace operator type; ConfigError when unknown.
Json describe_type(const std::string& type);
std::string describe_text(const std::string& type);

std::string config_reference_markdown();  // the whole of docs/config.md
std::string trace_reference_markdown();   // the generated section of docs/trace_format.md

}  // namespace npusim
