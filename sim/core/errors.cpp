#include "sim/core/errors.h"

namespace npusim {

void internal_failure(const char* file, int line, const std::string& what) {
  throw InternalError(std::string("internal error at ") + file + ":" + std::to_string(line) + ": " +
                      what);
}

}  // namespace npusim
