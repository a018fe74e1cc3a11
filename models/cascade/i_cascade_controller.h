// A cascade controller: the policy that moves the devices' forwarding thresholds from the
// server's queue (kind "cascade_controller", chosen in the cascade's `controller:` slot).
//
// Contract. start() sees the fleet (tiers and their light models' accuracy) and the starting
// thresholds (the static baseline's). Every `period_ps()` the fleet calls decide() with the
// server's queue state at that instant; the controller may change `thresholds` (one per device,
// each kept in [0, 1]) and returns what it did for the log. The new thresholds reach the
// devices one network delay later (spec §6.7). A decision costs no simulated time on the
// server (it runs beside the queue, as in the paper).
#pragma once

#include <vector>

#include "models/cascade/cascade_types.h"
#include "sim/core/component.h"

namespace npusim {

class ICascadeController : public Component {
 public:
  using Component::Component;
  virtual uint64_t period_ps() const = 0;
  virtual void start(const FleetView& fleet, const std::vector<double>& thresholds) = 0;
  virtual ControlStep decide(const QueueState& q, std::vector<double>& thresholds) = 0;
};

}  // namespace npusim
