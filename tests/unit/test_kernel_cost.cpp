// The per-kernel cost forms (sim/exec/kernel_cost.h): the closed forms, and the execution
// engine applying them to whole operators on the LLM NPU (kernel_cost: additive | floor).
#include <catch2/catch.hpp>

#include <sstream>

#include "llm_test_hw.h"
#include "sim/app/session.h"
#include "sim/exec/kernel_cost.h"

using namespace npusim;

namespace {

const std::string kHw = test::kSmallLlmHw;

// `count` fp16 linear layers y = x W^T of one token, 512 inputs x 512 outputs each: 512 KiB of
// weights per layer.
std::string linears(int count) {
  std::string s =
      "schema_version: 1\nname: linears\nmodels:\n  - name: linears\n"
      "    precision: {activation: 16, weight: 16, output: 16}\n    layers:\n";
  for (int i = 0; i < count; ++i) {
    s += "      - {name: fc" + std::to_string(i) + ", op: gemm, m: 1, k: 512, n: 512}\n";
  }
  return s;
}

// A decoder of 6 identical layers, for the fast-forward check (as in test_llm_npu.cpp).
const char* kLlm = R"(
schema_version: 1
name: deep
models:
  - name: deep
    precision: {activation: 16, weight: 16, output: 16, kv: 16}
    llm: {layers: 6, hidden: 1024, ffn: 4096, heads: 8, vocab: 1000, max_context: 512}
    generation: {prompt_len: 40, gen_len: 8}
    schedule: {type: uniform, bits: 16}
)";

SessionOutput run(const std::string& wl, Overrides o) {
  return test::run_texts(kHw, wl, std::move(o));
}

uint64_t cycles(const std::string& wl, Overrides o) {
  return run(wl, std::move(o)).total_cycles;
}

Overrides cost(const std::string& form, uint64_t overhead_ns) {
  return {{"kernel_cost", form}, {"kernel_overhead", std::to_string(overhead_ns) + "ns"}};
}

}  // namespace

TEST_CASE("kernel cost forms: additive adds the overhead, floor hides it under a long stream",
          "[kernel_cost]") {
  using F = KernelCostForm;
  // A 13,000-cycle floor (13 us at 1 GHz) against streams of 8,000, 13,000 and 20,000 cycles.
  CHECK(kernel_duration(F::Additive, 13000, 8000) == 21000);  // 13,000 + 8,000
  CHECK(kernel_duration(F::Floor, 13000, 8000) == 13000);     // short kernel: the floor
  CHECK(kernel_duration(F::Floor, 13000, 13000) == 13000);    // the boundary: both
  CHECK(kernel_duration(F::Floor, 13000, 13001) == 13001);    // one cycle past: the stream
  CHECK(kernel_duration(F::Floor, 13000, 20000) == 20000);    // long kernel: the stream
  // The engine's two steps: when the first compute may start (ready at cycle 500)...
  CHECK(kernel_first_compute(F::Additive, 500, 13000) == 13500);
  CHECK(kernel_first_compute(F::Floor, 500, 13000) == 500);
  // ...and until when a kernel started at cycle 100 holds the compute units.
  CHECK(kernel_busy_until(F::Additive, 100, 8100, 13000) == 8100);
  CHECK(kernel_busy_until(F::Floor, 100, 8100, 13000) == 13100);   // 100 + 13,000
  CHECK(kernel_busy_until(F::Floor, 100, 20100, 13000) == 20100);  // the stream ends later
}

TEST_CASE("LLM NPU, floor form: one kernel takes max(floor, its stream time)", "[kernel_cost]") {
  // The kernel's stream with no fixed cost: 512 KiB of weights at 32 B/cycle is 16,384 cycles
  // of DRAM transfer alone, plus latency, compute of the last tile and the output store.
  const uint64_t stream = cycles(linears(1), cost("floor", 0));
  REQUIRE(stream >= 512 * 1024 / 32);
  REQUIRE(stream < 30000);
  // The kernel runs from cycle 0, so its time is exactly max(floor, stream).
  CHECK(cycles(linears(1), cost("floor", 40000)) == 40000);            // short kernel: the floor
  CHECK(cycles(linears(1), cost("floor", stream)) == stream);          // the boundary
  CHECK(cycles(linears(1), cost("floor", stream + 1)) == stream + 1);  // floor one cycle longer
  CHECK(cycles(linears(1), cost("floor", stream - 1000)) == stream);   // long kernel: hidden
  CHECK(cycles(linears(1), cost("floor", 1000)) == stream);
  // The additive form puts the whole overhead before the first compute: nothing hides it.
  const uint64_t added = cycles(linears(1), cost("additive", 1000));
  INFO("stream " << stream << ", additive 1,000 " << added);
  CHECK(added > stream);
  CHECK(cycles(linears(1), cost("additive", 40000)) > 40000);
}

TEST_CASE("LLM NPU, floor form: each kernel starts when the previous one ends", "[kernel_cost]") {
  // Three 512 x 512 linears, each far shorter than a 100,000-cycle floor. Kernel i holds the
  // compute units over [100,000 (i - 1), 100,000 i); the last one's own compute and store take
  // well under 100,000 cycles from its start, so the run ends at 3 x 100,000.
  const uint64_t one = cycles(linears(1), cost("floor", 0));
  REQUIRE(one < 100000);
  CHECK(cycles(linears(3), cost("floor", 100000)) == 300000);
  // With no fixed cost the three stream back to back, in less than three times one alone
  // (the next one's weights load while the previous one computes).
  CHECK(cycles(linears(3), cost("floor", 0)) <= 3 * one);
  CHECK(cycles(linears(3), cost("floor", 0)) == cycles(linears(3), cost("additive", 0)));
}

TEST_CASE("LLM NPU, floor form: fast-forward of repeating layers stays exact", "[kernel_cost]") {
  // The decode layers repeat; the fast-forward must give the same stats as simulating every
  // unit, with a 20,000-cycle floor hidden under the long weight streams (gate/up/down: 8 MiB
  // each, 262,144 cycles at 32 B/cycle) and visible on the short kernels (norms, attention).
  Overrides floor = cost("floor", 20000), slow = floor;
  slow.push_back({"fast_forward", "false"});
  const SessionOutput on = run(kLlm, floor), off = run(kLlm, slow);
  CHECK(on.stats.at_path("llm_npu.fast_forwarded_layers")->as_uint() >= 24);  // it did skip
  CHECK(off.stats.at_path("llm_npu.fast_forwarded_layers")->as_uint() == 0);
  CHECK(on.total_cycles == off.total_cycles);
  std::istringstream a(on.stats.dump()), b(off.stats.dump());
  std::string la, lb;
  size_t lines = 0, different = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    ++lines;
    if (la == lb || la.find("fast_forwarded") != std::string::npos) continue;
    ++different;  // (averages replayed as k x one period's sum: equal to the last bits)
    INFO(la << "  vs  " << lb);
    CHECK(std::stod(la.substr(la.find(':') + 1)) ==
          Approx(std::stod(lb.substr(lb.find(':') + 1))).epsilon(1e-12));
  }
  CHECK(lines > 500);
  CHECK(different <= 2);
  // The floor form is not the additive one moved around: the floors hidden under the long
  // streams cost nothing, so the run is shorter than with the same overhead added.
  CHECK(on.total_cycles < cycles(kLlm, cost("additive", 20000)));
  CHECK(on.total_cycles > cycles(kLlm, cost("floor", 0)));
}
