// The smallest accelerator on the shared engine, and the worked example of
// docs/adding_an_accelerator.md: an NPU without a matrix unit that runs GEMMs as MACs on a
// wide vector unit (a DSP-like design point).
//
//   DRAM <-> router <-> DMA (one in-order queue) <-> input / weight / output buffers
//   vector unit computes out of the buffers
//
// Lowering: a GEMM (m x k . k x n) is cut into row blocks of its inputs and column chunks of its
// weights that fit half of their buffers; each (row block, column chunk) is one work unit that
// loads both, computes rows x k x columns MACs on the vector unit and stores its outputs.
// Element-wise operators are one unit per chunk of elements. Nothing is reused across units (the
// generic NPU's tiler shows how reuse is planned); other operators are a mapping error.
#include <algorithm>
#include <unordered_map>

#include "sim/core/i_accelerator.h"
#include "sim/core/kernel.h"
#include "sim/exec/engine.h"
#include "sim/mapping/lowering.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"
#include "sim/report/run_accounting.h"
#include "sim/workload/op_math.h"
#include "sim/workload/phases.h"

namespace npusim {
namespace {

struct VectorNpuParams {
  Frequency clock;
};

// Router addresses of the buffers; DRAM sits at 0.
constexpr uint64_t kInputBase = 1ull << 50, kWeightBase = 2ull << 50, kOutputBase = 3ull << 50;
enum : int8_t { kInput, kWeight, kOutput };

uint64_t u(int64_t v) {
  return static_cast<uint64_t>(v);
}

// The compute rule: every unit's work runs on the vector unit.
class VectorOnly : public IComputeRule {
 public:
  explicit VectorOnly(IVectorUnit& v) : v_(v) {}
  Cost compute(const WorkUnit& w, OpActivity& act) override {
    const uint64_t cycles = v_.cycles(w.vw);
    v_.account(w.vw, cycles);
    act.add_vector(w.vw);
    Cost c{cycles, w.vw.fn == VectorFn::Mac ? w.vw.elements : 0, v_.path().c_str()};
    // The lanes read each loaded byte once and write each result once (MACs keep their sums).
    c.weight_read = w.weight_bytes;
    c.input_read = w.input_bytes;
    c.output_written = w.store_bytes;
    return c;
  }

 private:
  IVectorUnit& v_;
};

}  // namespace

class VectorNpu : public sc_core::sc_module, public IAccelerator {
 public:
  static const ParamTable& param_table() {
    using P = VectorNpuParams;
    static const ParamTable t =
        ParamTable("vector_npu",
                   "NPU without a matrix unit: GEMMs as MACs on a wide vector unit "
                   "(the example of docs/adding_an_accelerator.md).")
            .param("clock", &P::clock, "clock of the vector unit, buffers and DMA")
            .def("1GHz")
            .slot("dram", "dram", "simple_dram", "off-chip memory")
            .slot("dma", "dma", "dma_engine", "DMA (one in-order queue is used)")
            .slot("input_sram", "scratchpad", "scratchpad", "input activations (double-buffered)")
            .slot("weight_sram", "scratchpad", "scratchpad", "weight chunks (double-buffered)")
            .slot("output_sram", "scratchpad", "scratchpad", "outputs (double-buffered)")
            .slot("vector", "vector_unit", "vector_unit", "the vector unit");
    return t;
  }

  explicit VectorNpu(const ComponentArgs& a)
      : IAccelerator(a),
        p_(load_params<VectorNpuParams>(param_table(), kHardwareRootKeys)),
        clock_(p_.clock),
        router_("router") {
    // 1. The assembly: the parts, and how they connect.
    context().clock = &clock_;
    dram_ = attach_dram(own_dram_);  // its own `dram`, or a platform's shared one
    dma_ = make_child<IDma>("dma");
    input_ = make_child<IScratchpad>("input_sram");
    weight_ = make_child<IScratchpad>("weight_sram");
    output_ = make_child<IScratchpad>("output_sram");
    vector_ = make_child<IVectorUnit>("vector");
    router_.map(*dram_, 0);
    router_.map(*input_, kInputBase);
    router_.map(*weight_, kWeightBase);
    router_.map(*output_, kOutputBase);
    dma_->initiator_socket().bind(router_.target);
    // 2. The engine: buffers (two halves each), where each tensor class goes, the compute rule.
    compute_ = std::make_unique<VectorOnly>(*vector_);
    ExecEngine::Config c;
    c.dma = dma_.get();
    c.compute = compute_.get();
    c.clock = &clock_;
    c.buffers = {{kInputBase, input_->capacity_bytes() / 2, input_.get()},
                 {kWeightBase, weight_->capacity_bytes() / 2, weight_.get()},
                 {kOutputBase, output_->capacity_bytes() / 2, output_.get()}};
    c.weight_side = {kWeight, kWeight, -1, kWeight};
    c.input_side = {-1, -1, kInput, kInput};
    c.output = kOutput;
    c.quantum_ps = context().shared_memory ? 0 : 1000000000;  // 1 ms ahead, alone
    c.units = fast_forward_units({dma_.get(), dram_, input_.get(), weight_.get(), output_.get()});
    c.stats = &stats();
    c.vector_unit = vector_.get();
    engine_ = std::make_unique<ExecEngine>(c, acc_);
  }

  // 3. Preparation: check every operator maps (a user error now, before time passes).
  void prepare(const Workload& w, const RunOptions&) override {
    workload_ = &w;
    uint64_t weights = 0, activations = 0;
    for (const Model& m : w.models) {
      // (An LLM's decode steps differ only in the attention's length: its last step is the
      // largest.)
      for (size_t ph : {size_t{0}, phase_count(m) - 1}) {
        for (const Operator& op : make_phase(m, ph).ops) {
          UnitSink count([](std::vector<WorkUnit>&&, bool, bool) {});
          lower(op, count);  // throws MappingError when it does not fit
          const TensorSizes t = tensor_sizes(op);
          if (weight_at_.emplace(m.name + "/" + op.name, weights).second) {
            weights += bytes_for(t.weight, op.precision.weight);
          }
          activations = std::max({activations, bytes_for(t.input, op.precision.activation),
                                  bytes_for(t.output, op.precision.output)});
        }
      }
    }
    act_base_[0] = weights;
    act_base_[1] = weights + activations;
    if (weights + 2 * activations > dram_->capacity_bytes()) {
      throw MappingError("the workload needs " + format_bytes(Bytes{weights + 2 * activations}) +
                         " of DRAM but " + config().path() + ".dram.capacity is " +
                         format_bytes(Bytes{dram_->capacity_bytes()}));
    }
  }

  // 4. The program: each operator of each phase, lowered and fed to the engine.
  void run_model(size_t index, IRequestContext& ctx) override {
    const Model& m = workload_->models[index];
    for (size_t ph = 0; ph < phase_count(m); ++ph) {
      const Phase phase = make_phase(m, ph);
      ctx.begin_phase(phase.name, phase.kind);
      for (const Operator& op : phase.ops) {
        ctx.boundary();
        const size_t id =
            acc_.begin_op(op.name, op_type_name(op.type), vector_->peak_elements_per_cycle(8));
        // Weights at their place; activations ping-pong between two regions above them.
        const uint64_t parity = ops_++ % 2;
        const OperandBases bases{weight_at_.at(m.name + "/" + op.name), act_base_[parity],
                                 act_base_[1 - parity]};
        // Units reach the engine in bounded batches as they are made (memory independent of size).
        UnitSink sink([&](std::vector<WorkUnit>&& units, bool first, bool last) {
          engine_->feed(std::move(units), id, bases, 0, first, last);
        });
        lower(op, sink);
        sink.close();
      }
      if (!m.llm) inferences_ += u(m.batch);
    }
  }

  ExecEngine& engine() override { return *engine_; }
  RunAccounting& accounting() override { return acc_; }
  const IDram& main_memory() const override { return *dram_; }
  const ClockDomain& accelerator_clock() const override { return clock_; }

  // 5. The report.
  RunResult result() override {
    RunResult r = RunResult::of_inferences(acc_, clock_, inferences_);
    Json s = Json::object();
    s["work_units"] = engine_->units_issued();
    r.sections["vector_npu"] = s;
    return r;
  }

 private:
  // The lowering (see the top of the file). Addresses are offsets from the operator's bases.
  void lower(const Operator& op, UnitSink& out) const {
    const int ab = static_cast<int>(op.precision.activation),
              wb = static_cast<int>(op.precision.weight),
              ob = static_cast<int>(op.precision.output);
    VectorWork ew;
    if (op.type == OpType::Gemm || op.type == OpType::Gemv) {
      const uint64_t m = op.type == OpType::Gemv ? 1 : u(op.m), k = u(op.k), n = u(op.n);
      const uint64_t row = bytes_for(k, ab), column = bytes_for(k, wb);
      const uint64_t in_half = input_->capacity_bytes() / 2, w_half = weight_->capacity_bytes() / 2,
                     out_half = output_->capacity_bytes() / 2;
      if (row > in_half || column > w_half) {
        throw MappingError(
            "operator `" + op.name + "`: one row of inputs (" + format_bytes(Bytes{row}) +
            ") or one column of weights (" + format_bytes(Bytes{column}) +
            ") does not fit half of the input or weight buffer (" + format_bytes(Bytes{in_half}) +
            ", " + format_bytes(Bytes{w_half}) + ") at " + op.source);
      }
      const uint64_t cols = std::min(n, w_half / column);
      const uint64_t rows = std::max<uint64_t>(
          1, std::min({m, in_half / row, out_half / std::max<uint64_t>(1, bytes_for(cols, ob))}));
      for (uint64_t r = 0; r < m; r += rows) {  // row blocks, each against every column chunk
        const uint64_t mr = std::min(rows, m - r);
        for (uint64_t c = 0; c < n; c += cols) {
          const uint64_t nc = std::min(cols, n - c);
          WorkUnit w;
          w.kind = WorkUnit::Kind::Vector;
          w.weight_bytes = nc * column;
          w.weight_addr = c * column;
          w.input_bytes = mr * row;
          w.input_addr = r * row;
          w.vw = {VectorFn::Mac, mr * k * nc, std::max(ab, wb)};
          w.store_bytes = bytes_for(mr * nc, ob);
          w.store_addr = bytes_for(r * n + c * mr, ob);
          out.push(w);
        }
      }
    } else if (elementwise_work(op, &ew)) {
      const TensorSizes t = tensor_sizes(op);
      const uint64_t per =
          std::max<uint64_t>(1, t.input / std::max<uint64_t>(1, t.output));  // operands
      const uint64_t fit =
          std::min(input_->capacity_bytes() / 2 / std::max<uint64_t>(1, bytes_for(per, ab)),
                   output_->capacity_bytes() / 2 / std::max<uint64_t>(1, bytes_for(1, ob)));
      for (uint64_t e = 0; e < t.output; e += fit) {
        const uint64_t n = std::min(fit, t.output - e);
        WorkUnit w;
        w.kind = WorkUnit::Kind::Vector;
        w.input_bytes = bytes_for(n * per, ab);
        w.input_addr = bytes_for(e * per, ab);
        w.vw = {ew.fn, n * ew.elements / t.output, ew.bits};
        w.store_bytes = bytes_for(n, ob);
        w.store_addr = bytes_for(e, ob);
        out.push(w);
      }
    } else {
      throw MappingError("vector_npu runs gemm, gemv and element-wise operators; `" + op.name +
                         "` is " + op_type_name(op.type) + " at " + op.source);
    }
  }

  VectorNpuParams p_;
  ClockDomain clock_;
  std::unique_ptr<IDram> own_dram_;
  IDram* dram_ = nullptr;
  std::unique_ptr<IDma> dma_;
  std::unique_ptr<IScratchpad> input_, weight_, output_;
  std::unique_ptr<IVectorUnit> vector_;
  AddressRouter router_;
  std::unique_ptr<VectorOnly> compute_;
  RunAccounting acc_;
  std::unique_ptr<ExecEngine> engine_;
  const Workload* workload_ = nullptr;
  std::unordered_map<std::string, uint64_t> weight_at_;  // model/operator -> DRAM address
  uint64_t act_base_[2] = {0, 0}, ops_ = 0, inferences_ = 0;
};

NPUSIM_REGISTER_COMPONENT(VectorNpu, "accelerator", "vector_npu",
                          "NPU without a matrix unit: GEMMs as MACs on a vector unit (example)");

}  // namespace npusim
