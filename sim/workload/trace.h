// Workload traces, schema v1 (docs/trace_format.md): the contract between the exporters
// and the simulator. A workload names one or more models; a model is either an operator list
// or an LLM description that the simulator expands into prefill and decode steps.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/config.h"

namespace npusim {

constexpr int kTraceSchemaVersion = 1;

enum class OpType {
  Gemm,
  Gemv,
  Conv2d,
  DepthwiseConv2d,
  Pool,
  Elementwise,
  Norm,
  Softmax,
  Activation,
  Attention
};

const std::vector<std::string>& op_type_names();  // indexed by OpType
const char* op_type_name(OpType t);

// Choices of the trace, typed (the reader maps their YAML names; docs/trace_format.md).
enum class SparsityPattern { Dense, Unstructured, NM, Block };
enum class BOperand { Weight, Activation };  // the right operand of a gemm
enum class PoolKind { Max, Avg, GlobalAvg };
enum class NormKind { LayerNorm, RmsNorm, BatchNorm };
enum class EltwiseFn { Add, Mul };
enum class ActivationFn { None, Relu, Gelu, Silu, Sigmoid, Tanh, Exp, Rope };
enum class FfnKind { SwiGlu, Gelu };

// What an operator is for, where a model treats it specially (set by the LLM expansion; an
// operator-list trace may state it with `role:`).
enum class OpRole { None, LmHead, Embedding };

// Operand widths in bits. 0 means "inherit from the model" while loading; every loaded
// operator has all four set.
struct Precision {
  int64_t activation = 0, weight = 0, output = 0, kv = 0;
};

// Static weight sparsity. density = fraction of non-zero weights.
struct WeightSparsity {
  double density = 1.0;
  SparsityPattern pattern = SparsityPattern::Dense;
  int64_t n = 0, m = 0;  // n_m: n non-zeros in every m
  int64_t block = 0;     // block: side of the zero blocks
};

// One operator. Fields are a superset; each op type reads only its own (the per-type tables in
// op_tables.cpp say which, and they generate the reference documentation).
struct Operator {
  std::string name;
  OpType type = OpType::Gemm;
  std::string phase;  // optional label ("prefill", "decode", "encoder" ...)
  OpRole role = OpRole::None;
  int64_t layer = -1;  // transformer block index, when the operator belongs to one
  // GEMM family (gemm: m x k . k x n; gemv: m = 1)
  int64_t m = 1, k = 1, n = 1;
  BOperand b_operand = BOperand::Weight;  // activation: a runtime tensor (e.g. Q.K^T)
  // convolution and pooling
  int64_t batch = 1, in_channels = 1, in_h = 1, in_w = 1, out_channels = 1, channels = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride = 1, padding = 0, dilation = 1, groups = 1;
  PoolKind pool = PoolKind::Max;
  NormKind norm = NormKind::LayerNorm;
  // element-wise
  int64_t rows = 1, cols = 1, elements = 1;
  EltwiseFn eltwise = EltwiseFn::Add;            // elementwise
  ActivationFn fn = ActivationFn::Relu;          // activation
  ActivationFn activation = ActivationFn::None;  // fused output activation of gemm/conv
  // attention
  int64_t heads = 1, kv_heads = 0, q_len = 1, kv_len = 1, head_dim = 1;
  bool causal = false;
  Precision precision;
  WeightSparsity sparsity;
  std::string source;  // "file:line", for messages
};

// Decoder-only transformer, expanded by the simulator (llm.h).
struct LlmArch {
  int64_t layers = 0, hidden = 0, ffn = 0, heads = 0, kv_heads = 0, head_dim = 0, vocab = 0;
  int64_t max_context = 0;
  FfnKind ffn_kind = FfnKind::SwiGlu;
  NormKind norm = NormKind::RmsNorm;
  bool parallel_attention_mlp = false;
  bool lm_head = true;
};

struct Generation {
  int64_t prompt_len = 0, gen_len = 0;
};

// Per-sample dynamic sparsity (activation density per layer), from CSV.
struct DynamicSparsity {
  std::string file;
  std::vector<std::string> layers;           // column order of `density`
  std::vector<std::vector<double>> density;  // [sample][layer index]
};

struct Model {
  std::string name;
  int64_t batch = 1;
  Precision precision;
  std::vector<Operator> layers;
  std::optional<LlmArch> llm;
  Generation generation;
  std::optional<DynamicSparsity> dynamic_sparsity;
  // Sections read by the accelerators that support them (register_model_section), as YAML.
  std::map<std::string, ConfigNode> sections;
  std::string source;
  const ConfigNode* section(const std::string& name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : &it->second;
  }
};

// A model-level section of the trace that a particular accelerator reads (the LLM NPU's
// `schedule:` and `decoding:`). The accelerator registers it from its own .cpp, so the shared
// reader knows the key (unknown keys stay errors) without knowing what it means.
struct ModelSection {
  std::string name, doc;
  bool llm_only = false;  // only on `llm` models
};
bool register_model_section(ModelSection s);
const std::vector<ModelSection>& model_sections();

// A check of a registered section that needs the loaded model (its layers). The reader runs it
// after the model loads, so a bad section is a WorkloadError at load time (`npusim validate`).
using ModelSectionCheck = void (*)(const ConfigNode& section, const Model& model);
bool register_model_section_check(const std::string& name, ModelSectionCheck check);

struct Workload {
  int64_t schema_version = kTraceSchemaVersion;
  std::string name;
  std::vector<Model> models;
  // Request streams (sim/runtime/request_stream.h), parsed by the runtime; absent: the models
  // run once, in order, as one request.
  std::optional<ConfigNode> requests;
  std::string file;
};

// Loads and validates a trace; every problem is a WorkloadError naming file, line and field.
Workload load_workload(const std::shared_ptr<const YamlDoc>& doc);
Workload load_workload_file(const std::string& path);

}  // namespace npusim
