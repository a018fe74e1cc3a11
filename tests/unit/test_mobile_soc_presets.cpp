// The shipped phone presets (hw_configs/mobile_soc; carin.md §2 Table 6): each loads, has the
// engines CARIn lists, and its rates follow from the numbers in the file (and, for the NPU,
// from the suite's mobile NPU preset it names).
#include <catch2/catch.hpp>

#include <algorithm>

#include "models/mobile_soc/partitioner.h"
#include "sim/workload/trace.h"

using namespace npusim;

namespace {

MobileSoc preset(const std::string& name) {
  return load_mobile_soc(std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/mobile_soc/" + name +
                         ".yaml");
}

std::vector<std::string> engine_names(const MobileSoc& s) {
  std::vector<std::string> n;
  for (const Engine& e : s.engines) n.push_back(e.name);
  return n;
}

}  // namespace

TEST_CASE("mobile_soc presets: engines per phone (CARIn Table 6)", "[mobile_soc]") {
  using V = std::vector<std::string>;
  CHECK(engine_names(preset("pixel7")) == V{"cpu", "gpu", "npu"});
  CHECK(engine_names(preset("s20fe")) == V{"cpu", "gpu", "npu"});
  CHECK(engine_names(preset("a71")) == V{"cpu", "gpu", "npu", "dsp"});
  CHECK(preset("pixel7").ram.n == 8ull << 30);
  CHECK(preset("a71").ram.n == 6ull << 30);
}

TEST_CASE("mobile_soc presets: rates derived from the files", "[mobile_soc]") {
  const MobileSoc p7 = preset("pixel7");
  // 4 threads on 2 X1 + 2 A76: the A76 (2.35 GHz x 16 FLOP) paces them, XNNPACK at 35 %:
  // 4 x 37.6e9 x 0.35 = 52.64 GFLOP/s. 2 threads: both X1, 2 x 2.85e9 x 32 x 0.35 = 63.84.
  CHECK(p7.cpu().rate(SocDtype::Fp32, {4, true}) == Approx(52.64e9));
  CHECK(p7.cpu().rate(SocDtype::Fp32, {2, true}) == Approx(63.84e9));
  // 8 threads: the A55s (1.8 GHz x 8) pace all eight: 8 x 14.4e9 x 0.35 = 40.32 GFLOP/s.
  CHECK(p7.cpu().rate(SocDtype::Fp32, {8, true}) == Approx(40.32e9));
  // GPU: 850 MHz x 896 FP16 FLOP x 0.3 = 228.48 GFLOP/s.
  CHECK(p7.find("gpu")->rate(SocDtype::Fp32, {}) == Approx(228.48e9));
  // NPU: the Tensor G2 preset's 2,048 INT8 MACs/cycle at 1 GHz = 4,096 Gop/s x 0.5, and its
  // 2 us layer launch as the per-operator dispatch; fp16 at half the INT8 rate.
  const Engine& npu = *p7.find("npu");
  CHECK(npu.rate(SocDtype::Int8, {}) == Approx(2048e9));
  CHECK(npu.rate(SocDtype::Fp32, {}) == Approx(1024e9));
  CHECK(npu.dispatch.ps == 2000000);
  // The A71's HTA has no float arithmetic; its DSP 1 GHz x 512 x 0.5 = 256 Gop/s INT8.
  const MobileSoc a71 = preset("a71");
  CHECK(a71.find("npu")->rate(SocDtype::Fp16, {}) == 0);
  CHECK(a71.find("dsp")->rate(SocDtype::Int8, {}) == Approx(256e9));
  CHECK(a71.find("dsp")->rate(SocDtype::Fp32, {}) == 0);
  // The op tables carry their versions.
  CHECK(p7.find("gpu")->support->version == "tfl-2023");
  CHECK(a71.find("npu")->support->name == "a71_hta");
}

TEST_CASE("mobile_soc presets: BERT-L2-H128 delegation under the default tables (X2, X5)",
          "[mobile_soc]") {
  // transformers-mobile.md §7 item 2: an engine is feasible for a model when it delegates
  // >= 90 % of the FLOPs within its partition limit.
  auto plan = [](const std::string& phone, const std::string& engine, const std::string& trace) {
    const MobileSoc soc = preset(phone);
    const Workload w = load_workload_file(
        std::string(NPUSIM_SOURCE_DIR) + "/workloads/nlp/bert_l2_h128_s64_" + trace + "_fp32.yaml");
    const SocGraph g = read_soc_graph(w.models.at(0));
    return partition_graph(g, soc, soc.find(engine));
  };
  // Original graph (GELU + LayerNorm): the tfl-2023 GPU finds many candidate partitions (X2)
  // and keeps one; no accelerator of any phone is feasible.
  const DelegationPlan gpu = plan("pixel7", "gpu", "gelu_layernorm");
  CHECK(gpu.candidate_partitions > 10);
  CHECK(gpu.delegated_fraction() < 0.9);
  for (const char* phone : {"pixel7", "s20fe", "a71"}) {
    for (const char* e : {"gpu", "npu"}) {
      INFO(phone << " " << e);
      CHECK(plan(phone, e, "gelu_layernorm").delegated_fraction() < 0.9);
    }
  }
  // Mobile-friendly graph (ReLU + BatchNorm as MUL + ADD): the P7's NPU takes >= 90 % of the
  // FLOPs in its 3 partitions (only BATCH_MATMUL stays on the CPU); the S20's EDEN NPU takes
  // FCs but no SOFTMAX or TRANSPOSE, below 90 %; the A71's HTA and DSP take nothing of a float
  // model (X5).
  CHECK(plan("pixel7", "npu", "relu_bn_folded").delegated_fraction() >= 0.9);
  CHECK(plan("s20fe", "npu", "relu_bn_folded").delegated_fraction() < 0.9);
  CHECK(plan("a71", "npu", "relu_bn_folded").delegated_nodes == 0);
  CHECK(plan("a71", "dsp", "relu_bn_folded").delegated_nodes == 0);
}

TEST_CASE("mobile_soc presets: X3, BERT-L2's original graph gains nothing from an accelerator",
          "[mobile_soc]") {
  // transformers-mobile.md §4 X3 as §7 item 4 restates it: for the original (GELU + LayerNorm)
  // graph the best accelerator design is no faster than the best CPU design, on every phone,
  // across the sync sweep x {0.5, 1, 2}. Designs: every engine with 1, 2, 4, 8 threads and
  // XNNPACK on or off for the CPU side.
  const Workload w = load_workload_file(std::string(NPUSIM_SOURCE_DIR) +
                                        "/workloads/nlp/bert_l2_h128_s64_gelu_layernorm_fp32.yaml");
  const SocGraph g = read_soc_graph(w.models.at(0));
  for (const char* phone : {"pixel7", "s20fe", "a71"}) {
    for (double k : {0.5, 1.0, 2.0}) {
      MobileSoc soc = preset(phone);
      for (Engine& e : soc.engines) {
        e.delegate.sync.ps = static_cast<uint64_t>(static_cast<double>(e.delegate.sync.ps) * k);
      }
      double best_cpu = 1e9, best_accelerator = 1e9;
      for (const Engine& e : soc.engines) {
        const bool cpu = e.kind == EngineKind::Cpu;
        const DelegationPlan p = partition_graph(g, soc, cpu ? nullptr : &e);
        if (!cpu && p.delegated_nodes == 0) continue;  // nothing delegated: not a design of e
        for (int64_t threads : {1, 2, 4, 8}) {
          for (bool xnnpack : {true, false}) {
            double& best = cpu ? best_cpu : best_accelerator;
            best = std::min(best, design_cost(g, soc, p, {threads, xnnpack}).total_s());
          }
        }
      }
      INFO(phone << " sync x" << k << ": CPU " << best_cpu << " s, accelerator " << best_accelerator
                 << " s");
      CHECK(best_accelerator >= best_cpu);
    }
  }
}
