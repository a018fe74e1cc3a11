// Parameter tables of the trace schema. They load the records and generate the field
// reference in docs/trace_format.md, so the documentation cannot drift from the reader.
#pragma once

#include <string>
#include <vector>

#include "sim/core/params.h"
#include "sim/workload/trace.h"

namespace npusim {

struct WorkloadHeader {
  int64_t schema_version = 0;
  std::string name;
  std::string description;
};

struct DynamicSparsityRef {
  std::string file;
};

const ParamTable& workload_header_table();
const ParamTable& model_table();
const ParamTable& llm_arch_table();
const ParamTable& generation_table();
const ParamTable& dynamic_sparsity_table();
// The table for one operator type (includes the fields every operator has).
const ParamTable& op_table(OpType t);

}  // namespace npusim
