// A platform: several accelerators that share one DRAM, so concurrent requests contend for its
// bandwidth (docs/runtime.md).
//
//   type: platform
//   name: two_edge_npus
//   clock: 1GHz                  # of the shared memory system
//   dram: {type: simple_dram, channels: 2, ...}
//   accelerators:                # name -> an accelerator's hardware description, without `dram`
//     npu0: {type: generic_npu, ...}
//     npu1: {type: generic_npu, ...}
//
//   accelerator -> its router -> DRAM window (its share of the address space) -+
//   accelerator -> its router -> DRAM window ----------------------------------+-> bus -> DRAM
//
// Each accelerator gets an equal, contiguous window of the DRAM's capacity. Its engine
// synchronises with the kernel before every transfer (quantum 0), so the accelerators reach
// the shared DRAM in time order; fast-forward is off (a shared memory's state is not periodic
// in one accelerator's work).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/core/i_accelerator.h"
#include "sim/mem/dram_window.h"
#include "sim/mem/router.h"

namespace npusim {

class Platform : public sc_core::sc_module, public Component {
 public:
  static const ParamTable& param_table();
  explicit Platform(const ComponentArgs& a);
  ~Platform() override;

  const std::vector<IAccelerator*>& accelerators() const { return view_; }
  const std::vector<std::string>& names() const { return names_; }
  const IDram& dram() const { return *dram_; }
  const IDram& window(size_t i) const { return *windows_[i]; }
  void emit_resolved(YAML::Emitter& out) const override;  // with `accelerators:`
  Json params_json() const override;

 private:
  Frequency clock_hz_;
  ClockDomain clock_;
  std::unique_ptr<IDram> dram_;
  AddressRouter bus_;
  std::vector<std::unique_ptr<DramWindow>> windows_;
  std::vector<std::unique_ptr<IAccelerator>> accelerators_;
  std::vector<IAccelerator*> view_;
  std::vector<std::string> names_;
};

}  // namespace npusim
