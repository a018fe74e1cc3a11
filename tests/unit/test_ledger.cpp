// The memory ledger (sim/memory_ledger/ledger.h): peak over time, breakdown at the peak, the
// flash rule and OOM events, on small event lists whose answers are derived by hand.
#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/memory_ledger/ledger.h"

using namespace npusim;

namespace {

LedgerEvent alloc(int64_t step, const std::string& name, uint64_t bytes, MemorySpace s,
                  TensorKind k) {
  return {step, true, name, bytes, s, k, "test"};
}
LedgerEvent release(int64_t step, const std::string& name) {
  return {step, false, name, 0, MemorySpace::Sram, TensorKind::Activations, "test"};
}

}  // namespace

TEST_CASE("ledger: peak over time of a small training step, with its breakdown", "[ledger]") {
  // A 2-layer net, one training iteration:
  //   step 0: weights 1000 B (flash), trainable copy 200 B, Adam state 3 x 200 = 600 B (sram)
  //   step 1: forward I/O buffer 800 B                              -> sram 200+600+800 = 1600
  //   step 2: I/O buffer released; saved input 500 B, ReLU mask 100 B -> 200+600+600 = 1400
  //   step 3: both released                                         -> 800
  // The SRAM peak is 1600 B at step 1: weights 200, optimizer 600, activations 800.
  MemoryLedger l;
  l.apply(alloc(0, "weights", 1000, MemorySpace::Flash, TensorKind::Weights));
  l.apply(alloc(0, "w_copy", 200, MemorySpace::Sram, TensorKind::Weights));
  l.apply(alloc(0, "adam", 600, MemorySpace::Sram, TensorKind::Optimizer));
  l.apply(alloc(1, "io", 800, MemorySpace::Sram, TensorKind::Activations));
  l.apply(release(2, "io"));
  l.apply(alloc(2, "x1", 500, MemorySpace::Sram, TensorKind::Activations));
  l.apply(alloc(2, "mask", 100, MemorySpace::Sram, TensorKind::Activations));
  l.apply(release(3, "x1"));
  l.apply(release(3, "mask"));
  l.finish();
  const SpacePeak& p = l.peak(MemorySpace::Sram);
  CHECK(p.bytes == 1600);
  CHECK(p.step == 1);
  CHECK(p.by_kind[static_cast<size_t>(TensorKind::Weights)] == 200);
  CHECK(p.by_kind[static_cast<size_t>(TensorKind::Optimizer)] == 600);
  CHECK(p.by_kind[static_cast<size_t>(TensorKind::Activations)] == 800);
  CHECK(l.peak(MemorySpace::Flash).bytes == 1000);
  REQUIRE(l.timeline().size() == 4);
  const uint64_t sram[] = {800, 1600, 1400, 800};
  for (size_t i = 0; i < 4; ++i) {
    CHECK(l.timeline()[i].step == static_cast<int64_t>(i));
    CHECK(l.timeline()[i].bytes[static_cast<size_t>(MemorySpace::Sram)] == sram[i]);
  }
  CHECK(l.oom().empty());
}

TEST_CASE("ledger: a run-time write to flash is a WorkloadError naming the tensor", "[ledger]") {
  MemoryLedger l;
  l.apply(alloc(0, "codebook", 262144, MemorySpace::Flash, TensorKind::Buffers));  // deployment
  CHECK_THROWS_AS(l.apply(alloc(1, "rehearsal", 4096, MemorySpace::Flash, TensorKind::Buffers)),
                  WorkloadError);
  try {
    l.apply(alloc(2, "rehearsal", 4096, MemorySpace::Flash, TensorKind::Buffers));
  } catch (const WorkloadError& e) {
    CHECK(std::string(e.what()).find("`rehearsal` (4KiB) is placed in flash at run time") !=
          std::string::npos);
  }
}

TEST_CASE("ledger: an allocation over the cap is an OOM event, counted", "[ledger]") {
  // SRAM capped at 512 KiB = 524288 B: 300000 + 300000 = 600000 B > 524288 at step 1.
  std::array<SpaceLimit, kMemorySpaces> caps{};
  caps[static_cast<size_t>(MemorySpace::Sram)] = {true, 524288};
  MemoryLedger l(caps);
  l.apply(alloc(0, "a", 300000, MemorySpace::Sram, TensorKind::Buffers));
  CHECK(l.oom().empty());
  l.apply(alloc(1, "b", 300000, MemorySpace::Sram, TensorKind::Activations));
  REQUIRE(l.oom().size() == 1);
  CHECK(l.oom()[0].need == 600000);
  CHECK(l.oom()[0].capacity == 524288);
  CHECK(l.oom()[0].tensor == "b");
  CHECK(l.peak(MemorySpace::Sram).bytes == 600000);
}

TEST_CASE("ledger: SRAM falls back to DRAM on a device without SRAM; flash does not", "[ledger]") {
  std::array<SpaceLimit, kMemorySpaces> sbc{};
  sbc[static_cast<size_t>(MemorySpace::Sram)] = {false, 0};
  sbc[static_cast<size_t>(MemorySpace::Flash)] = {false, 0};
  sbc[static_cast<size_t>(MemorySpace::Dram)] = {true, 1700000000};
  MemoryLedger l(sbc);
  l.apply(alloc(0, "w", 100, MemorySpace::Sram, TensorKind::Weights));
  CHECK(l.live(MemorySpace::Dram) == 100);
  CHECK_THROWS_AS(l.apply(alloc(0, "f", 100, MemorySpace::Flash, TensorKind::Weights)),
                  WorkloadError);
}

TEST_CASE("ledger: events out of order, double allocation and unknown release are errors",
          "[ledger]") {
  MemoryLedger l;
  l.apply(alloc(2, "a", 1, MemorySpace::Sram, TensorKind::Buffers));
  CHECK_THROWS_AS(l.apply(alloc(1, "b", 1, MemorySpace::Sram, TensorKind::Buffers)), WorkloadError);
  CHECK_THROWS_AS(l.apply(alloc(2, "a", 1, MemorySpace::Sram, TensorKind::Buffers)), WorkloadError);
  CHECK_THROWS_AS(l.apply(release(3, "zz")), WorkloadError);
}
