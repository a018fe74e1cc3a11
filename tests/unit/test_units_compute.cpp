// Vector unit and systolic array components: derived cycle counts, precision packing and
// multi-pass operands.
#include <catch2/catch.hpp>

#include "harness.h"
#include "sim/compute/i_matrix_unit.h"
#include "sim/compute/i_vector_unit.h"
#include "sim/compute/systolic_timing.h"

using namespace npusim;
using namespace npusim::test;

TEST_CASE("vector unit: latency plus elements over lanes", "[compute]") {
  SimKernel k;
  Harness h;
  auto v = h.build<IVectorUnit>("vector_unit", "vector",
                                "lanes: 16\nnative_bits: 16\nmax_packing: 2\n"
                                "functions: {exp: {cost: 2, latency: 10}}\n");
  // exp on 1000 fp16 elements: 10 + ceil(1000 x 2 / 16) = 10 + 125 = 135 cycles.
  CHECK(v->cycles({VectorFn::Exp, 1000, 16}) == 135);
  // 8-bit elements pack two per lane: 10 + ceil(1000 x 2 / 32) = 10 + 63 = 73.
  CHECK(v->cycles({VectorFn::Exp, 1000, 8}) == 73);
  // add keeps its defaults (cost 1, latency 4): 4 + ceil(1000 / 16) = 67.
  CHECK(v->cycles({VectorFn::Add, 1000, 16}) == 67);
  CHECK(v->peak_elements_per_cycle(4) == 32);  // packing is capped at max_packing
}

TEST_CASE("systolic array: narrow operands pack, wide ones take passes", "[compute]") {
  SimKernel k;
  Harness h;
  auto a =
      h.build<IMatrixUnit>("matrix_unit", "array",
                           "type: systolic_array\nrows: 16\ncols: 16\nmac_bits: 8\nmax_lanes: 2\n");
  ArrayGeometry g{16, 16, Dataflow::WeightStationary, true};
  // int8 x int8: one lane per PE.
  CHECK(a->cycles({256, 64, 64, 8, 8, 1}) == gemm_block_cycles(g, 256, 64, 64, 1));
  // 4-bit operands: two MACs per PE, so 64 outputs need 2 column strips instead of 4.
  CHECK(a->cycles({256, 64, 64, 4, 4, 1}) == gemm_block_cycles(g, 256, 64, 64, 2));
  CHECK(a->cycles({256, 64, 64, 4, 4, 1}) < a->cycles({256, 64, 64, 8, 8, 1}));
  // 16-bit x 8-bit: 2 x 1 passes, each streaming the 256 rows again.
  CHECK(a->cycles({256, 64, 64, 16, 8, 1}) == gemm_block_cycles(g, 512, 64, 64, 1));
  CHECK(a->peak_macs_per_cycle(8, 8) == 256);
  CHECK(a->peak_macs_per_cycle(4, 4) == 512);
  CHECK(a->peak_macs_per_cycle(16, 16) == 64);
  // `count` independent blocks run back to back.
  CHECK(a->cycles({32, 32, 32, 8, 8, 3}) == 3 * a->cycles({32, 32, 32, 8, 8, 1}));
}
