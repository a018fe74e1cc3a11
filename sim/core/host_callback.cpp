#include "sim/core/host_callback.h"

namespace npusim {
namespace {

HostCallback& slot() {
  static HostCallback f;
  return f;
}

}  // namespace

void set_host_callback(HostCallback f) {
  slot() = std::move(f);
}
const HostCallback& host_callback() {
  return slot();
}

}  // namespace npusim
