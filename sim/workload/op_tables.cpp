#include "sim/workload/op_tables.h"

#include <array>
#include <memory>

namespace npusim {

const std::vector<std::string>& op_type_names() {
  static const std::vector<std::string> names = {
      "gemm",        "gemv", "conv2d",  "depthwise_conv2d", "pool",
      "elementwise", "norm", "softmax", "activation",       "attention"};
  return names;
}

const char* op_type_name(OpType t) {
  return op_type_names()[static_cast<size_t>(t)].c_str();
}

namespace {

const std::vector<std::pair<std::string, ActivationFn>> kFused = {
    {"none", ActivationFn::None}, {"relu", ActivationFn::Relu},       {"gelu", ActivationFn::Gelu},
    {"silu", ActivationFn::Silu}, {"sigmoid", ActivationFn::Sigmoid}, {"tanh", ActivationFn::Tanh}};
const std::vector<std::pair<std::string, ActivationFn>> kStandalone = {
    {"relu", ActivationFn::Relu},       {"gelu", ActivationFn::Gelu}, {"silu", ActivationFn::Silu},
    {"sigmoid", ActivationFn::Sigmoid}, {"tanh", ActivationFn::Tanh}, {"exp", ActivationFn::Exp},
    {"rope", ActivationFn::Rope}};
const std::vector<std::pair<std::string, NormKind>> kNorms = {{"layernorm", NormKind::LayerNorm},
                                                              {"rmsnorm", NormKind::RmsNorm},
                                                              {"batchnorm", NormKind::BatchNorm}};

const ParamTable& precision_table(bool model_level) {
  // Operator-level widths default to 0: inherit the model's.
  auto make = [](bool model) {
    const char* inherit = model ? "" : " (default: the model's)";
    ParamTable t(model ? "precision" : "precision (operator)",
                 model ? "Default operand widths of the model's operators, in bits."
                       : "Operand widths of this operator, in bits; 0 inherits the model's.");
    t.param("activation", &Precision::activation,
            (std::string("input activations") + inherit).c_str())
        .def(model ? 8 : 0)
        .min(model ? 1 : 0)
        .max(64)
        .unit("bits")
        .param("weight", &Precision::weight, (std::string("weights") + inherit).c_str())
        .def(model ? 8 : 0)
        .min(model ? 1 : 0)
        .max(64)
        .unit("bits")
        .param("output", &Precision::output, (std::string("outputs") + inherit).c_str())
        .def(model ? 8 : 0)
        .min(model ? 1 : 0)
        .max(64)
        .unit("bits")
        .param("kv", &Precision::kv, "KV cache entries (LLMs; 0: same as activation)")
        .def(0)
        .min(0)
        .max(64)
        .unit("bits");
    return t;
  };
  static const ParamTable model_t = make(true);
  static const ParamTable op_t = make(false);
  return model_level ? model_t : op_t;
}

const ParamTable& sparsity_table() {
  static const ParamTable t =
      ParamTable("sparsity", "Static weight sparsity of the operator.")
          .param("density", &WeightSparsity::density, "fraction of weights that are non-zero")
          .def(1)
          .min(ParamValue(0.0))
          .max(ParamValue(1.0))
          .unit("fraction")
          .param_enum("pattern", &WeightSparsity::pattern,
                      {{"dense", SparsityPattern::Dense},
                       {"unstructured", SparsityPattern::Unstructured},
                       {"n_m", SparsityPattern::NM},
                       {"block", SparsityPattern::Block}},
                      "where the zeros are")
          .def("dense")
          .param("n", &WeightSparsity::n, "n_m: non-zeros per group")
          .def(0)
          .min(0)
          .param("m", &WeightSparsity::m, "n_m: group size")
          .def(0)
          .min(0)
          .param("block", &WeightSparsity::block, "block: side of a zero block")
          .def(0)
          .min(0)
          .check<WeightSparsity>([](const WeightSparsity& s) -> std::string {
            if (s.density <= 0)
              return "density must be above 0 (an all-zero layer has nothing to run)";
            if (s.pattern == SparsityPattern::Dense && s.density != 1.0) {
              return "pattern is dense but density is " + format_double(s.density) +
                     "; name the pattern of the zeros";
            }
            if (s.pattern == SparsityPattern::NM) {
              if (s.m <= 0 || s.n <= 0 || s.n > s.m) {
                return "n_m needs 0 < n <= m (n = " + std::to_string(s.n) +
                       ", m = " + std::to_string(s.m) + ")";
              }
            }
            if (s.pattern == SparsityPattern::Block && s.block <= 0)
              return "block pattern needs block > 0";
            return "";
          });
  return t;
}

void add_common(ParamTable& t) {
  t.param("name", &Operator::name, "operator name, unique within the model")
      .param("phase", &Operator::phase, "optional phase label used in breakdowns")
      .def("")
      .section("precision", &Operator::precision, precision_table(false), "operand widths")
      .section("sparsity", &Operator::sparsity, sparsity_table(), "static weight sparsity");
}

void add_fused_activation(ParamTable& t) {
  t.param_enum("activation", &Operator::activation, kFused,
               "activation applied to the output on the fly")
      .def("none");
}

void add_conv_geometry(ParamTable& t) {
  t.param("batch", &Operator::batch, "images")
      .def(1)
      .min(1)
      .param("in_h", &Operator::in_h, "input height")
      .min(1)
      .param("in_w", &Operator::in_w, "input width")
      .min(1)
      .param("kernel_h", &Operator::kernel_h, "kernel height")
      .min(1)
      .param("kernel_w", &Operator::kernel_w, "kernel width")
      .min(1)
      .param("stride", &Operator::stride, "stride (both axes)")
      .def(1)
      .min(1)
      .param("padding", &Operator::padding, "zero padding on each side (both axes)")
      .def(0)
      .min(0)
      .param("dilation", &Operator::dilation, "kernel dilation (both axes)")
      .def(1)
      .min(1);
}

ParamTable make_op_table(OpType type) {
  const std::string name = op_type_name(type);
  switch (type) {
    case OpType::Gemm: {
      ParamTable t(name, "Matrix product: (m x k) . (k x n).");
      add_common(t);
      t.param("m", &Operator::m, "rows of the left operand (tokens, batch x positions)")
          .min(1)
          .param("k", &Operator::k, "reduction dimension")
          .min(1)
          .param("n", &Operator::n, "columns of the right operand (output features)")
          .min(1)
          .param_enum("b_operand", &Operator::b_operand,
                      {{"weight", BOperand::Weight}, {"activation", BOperand::Activation}},
                      "whether the right operand is a weight or a runtime activation (e.g. Q.K^T)")
          .def("weight");
      add_fused_activation(t);
      return t;
    }
    case OpType::Gemv: {
      ParamTable t(name, "Matrix-vector product: (1 x k) . (k x n).");
      add_common(t);
      t.param("k", &Operator::k, "input features")
          .min(1)
          .param("n", &Operator::n, "output features")
          .min(1);
      add_fused_activation(t);
      return t;
    }
    case OpType::Conv2d: {
      ParamTable t(name, "2-D convolution (NCHW), optionally grouped.");
      add_common(t);
      t.param("in_channels", &Operator::in_channels, "input channels")
          .min(1)
          .param("out_channels", &Operator::out_channels, "output channels")
          .min(1)
          .param("groups", &Operator::groups, "channel groups")
          .def(1)
          .min(1);
      add_conv_geometry(t);
      add_fused_activation(t);
      t.check<Operator>([](const Operator& o) -> std::string {
        if (o.in_channels % o.groups != 0 || o.out_channels % o.groups != 0) {
          return "groups (" + std::to_string(o.groups) + ") must divide in_channels (" +
                 std::to_string(o.in_channels) + ") and out_channels (" +
                 std::to_string(o.out_channels) + ")";
        }
        return "";
      });
      return t;
    }
    case OpType::DepthwiseConv2d: {
      ParamTable t(name, "Depthwise 2-D convolution: one kernel per channel.");
      add_common(t);
      t.param("channels", &Operator::channels, "channels").min(1);
      add_conv_geometry(t);
      add_fused_activation(t);
      return t;
    }
    case OpType::Pool: {
      ParamTable t(name, "Pooling over windows of each channel.");
      add_common(t);
      t.param_enum(
           "kind", &Operator::pool,
           {{"max", PoolKind::Max}, {"avg", PoolKind::Avg}, {"global_avg", PoolKind::GlobalAvg}},
           "pooling function")
          .param("channels", &Operator::channels, "channels")
          .min(1)
          .param("batch", &Operator::batch, "images")
          .def(1)
          .min(1)
          .param("in_h", &Operator::in_h, "input height")
          .min(1)
          .param("in_w", &Operator::in_w, "input width")
          .min(1)
          .param("kernel_h", &Operator::kernel_h, "window height (ignored by global_avg)")
          .def(1)
          .min(1)
          .param("kernel_w", &Operator::kernel_w, "window width (ignored by global_avg)")
          .def(1)
          .min(1)
          .param("stride", &Operator::stride, "stride")
          .def(1)
          .min(1)
          .param("padding", &Operator::padding, "padding")
          .def(0)
          .min(0);
      return t;
    }
    case OpType::Elementwise: {
      ParamTable t(name, "Element-wise binary operation (residual add, gating multiply).");
      add_common(t);
      t.param_enum("fn", &Operator::eltwise, {{"add", EltwiseFn::Add}, {"mul", EltwiseFn::Mul}},
                   "operation")
          .param("elements", &Operator::elements, "output elements")
          .min(1);
      return t;
    }
    case OpType::Norm: {
      ParamTable t(name, "Normalisation over the last dimension (rows x cols).");
      add_common(t);
      t.param_enum("kind", &Operator::norm, kNorms, "normalisation")
          .param("rows", &Operator::rows, "independent rows (tokens)")
          .min(1)
          .param("cols", &Operator::cols, "normalised features")
          .min(1);
      return t;
    }
    case OpType::Softmax: {
      ParamTable t(name, "Softmax over the last dimension.");
      add_common(t);
      t.param("rows", &Operator::rows, "independent rows")
          .min(1)
          .param("cols", &Operator::cols, "elements per row")
          .min(1);
      return t;
    }
    case OpType::Activation: {
      ParamTable t(name, "Stand-alone element-wise activation.");
      add_common(t);
      t.param_enum("fn", &Operator::fn, kStandalone, "function")
          .param("elements", &Operator::elements, "elements")
          .min(1);
      return t;
    }
    case OpType::Attention: {
      ParamTable t(name,
                   "Scaled dot-product attention: per head, softmax(Q.K^T / sqrt(d)) . V, with "
                   "grouped K/V heads.");
      add_common(t);
      t.param("batch", &Operator::batch, "sequences")
          .def(1)
          .min(1)
          .param("heads", &Operator::heads, "query heads")
          .min(1)
          .param("kv_heads", &Operator::kv_heads, "key/value heads (0: same as heads)")
          .def(0)
          .min(0)
          .param("q_len", &Operator::q_len, "query positions")
          .min(1)
          .param("kv_len", &Operator::kv_len, "key/value positions")
          .min(1)
          .param("head_dim", &Operator::head_dim, "features per head")
          .min(1)
          .param("causal", &Operator::causal,
                 "causal mask (query i sees keys up to its own position)")
          .def(ParamValue(false));
      t.check<Operator>([](const Operator& o) -> std::string {
        int64_t kvh = o.kv_heads == 0 ? o.heads : o.kv_heads;
        if (o.heads % kvh != 0) {
          return "kv_heads (" + std::to_string(kvh) + ") must divide heads (" +
                 std::to_string(o.heads) + ")";
        }
        return "";
      });
      return t;
    }
  }
  return ParamTable(name, "");
}

}  // namespace

const ParamTable& op_table(OpType t) {
  static const auto tables = [] {
    std::vector<std::unique_ptr<ParamTable>> v;
    for (size_t i = 0; i < op_type_names().size(); ++i) {
      v.push_back(std::make_unique<ParamTable>(make_op_table(static_cast<OpType>(i))));
    }
    return v;
  }();
  return *tables[static_cast<size_t>(t)];
}

const ParamTable& workload_header_table() {
  static const ParamTable t =
      ParamTable("workload", "Top level of a trace file.")
          .param("schema_version", &WorkloadHeader::schema_version, "trace schema version (1)")
          .param("name", &WorkloadHeader::name, "workload name, reported in stats.json")
          .param("description", &WorkloadHeader::description, "free text")
          .def("");
  return t;
}

const ParamTable& model_table() {
  static const ParamTable t =
      ParamTable("model",
                 "One model: an operator list under `layers:`, or an LLM under `llm:` with "
                 "`generation:`.")
          .param("name", &Model::name, "model name")
          .param("batch", &Model::batch,
                 "inputs one pass over `layers` processes (the operators' own batch / m already "
                 "include them); throughput counts this many inferences per pass")
          .def(1)
          .min(1)
          .section("precision", &Model::precision, precision_table(true), "default operand widths");
  return t;
}

const ParamTable& llm_arch_table() {
  static const ParamTable t =
      ParamTable("llm",
                 "Decoder-only transformer; the simulator expands it into prefill and decode.")
          .param("layers", &LlmArch::layers, "decoder blocks")
          .min(1)
          .param("hidden", &LlmArch::hidden, "model width (d_model)")
          .min(1)
          .param("ffn", &LlmArch::ffn, "feed-forward width")
          .min(1)
          .param("heads", &LlmArch::heads, "attention heads")
          .min(1)
          .param("kv_heads", &LlmArch::kv_heads, "key/value heads (0: same as heads)")
          .def(0)
          .min(0)
          .param("head_dim", &LlmArch::head_dim, "features per head (0: hidden / heads)")
          .def(0)
          .min(0)
          .param("vocab", &LlmArch::vocab, "vocabulary size")
          .min(1)
          .param("max_context", &LlmArch::max_context, "longest supported sequence")
          .def(4096)
          .min(1)
          .param_enum("ffn_kind", &LlmArch::ffn_kind,
                      {{"swiglu", FfnKind::SwiGlu}, {"gelu", FfnKind::Gelu}}, "feed-forward type")
          .def("swiglu")
          .param_enum("norm", &LlmArch::norm,
                      {{"rmsnorm", NormKind::RmsNorm}, {"layernorm", NormKind::LayerNorm}},
                      "normalisation")
          .def("rmsnorm")
          .param("parallel_attention_mlp", &LlmArch::parallel_attention_mlp,
                 "attention and MLP read the same normalised input (Phi, GPT-J)")
          .def(ParamValue(false))
          .param("lm_head", &LlmArch::lm_head, "include the output projection to the vocabulary")
          .def(ParamValue(true))
          .check<LlmArch>([](const LlmArch& a) -> std::string {
            int64_t kvh = a.kv_heads == 0 ? a.heads : a.kv_heads;
            if (a.heads % kvh != 0) {
              return "kv_heads (" + std::to_string(kvh) + ") must divide heads (" +
                     std::to_string(a.heads) + ")";
            }
            if (a.head_dim == 0 && a.hidden % a.heads != 0) {
              return "hidden (" + std::to_string(a.hidden) + ") is not a multiple of heads (" +
                     std::to_string(a.heads) + "); give head_dim explicitly";
            }
            return "";
          });
  return t;
}

const ParamTable& generation_table() {
  static const ParamTable t =
      ParamTable("generation", "Request shape of an LLM run (batch 1).")
          .param("prompt_len", &Generation::prompt_len, "prompt tokens (prefill)")
          .min(1)
          .param("gen_len", &Generation::gen_len, "generated tokens (decode steps)")
          .min(1);
  return t;
}

const ParamTable& dynamic_sparsity_table() {
  static const ParamTable t =
      ParamTable("dynamic_sparsity",
                 "Per-sample activation density of each layer, from a CSV file with the header "
                 "`sample,layer,activation_density` (path relative to the trace).")
          .param("file", &DynamicSparsityRef::file, "CSV path");
  return t;
}

}  // namespace npusim
