// Descriptor-driven DMA engine (see i_dma.h for the contract). One SystemC thread per queue;
// the thread sleeps while its queue is empty and while its window of outstanding transactions
// is full, except where no other process could run meanwhile (run_ahead; process()).
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "sim/core/fast_forward.h"
#include "sim/core/kernel.h"
#include "sim/mem/i_dma.h"
#include "sim/report/timeline.h"

namespace npusim {
namespace {

struct DmaParams {
  int64_t queues;
  int64_t max_outstanding;
  Bytes transaction_bytes;
  int64_t setup_cycles;
  bool run_ahead;
};

}  // namespace

class DmaEngine : public sc_core::sc_module, public IDma, public IFastForward {
 public:
  static const ParamTable& param_table() {
    using P = DmaParams;
    static const ParamTable t =
        ParamTable("dma_engine",
                   "Descriptor-driven DMA with independent queues and a window of outstanding "
                   "transactions per queue.")
            .param("queues", &P::queues, "independent descriptor queues (e.g. loads and stores)")
            .def(2)
            .min(1)
            .max(64)
            .param("max_outstanding", &P::max_outstanding, "transactions in flight per queue")
            .def(8)
            .min(1)
            .max(1024)
            .param("transaction_bytes", &P::transaction_bytes,
                   "largest single transaction; longer rows are split")
            .def("16KiB")
            .min("1B")
            .param("setup_cycles", &P::setup_cycles, "per-descriptor fetch and decode time")
            .def(16)
            .min(0)
            .unit("cycles")
            .param("run_ahead", &P::run_ahead,
                   "a queue skips the waits within which no other process could run (same "
                   "results, fewer wake-ups); false: it waits for every window slot")
            .def(true);
    return t;
  }

  explicit DmaEngine(const ComponentArgs& a)
      : IDma(a),
        p_(load_params<DmaParams>(param_table())),
        socket_("socket"),
        queues_(static_cast<size_t>(p_.queues)),
        descriptors_(stats().counter("descriptors", "descriptors", "descriptors completed")),
        bytes_(stats().counter("bytes", "bytes", "bytes transferred")),
        transactions_(stats().counter("transactions", "transactions", "transactions issued")),
        scratch_(p_.transaction_bytes.n > (1u << 20) ? 0 : p_.transaction_bytes.n) {
    for (size_t q = 0; q < queues_.size(); ++q) {
      sc_core::sc_spawn([this, q] { guarded([this, q] { run_queue(q); }); },
                        sc_core::sc_gen_unique_name("queue"));
    }
  }

  // Priced per descriptor (fetch and decode) and per byte moved.
  bool activity(ComponentActivity& out) const override {
    out.actions = {{"descriptor", descriptors_.value()}, {"byte", bytes_.value()}};
    out.size_unit = "queue";
    out.size = static_cast<double>(p_.queues);
    return true;
  }

  tlm::tlm_initiator_socket<>& initiator_socket() override { return socket_; }
  int queues() const override { return static_cast<int>(p_.queues); }
  uint64_t setup_cycles() const override { return static_cast<uint64_t>(p_.setup_cycles); }

  uint64_t transfer_decoupled(int queue, const DmaDescriptor& d, uint64_t issue_ps) override {
    NPUSIM_ASSERT(queue >= 0 && queue < queues(), path() + ": no queue " + std::to_string(queue));
    NPUSIM_ASSERT(d.bytes > 0 && d.rows > 0, path() + ": empty descriptor " + std::string(d.label));
    Queue& q = queues_[static_cast<size_t>(queue)];
    NPUSIM_ASSERT(q.pending.empty(),
                  path() + ": decoupled transfer on a queue with pending submits");
    NPUSIM_ASSERT(issue_ps >= q.last_issue && issue_ps >= now_ps(),
                  path() + ": decoupled transfers must be issued in time order, not in the past");
    q.last_issue = issue_ps;
    return process(q, d, issue_ps, true);
  }

  uint64_t queue_cursor_ps(int queue) const override {
    return queues_[static_cast<size_t>(queue)].cursor;
  }

  // Fast-forward (decoupled queues only): each queue's cursor, its last completion and the
  // transactions still in flight after `from`.
  void timed_state(uint64_t from_ps, uint64_t ref_ps, TimedState& out) const override {
    for (const Queue& q : queues_) {
      NPUSIM_ASSERT(q.pending.empty(), path() + ": fast-forward with queued descriptors");
      out.times.push_back(offset_from(q.cursor, from_ps, ref_ps));
      out.times.push_back(offset_from(q.last_done, from_ps, ref_ps));
      const size_t count_at = out.times.size();
      out.times.push_back(0);
      for (uint64_t t : q.in_flight.times()) {
        if (t > from_ps) out.times.push_back(offset_from(t, from_ps, ref_ps));
      }
      out.times[count_at] = static_cast<int64_t>(out.times.size() - count_at - 1);
      std::sort(out.times.begin() + static_cast<std::ptrdiff_t>(count_at) + 1, out.times.end());
    }
  }
  void fast_forward(uint64_t from_ps, uint64_t delta_ps, const std::vector<uint64_t>&,
                    uint64_t) override {
    for (Queue& q : queues_) {
      auto later = [&](uint64_t t) { return t >= from_ps ? t + delta_ps : t; };  // earlier: history
      q.cursor = later(q.cursor);
      q.last_done = later(q.last_done);
      q.last_issue = later(q.last_issue);
      q.in_flight.shift(from_ps, delta_ps);
    }
  }

  void submit(int queue, const DmaDescriptor& d, std::shared_ptr<Completion> done) override {
    NPUSIM_ASSERT(queue >= 0 && queue < queues(), path() + ": no queue " + std::to_string(queue));
    NPUSIM_ASSERT(d.bytes > 0 && d.rows > 0, path() + ": empty descriptor " + std::string(d.label));
    Queue& q = queues_[static_cast<size_t>(queue)];
    q.pending.push_back({d, std::move(done)});
    q.wake.notify();
  }

 private:
  struct Item {
    DmaDescriptor d;
    std::shared_ptr<Completion> done;
  };
  // Completion times of the transactions in flight, ascending. A transaction mostly completes
  // after those issued before it, so an insertion moves few entries (the window is small).
  class InFlight {
   public:
    bool empty() const { return head_ == t_.size(); }
    size_t size() const { return t_.size() - head_; }
    uint64_t earliest() const { return t_[head_]; }
    void pop_earliest() {
      if (++head_ == t_.size()) t_.clear(), head_ = 0;
    }
    void insert(uint64_t t) {
      if (head_ >= 64 && 2 * head_ >= t_.size()) {  // reuse the popped front
        t_.erase(t_.begin(), t_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      auto at = t_.end();
      const auto first = t_.begin() + static_cast<std::ptrdiff_t>(head_);
      while (at != first && *(at - 1) > t) --at;
      t_.insert(at, t);
    }
    std::vector<uint64_t> times() const {
      return {t_.begin() + static_cast<std::ptrdiff_t>(head_), t_.end()};
    }
    // Fast-forward: drops those done by `from`, moves the rest `delta` later (order kept).
    void shift(uint64_t from, uint64_t delta) {
      std::vector<uint64_t> later;
      for (uint64_t t : times()) {
        if (t > from) later.push_back(t + delta);
      }
      t_ = std::move(later);
      head_ = 0;
    }

   private:
    std::vector<uint64_t> t_;
    size_t head_ = 0;
  };
  struct Queue {
    std::deque<Item> pending;
    sc_core::sc_event wake;
    InFlight in_flight;
    uint64_t last_done = 0;   // completion of the previous descriptor (completions are in order)
    uint64_t last_issue = 0;  // decoupled use: issue times must not go back
    uint64_t cursor = 0;      // when the queue issued its last transaction
  };

  uint64_t now_ps() const { return time_to_ps(sc_core::sc_time_stamp()); }

  // Issues one read+write pair at absolute time `at` (>= now; the TLM delay annotation carries
  // the difference) and returns when both have completed (absolute ps). The engine cuts through:
  // the write streams into its target as the read data arrives, so the pair takes as long as
  // the slower side rather than the sum (a 192 KiB weight tile read at 32 B/cycle is not
  // followed by another 1536 cycles of writing it at 128 B/cycle).
  uint64_t issue(uint64_t at, uint64_t src, uint64_t dst, uint64_t len) {
    const uint64_t now = now_ps();
    sc_core::sc_time delay = ps_to_time(at - now), write_delay = delay;
    payload_.set_command(tlm::TLM_READ_COMMAND);
    payload_.set_address(src);
    payload_.set_data_length(static_cast<unsigned>(len));
    payload_.set_data_ptr(scratch_.empty() ? nullptr : scratch_.data());
    payload_.set_streaming_width(static_cast<unsigned>(len));
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket_->b_transport(payload_, delay);
    NPUSIM_ASSERT(payload_.is_response_ok(), path() + ": read failed");
    payload_.set_command(tlm::TLM_WRITE_COMMAND);
    payload_.set_address(dst);
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket_->b_transport(payload_, write_delay);
    NPUSIM_ASSERT(payload_.is_response_ok(), path() + ": write failed");
    ++transactions_;
    return now + time_to_ps(std::max(delay, write_delay));
  }

  // Whether no other process can run before `ps` (> now), nor at it: no timed notification
  // until after `ps` (the time to the next activity is zero while anything is runnable now).
  static bool alone_until(uint64_t ps, uint64_t now) {
    return time_to_ps(sc_core::sc_time_to_pending_activity()) > ps - now;
  }

  // Moves one descriptor starting no earlier than `t` and returns its completion. Threaded
  // (decoupled == false): the calling process waits in simulated time for the set-up and for
  // window slots, so other processes' transactions reach the memories in time order among its
  // own. A wait within which no other process could run (nothing pending until after its end)
  // is not taken: the process runs ahead on its own clock (`t`; issue() annotates the
  // difference) and catches up to it once at the end, where the last wait would have left it,
  // so the memories see the same calls in the same order with one wake-up per descriptor
  // instead of one per window slot. Decoupled: the same times are computed without waiting.
  uint64_t process(Queue& q, const DmaDescriptor& d, uint64_t t, bool decoupled) {
    auto advance = [&](uint64_t target) {
      const uint64_t now = now_ps();
      if (decoupled || target <= now || (p_.run_ahead && alone_until(target, now))) return;
      sim_wait(ps_to_time(target - now));
    };
    t = std::max(t, q.cursor);  // the queue handles one descriptor at a time
    if (p_.setup_cycles > 0) {
      t = clock().ps_of(clock().cycle_at_ps(t) + Cycles(static_cast<uint64_t>(p_.setup_cycles)));
    }
    advance(t);
    const uint64_t start = t, chunk = p_.transaction_bytes.n;
    uint64_t last = start;
    for (uint64_t r = 0; r < d.rows; ++r) {
      for (uint64_t off = 0; off < d.bytes; off += chunk) {
        const uint64_t len = std::min(chunk, d.bytes - off);
        while (true) {  // a free slot in the window of outstanding transactions
          while (!q.in_flight.empty() && q.in_flight.earliest() <= t) q.in_flight.pop_earliest();
          if (q.in_flight.size() < static_cast<size_t>(p_.max_outstanding)) break;
          t = q.in_flight.earliest();
          advance(t);
        }
        const uint64_t done =
            issue(t, d.src + r * d.src_stride + off, d.dst + r * d.dst_stride + off, len);
        q.in_flight.insert(done);
        last = std::max(last, done);
      }
    }
    // Catch up with the local clock: every value of t was waited for, or skipped.
    if (!decoupled && t > now_ps()) sim_wait(ps_to_time(t - now_ps()));
    last = std::max(last, q.last_done);
    q.last_done = last;
    q.cursor = t;
    bytes_ += d.bytes * d.rows;
    ++descriptors_;
    if (timeline() != nullptr) timeline()->record(path(), d.label, start, last);
    return last;
  }

  void run_queue(size_t index) {
    Queue& q = queues_[index];
    while (true) {
      while (q.pending.empty()) sim_wait(q.wake);
      Item it = std::move(q.pending.front());
      q.pending.pop_front();
      const uint64_t done = process(q, it.d, now_ps(), false);
      if (it.done) it.done->complete_at_ps(done);
    }
  }

  DmaParams p_;
  tlm_utils::simple_initiator_socket<DmaEngine> socket_;
  std::vector<Queue> queues_;
  tlm::tlm_generic_payload payload_;
  Counter& descriptors_;
  Counter& bytes_;
  Counter& transactions_;
  // Payload buffer the TLM protocol asks for; the timing models never touch it.
  std::vector<unsigned char> scratch_;
};

NPUSIM_REGISTER_COMPONENT(DmaEngine, "dma", "dma_engine",
                          "Descriptor-driven DMA engine with queues and outstanding transactions");

}  // namespace npusim
