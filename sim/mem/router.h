// Address decoder between initiators (DMA engines, compute units) and memories. Each memory
// is mapped at a base address; the router forwards a transaction to the memory that holds its
// range, with the address made local to that memory, and adds no delay. A transaction that
// crosses a boundary or hits no memory is a model bug.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <string>
#include <vector>

#include "sim/mem/i_memory.h"

namespace npusim {

class AddressRouter : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<AddressRouter> target;
  tlm_utils::multi_passthrough_initiator_socket<AddressRouter> initiator;

  explicit AddressRouter(const sc_core::sc_module_name& name);

  // Binds `memory` at [base, base + capacity). Call during elaboration, in any order.
  void map(IMemory& memory, uint64_t base);
  // Base address at which `memory` was mapped.
  uint64_t base_of(const IMemory& memory) const;

 private:
  struct Range {
    uint64_t base, size;
    const IMemory* memory;
  };
  void b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  std::vector<Range> ranges_;  // index == initiator socket index
  size_t last_ = 0;            // most recent hit, tried first
};

}  // namespace npusim
