#include "sim/mem/router.h"

namespace npusim {

AddressRouter::AddressRouter(const sc_core::sc_module_name& name)
    : sc_module(name), target("target"), initiator("initiator") {
  target.register_b_transport(this, &AddressRouter::b_transport);
}

void AddressRouter::map(IMemory& memory, uint64_t base) {
  for (const auto& r : ranges_) {
    NPUSIM_ASSERT(base + memory.capacity_bytes() <= r.base || base >= r.base + r.size,
                  "overlapping memory map at " + std::to_string(base));
  }
  ranges_.push_back({base, memory.capacity_bytes(), &memory});
  initiator.bind(memory.target_socket());
}

uint64_t AddressRouter::base_of(const IMemory& memory) const {
  for (const auto& r : ranges_) {
    if (r.memory == &memory) return r.base;
  }
  NPUSIM_ASSERT(false, "memory not mapped: " + memory.path());
}

void AddressRouter::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address(), len = trans.get_data_length();
  for (size_t k = 0; k < ranges_.size(); ++k) {
    const size_t i = k == 0 ? last_ : (k <= last_ ? k - 1 : k);  // last hit first, then the rest
    const Range& r = ranges_[i];
    if (addr >= r.base && addr < r.base + r.size) {
      last_ = i;
      NPUSIM_ASSERT(addr + len <= r.base + r.size,
                    "transaction crosses the end of " + r.memory->path());
      trans.set_address(addr - r.base);
      initiator[static_cast<int>(i)]->b_transport(trans, delay);
      trans.set_address(addr);
      return;
    }
  }
  NPUSIM_ASSERT(false, "no memory mapped at address " + std::to_string(addr));
}

}  // namespace npusim
