// CNN-WGen (spec §2.3, Alg. 1): an M-wide multiplier array and an M-wide adder array. A weight
// tile is cut into ceil(elements / M) subtiles; each takes n_b basis cycles (one code bit times
// its kernel's alpha, accumulated, per element and basis vector), so a tile takes
// n_b * ceil(elements / M) cycles (Eq. 5; cnn_timing.h). Coefficients come from the alpha
// buffer; codes from the OVSF code generator (ovsf_codes.h).
//
// Modes: `timing` (default) only times the tiles; `functional` also runs the bit-true code
// generator (FIFO of n_b codes cropped to the layer's K x K, aligner) and datapath
// (generate_tile) for each generated tile, with synthetic coefficients alpha_j = 2j + 1 (no
// trained layer is needed to check bits), and compares every weight with sum_j alpha_j (+-1) of
// the Sylvester code bit at the weight's kernel position (element e: position e mod K^2, the
// walk the aligner assumes). The generator is deterministic, so each distinct (n_b, K^2, tile
// size) is generated once and its result counted for every tile of that kind.
#include <map>
#include <tuple>

#include "models/cnn_engine/cnn_timing.h"
#include "models/cnn_engine/i_weights_generator.h"
#include "models/cnn_engine/ovsf_codes.h"
#include "sim/core/kernel.h"

namespace npusim {
namespace {

enum class WGenMode { Timing, Functional };

struct WGenParams {
  int64_t width;
  int64_t code_length;
  WGenMode mode;
};

struct FunctionalResult {
  uint64_t code_bits = 0, errors = 0;
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
            .param_enum("mode", &P::mode,
                        {{"timing", WGenMode::Timing}, {"functional", WGenMode::Functional}},
                        "timing: cycles only; functional: also generate every tile bit-true and "
                        "check each weight against the Sylvester codes (slower)")
            .def("timing")
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
        busy_(stats().counter("busy_cycles", "cycles", "cycles generating")) {
    if (p_.mode == WGenMode::Functional) {  // counters only where they count something
      code_bits_ =
          &stats().counter("code_bits", "bits", "OVSF code bits the code generator delivered");
      checked_ = &stats().counter("weights_checked", "weights",
                                  "generated weights compared with the codes");
      errors_ = &stats().counter("weight_errors", "weights",
                                 "generated weights that differ from the codes");
    }
  }

  uint64_t width() const override { return static_cast<uint64_t>(p_.width); }
  uint64_t code_length() const override { return static_cast<uint64_t>(p_.code_length); }
  uint64_t cycles(uint64_t n_b, uint64_t elements) const override {
    return n_b * cnn::ceil_div(elements, width());
  }
  void account(uint64_t n_b, uint64_t k2, uint64_t elements, uint64_t c) override {
    weights_ += elements;
    basis_macs_ += n_b * elements;
    busy_ += c;
    if (p_.mode != WGenMode::Functional) return;
    auto [it, fresh] = functional_.try_emplace({n_b, k2, elements});
    if (fresh) it->second = generate(n_b, k2, elements);
    *code_bits_ += it->second.code_bits;
    *checked_ += elements;
    *errors_ += it->second.errors;
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
  FunctionalResult generate(uint64_t n_b, uint64_t k2, uint64_t elements) const {
    uint64_t k = 1;
    while (k * k < k2) ++k;
    NPUSIM_ASSERT(k * k == k2 && k2 <= code_length(), "a generated kernel the codes cannot crop");
    std::vector<cnn::Code> codes = cnn::cropped_codes(code_length(), k);
    codes.resize(n_b);
    std::vector<int64_t> alpha(n_b);
    for (uint64_t j = 0; j < n_b; ++j) alpha[j] = static_cast<int64_t>(2 * j + 1);
    cnn::OvsfCodeGenerator gen(codes, width());
    const std::vector<int64_t> w = cnn::generate_tile(gen, alpha, elements);
    FunctionalResult r;
    r.code_bits = n_b * width() * cnn::ceil_div(elements, width());
    for (uint64_t e = 0; e < elements; ++e) {
      int64_t want = 0;
      for (uint64_t j = 0; j < n_b; ++j) want += codes[j][e % k2] ? alpha[j] : -alpha[j];
      if (w[e] != want) ++r.errors;
    }
    return r;
  }

  WGenParams p_;
  Counter& weights_;
  Counter& basis_macs_;
  Counter& busy_;
  Counter* code_bits_ = nullptr;
  Counter* checked_ = nullptr;
  Counter* errors_ = nullptr;
  std::map<std::tuple<uint64_t, uint64_t, uint64_t>, FunctionalResult> functional_;
};

NPUSIM_REGISTER_COMPONENT(OvsfWeightsGenerator, "weights_generator", "ovsf_weights_generator",
                          "unzipFPGA weights generator: M weights per n_b cycles from OVSF codes");

}  // namespace npusim
