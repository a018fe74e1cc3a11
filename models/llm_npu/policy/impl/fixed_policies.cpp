// The closed-form schedules: uniform, static switch, learned switch (PMPD spec §4.2-4.4).
#include "models/llm_npu/policy/i_precision_policy.h"

namespace npusim {
namespace {

struct UniformParams {
  int64_t bits, prefill_bits;
};

struct SwitchParams {
  int64_t prefill_bits, high_bits, low_bits, switch_step;
  // learned only
  int64_t cls, classes, max_new_tokens;
};

// Checks one width parameter; fails at its key.
void check_bits(const ConfigNode& n, const char* key, int64_t bits,
                const std::function<bool(int)>& ok, const std::string& supported) {
  if (!ok(static_cast<int>(bits))) {
    n.fail_at(n.node()[key], key,
              "`" + n.path() + "." + key + "` = " + std::to_string(bits) +
                  " bits is not supported by the weight layout; supported: " + supported);
  }
}

}  // namespace

class UniformPolicy : public IPrecisionPolicy {
 public:
  static const ParamTable& param_table() {
    using P = UniformParams;
    static const ParamTable t =
        ParamTable(
            "uniform",
            "Every decode step at `bits`; prefill at `prefill_bits` (phase-aware when different).")
            .param("bits", &P::bits, "weight width of every decode step (16: fp16)")
            .min(1)
            .max(16)
            .unit("bits")
            .param("prefill_bits", &P::prefill_bits, "weight width of prefill (0: same as bits)")
            .def(0)
            .min(0)
            .max(16)
            .unit("bits");
    return t;
  }
  explicit UniformPolicy(const ComponentArgs& a)
      : IPrecisionPolicy(a), p_(load_params<UniformParams>(param_table())) {
    if (p_.prefill_bits == 0) p_.prefill_bits = p_.bits;
  }
  int prefill_bits() const override { return static_cast<int>(p_.prefill_bits); }
  int bits_for_token(const DecodeContext&) override { return static_cast<int>(p_.bits); }
  void validate(const Generation&, const std::function<bool(int)>& ok,
                const std::string& s) const override {
    check_bits(config(), "bits", p_.bits, ok, s);
    if (config().node()["prefill_bits"])
      check_bits(config(), "prefill_bits", p_.prefill_bits, ok, s);
  }

 private:
  UniformParams p_;
};

// Static and learned share the switch rule; learned adds the classifier job and can take its
// switch point as a class index.
class SwitchPolicy : public IPrecisionPolicy {
 public:
  static ParamTable make_table(bool learned) {
    using P = SwitchParams;
    ParamTable t(learned ? "learned" : "static",
                 learned
                     ? "PMPD learned (prompt-adaptive) scheduler: high_bits until the per-prompt "
                       "switch point from "
                       "the trace, then low_bits; the classifier's cost is simulated after prefill."
                     : "PMPD static (task-adaptive) scheduler: high_bits before switch_step, "
                       "low_bits from it on.");
    t.param("prefill_bits", &P::prefill_bits, "weight width of prefill (0: high_bits)")
        .def(0)
        .min(0)
        .max(16)
        .unit("bits")
        .param("high_bits", &P::high_bits, "width before the switch (p_h)")
        .min(1)
        .max(16)
        .unit("bits")
        .param("low_bits", &P::low_bits, "width from the switch on (p_l)")
        .min(1)
        .max(16)
        .unit("bits")
        .param("switch_step", &P::switch_step,
               learned ? "decode step of the switch for this prompt (-1: from `class`)"
                       : "first decode step (0-based) at low_bits; gen_len means never")
        .def(learned ? -1 : 0)
        .min(learned ? -1 : 0);  // static: a step, never negative
    if (!learned) return t;
    t.param("class", &P::cls, "classifier output for this prompt (-1: use switch_step)")
        .def(-1)
        .min(-1)
        .param("classes", &P::classes, "candidate switch points {0, N/(c-1), ..., N}")
        .def(4)
        .min(2)
        .max(64)
        .param("max_new_tokens", &P::max_new_tokens, "N of the candidate points (0: gen_len)")
        .def(0)
        .min(0);
    return t;
  }

  SwitchPolicy(const ComponentArgs& a, bool learned, const ParamTable& table)
      : IPrecisionPolicy(a), learned_(learned), p_(load_params<SwitchParams>(table)) {
    if (p_.prefill_bits == 0) p_.prefill_bits = p_.high_bits;
    if (!learned_ && !config().node()["switch_step"])
      config().fail("`" + config().path() + "` needs `switch_step`");
    if (learned_ && (p_.switch_step < 0) == (p_.cls < 0)) {
      config().fail("`" + config().path() + "` needs exactly one of `switch_step` and `class`");
    }
  }

  int prefill_bits() const override { return static_cast<int>(p_.prefill_bits); }

  int bits_for_token(const DecodeContext& c) override {
    return static_cast<int>(c.step < switch_at(c.gen_len) ? p_.high_bits : p_.low_bits);
  }

  int64_t switch_at(int64_t gen_len) const {
    if (p_.switch_step >= 0) return p_.switch_step;
    const int64_t n = p_.max_new_tokens > 0 ? p_.max_new_tokens : gen_len;
    return p_.cls * (n / (p_.classes - 1));
  }

  void validate(const Generation& g, const std::function<bool(int)>& ok,
                const std::string& s) const override {
    const ConfigNode& n = config();
    for (const char* key : {"high_bits", "low_bits"}) {
      check_bits(n, key, key[0] == 'h' ? p_.high_bits : p_.low_bits, ok, s);
    }
    if (n.node()["prefill_bits"]) check_bits(n, "prefill_bits", p_.prefill_bits, ok, s);
    if (p_.switch_step > g.gen_len) {
      n.fail_at(n.node()["switch_step"], "switch_step",
                "`" + n.path() + ".switch_step` = " + std::to_string(p_.switch_step) +
                    " is past the generation length (gen_len = " + std::to_string(g.gen_len) + ")");
    }
    if (learned_ && p_.cls >= p_.classes) {
      n.fail_at(n.node()["class"], "class",
                "`" + n.path() + ".class` = " + std::to_string(p_.cls) + " but there are " +
                    std::to_string(p_.classes) + " classes");
    }
  }

  ClassifierJob classifier(const LlmArch& a, int64_t prompt_len, int kv_bits) const override {
    if (!learned_) return {};
    // PMPD spec §4.4: average the last layer's K and V over heads, attend H*H learned queries
    // of width D over them, then LayerNorm -> Linear(HD, HD) -> ReLU -> Linear(HD, 4) in fp16.
    const auto t = static_cast<uint64_t>(prompt_len), h = static_cast<uint64_t>(a.heads),
               d = static_cast<uint64_t>(a.head_dim), kv = static_cast<uint64_t>(a.kv_heads) * d;
    const uint64_t hd = h * d, classes = static_cast<uint64_t>(p_.classes);
    ClassifierJob j;
    j.kv_read_bytes = 2 * t * kv * static_cast<uint64_t>(kv_bits) / 8;
    j.head_mean_elements = 2 * t * kv;
    j.attention_macs = 2 * h * h * t * d;
    j.mlp_weight_bytes = (hd * hd + hd * classes) * 2;
    j.mlp_macs = hd * hd + hd * classes;
    return j;
  }

 private:
  bool learned_;
  SwitchParams p_;
};

class StaticPolicy : public SwitchPolicy {
 public:
  static const ParamTable& param_table() {
    static const ParamTable t = make_table(false);
    return t;
  }
  explicit StaticPolicy(const ComponentArgs& a) : SwitchPolicy(a, false, param_table()) {}
};

class LearnedPolicy : public SwitchPolicy {
 public:
  static const ParamTable& param_table() {
    static const ParamTable t = make_table(true);
    return t;
  }
  explicit LearnedPolicy(const ComponentArgs& a) : SwitchPolicy(a, true, param_table()) {}
};

NPUSIM_REGISTER_COMPONENT(
    UniformPolicy, "precision_policy", "uniform",
    "Same weight width for every decode step (optionally another for prefill)");
NPUSIM_REGISTER_COMPONENT(StaticPolicy, "precision_policy", "static",
                          "PMPD static scheduler: switch from high to low bits at a fixed step");
NPUSIM_REGISTER_COMPONENT(
    LearnedPolicy, "precision_policy", "learned",
    "PMPD learned scheduler: per-prompt switch point plus the classifier's cost");

}  // namespace npusim
