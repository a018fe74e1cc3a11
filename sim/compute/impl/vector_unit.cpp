// Vector / special-function unit (see i_vector_unit.h for the timing rule). Each function's
// cost and latency is a parameter in the `functions:` section, so a unit with, say, a
// hardware exp can be described without code. Lanes pack narrower elements: at `bits` below
// `native_bits`, a lane processes min(max_packing, native_bits / bits) elements per cycle.
#include <array>
#include <cmath>

#include "sim/compute/i_vector_unit.h"

namespace npusim {

const std::vector<std::string>& vector_fn_names() {
  static const std::vector<std::string> names = {
      "add",       "mul",     "relu",      "gelu", "silu",     "sigmoid",  "tanh", "exp", "softmax",
      "layernorm", "rmsnorm", "batchnorm", "rope", "max_pool", "avg_pool", "copy", "mac"};
  return names;
}

bool parse_vector_fn(const std::string& name, VectorFn* out) {
  const auto& n = vector_fn_names();
  for (size_t i = 0; i < n.size(); ++i) {
    if (n[i] == name) {
      *out = static_cast<VectorFn>(i);
      return true;
    }
  }
  return false;
}

const char* vector_fn_name(VectorFn f) {
  return vector_fn_names()[static_cast<size_t>(f)].c_str();
}

namespace {

constexpr size_t kFns = static_cast<size_t>(VectorFn::Count);

struct FnCost {
  double cost;      // cycles per element per lane
  int64_t latency;  // pipeline latency, cycles
};

// One section table per function, each with that function's defaults.
const ParamTable& fn_table(VectorFn f) {
  // {cost, latency}: simple ALU ops 1 cycle/element; transcendental ones a few (polynomial or
  // table approximations); softmax and norms include their extra reduction passes.
  static const std::array<FnCost, kFns> defaults = {{{1, 4},
                                                     {1, 4},
                                                     {1, 2},
                                                     {4, 12},
                                                     {4, 12},
                                                     {4, 12},
                                                     {4, 12},
                                                     {2, 10},
                                                     {4, 24},
                                                     {4, 24},
                                                     {3, 20},
                                                     {2, 8},
                                                     {3, 8},
                                                     {1, 4},
                                                     {1, 4},
                                                     {1, 2},
                                                     {1, 6}}};
  static const std::vector<std::unique_ptr<ParamTable>> tables = [] {
    std::vector<std::unique_ptr<ParamTable>> out;
    for (size_t i = 0; i < kFns; ++i) {
      auto t = std::make_unique<ParamTable>(vector_fn_names()[i],
                                            "cost of `" + vector_fn_names()[i] + "`");
      t->param("cost", &FnCost::cost, "cycles per element per lane")
          .def(ParamValue(defaults[i].cost))
          .min(ParamValue(0.0))
          .unit("cycles/element")
          .param("latency", &FnCost::latency, "pipeline latency")
          .def(static_cast<int>(defaults[i].latency))
          .min(0)
          .unit("cycles");
      out.push_back(std::move(t));
    }
    return out;
  }();
  return *tables[static_cast<size_t>(f)];
}

struct FnSection {
  std::array<FnCost, kFns> fns;
};

const ParamTable& functions_table() {
  static const ParamTable t = [] {
    ParamTable tb("functions", "Per-function cost and latency of the vector unit.");
    for (size_t i = 0; i < kFns; ++i) {
      const ParamTable& sub = fn_table(static_cast<VectorFn>(i));
      ParamSpec p;
      p.name = vector_fn_names()[i];
      p.type = ParamType::Section;
      p.doc = "cost of " + vector_fn_names()[i];
      p.section = &sub;
      p.section_field = [i](void* obj) -> void* { return &static_cast<FnSection*>(obj)->fns[i]; };
      p.section_cfield = [i](const void* obj) -> const void* {
        return &static_cast<const FnSection*>(obj)->fns[i];
      };
      tb.add_spec(std::move(p));
    }
    return tb;
  }();
  return t;
}

struct VectorParamsOuter {
  int64_t lanes;
  int64_t native_bits;
  int64_t max_packing;
  FnSection functions;
};

}  // namespace

class VectorUnit : public IVectorUnit {
 public:
  static const ParamTable& param_table() {
    using P = VectorParamsOuter;
    static const ParamTable t =
        ParamTable("vector_unit",
                   "Vector / special-function unit with per-function cost and latency.")
            .param("lanes", &P::lanes, "element pipelines")
            .def(32)
            .min(1)
            .max(65536)
            .param("native_bits", &P::native_bits, "element width of one lane")
            .def(16)
            .min(1)
            .max(64)
            .unit("bits")
            .param("max_packing", &P::max_packing,
                   "most narrow elements one lane handles per cycle")
            .def(2)
            .min(1)
            .max(16)
            .section("functions", &P::functions, functions_table(),
                     "per-function cost and latency");
    return t;
  }

  explicit VectorUnit(const ComponentArgs& a)
      : IVectorUnit(a),
        p_(load_params<VectorParamsOuter>(param_table())),
        ops_(stats().counter("ops", "ops", "vector operations executed")),
        elements_(stats().counter("elements", "elements", "elements processed")),
        busy_(stats().counter("busy_cycles", "cycles", "cycles spent computing")) {
    StatGroup& by_fn = stats().group("elements_by_fn");
    for (size_t f = 0; f < by_fn_.size(); ++f) {
      const std::string name = vector_fn_name(static_cast<VectorFn>(f));
      by_fn_[f] = &by_fn.counter(name, "elements", "elements processed by `" + name + "`");
    }
  }

  uint64_t peak_elements_per_cycle(int bits) const override {
    int64_t packing = 1;
    if (bits > 0 && bits < p_.native_bits)
      packing = std::min<int64_t>(p_.max_packing, p_.native_bits / bits);
    return static_cast<uint64_t>(p_.lanes * packing);
  }

  uint64_t cycles(const VectorWork& w) const override {
    const FnCost& f = p_.functions.fns[static_cast<size_t>(w.fn)];
    double per_cycle = static_cast<double>(peak_elements_per_cycle(w.bits));
    auto stream =
        static_cast<uint64_t>(std::ceil(static_cast<double>(w.elements) * f.cost / per_cycle));
    return static_cast<uint64_t>(f.latency) + stream;
  }

  void account(const VectorWork& w, uint64_t c) override {
    ++ops_;
    elements_ += w.elements;
    *by_fn_[static_cast<size_t>(w.fn)] += w.elements;
    busy_ += c;
  }

  // One action per function, priced per element (at the lanes' native width).
  bool activity(ComponentActivity& out) const override {
    for (size_t f = 0; f < by_fn_.size(); ++f)
      out.actions.emplace_back(vector_fn_name(static_cast<VectorFn>(f)), by_fn_[f]->value());
    out.size_unit = "lane";
    out.size = static_cast<double>(p_.lanes);
    return true;
  }

 private:
  VectorParamsOuter p_;
  Counter& ops_;
  Counter& elements_;
  Counter& busy_;
  std::array<Counter*, static_cast<size_t>(VectorFn::Count)> by_fn_{};
};

NPUSIM_REGISTER_COMPONENT(
    VectorUnit, "vector_unit", "vector_unit",
    "Vector / special-function unit with per-function throughput and latency");

}  // namespace npusim
