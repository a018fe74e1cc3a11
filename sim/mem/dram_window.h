// One accelerator's view of a DRAM shared by a platform: a window [base, base + size) of it,
// reached through the platform's memory bus. Transactions pass through unchanged but for the
// address offset (no delay: the shared DRAM's calendars do the queueing, so accelerators
// contend for its bandwidth); the window counts its own traffic for the per-accelerator report.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "sim/mem/i_memory.h"

namespace npusim {

class DramWindow : public sc_core::sc_module, public IDram {
 public:
  DramWindow(const ComponentArgs& a, const IDram& shared, uint64_t base, uint64_t size);
  tlm_utils::simple_initiator_socket<DramWindow> initiator;  // bound to the platform's bus

  tlm::tlm_base_target_socket_b<>& target_socket() override { return target_; }
  uint64_t capacity_bytes() const override { return size_; }
  uint64_t bytes_read() const override { return read_.value(); }
  uint64_t bytes_written() const override { return written_.value(); }
  double peak_bandwidth() const override { return shared_.peak_bandwidth(); }
  Time access_latency() const override { return shared_.access_latency(); }
  uint64_t base() const { return base_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm_utils::simple_target_socket<DramWindow> target_;
  const IDram& shared_;
  uint64_t base_, size_;
  Counter& read_;
  Counter& written_;
};

}  // namespace npusim
