// The CNN engine's compute rule (cnn_engine.cpp): what one P-tile costs on the PE array and
// the weights generator, which overlap through the ping-pong weights buffer.
#pragma once

#include <algorithm>

#include "models/cnn_engine/i_pe_array.h"
#include "models/cnn_engine/i_weights_generator.h"
#include "sim/core/errors.h"
#include "sim/exec/engine.h"

namespace npusim {

// Per P-tile: the PE array's rows (Eq. 7 when input-selective) against the generator's
// n_b ceil(T_P T_C / M) cycles (Eq. 5) when the unit's weights are generated.
class CnnComputeRule : public IComputeRule {
 public:
  CnnComputeRule(IPeArray& pe, IWeightsGenerator* wgen) : pe_(pe), wgen_(wgen) {}
  Cost compute(const WorkUnit& u, OpActivity& act) override {
    const uint64_t eng = pe_.cycles(u.mw.m, u.mw.n);
    pe_.account(u.mw, eng);
    act.add_matrix(u.mw);
    Cost c{eng, u.mw.m * u.mw.k * u.mw.n, pe_.path().c_str()};
    // Each activation row is read once and broadcast to the PEs; a weight tile is read once
    // into the PEs' registers; partial sums stay in the PEs and leave once per output tile.
    c.input_read = bytes_of(u.mw.m * u.mw.k, u.mw.a_bits);
    c.weight_read = bytes_of(u.mw.k * u.mw.n, u.mw.w_bits);
    c.output_written = u.store_bytes;
    if (!u.transform_weights) return c;
    NPUSIM_ASSERT(wgen_ != nullptr, "a generated weight tile on an engine without a generator");
    const uint64_t n_b = u.transform_work.m, k2 = u.transform_work.k, elements = u.transform_work.n;
    const uint64_t gen = wgen_->cycles(n_b, elements);
    wgen_->account(n_b, k2, elements, gen);
    act.transform(0) += n_b * elements;  // basis_mac
    act.transform(1) += elements;        // weight_write
    c.weight_read += u.table_bytes;      // streamed coefficients, read once by the generator
    c.cycles = std::max(eng, gen);
    return c;
  }

 private:
  IPeArray& pe_;
  IWeightsGenerator* wgen_;
};

}  // namespace npusim
