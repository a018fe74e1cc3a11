// CNN-WGen (spec §2.3, Alg. 1): an M-wide multiplier array and an M-wide adder array. A weight
// tile is cut into ceil(elements / M) subtiles; each takes n_b basis cycles (one code bit times
// its kernel's alpha, accumulated, per element and basis vector), so a tile takes
// n_b * ceil(elements / M) cycles (Eq. 5; cnn_timing.h). Coefficients come from the alpha
// buffer; codes from the OVSF code generator (ovsf_codes.h).
#include "models/cnn_engine/cnn_timing.h"
#include "models/cnn_engine/i_weights_generator.h"
#include "sim/core/kernel.h"

namespace npusim {
namespace {

struct WGenParams {
  int64_t width;
  int64_t code_length;
};

}  // namespace

class OvsfWeightsGenerator : public IWeightsGenerator {
 public:
  static const ParamTable& param_table() {
    using P = WGenParams;
    static const ParamTable t =
        ParamTable("ovsf_weights_generator",
                   "unzipFPGA's CNN-WGen: M weights per n_b cycles from OVSF codes and alpha.")
            .param("width", &P::width, "M: weights generated in parallel (its DSPs)")
            .def(68)
            .min(1)
            .max(1 << 20)
            .param("code_length", &P::code_length,
                   "bits of one OVSF code (16: 4x4 kernels, cropped for 3x3)")
            .def(16)
            .min(1)
            .max(1024)
            .unit("bits")
            .check<P>([](const P& p) -> std::string {
              if ((p.code_length & (p.code_length - 1)) != 0) {
                return "code_length (" + std::to_string(p.code_length) +
                       ") must be a power of two (Sylvester codes)";
              }
              return "";
            });
    return t;
  }

  explicit OvsfWeightsGenerator(const ComponentArgs& a)
      : IWeightsGenerator(a),
        p_(load_params<WGenParams>(param_table())),
        weights_(stats().counter("weights", "weights", "weights generated")),
        basis_macs_(stats().counter("basis_macs", "operations",
                                    "code bit x alpha multiply-accumulates (n_b per weight)")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles generating")) {}

  uint64_t width() const override { return static_cast<uint64_t>(p_.width); }
  uint64_t code_length() const override { return static_cast<uint64_t>(p_.code_length); }
  uint64_t cycles(uint64_t n_b, uint64_t elements) const override {
    return n_b * cnn::ceil_div(elements, width());
  }
  void account(uint64_t n_b, uint64_t elements, uint64_t c) override {
    weights_ += elements;
    basis_macs_ += n_b * elements;
    busy_ += c;
  }
  // `basis_mac`: one code bit x alpha accumulated into a weight; `weight_write`: a generated
  // weight written to the weights buffer (OpActivity::transform slots 0 and 1, in this order).
  bool activity(ComponentActivity& out) const override {
    out.actions.emplace_back("basis_mac", basis_macs_.value());
    out.actions.emplace_back("weight_write", weights_.value());
    out.size_unit = "lane";
    out.size = static_cast<double>(p_.width);
    return true;
  }

 private:
  WGenParams p_;
  Counter& weights_;
  Counter& basis_macs_;
  Counter& busy_;
};

NPUSIM_REGISTER_COMPONENT(OvsfWeightsGenerator, "weights_generator", "ovsf_weights_generator",
                          "unzipFPGA weights generator: M weights per n_b cycles from OVSF codes");

}  // namespace npusim
