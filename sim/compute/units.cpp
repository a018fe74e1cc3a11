// The blocking `execute` shared by every matrix and vector unit: wait the unit's cycles, then
// account them.
#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/core/kernel.h"
#include "sim/report/timeline.h"

namespace npusim {
namespace {

template <class Unit, class Work>
void run_blocking(Unit& unit, const Work& w, uint64_t cycles, const std::string& label) {
  const uint64_t start = time_to_ps(sc_core::sc_time_stamp());
  unit.clock().wait(Cycles(cycles));
  unit.account(w, cycles);
  if (unit.timeline() != nullptr) {
    unit.timeline()->record(unit.path(), label, start, time_to_ps(sc_core::sc_time_stamp()));
  }
}

}  // namespace

void IMatrixUnit::execute(const MatrixWork& w, const std::string& label) {
  run_blocking(*this, w, cycles(w), label);
}

void IVectorUnit::execute(const VectorWork& w, const std::string& label) {
  run_blocking(*this, w, cycles(w), label);
}

}  // namespace npusim
