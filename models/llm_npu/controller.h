// The LLM NPU's instruction scheduler: executes pipeline steps strictly in program order.
//
// Memory: one in-order DMA queue carries every transfer (weight tiles, LUTs, K/V chunks,
// activation tiles, stores), the way FlightLLM's memory instructions issue in program order.
// A step's loads issue as soon as its buffer half is free (the step `slots` earlier in the same
// buffer has computed) and the queue has issued everything before them, so loads run up to
// `slots` steps ahead of compute, across operator boundaries. The compiler places a step's
// store after the loads of the step `slots` later, so stores never hold back prefetching;
// a load of data an earlier operator wrote waits until that store has completed.
// Compute: the MPE, the dequantiser and the SFU process steps in order; a weight tile takes
// max(MPE, dequant) + the dequant pipeline depth; a fused attention chunk takes
// MPE(Q.K^T) + SFU(softmax) + MPE(P.V) (or all three on the SFU, `attention_on_sfu`, for
// machines that run attention in vector math); an on-chip SFU operation exposes only its latency and
// the last sub-vector when `sfu_overlap` (it consumes the producer's output as it streams).
//
// Time: the controller keeps a local time ahead of the SystemC kernel (TLM-2.0 loosely timed
// with temporal decoupling) and issues each transfer through the DMA's decoupled interface at
// its exact issue time; the DRAM and scratchpads time it with their calendars. Because this
// queue is the only initiator and issues in nondecreasing time, the result does not depend on
// how far ahead it runs: `quantum` 0 (synchronise before every transfer, as a threaded model
// would) gives the same cycles as any other quantum (tests/unit/test_llm_npu.cpp).
#pragma once

#include <array>
#include <deque>
#include <unordered_map>
#include <vector>

#include "models/llm_npu/i_dequant_unit.h"
#include "sim/compute/i_matrix_unit.h"
#include "sim/core/fast_forward.h"
#include "sim/core/stats.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/mapping/lowering.h"
#include "sim/mem/i_dma.h"
#include "sim/report/run_accounting.h"

namespace npusim {

class Timeline;

struct StepBases {  // DRAM bases added to the step's offsets
  uint64_t weight = 0, input = 0, store = 0;
};

class InOrderController {
 public:
  enum Buffer { kWeight, kAct, kKv, kOut, kBuffers };
  struct Config {
    IDma* dma = nullptr;
    int queue = 0;
    IMatrixUnit* mpe = nullptr;
    IVectorUnit* sfu = nullptr;
    IDequantUnit* dequant = nullptr;
    const ClockDomain* clock = nullptr;
    std::array<uint64_t, kBuffers> base{}, half{};  // router address and bytes of one half
    uint64_t slots = 2;
    bool sfu_overlap = true;
    bool attention_on_sfu = false;  // Q.K^T and P.V as MACs on the SFU lanes instead of the MPE
    uint64_t sfu_overlap_elements = 64;
    uint64_t quantum_ps = 0;  // how far the local time may run ahead of the kernel
    Timeline* timeline = nullptr;
    // Fast-forward of periodic steady states (fast_forward.cpp): the memories' timing state
    // (the DMA first) and the stats tree to replay. Empty `units`: off.
    std::vector<IFastForward*> units;
    StatGroup* stats = nullptr;
  };

  InOrderController(Config c, RunAccounting& acc);

  // Appends an operator's steps (run after everything fed before). `overhead` cycles of fixed
  // per-operator cost precede its first compute. `feed_shared` keeps pointers to the caller's
  // steps (they must outlive the run: cached templates); `feed` takes ownership.
  void feed(std::vector<Step>&& steps, size_t op_id, const StepBases& bases, uint64_t overhead);
  void feed_shared(const std::vector<Step>& steps, size_t op_id, const StepBases& bases, uint64_t overhead);
  // Holds the next computation until at least `cycles` after the last one (a precision switch).
  void stall(uint64_t cycles);
  // Runs everything fed, issues the remaining stores, and brings the kernel to the end.
  void finish();
  uint64_t end_ps() const { return end_ps_; }
  uint64_t fast_forwarded_steps() const { return skipped_steps_; }

 private:
  static constexpr uint64_t kPending = ~uint64_t{0};  // a time not known yet
  struct Batch {  // steps the controller owns, freed once all of them have run
    std::vector<Step> steps;
    size_t unretired = 0;
  };
  struct Pending {
    const Step* s;
    Batch* batch;
    size_t op;
    StepBases bases;
    uint64_t overhead = 0;
    bool first_of_op = false, last_of_op = false;
    uint64_t arrival = 0;        // when its loads completed
    bool loaded = false;
    int8_t holds[2] = {-1, -1};  // buffers whose half it occupies until it computes
    uint64_t compute_end = 0;
  };
  void push(const std::vector<Step>& steps, Batch* batch, size_t op_id, const StepBases& bases, uint64_t overhead);
  void advance();               // issue/compute everything the fed steps allow
  bool try_load(Pending& p, uint64_t index);
  void compute(Pending& p, uint64_t index);
  void issue_store(Pending& p);
  uint64_t transfer(uint64_t src, uint64_t dst, uint64_t bytes, uint64_t at, const char* what);
  void sync_to(uint64_t ps);
  Buffer buffer_of(const Step& s) const;
  uint64_t compute_cycles(const Step& s);

  Config c_;
  RunAccounting& acc_;
  std::deque<Pending> q_;     // fed, not yet retired
  std::deque<Batch> batches_;
  uint64_t base_index_ = 0;   // absolute index of q_.front()
  uint64_t next_load_ = 0, next_compute_ = 0;
  std::deque<size_t> stores_waiting_;  // indices whose store waits behind later loads
  // Per buffer: the last `slots` steps that loaded into it, and when their compute frees the half.
  struct SlotUse {
    uint64_t index, free_at;
  };
  std::array<std::deque<SlotUse>, kBuffers> slot_users_;
  uint64_t claim_half(int buffer, uint64_t index);  // returns the half's router address
  std::deque<uint64_t> out_free_;  // store completions of the last output blocks
  uint64_t issue_cursor_ = 0;      // program order of the memory queue
  uint64_t compute_free_ = 0;      // when the compute units finish the previous step
  uint64_t producer_done_ = 0;     // completion of the latest store
  uint64_t end_ps_ = 0;

  // fast_forward.cpp: after each computed step, look for a state that repeats one period
  // (1..kMaxPeriod steps) later and skip whole periods of the identical steps that follow.
  static constexpr uint64_t kMaxPeriod = 8;
  struct Record {  // the machine after computing step `index`
    uint64_t index = 0, ref = 0, from = 0;  // compute end; the DMA queue's cursor
    std::vector<int64_t> times;             // controller and units, relative to ref
    bool full = false;              // with the memories' state and the stats
    std::vector<TimedState> units;
    StatSnapshot stats;
    OpAccount acct;
    OpTraffic traffic;
  };
  void after_compute(uint64_t index);
  bool same_timing(const Pending& a, const Pending& b) const;
  const Pending* step_at(uint64_t index) const {  // fed, or among the last computed ones kept
    return index >= base_index_ && index - base_index_ < q_.size() ? &q_[index - base_index_] : nullptr;
  }
  bool periodic(uint64_t from, uint64_t to, uint64_t period) const;  // steps [from, to) vs period earlier
  uint64_t periodic_run(uint64_t from, uint64_t period);              // how many steps from `from` on
  bool repeats(const Record& now, const Record& before) const;       // same state, whole cycles later
  void record(uint64_t index, bool full, Record& r) const;  // full: with the memories and stats
  void skip(const Record& now, const Record& before, uint64_t periods);
  bool ff_on_ = false;
  uint64_t addr_period_ = 1;
  size_t ff_op_ = SIZE_MAX;
  uint64_t ff_tries_ = 0;
  std::vector<Record> ring_;     // timing records of this operator's last candidate steps
  size_t ring_used_ = 0, ring_next_ = 0;
  Record anchor_;                // a state seen to repeat, with its stats: confirmed one period on
  uint64_t anchor_target_ = 0;
  bool anchored_ = false;
  // periodic_run of shared (cached) step templates, by (first step, period): the same template
  // is fed for every layer and token, and its bases cancel out of the comparison.
  std::unordered_map<const Step*, std::array<uint64_t, kMaxPeriod + 1>> run_cache_;
  uint64_t skipped_steps_ = 0;
};

}  // namespace npusim
