// Memories reachable over TLM-2.0 (DRAM, scratchpads).
//
// Timing contract (loosely timed, with a reservation calendar): an initiator calls
// b_transport with `delay` = offset from now at which the request reaches the memory. The
// memory reserves its bandwidth resource in the earliest gap after that and returns with
// `delay` = offset at which the transfer completes (read data delivered, or write data
// accepted). The call does not wait; the initiator decides when to wait for completion, so it
// can keep several transfers outstanding. Payload data is never touched: the suite models
// timing, not values.
#pragma once

#include <tlm>

#include "sim/core/component.h"

namespace npusim {

class IMemory : public Component {
 public:
  using Component::Component;
  virtual tlm::tlm_base_target_socket_b<>& target_socket() = 0;
  virtual uint64_t capacity_bytes() const = 0;
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_written() const = 0;
};

class IDram : public IMemory {
 public:
  using IMemory::IMemory;
  // Configured peak over all channels, bytes per second (before the efficiency derating).
  virtual double peak_bandwidth() const = 0;
  // Fixed time before a request's data starts to move (for planners' estimates).
  virtual Time access_latency() const = 0;
};

// On-chip SRAM / scratchpad.
class IScratchpad : public IMemory {
 public:
  // Every scratchpad counts the compute units' accesses in its stats (declared here, first).
  explicit IScratchpad(const ComponentArgs& a)
      : IMemory(a),
        compute_read_(stats().counter("compute_bytes_read", "bytes",
                                      "bytes read by the compute units (operands, partial sums)")),
        compute_written_(stats().counter("compute_bytes_written", "bytes",
                                         "bytes written by the compute units (results, partial "
                                         "sums)")) {}
  virtual uint64_t bytes_per_cycle() const = 0;  // one port
  virtual int ports() const = 0;
  // Reads and writes by the compute units, which the execution engine charges per unit of work
  // (untimed: the units' operand paths are sized to keep up); for the activity counters.
  void account_compute(uint64_t read_bytes, uint64_t written_bytes) {
    compute_read_ += read_bytes;
    compute_written_ += written_bytes;
  }
  uint64_t compute_bytes_read() const { return compute_read_.value(); }
  uint64_t compute_bytes_written() const { return compute_written_.value(); }

 private:
  Counter& compute_read_;
  Counter& compute_written_;
};

}  // namespace npusim
