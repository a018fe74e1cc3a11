#include "sim/core/version.h"

#include "npusim_build_id.h"

namespace npusim {

const char* build_id() {
  return NPUSIM_BUILD_ID;
}

}  // namespace npusim
