// unzipFPGA's CNN engine (spec ../shared/papers/unzipfpga.md §2, §6, with the §8 corrections):
// one output-stationary PE array runs every layer in turn at batch 1, 16-bit fixed point;
// the weights generator rebuilds OVSF layers' weights on chip, so only activations (and the
// weights of dense layers) cross DRAM.
//
//   DRAM (read channel | write channel) <-> router <-> DMA (queue 0: loads, queue 1: stores)
//        <-> input buffer (2 x T_R x T_P) / weights buffer (2 x T_P x T_C) / output buffer
//   weights generator -> weights buffer;  PE array (T_C PEs x T_P MACs) out of the buffers
//
// Split read and write channels (the Zynq's separate ports, Eq. 6's bw_in and bw_out): stores go
// to DRAM addresses from `write_channel_base` on, so a DRAM of two channels interleaved by that
// many bytes gives reads channel 0 and writes channel 1; a one-channel DRAM shares them.
// Lowering: cnn_lowering.h (one work unit per P-tile, the store after an output tile's last);
// compute rule: max(PE array, weights generator) per P-tile, the two overlapping through the
// ping-pong weights buffer. Pooling, residual adds and activations are fused into the output
// stage at no cycles (spec §7.5); BN is folded in the traces.
#include <algorithm>
#include <unordered_map>

#include "models/cnn_engine/cnn_compute.h"
#include "models/cnn_engine/cnn_lowering.h"
#include "models/cnn_engine/cnn_timing.h"
#include "models/cnn_engine/i_pe_array.h"
#include "models/cnn_engine/i_weights_generator.h"
#include "sim/core/i_accelerator.h"
#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/op_math.h"
#include "sim/workload/phases.h"

namespace npusim {
namespace {

enum class WeightSource { Generate, Stream };
enum class AlphaMode { Preload, Stream, Spill };
enum class DenseLayers { Stream, Passthrough };

struct CnnEngineParams {
  Frequency clock;
  int64_t tile_rows;
  WeightSource weights;
  AlphaMode alpha;
  DenseLayers dense_layers;
  int64_t layer_overhead;
  Bytes write_channel_base;
  int64_t device_dsps;
  int64_t device_ram_bits;
  Time sync_quantum;
  bool fast_forward;
};

constexpr uint64_t kInputBase = 1ull << 50, kWeightBase = 2ull << 50, kOutputBase = 3ull << 50;
enum : int8_t { kInput, kWeight, kOutput };
constexpr uint64_t kWordBits = 16;

uint64_t u64(int64_t v) {
  return static_cast<uint64_t>(v);
}

}  // namespace

class CnnEngine : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table() {
    using P = CnnEngineParams;
    static const ParamTable t =
        engine_params<P>(
            ParamTable("cnn_engine",
                       "unzipFPGA CNN engine: one PE array for every layer, weights generated on "
                       "chip from OVSF codes (or streamed), input-selective PEs.")
                .param("clock", &P::clock, "clock of the engine, generator, buffers and DMA")
                .def("150MHz")
                .param("tile_rows", &P::tile_rows, "T_R: output rows per tile (input buffer depth)")
                .def(196)
                .min(1)
                .max(1 << 24)
                .param_enum(
                    "weights", &P::weights,
                    {{"generate", WeightSource::Generate}, {"stream", WeightSource::Stream}},
                    "generate: OVSF layers' weights from the weights generator (unzipFPGA); "
                    "stream: every weight tile from DRAM (the vanilla baseline)")
                .def("generate")
                .param_enum("alpha", &P::alpha,
                            {{"preload", AlphaMode::Preload},
                             {"stream", AlphaMode::Stream},
                             {"spill", AlphaMode::Spill}},
                            "OVSF coefficients preloaded on chip (the paper's idealisation), "
                            "fetched per P-tile over the read channel, or spilled: layers whose "
                            "coefficients fit the RAM the buffers leave stay on chip (first fit "
                            "in execution order), the others stream (cnn_timing.h)")
                .def("preload")
                .param_enum(
                    "dense_layers", &P::dense_layers,
                    {{"stream", DenseLayers::Stream}, {"passthrough", DenseLayers::Passthrough}},
                    "layers without an OVSF ratio: weights streamed from DRAM (spec §8.7) "
                    "or, when K^2 fits the code length, passed through the generator with "
                    "n_b = K^2 and alpha on chip (spec §7.3)")
                .def("stream")
                .param("layer_overhead", &P::layer_overhead,
                       "fixed cycles before each layer's first compute (pipeline fill, control)")
                .def(0)
                .min(0)
                .unit("cycles")
                .param("write_channel_base", &P::write_channel_base,
                       "DRAM address where stores go (the write channel when the DRAM's channels "
                       "are interleaved by this many bytes)")
                .def("1GiB")
                .min("1KiB")
                .param("device_dsps", &P::device_dsps,
                       "DSPs of the FPGA: T_P T_C + M must fit (one DSP per 16-bit MAC)")
                .def(900)
                .min(1)
                .param("device_ram_bits", &P::device_ram_bits,
                       "on-chip RAM of the FPGA: the three ping-pong buffers must fit")
                .def(19200000)
                .min(1)
                .unit("bits"))
            .slot("dram", "dram", "simple_dram", "off-chip DDR (read and write channels)")
            .slot("dma", "dma", "dma_engine", "DMA (queue 0 loads, queue 1 stores)")
            .slot("input_sram", "scratchpad", "scratchpad", "input buffer (ping-pong T_R x T_P)")
            .slot("weight_sram", "scratchpad", "scratchpad",
                  "weights buffer (ping-pong T_P x T_C; streamed alpha too)")
            .slot("output_sram", "scratchpad", "scratchpad", "output buffer (ping-pong T_R x T_C)")
            .slot("pe_array", "pe_array", "input_selective_pe_array", "the PE array")
            .slot("weights_generator", "weights_generator", "ovsf_weights_generator",
                  "the weights generator (CNN-WGen)");
    return t;
  }

  explicit CnnEngine(const ComponentArgs& a)
      : IAccelerator(a),
        p_(load_params<CnnEngineParams>(param_table(), kHardwareRootKeys)),
        clock_(p_.clock),
        router_("router") {
    context().clock = &clock_;
    dram_ = attach_dram(own_dram_);
    dma_ = make_child<IDma>("dma");
    input_ = make_child<IScratchpad>("input_sram");
    weight_ = make_child<IScratchpad>("weight_sram");
    output_ = make_child<IScratchpad>("output_sram");
    pe_ = make_child<IPeArray>("pe_array");
    wgen_ = make_child<IWeightsGenerator>("weights_generator");
    if (dma_->queues() < 2) {
      config().fail("cnn_engine needs a DMA with 2 queues (loads and stores); " + config().path() +
                    ".dma.queues is " + std::to_string(dma_->queues()));
    }
    design_.m = wgen_->width();
    design_.t_r = u64(p_.tile_rows);
    design_.t_p = pe_->macs_per_pe();
    design_.t_c = pe_->pes();
    design_.wl_bits = kWordBits;
    design_.input_selective = pe_->input_selective();
    check_design();
    router_.map(*dram_, 0);
    router_.map(*input_, kInputBase);
    router_.map(*weight_, kWeightBase);
    router_.map(*output_, kOutputBase);
    dma_->initiator_socket().bind(router_.target);
    compute_ = std::make_unique<CnnComputeRule>(*pe_, generating() ? wgen_.get() : nullptr);
    ExecEngine::Config c;
    c.dma = dma_.get();
    c.load_queue = 0;
    c.store_queue = 1;
    c.compute = compute_.get();
    c.clock = &clock_;
    c.buffers = {{kInputBase, input_->capacity_bytes() / 2, input_.get()},
                 {kWeightBase, weight_->capacity_bytes() / 2, weight_.get()},
                 {kOutputBase, output_->capacity_bytes() / 2, output_.get()}};
    c.weight_side = {kWeight, kWeight, -1, -1};
    c.input_side = {-1, -1, -1, kInput};
    c.output = kOutput;
    c.dependency = ExecEngine::Dependency::OperatorBoundary;
    c.quantum_ps = context().shared_memory ? 0 : p_.sync_quantum.ps;
    c.timeline = timeline();
    if (p_.fast_forward) {
      c.units = fast_forward_units({dma_.get(), dram_, input_.get(), weight_.get(), output_.get()});
    }
    c.stats = &stats();
    c.matrix_unit = pe_.get();
    c.transform_unit = generating() ? wgen_.get() : nullptr;
    engine_ = std::make_unique<ExecEngine>(c, acc_);
  }

  void prepare(const Workload& w, const RunOptions&) override {
    workload_ = &w;
    layers_.assign(w.models.size(), {});
    uint64_t in_bytes = 0;
    for (size_t mi = 0; mi < w.models.size(); ++mi) {
      const Model& m = w.models[mi];
      std::unordered_map<std::string, std::pair<double, YAML::Node>> ratios;
      const ConfigNode* section = m.section("ovsf");
      if (section != nullptr) {
        read_ratios(*section, ratios);
        const ConfigNode gop = section->child("gop");
        if (gop.present()) {
          try {
            paper_gop_ = gop.node().as<double>();
          } catch (const YAML::Exception&) {
            gop.fail("ovsf.gop must be a number (GOp per inference)");
          }
          if (!(paper_gop_ > 0)) gop.fail("ovsf.gop must be above 0");
        }
      }
      for (const Operator& op : make_phase(m, 0).ops) {
        Layer l = shape_of(op);
        if (!l.gemm) continue;
        auto it = ratios.find(op.name);
        const bool ovsf = it != ratios.end();
        if (ovsf) {
          set_ovsf(l, op, it->second.first, *section, it->second.second);
          ratios.erase(it);
        }
        if (!ovsf && p_.dense_layers == DenseLayers::Passthrough &&
            l.k * l.k <= wgen_->code_length()) {
          l.lowered.shape.n_b = l.k * l.k;  // the identity basis: each weight its own alpha
        }
        if (!generating()) l.lowered.shape.n_b = 0;
        in_bytes = std::max(in_bytes, l.lowered.shape.r * l.lowered.shape.p * 2);
        layers_[mi].push_back(l);
      }
      if (!ratios.empty()) {
        const auto& [name, entry] = *ratios.begin();
        section->fail_at(
            entry.second, name,
            "ovsf ratio for `" + name + "`, which is no conv2d or gemm of model `" + m.name + "`");
      }
    }
    if (p_.alpha == AlphaMode::Spill) spill_alpha();
    uint64_t next = in_bytes;  // weights above the largest im2col input
    for (auto& model : layers_) {
      for (Layer& l : model) {
        l.weight_base = next;
        next += l.lowered.shape.p * l.lowered.shape.c * 2;
      }
    }
    if (next > p_.write_channel_base.n) {
      config().fail("the workload's im2col inputs and weights need " + format_bytes(Bytes{next}) +
                    " below " + config().path() + ".write_channel_base (" +
                    format_bytes(p_.write_channel_base) + ")");
    }
  }

  void run_model(size_t index, IRequestContext& ctx) override {
    const Model& m = workload_->models[index];
    const Phase phase = make_phase(m, 0);
    ctx.begin_phase(phase.name, phase.kind);
    size_t li = 0;
    for (const Operator& op : phase.ops) {
      if (!shape_of(op).gemm) {
        ++fused_ops_;
        continue;
      }
      ctx.boundary();
      const Layer& l = layers_[index][li++];
      const size_t id = acc_.begin_op(op.name, op_type_name(op.type), design_.t_p * design_.t_c);
      const OperandBases bases{l.weight_base, 0, p_.write_channel_base.n};
      UnitSink sink([&](std::vector<WorkUnit>&& units, bool first, bool last) {
        engine_->feed(std::move(units), id, bases, u64(p_.layer_overhead), first, last);
      });
      cnn::lower_layer(l.lowered, design_, sink);
      sink.close();
      record_layer(op, l);
    }
    inferences_ += u64(m.batch);
  }

  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

  RunResult result() override {
    RunResult r = RunResult::of_inferences(acc_, clock_, inferences_);
    Json s = Json::object();
    s["weights"] = generating() ? "generate" : "stream";
    s["design"] = Json::object();
    s["design"]["M"] = generating() ? design_.m : 0;
    s["design"]["T_R"] = design_.t_r;
    s["design"]["T_P"] = design_.t_p;
    s["design"]["T_C"] = design_.t_c;
    s["design"]["input_selective"] = design_.input_selective;
    s["dsp_used"] = cnn::dsp_use(design_, generating());
    s["buffer_bits"] = cnn::buffer_bits(design_);
    s["bram18_blocks"] = cnn::bram18_blocks(design_);
    const double peak = 2.0 * static_cast<double>(p_.device_dsps) *
                        static_cast<double>(clock_.frequency().hz) / 1e9;
    s["peak_gops"] = peak;
    // GOp/s rows use the paper's operation count when the trace gives it (spec §8.16), else
    // 2 x MACs.
    const double gop = paper_gop_ > 0
                           ? paper_gop_
                           : 2.0 * static_cast<double>(inferences_ ? macs_ / inferences_ : 0) / 1e9;
    s["gop_per_inference"] = gop;
    s["gops"] = gop * r.throughput;
    s["gops_per_dsp"] = gop * r.throughput / static_cast<double>(p_.device_dsps);
    s["pct_of_peak"] = peak > 0 ? 100.0 * gop * r.throughput / peak : 0.0;
    s["macs_per_inference"] = inferences_ ? macs_ / inferences_ : 0;
    s["weight_bytes_avoided"] = avoided_;
    if (p_.alpha == AlphaMode::Spill) {
      s["alpha_resident_bits"] = alpha_resident_bits_;
      s["alpha_streamed_layers"] = alpha_streamed_layers_;
    }
    s["fused_ops"] = fused_ops_;
    s["work_units"] = engine_->units_issued();
    s["layers"] = layer_rows_;
    r.sections["cnn_engine"] = s;
    return r;
  }

 private:
  struct Layer {
    bool gemm = false;
    bool ovsf = false;  // has an OVSF ratio
    cnn::LoweredLayer lowered;
    uint64_t k = 1;
    uint64_t weight_base = 0;
  };

  bool generating() const { return p_.weights == WeightSource::Generate; }

  // alpha: spill (cnn_timing.h) over the OVSF layers, in execution order.
  void spill_alpha() {
    std::vector<cnn::LayerShape*> ovsf;
    for (auto& model : layers_) {
      for (Layer& l : model) {
        if (l.ovsf) ovsf.push_back(&l.lowered.shape);
      }
    }
    const uint64_t buffers = cnn::buffer_bits(design_);
    const uint64_t ram = u64(p_.device_ram_bits);
    const cnn::AlphaSpill r = cnn::spill_alpha(ovsf, ram > buffers ? ram - buffers : 0, kWordBits);
    alpha_resident_bits_ = r.resident_bits;
    alpha_streamed_layers_ = r.streamed_layers;
  }

  // One DRAM channel's bytes per cycle (bw_in = bw_out of the labels): the peak over the
  // channels the `dram` slot declares (simple_dram's default 2 when it does not say).
  double channel_bytes_per_cycle() const {
    const ConfigNode channels = config().child("dram").child("channels");
    const double n = channels.present() ? channels.node().as<double>() : 2.0;
    return dram_->peak_bandwidth() / n / static_cast<double>(clock_.frequency().hz);
  }

  // The spec's bad designs, as configuration errors naming both values.
  void check_design() const {
    const std::string at = config().path();
    const uint64_t dsp = cnn::dsp_use(design_, generating());
    if (dsp > u64(p_.device_dsps)) {
      config().fail("the design needs " + std::to_string(dsp) + " DSPs (T_P x T_C = " +
                    std::to_string(design_.t_p) + " x " + std::to_string(design_.t_c) +
                    (generating() ? " + M = " + std::to_string(design_.m) : std::string()) +
                    ") but " + at + ".device_dsps is " + std::to_string(p_.device_dsps));
    }
    const uint64_t bits = cnn::buffer_bits(design_);
    if (bits > u64(p_.device_ram_bits)) {
      config().fail("the design's buffers need " + std::to_string(bits) + " bits (T_R " +
                    std::to_string(design_.t_r) + ", T_P " + std::to_string(design_.t_p) +
                    ", T_C " + std::to_string(design_.t_c) + ") but " + at +
                    ".device_ram_bits is " + std::to_string(p_.device_ram_bits));
    }
    auto fits = [&](const char* slot, const IScratchpad& sram, uint64_t words, const char* what) {
      const uint64_t need = words * kWordBits / 8, half = sram.capacity_bytes() / 2;
      if (need > half) {
        config().fail(std::string("a ") + what + " tile of " + format_bytes(Bytes{need}) +
                      " does not fit half of " + at + "." + slot + " (capacity " +
                      format_bytes(Bytes{sram.capacity_bytes()}) + ", half " +
                      format_bytes(Bytes{half}) + ")");
      }
    };
    fits("input_sram", *input_, design_.t_r * design_.t_p, "T_R x T_P input");
    fits("weight_sram", *weight_, design_.t_p * design_.t_c, "T_P x T_C weight");
    fits("output_sram", *output_, design_.t_r * design_.t_c, "T_R x T_C output");
  }

  static Layer shape_of(const Operator& op) {
    Layer l;
    cnn::LayerShape& s = l.lowered.shape;
    if (op.type == OpType::Conv2d) {
      if (op.groups != 1 || op.kernel_h != op.kernel_w) {
        throw MappingError("cnn_engine runs dense square convolutions; `" + op.name + "` has " +
                           std::to_string(op.groups) + " groups and a " +
                           std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w) +
                           " kernel at " + op.source);
      }
      const ConvOutput o = conv_output(op);
      l.k = u64(op.kernel_h);
      s.r = u64(op.batch) * u64(o.h) * u64(o.w);
      s.p = u64(op.in_channels) * l.k * l.k;
      s.c = u64(op.out_channels);
    } else if (op.type == OpType::Gemm || op.type == OpType::Gemv) {
      if (op.b_operand != BOperand::Weight) {
        throw MappingError("cnn_engine multiplies activations by weights only; `" + op.name +
                           "` multiplies two activations at " + op.source);
      }
      s.r = op.type == OpType::Gemv ? 1 : u64(op.m);
      s.p = u64(op.k);
      s.c = u64(op.n);
    } else if (op.type == OpType::DepthwiseConv2d || op.type == OpType::Attention) {
      throw MappingError("cnn_engine has no unit for `" + op.name + "` (" + op_type_name(op.type) +
                         ") at " + op.source);
    } else {
      return l;  // pooling, adds, activations: fused into the output stage
    }
    l.gemm = true;
    l.lowered.shape.k2 = l.k * l.k;
    return l;
  }

  static void read_ratios(const ConfigNode& section,
                          std::unordered_map<std::string, std::pair<double, YAML::Node>>& out) {
    section.check_keys({"ratios", "gop"});
    const ConfigNode ratios = section.child("ratios");
    if (!ratios.present()) return;
    if (!ratios.node().IsMap()) ratios.fail("ovsf.ratios must map layer names to ratios");
    for (const auto& kv : ratios.node()) {
      const std::string name = kv.first.as<std::string>();
      double rho = 0;
      try {
        rho = kv.second.as<double>();
      } catch (const YAML::Exception&) {
        ratios.fail_at(kv.second, name, "ovsf ratio of `" + name + "` is not a number");
      }
      if (!(rho > 0.0 && rho <= 1.0)) {
        ratios.fail_at(kv.second, name,
                       "ovsf ratio of `" + name + "` is " + kv.second.as<std::string>() +
                           "; it must be in (0, 1]");
      }
      out[name] = {rho, kv.second};
    }
  }

  void set_ovsf(Layer& l, const Operator& op, double rho, const ConfigNode& section,
                const YAML::Node& where) const {
    const uint64_t len = wgen_->code_length();
    if (op.type != OpType::Conv2d || l.k * l.k > len) {
      section.fail_at(where, op.name,
                      "layer `" + op.name + "` has a " + std::to_string(l.k) + "x" +
                          std::to_string(l.k) + " kernel (" + std::to_string(l.k * l.k) +
                          " weights) but the OVSF code length (" + config().path() +
                          ".weights_generator.code_length) is " + std::to_string(len));
    }
    l.lowered.shape.n_b = cnn::basis_count(rho, len);
    l.ovsf = true;
    l.lowered.shape.alpha_streamed = p_.alpha == AlphaMode::Stream;
  }

  void record_layer(const Operator& op, const Layer& l) {
    cnn::Design d = design_;
    d.bw_in = d.bw_out = channel_bytes_per_cycle();
    const cnn::LayerTimes t = cnn::layer_times(d, l.lowered.shape);
    Json row = Json::object();
    row["name"] = op.name;
    row["R"] = l.lowered.shape.r;
    row["P"] = l.lowered.shape.p;
    row["C"] = l.lowered.shape.c;
    row["n_b"] = l.lowered.shape.n_b;
    row["bound"] = cnn::bound_name(t.bound);
    layer_rows_.push_back(row);
    macs_ += l.lowered.shape.r * l.lowered.shape.p * l.lowered.shape.c;
    if (l.lowered.shape.n_b > 0) {
      // What the vanilla engine reads for this layer: the weights once per row tile (§8.4).
      avoided_ +=
          l.lowered.shape.p * l.lowered.shape.c * 2 * cnn::ceil_div(l.lowered.shape.r, design_.t_r);
    }
  }

  CnnEngineParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> input_, weight_, output_;
  std::unique_ptr<IPeArray> pe_;
  std::unique_ptr<IWeightsGenerator> wgen_;
  AddressRouter router_;
  cnn::Design design_;
  std::unique_ptr<CnnComputeRule> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;
  const Workload* workload_ = nullptr;
  std::vector<std::vector<Layer>> layers_;
  Json layer_rows_ = Json::array();
  uint64_t inferences_ = 0, macs_ = 0, avoided_ = 0, fused_ops_ = 0;
  uint64_t alpha_resident_bits_ = 0, alpha_streamed_layers_ = 0;
  double paper_gop_ = 0;
};

[[maybe_unused]] static const bool npusim_cnn_sections = register_model_section(
    {"ovsf", "per-layer OVSF compression ratios on the CNN engine (docs/cnn_engine.md)", false});

NPUSIM_REGISTER_COMPONENT(CnnEngine, "accelerator", "cnn_engine",
                          "unzipFPGA CNN engine: on-chip OVSF weights generator, input-selective "
                          "PEs, weights streamed for the vanilla baseline");

}  // namespace npusim
