// DMA engine: descriptor-driven transfers between any two mapped memories.
//
// A descriptor moves `rows` rows of `bytes` each (row r from src + r*src_stride to
// dst + r*dst_stride). The engine splits rows into transactions of at most
// `transaction_bytes`, keeps up to `max_outstanding` of them in flight per queue, and reads
// each from the source before writing it to the destination. Descriptors on one queue start in
// order but overlap in flight; separate queues run independently and share the memories'
// bandwidth through their calendars. `done` completes when the descriptor's last write ends,
// and never before the previous descriptor of the same queue (completions are in order).
#pragma once

#include <tlm>

#include <memory>
#include <string>

#include "sim/core/completion.h"
#include "sim/core/component.h"

namespace npusim {

struct DmaDescriptor {
  uint64_t src = 0, dst = 0;  // router (global) addresses
  uint64_t bytes = 0;         // per row
  uint64_t rows = 1;
  uint64_t src_stride = 0, dst_stride = 0;
  const char* label = "";  // for the timeline (a string literal)
};

class IDma : public Component {
 public:
  using Component::Component;
  virtual tlm::tlm_initiator_socket<>& initiator_socket() = 0;
  virtual int queues() const = 0;
  virtual uint64_t setup_cycles() const = 0;  // per descriptor
  // Queues a transfer (callable from any process, at the current simulated time).
  virtual void submit(int queue, const DmaDescriptor& d, std::shared_ptr<Completion> done) = 0;

  // Loosely-timed, temporally decoupled use (TLM-2.0 LT with a local time): moves `d` as if
  // issued at `issue_ps` (>= now) and returns its completion, without waiting. Exact when the
  // caller is the only initiator of the memories involved and issues in nondecreasing time,
  // as an in-order controller does (models/llm_npu); the same window and set-up rules apply.
  virtual uint64_t transfer_decoupled(int queue, const DmaDescriptor& d, uint64_t issue_ps) = 0;
  // When the queue issued its last transaction: no later one starts before it.
  virtual uint64_t queue_cursor_ps(int queue) const = 0;
};

}  // namespace npusim
