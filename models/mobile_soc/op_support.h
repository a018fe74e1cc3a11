// Per-engine op-support tables (transformers-mobile.md §3(c), §7 item 2): which TFLite-level
// operators a delegate accepts, at which tensor dtypes, with the predicates the delegates
// check (batch dimension 1 only, constant weights only). Tables are versioned YAML files under
// hw_configs/mobile_soc/op_support/, so a study can swap "tfl-2023" for the current source's
// rules and say which version produced a result.
//
//   schema_version: 1
//   name: tflite_gpu_2023
//   version: tfl-2023
//   source: "TFLite GPU docs op list (2023) and the issues of transformers-mobile.md §3(c)"
//   ops:
//     FULLY_CONNECTED: {dtypes: [fp32, fp16], const_weights: true}
//     SOFTMAX: {dtypes: [fp32, fp16]}
//     ADD: {dtypes: [fp32, fp16], batch1_only: true}
//     CONV_2D: {dtypes: [int8], max_rank: 4}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npusim {

enum class SocDtype : uint8_t { Fp32, Fp16, Int8, Int32 };
const char* soc_dtype_name(SocDtype d);
uint64_t soc_dtype_bytes(SocDtype d);
// Parses "fp32" | "fp16" | "int8" | "int32"; false when the name is not one of them.
bool parse_soc_dtype(const std::string& s, SocDtype* out);
bool is_float(SocDtype d);

constexpr int64_t kOpSupportSchemaVersion = 1;

struct OpRule {
  std::vector<SocDtype> dtypes;  // accepted dtypes of the operator's output tensor
  bool batch1_only = false;      // rejects a tensor whose batch dimension is not 1 (#92798)
  bool const_weights = false;    // rejects an operator whose second operand is not constant
  int64_t max_rank = 0;          // rejects an output of higher rank (0: any), e.g. a 3-D FC
};

// What the partitioner asks about one node.
struct OpQuery {
  std::string op;
  SocDtype dtype = SocDtype::Fp32;
  int64_t batch = 1, rank = 1;
  bool const_weights = true;  // its weight operand is a constant (FC / CONV), or it has none
};

class OpSupportTable {
 public:
  std::string name, version, source, file;
  std::map<std::string, OpRule> ops;

  // Whether the table accepts `q`; when not and `why` is given, a short reason.
  bool accepts(const OpQuery& q, std::string* why = nullptr) const;
};

// Loads a table; every problem (missing file, wrong schema_version, unknown key, unknown dtype,
// an empty `ops`) is a ConfigError naming the file and line.
OpSupportTable load_op_support(const std::string& path);

}  // namespace npusim
