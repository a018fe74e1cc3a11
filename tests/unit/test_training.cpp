// Training phases of a trace (sim/memory_ledger/training.h): backward MACs, optimiser state
// and the peak memory of a small graph from its allocation events, derived by hand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/memory_ledger/training.h"

using namespace npusim;

namespace {

// Two convolutions and a classifier, fp32:
//   c1: conv 3 -> 8, 3x3, pad 1, 8x8 input: MACs = 8·8 · 8 · 3·3·3 = 13,824; weights 216
//   c2: conv 8 -> 16, 1x1, 8x8:             MACs = 8·8 · 16 · 8      =  8,192; weights 128
//   fc: gemm 1 x 16 x 10:                   MACs = 16 · 10           =    160; weights 160
// Forward: 13,824 + 8,192 + 160 = 22,176 MACs.
const char* kNet = R"(schema_version: 1
name: tiny
models:
  - name: tiny
    precision: {activation: 32, weight: 32, output: 32}
    layers:
      - {name: c1, op: conv2d, in_channels: 3, out_channels: 8, in_h: 8, in_w: 8, kernel_h: 3, kernel_w: 3, padding: 1, activation: relu}
      - {name: c2, op: conv2d, in_channels: 8, out_channels: 16, in_h: 8, in_w: 8, kernel_h: 1, kernel_w: 1}
      - {name: fc, op: gemm, m: 1, k: 16, n: 10}
)";

Workload load(const std::string& training) {
  return load_workload(
      load_yaml_text(std::string(kNet) + training, "wl.yaml", ErrorKind::Workload, "workload"));
}

}  // namespace

TEST_CASE("training: full training's backward is 2x the forward MACs", "[training]") {
  // Every layer computes its input gradient (same MACs as its forward) and its full weight
  // gradient (ch_ratio 1: the same MACs again): bwd = 2 x 22,176 = 44,352 = 2 x fwd.
  const Workload w = load(R"(    training:
      phases:
        - {layer: c1, bwd_dx: true, bwd_dw: true}
        - {layer: c2, bwd_dx: true, bwd_dw: true}
        - {layer: fc, bwd_dx: true, bwd_dw: true}
)");
  const Model& m = w.models[0];
  const TrainingCosts c = training_costs(m, *load_training(m));
  CHECK(c.fwd_macs == 22176);
  CHECK(c.bwd_dx_macs == 22176);
  CHECK(c.bwd_dw_macs == 22176);
  CHECK(c.bwd_macs() == 2 * c.fwd_macs);
}

TEST_CASE("training: sparse update's channel-sliced backward and Adam vs SGD state", "[training]") {
  // Update c2 at ch_ratio 0.25 and the classifier fully; input gradients above c2 only (fc):
  //   bwd_dx = fc 160
  //   bwd_dw = ceil(0.25·16) = 4 of 16 channels of c2: 4 · 8,192/16 = 2,048; fc 160 -> 2,208
  //   updated weights = 4 · 8 (c2) + 160 (fc) = 192 -> 768 B at fp32
  //   Adam state = 3 x 768 = 2,304 B; SGD = 1 x 768 = 768 B
  const std::string phases = R"(
      phases:
        - {layer: c2, bwd_dw: true, ch_ratio: 0.25}
        - {layer: fc, bwd_dx: true, bwd_dw: true}
)";
  const Workload adam = load("    training:\n      optimizer: adam" + phases);
  const TrainingCosts a = training_costs(adam.models[0], *load_training(adam.models[0]));
  CHECK(a.bwd_dx_macs == 160);
  CHECK(a.bwd_dw_macs == 2208);
  CHECK(a.updated_weights == 192);
  CHECK(a.updated_weight_bytes == 768);
  CHECK(a.optimizer_state_bytes == 2304);
  const Workload sgd = load("    training:\n      optimizer: sgd" + phases);
  CHECK(training_costs(sgd.models[0], *load_training(sgd.models[0])).optimizer_state_bytes == 768);
}

TEST_CASE(
    "training: the Fisher reduction costs one MAC per output element and a square per "
    "channel",
    "[training]") {
  // c2 output 16 x 8 x 8 = 1,024 elements -> 1,024 MACs + 16 squares = 1,040
  const Workload w = load("    training:\n      phases:\n        - {layer: c2, fisher: true}\n");
  CHECK(training_costs(w.models[0], *load_training(w.models[0])).fisher_macs == 1040);
}

TEST_CASE("training: peak memory of the small graph from its allocation events", "[training]") {
  // The exporters' plan for "update c2 (ch_ratio 0.25) and fc with Adam" (B1..B4, F2):
  //   step 0: all weights (216 + 128 + 160) x 4 = 2,016 B in flash; B1 = 768 B; B2 = 2,304 B
  //   step 1: F2 = c1 input + output = (3 + 8) x 64 x 4 B = 2,816 B
  //   step 2: F2 released; B3 = ReLU mask of c1 (none above c2 has ReLU) -> 0, not allocated;
  //           B4 = c2's input 8 x 64 x 4 = 2,048 B + fc's input 16 x 4 = 64 B
  //   SRAM: step 0 3,072; step 1 5,888; step 2 5,184 -> peak 5,888 B at step 1
  //   = B1 + B2 + max(F2, B3 + B4), the paper's formula (tinytrain.md §3).
  const Workload w = load(R"(    training:
      weights_in_flash: true
      phases:
        - {layer: c2, bwd_dw: true, ch_ratio: 0.25}
        - {layer: fc, bwd_dx: true, bwd_dw: true}
      tensors:
        - {step: 0, event: alloc, tensor: weights, bytes: 2016B, space: flash, kind: weights}
        - {step: 0, event: alloc, tensor: b1, bytes: 768B, space: sram, kind: weights}
        - {step: 0, event: alloc, tensor: b2, bytes: 2304B, space: sram, kind: optimizer}
        - {step: 1, event: alloc, tensor: f2, bytes: 2816B, space: sram, kind: activations}
        - {step: 2, event: free, tensor: f2}
        - {step: 2, event: alloc, tensor: b4, bytes: 2112B, space: sram, kind: activations}
)");
  const TrainingSpec t = *load_training(w.models[0]);
  const MemoryLedger l = replay_training(t);
  CHECK(l.peak(MemorySpace::Sram).bytes == 5888);
  CHECK(l.peak(MemorySpace::Sram).step == 1);
  CHECK(l.peak(MemorySpace::Flash).bytes == 2016);
  CHECK(l.timeline().back().bytes[static_cast<size_t>(MemorySpace::Sram)] == 5184);
}

TEST_CASE("training: bad sections are WorkloadErrors at load, naming the line", "[training]") {
  auto message = [](const std::string& training) -> std::string {
    try {
      load(training);
    } catch (const WorkloadError& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(message("    training:\n      phases:\n        - {layer: c2, bwd_dw: true, "
                     "ch_ratio: 1.5}\n"),
             Catch::Contains("ch_ratio 1.5 of layer `c2` is outside (0, 1]") &&
                 Catch::Contains("wl.yaml:12"));
  CHECK_THAT(message("    training:\n      phases:\n        - {layer: c3, bwd_dw: true}\n"),
             Catch::Contains("layer `c3` is not in model `tiny`"));
  CHECK_THAT(message("    training:\n      tensors:\n        - {step: 1, event: alloc, tensor: "
                     "buf, bytes: 1KiB, space: flash, kind: buffers}\n"),
             Catch::Contains("placed in flash at run time") && Catch::Contains("wl.yaml:12"));
  CHECK_THAT(message("    training:\n      optimiser: adam\n"),
             Catch::Contains("did you mean `optimizer`"));
}

namespace {

// The text between `begin` and `end` in a doc must be `expected`; on a mismatch the expected
// text is written to `out` (in the test's working directory) to paste between the markers.
void check_generated(const std::string& doc_path, const std::string& begin, const std::string& end,
                     const std::string& expected, const std::string& out) {
  std::ifstream f(std::string(NPUSIM_SOURCE_DIR) + "/" + doc_path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  const size_t a = doc.find(begin), b = doc.find(end);
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  const std::string have = doc.substr(a + begin.size(), b - a - begin.size());
  if (have != expected) std::ofstream(out) << expected;  // only on a mismatch
  INFO("regenerate: paste " << out
                            << " (written by this test in its working directory) "
                               "between the markers of "
                            << doc_path);
  CHECK(have == expected);
}

}  // namespace

TEST_CASE("docs carry the generated training and device tables", "[training][docs]") {
  check_generated("docs/trace_format.md", "<!-- BEGIN GENERATED: training tables -->\n",
                  "<!-- END TRAINING TABLES -->",
                  describe_markdown(training_table(), 3) +
                      describe_markdown(training_phase_table(), 3) +
                      describe_markdown(training_tensor_table(), 3),
                  "training_tables.md");
  check_generated("docs/ondevice_learning.md", "<!-- BEGIN GENERATED: ondevice_target table -->\n",
                  "<!-- END ONDEVICE TARGET TABLE -->",
                  describe_markdown(ondevice_target_table(), 3), "ondevice_target_table.md");
}

TEST_CASE("device presets load, and the Pi Zero 2's calibrated iteration is 526 ms",
          "[training][device]") {
  const std::string dir = std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/ondevice/";
  for (const char* name : {"pi_zero2", "jetson_nano", "rpi3bp", "stm32f746", "stm32h747"}) {
    INFO(name);
    const OnDeviceTarget d = load_ondevice_target(dir + name + ".yaml");
    CHECK(d.name == name);
  }
  // MCUNet TinyTrain per sample-iteration: 22,453,504 fwd + 6,510,000 bwd (Table 2) MACs
  //   compute = 28,963,504 / (4 cores x 1 GHz x 2 MAC/cycle) = 3.6204 ms
  //   + framework_overhead 522.380 ms (calibrated) = 526.000 ms; x 25 x 40 = 526 s (Table 9)
  const OnDeviceTarget pi = load_ondevice_target(dir + "pi_zero2.yaml");
  const IterationCost c = iteration_cost(pi, 28963504, {});
  CHECK(c.compute_s == Approx(0.0036204380).epsilon(1e-9));
  CHECK(c.seconds() * 1000 == Approx(526.0).margin(0.001));
  // the H747's caps become the ledger's limits; it has no DRAM
  const auto lim = memory_limits(load_ondevice_target(dir + "stm32h747.yaml"));
  CHECK(lim[static_cast<size_t>(MemorySpace::Sram)].capacity == 524288);
  CHECK(lim[static_cast<size_t>(MemorySpace::Flash)].capacity == 1048576);
  CHECK_FALSE(lim[static_cast<size_t>(MemorySpace::Dram)].present);
}

TEST_CASE("a device preset with a misspelt key is a ConfigError naming the key",
          "[training][device]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "npusim_test_bad_device.yaml").string();
  std::ofstream(path) << "name: x\nsource: s\ncores: 1\nclock: 1GHz\nmacs_per_cycle: 1\n"
                         "sram: 1KiB\nmemory_bandwith: 1GB/s\nenergy: ondevice_stm32h747\n";
  CHECK_THROWS_WITH(
      load_ondevice_target(path),
      Catch::Contains("memory_bandwith") && Catch::Contains("npusim_test_bad_device.yaml:7"));
}
