// The execution engine: issues a model's work units (work_unit.h) in program order through a
// DMA, on-chip buffers and the model's compute units, with double buffering, dependencies and
// the exact fast-forward of repeating periods. Every accelerator runs on it; a model supplies
// the parts (DMA, buffers), how its operands map to buffers, and its compute rule.
//
// Memory: loads issue as soon as their buffer half is free (the unit `slots` earlier in the
// same buffer has computed), so they run up to `slots` units ahead of compute, across operator
// boundaries. Two queue disciplines:
//   - one in-order DMA queue for everything (load_queue == store_queue; FlightLLM's memory
//     instructions): a unit's store is placed behind the loads of the unit `slots` later, so
//     stores never hold back prefetching;
//   - a separate store queue: a store issues when its unit has computed, in time order with the
//     loads (a store goes before any load that issues later than it).
// Dependencies (data an earlier operator wrote): with `Dependency::EveryStore` a load of such
// data waits for every store issued so far; with `Dependency::OperatorBoundary` the first such
// load of an operator waits until every earlier unit has computed and all their stores are done.
// Compute: units compute in order; the model's compute rule gives each unit's cycles.
//
// Time: the engine keeps a local time ahead of the SystemC kernel (TLM-2.0 loosely timed with
// temporal decoupling) and issues each transfer through the DMA's decoupled interface at its
// exact issue time; the DRAM and scratchpads time it with their calendars. When this engine is
// the only initiator of its memories the result does not depend on how far ahead it runs
// (`quantum_ps`); when memories are shared (a platform of several accelerators), quantum 0
// synchronises before every transfer so initiators reach the memories in time order.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <unordered_map>
#include <vector>

#include "sim/core/clock.h"
#include "sim/core/component.h"
#include "sim/core/fast_forward.h"
#include "sim/core/stats.h"
#include "sim/exec/kernel_cost.h"
#include "sim/exec/work_unit.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/report/run_accounting.h"

namespace npusim {

class Timeline;

// The model's compute rule: the cycles a unit's compute takes on the model's units (and the
// units' own activity accounting). Called once per computed unit, in program order.
class IComputeRule {
 public:
  struct Cost {
    uint64_t cycles = 0;
    uint64_t macs = 0;      // MACs the unit performs (for utilisation)
    const char* unit = "";  // path of the unit it ran on ("hw.array"), the timeline's track
    // Bytes the compute units read from the buffers holding the unit's weight-side and
    // input-side operands, and read from / write to the output buffer (partial sums, results).
    uint64_t weight_read = 0, input_read = 0, output_read = 0, output_written = 0;
  };
  virtual ~IComputeRule() = default;
  // Also adds the unit's compute-side actions (MACs by class, vector elements, transform
  // elements) to `act`, the operator's activity; the engine adds the buffer accesses.
  virtual Cost compute(const WorkUnit& u, OpActivity& act) = 0;

  // Buffer bytes of `elements` of `bits` (packed, rounded up to whole bytes).
  static uint64_t bytes_of(uint64_t elements, int bits) {
    return (elements * static_cast<uint64_t>(bits) + 7) / 8;
  }
  // A matrix block's buffer traffic (its unit's traffic(), operands at their widths, partial
  // sums and results at `out_bits`).
  static void add_matrix_bytes(Cost& c, const MatrixTraffic& t, const MatrixWork& w, int out_bits) {
    c.input_read += bytes_of(t.a_reads, w.a_bits);
    c.weight_read += bytes_of(t.w_reads, w.w_bits);
    c.output_read += bytes_of(t.out_reads, out_bits);
    c.output_written += bytes_of(t.out_writes, out_bits);
  }
  // An element-wise operation reads its elements from the input buffer when the unit loaded
  // them, else from the output buffer (the previous result, on chip), and writes them there.
  static void add_vector_bytes(Cost& c, const WorkUnit& u) {
    const uint64_t b = bytes_of(u.vw.elements, u.vw.bits);
    (u.input_bytes > 0 ? c.input_read : c.output_read) += b;
    c.output_written += b;
  }
};

struct OperandBases {  // DRAM bases added to the unit's offsets
  uint64_t weight = 0, input = 0, store = 0;
};

// The engine's parameters as a model exposes them, declared once for every model: appends
// `sync_quantum` (Time) and `fast_forward` (bool) for fields of those names in the model's
// parameter struct P.
template <class P>
ParamTable& engine_params(ParamTable& t) {
  return t
      .param("sync_quantum", &P::sync_quantum,
             "how far the execution engine's local time may run ahead of the kernel (0: every "
             "transfer; on a platform that shares a DRAM it is always 0)")
      .def("1ms")
      .param(
          "fast_forward", &P::fast_forward,
          "skip repeating periods exactly: runs of identical work units, and blocks of operators a "
          "model marks as repeats (decode layers); off with a timeline or a clock period that is "
          "not "
          "a whole number of picoseconds")
      .def(ParamValue(true));
}

// The memories' fast-forward interfaces, or none when any of them lacks one (then the engine
// simulates every unit).
std::vector<IFastForward*> fast_forward_units(std::initializer_list<Component*> memories);

class ExecEngine {
 public:
  static constexpr int kMaxBuffers = 8;
  enum class Dependency { EveryStore, OperatorBoundary };
  struct Buffer {
    uint64_t base = 0;            // router address
    uint64_t half = 0;            // bytes of one half (of one slot)
    IScratchpad* sram = nullptr;  // its memory, charged the compute units' accesses
  };
  struct Config {
    IDma* dma = nullptr;
    int load_queue = 0, store_queue = 0;
    IComputeRule* compute = nullptr;
    const ClockDomain* clock = nullptr;
    std::vector<Buffer> buffers;  // indexed by the model's buffer ids
    // Buffer of each operand by tensor class (-1: not expected), and of the outputs.
    std::array<int8_t, kTensorClasses> weight_side{}, input_side{};
    int output = 0;
    uint64_t slots = 2;
    Dependency dependency = Dependency::EveryStore;
    uint64_t quantum_ps = 0;  // how far the local time may run ahead of the kernel
    // How each operator's `overhead` (feed()) combines with its own time (kernel_cost.h).
    KernelCostForm kernel_cost = KernelCostForm::Additive;
    Timeline* timeline = nullptr;
    // Fast-forward of periodic steady states (fast_forward.cpp): the memories' timing state
    // (the DMA first) and the stats tree to replay. Empty `units`: off.
    std::vector<IFastForward*> units;
    StatGroup* stats = nullptr;
    // The units an operator's activity (OpActivity) refers to, for its energy.
    const Component* matrix_unit = nullptr;
    const Component* vector_unit = nullptr;
    const Component* transform_unit = nullptr;
  };

  ExecEngine(Config c, RunAccounting& acc);

  // Appends an operator's units (run after everything fed before). `overhead` cycles of fixed
  // per-operator cost precede its first compute (or, with KernelCostForm::Floor, are the least
  // time the operator holds the compute units from its start; kernel_cost.h).
  // `feed_shared` keeps pointers to the caller's
  // units (they must outlive the run: cached templates); `feed` takes ownership.
  // An operator may come in several batches (a UnitSink's): the same op_id and bases each time,
  // `first` on the first batch only (its overhead counts, the others' is ignored), `last` on
  // the last one.
  void feed(std::vector<WorkUnit>&& units, size_t op_id, const OperandBases& bases,
            uint64_t overhead, bool first = true, bool last = true);
  void feed_shared(const std::vector<WorkUnit>& units, size_t op_id, const OperandBases& bases,
                   uint64_t overhead);
  // Holds the next computation until at least `cycles` after the last one (a precision switch).
  void stall(uint64_t cycles);
  // Runs everything fed, issues the remaining stores, and brings the kernel to the end. More
  // units may be fed afterwards (the next request on a shared accelerator).
  void finish();
  // Holds the next computation and the next loads until `ps` (a request that arrives later).
  void hold_until(uint64_t ps);
  uint64_t end_ps() const { return end_ps_; }
  const Config& config() const { return c_; }

  // The machine's timing state after a computed unit (fast_forward.cpp); opaque to models.
  struct Record {                           // the machine after computing unit `index`
    uint64_t index = 0, ref = 0, from = 0;  // compute end; the DMA queues' earliest cursor
    std::vector<int64_t> times;             // engine and units, relative to ref
    bool full = false;                      // with the memories' state and the stats
    std::vector<TimedState> units;
    StatSnapshot stats;
    OpAccount acct;
    OpTraffic traffic;
    OpActivity act;
  };

  // Program-level fast-forward (fast_forward.cpp). A model that is about to feed the same block
  // of operators several more times (a transformer's layers within one decode step: the same
  // work at addresses a whole number of address_period() apart) marks the end of each block.
  // Once two consecutive marks show the same state, later by a whole number of cycles, each
  // further block would repeat the last one exactly, and skip_blocks() applies k of them at
  // once: times move k·Δ later, the memories and the stats replay k blocks, and the operators
  // the model registered for the skipped blocks get the last block's accounts, shifted.
  struct BlockMark {
    Record rec;
    size_t end_op = 0;     // operators registered before the mark
    uint64_t skipped = 0;  // units fast-forwarded before the mark
    bool valid = false;
  };
  // False (and `m` invalid) when fast-forward is off or nothing was fed yet.
  bool mark_block(BlockMark& m);
  bool blocks_repeat(const BlockMark& before, const BlockMark& now) const;
  // The model has registered k x n operators (n = the block's operators), block after block,
  // from id `first_new` on, with the same work as the block between the marks.
  void skip_blocks(const BlockMark& before, const BlockMark& now, uint64_t k, size_t first_new);
  uint64_t address_period() const { return addr_period_; }
  uint64_t fast_forwarded_units() const { return skipped_steps_; }
  uint64_t fast_forwarded_blocks() const { return skipped_blocks_; }
  uint64_t units_issued() const { return next_load_ + skipped_steps_; }
  // The most units any engine has held at once (fed, not yet retired) since the last reset:
  // what bounds its memory, whatever the operators' sizes.
  static uint64_t peak_units_held();
  static void reset_peak_units_held();

 private:
  static constexpr uint64_t kPending = ~uint64_t{0};  // a time not known yet
  struct Batch {  // units the engine owns, freed once all of them have run
    std::vector<WorkUnit> units;
    size_t unretired = 0;
  };
  struct Pending {
    const WorkUnit* s;
    Batch* batch;
    size_t op;
    OperandBases bases;
    uint64_t overhead = 0;
    bool first_of_op = false, last_of_op = false;
    uint64_t arrival = 0;  // when its loads completed
    bool loaded = false;
    int8_t holds[2] = {-1, -1};  // buffers whose half it occupies until it computes
    uint64_t compute_end = 0;
  };
  void push(const std::vector<WorkUnit>& units, Batch* batch, size_t op_id,
            const OperandBases& bases, uint64_t overhead, bool first = true, bool last = true);
  void advance();  // issue/compute everything the fed units allow
  bool try_load(Pending& p, uint64_t index);
  void compute(Pending& p, uint64_t index);
  void issue_store(Pending& p);
  void charge_buffers(const WorkUnit& u, const IComputeRule::Cost& cost, OpActivity& act);
  void issue_waiting_store();
  uint64_t transfer(int queue, uint64_t src, uint64_t dst, uint64_t bytes, uint64_t at,
                    const char* what);
  void sync_to(uint64_t ps);
  bool shared_queue() const { return c_.load_queue == c_.store_queue; }

  Config c_;
  RunAccounting& acc_;
  std::deque<Pending> q_;  // fed, not yet retired
  std::deque<Batch> batches_;
  uint64_t base_index_ = 0;  // absolute index of q_.front()
  uint64_t next_load_ = 0, next_compute_ = 0;
  std::deque<size_t> stores_waiting_;  // indices whose store waits behind later loads
  // Per buffer: the last `slots` units that loaded into it, and when their compute frees the half.
  struct SlotUse {
    uint64_t index, free_at;
  };
  std::array<std::deque<SlotUse>, kMaxBuffers> slot_users_;
  uint64_t claim_half(int buffer, uint64_t index);  // returns the half's router address
  std::deque<uint64_t> out_free_;                   // store completions of the last output blocks
  uint64_t issue_cursor_ = 0;                       // program order of the load queue
  uint64_t compute_free_ = 0;   // when the compute units finish the previous unit
  uint64_t producer_done_ = 0;  // completion of the latest store
  uint64_t end_ps_ = 0;
  uint64_t kernel_floor_end_ = 0;  // Floor form: the running operator holds compute until then
  size_t dependency_met_op_ = SIZE_MAX;  // OperatorBoundary: the operator whose producers are done
  bool more_coming_ = false;             // the last batch fed was not its operator's last
  uint64_t floor_ps() const;             // before this, no future transfer can issue

  // fast_forward.cpp: after each computed unit, look for a state that repeats one period
  // (1..kMaxPeriod units) later and skip whole periods of the identical units that follow.
  static constexpr uint64_t kMaxPeriod = 8;
  void after_compute(uint64_t index);
  bool same_timing(const Pending& a, const Pending& b) const;
  const Pending* step_at(uint64_t index) const {  // fed, or among the last computed ones kept
    return index >= base_index_ && index - base_index_ < q_.size() ? &q_[index - base_index_]
                                                                   : nullptr;
  }
  bool periodic(uint64_t from, uint64_t to,
                uint64_t period) const;                   // units [from, to) vs period earlier
  uint64_t periodic_run(uint64_t from, uint64_t period);  // how many units from `from` on
  bool repeats(const Record& now, const Record& before) const;  // same state, whole cycles later
  void record(uint64_t index, bool full, Record& r) const;      // full: with the memories and stats
  void skip(const Record& now, const Record& before, uint64_t periods);
  void shift_times(uint64_t delta);  // every engine time, `delta` later
  bool ff_on_ = false;
  uint64_t addr_period_ = 1;
  size_t ff_op_ = SIZE_MAX;
  uint64_t ff_tries_ = 0;
  std::vector<Record> ring_;  // timing records of this operator's last candidate units
  size_t ring_used_ = 0, ring_next_ = 0;
  Record anchor_;  // a state seen to repeat, with its stats: confirmed one period on
  uint64_t anchor_target_ = 0;
  bool anchored_ = false;
  // periodic_run of shared (cached) unit templates, by (first unit, period): the same template
  // is fed for every layer and token, and its bases cancel out of the comparison.
  std::unordered_map<const WorkUnit*, std::array<uint64_t, kMaxPeriod + 1>> run_cache_;
  uint64_t skipped_steps_ = 0, skipped_blocks_ = 0;
};

}  // namespace npusim
