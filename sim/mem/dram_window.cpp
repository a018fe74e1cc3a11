#include "sim/mem/dram_window.h"

namespace npusim {

DramWindow::DramWindow(const ComponentArgs& a, const IDram& shared, uint64_t base, uint64_t size)
    : IDram(a),
      initiator("initiator"),
      target_("target"),
      shared_(shared),
      base_(base),
      size_(size),
      read_(stats().counter("bytes_read", "bytes",
                            "bytes this accelerator read from the shared DRAM")),
      written_(stats().counter("bytes_written", "bytes",
                               "bytes this accelerator wrote to the shared DRAM")) {
  target_.register_b_transport(this, &DramWindow::b_transport);
}

void DramWindow::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  NPUSIM_ASSERT(addr + trans.get_data_length() <= size_, path() + ": access beyond the window");
  (trans.is_read() ? read_ : written_) += trans.get_data_length();
  trans.set_address(addr + base_);
  initiator->b_transport(trans, delay);
  trans.set_address(addr);
}

}  // namespace npusim
