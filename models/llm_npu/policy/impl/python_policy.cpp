// `type: python`: the schedule is a Python callable f(step, context) -> bits, passed to
// npusim.run(..., policy=f) and called before every decode step. Its result is checked like
// any other width; an exception inside it stops the run with its message.
#include "models/llm_npu/policy/i_precision_policy.h"
#include "sim/core/host_callback.h"

namespace npusim {
namespace {

struct PythonParams {
  int64_t prefill_bits;
};

}  // namespace

class PythonPolicy : public IPrecisionPolicy {
 public:
  static const ParamTable& param_table() {
    using P = PythonParams;
    static const ParamTable t =
        ParamTable("python",
                   "A Python callable f(step, context) -> bits called before every decode step "
                   "(npusim.run(hw, workload, policy=f)).")
            .param("prefill_bits", &P::prefill_bits, "weight width of prefill")
            .min(1)
            .max(16)
            .unit("bits");
    return t;
  }

  explicit PythonPolicy(const ComponentArgs& a)
      : IPrecisionPolicy(a), p_(load_params<PythonParams>(param_table())) {
    if (!host_callback()) {
      config().fail(
          "schedule type `python` needs a policy callable: run through Python with "
          "npusim.run(hw, workload, policy=f)");
    }
  }

  int prefill_bits() const override { return static_cast<int>(p_.prefill_bits); }

  int bits_for_token(const DecodeContext& c) override {
    const HostContext context = {{"prompt_len", c.prompt_len},
                                 {"gen_len", c.gen_len},
                                 {"kv_len", c.kv_len},
                                 {"previous_bits", c.previous_bits}};
    const int64_t bits = host_callback()(c.step, context, "python precision policy");
    if (bits < 1 || bits > 64 || !supported_ || !supported_(static_cast<int>(bits))) {
      throw WorkloadError("the python precision policy returned " + std::to_string(bits) +
                          " bits at decode step " + std::to_string(c.step) +
                          "; supported: " + supported_text_);
    }
    return static_cast<int>(bits);
  }

  void validate(const Generation&, const std::function<bool(int)>& ok,
                const std::string& s) const override {
    if (!ok(static_cast<int>(p_.prefill_bits))) {
      config().fail_at(config().node()["prefill_bits"], "prefill_bits",
                       "`" + config().path() +
                           ".prefill_bits` = " + std::to_string(p_.prefill_bits) +
                           " bits is not supported by the weight layout; supported: " + s);
    }
    supported_ = ok;
    supported_text_ = s;
  }

 private:
  PythonParams p_;
  mutable std::function<bool(int)> supported_;
  mutable std::string supported_text_;
};

NPUSIM_REGISTER_COMPONENT(PythonPolicy, "precision_policy", "python",
                          "A Python callable chooses the bits of every decode step");

}  // namespace npusim
