// Speed benchmark: wall time, CPU time, simulated cycles per CPU second and process wake-ups
// ("events") per second for the standard workloads. Run it through scripts/bench_speed.
//
//   npusim_bench [--repeat N] [--only NAME]
//
// Each case runs N times (default 3) and the run with the median CPU time is reported.
#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/app/session.h"
#include "sim/core/component.h"
#include "sim/core/kernel.h"
#include "sim/core/version.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"

using namespace npusim;

namespace {

struct Sample {
  double wall_s = 0, cpu_s = 0;
  uint64_t cycles = 0, events = 0;
};

double cpu_seconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

template <class F>
Sample measure(F&& body) {
  Sample s;
  auto w0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds();
  body(s);
  s.cpu_s = cpu_seconds() - c0;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  return s;
}

// `dram` (a YAML mapping), if given, replaces the hardware's DRAM: the same machine on another
// memory model.
Sample run_files(const std::string& hw, const std::string& wl, const std::string& dram = "") {
  return measure([&](Sample& s) {
    SessionInput in;
    in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + hw, ErrorKind::Config, "hw");
    if (!dram.empty()) in.hw->root["dram"] = YAML::Load(dram);
    in.workload =
        load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + wl, ErrorKind::Workload, "workload");
    SessionOutput out = run_session(std::move(in));
    s.cycles = out.total_cycles;
    s.events = out.activations;
  });
}

// Dysta's request streams (docs/sparse.md): one session of 1,000 requests per (scheduler, seed)
// on the generated scenario traces (scripts/bench_speed exports them). A process parses each
// trace once, so repeated runs measure the simulation, not the CSV parsing.
Sample run_streams(const std::string& hw, const std::string& wl,
                   const std::vector<std::string>& schedulers, int seeds) {
  return measure([&](Sample& s) {
    for (const std::string& sched : schedulers) {
      for (int seed = 1; seed <= seeds; ++seed) {
        SessionInput in;
        in.hw = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + hw, ErrorKind::Config, "hw");
        in.workload = load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/" + wl, ErrorKind::Workload,
                                     "workload");
        in.overrides = {{"workload.requests.scheduler.type", sched},
                        {"workload.requests.seed", std::to_string(seed)}};
        SessionOutput out = run_session(std::move(in));
        s.cycles += out.total_cycles;
        s.events += out.activations;
      }
    }
  });
}

// Both scenarios x the 8 schedulers x `seeds` arrival seeds.
Sample dysta_grid(int seeds) {
  const std::vector<std::string> all = {"fcfs",  "sjf",   "prema",       "planaria",
                                        "sdrm3", "dysta", "dysta_naive", "dysta_oracle"};
  Sample a = run_streams("hw_configs/sparse/sanger_like.yaml", "workloads/sparse/multi_attnn.yaml",
                         all, seeds);
  const Sample c = run_streams("hw_configs/sparse/eyeriss_v2_like.yaml",
                               "workloads/sparse/multi_cnn.yaml", all, seeds);
  a.wall_s += c.wall_s;
  a.cpu_s += c.cpu_s;
  a.cycles += c.cycles;
  a.events += c.events;
  return a;
}

constexpr const char* kSimpleDram =
    "{type: simple_dram, channels: 2, channel_bandwidth: 16GB/s, capacity: 16GiB}";
// Two DDR4-3200 channels (51.2 GB/s, 16 GiB), timed by banks, rows and refresh.
constexpr const char* kBankedDram = "{type: banked_dram, standard: ddr4_3200, channels: 2}";

// 10 GiB read from DRAM (2 channels x 16 GB/s = 32 GB/s) into a scratchpad by one DMA queue
// with 64 KiB transactions, 16 outstanding. With `random_rows`, each 1 MiB descriptor instead
// reads `random_rows` rows of (1 MiB / random_rows) bytes, 12289 x 256 B apart (a prime number of
// 256 B blocks: every row lands on another DRAM row and bank), from a random base.
//
// `decoupled`: the same descriptors moved as the execution engine moves its tiles (sim/exec/
// engine.cpp): transfer_decoupled() at the queue's cursor, then a wait until that cursor, so one
// process wake-up per descriptor instead of one per transaction; the simulated cycles are the
// same (the DMA's window and set-up rules are the same; the bench checks the two agree).
Sample dram_stream(uint64_t bytes, const char* transaction, const char* dram_yaml = kSimpleDram,
                   uint64_t random_rows = 0, bool decoupled = false) {
  return measure([&](Sample& s) {
    SimKernel kernel;
    ClockDomain clock(Frequency{1000000000ull});
    BuildContext ctx;
    ctx.clock = &clock;
    StatGroup stats("hw");
    auto make = [&](const char* kind, const char* slot, const std::string& yaml) {
      auto doc = load_yaml_text(yaml, "bench.yaml", ErrorKind::Config, "hw");
      return Registry::build(kind, ConfigNode(doc, doc->root, std::string("hw.") + slot), slot,
                             nullptr, stats.group(slot), ctx);
    };
    auto dram = make("dram", "dram", dram_yaml);
    auto spm = make("scratchpad", "spm",
                    "{type: scratchpad, capacity: 1MiB, ports: 2, port_width: 512B, banks: 64, "
                    "bank_width: 16B}");
    auto dma =
        make("dma", "dma",
             std::string("{type: dma_engine, queues: 1, max_outstanding: 16, transaction_bytes: ") +
                 transaction + "}");
    AddressRouter router("router");
    auto* d = dynamic_cast<IDram*>(dram.get());
    auto* m = dynamic_cast<IMemory*>(spm.get());
    auto* e = dynamic_cast<IDma*>(dma.get());
    router.map(*d, 0);
    router.map(*m, 1ull << 40);
    e->initiator_socket().bind(router.target);
    auto done = std::make_shared<Completion>();
    // Descriptors of 1 MiB, the scratchpad reused as a ring (its contents are not modelled).
    sc_core::sc_spawn([&] {
      uint64_t seed = 1, end_ps = 0;
      for (uint64_t off = 0; off < bytes; off += 1 << 20) {
        uint64_t len = std::min<uint64_t>(1 << 20, bytes - off);
        std::shared_ptr<Completion> last = off + len >= bytes ? done : nullptr;
        DmaDescriptor d{off % (8ull << 30), 1ull << 40, len, 1, 0, 0, ""};
        if (random_rows != 0) {
          const uint64_t stride = 12289ull * 256, span = random_rows * stride;
          seed = seed * 6364136223846793005ull + 1442695040888963407ull;  // LCG: deterministic
          const uint64_t base = (seed >> 20) % (((16ull << 30) - span) / 256) * 256;
          d = {base, 1ull << 40, len / random_rows, random_rows, stride, 0, ""};
        }
        if (!decoupled) {
          e->submit(0, d, last);
          continue;
        }
        const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
        end_ps = std::max(end_ps, e->transfer_decoupled(0, d, now));
        if (e->queue_cursor_ps(0) > now) sim_wait(ps_to_time(e->queue_cursor_ps(0) - now));
        if (last) last->complete_at_ps(end_ps);
      }
    });
    kernel.run();
    s.cycles = clock.cycle_at_ps(done->at_ps()).n;
    s.events = SimKernel::activations();
  });
}

// A MultiTASC fleet (docs/cascade.md): `devices` mid-tier devices x 5,000 samples each, L(b)
// measured on the server-class NPU first (7 batch sizes of InceptionV3), MultiTASC controller.
Sample run_cascade(int devices) {
  return measure([&](Sample& s) {
    SessionInput in;
    in.hw = load_yaml_file(
        std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/cascade/homogeneous_inception.yaml",
        ErrorKind::Config, "hw");
    in.workload =
        load_yaml_file(std::string(NPUSIM_SOURCE_DIR) + "/workloads/cascade/inception_v3.yaml",
                       ErrorKind::Workload, "workload");
    in.overrides = {{"hw.mid.devices", std::to_string(devices)}, {"hw.samples_per_device", "5000"}};
    SessionOutput out = run_session(std::move(in));
    s.cycles = out.total_cycles;
    s.events = out.activations;
  });
}

// NAWQ-SR Table 4 (docs/mobile_npu.md): every model x variant x phone of the grid, each run
// from the committed 720p trace with its schedule (workloads/sr/schedules).
Sample nawqsr_grid() {
  return measure([&](Sample& s) {
    const std::vector<std::string> variants = {"fp32_cpu", "fp16_gpu",     "a16w8_npu",
                                               "int8_npu", "nawq_sr_b100", "nawq_sr_u100"};
    for (const char* phone : {"sdm865_like", "sdm888_like"}) {
      for (const char* model : {"tpsr", "imdn", "rcan"}) {
        for (const std::string& v : variants) {
          SessionInput in;
          in.hw = load_yaml_file(
              std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/mobile_npu/" + phone + ".yaml",
              ErrorKind::Config, "hw");
          in.workload = load_yaml_file(
              std::string(NPUSIM_SOURCE_DIR) + "/workloads/sr/" + model + "_720p_2x2.yaml",
              ErrorKind::Workload, "workload");
          in.overrides = {{"workload.models.0.sr.schedule",
                           std::string("schedules/") + model + "_" + v + ".yaml"}};
          SessionOutput out = run_session(std::move(in));
          s.cycles += out.total_cycles;
          s.events += out.activations;
        }
      }
    }
  });
}

// The SystemC half of unzipFPGA's DSE (scripts/studies/unzipfpga_dse.py): re-simulating the top
// 10 designs <M, T_R, T_P, T_C> of ResNet-18-OVSF50 on the ZC706 at 4x, as that script ranks them
// on the closed form (with --fill-drain). The closed-form enumeration is Python, timed by the
// script itself (docs/performance.md).
Sample unzipfpga_dse_top10() {
  return measure([&](Sample& s) {
    const int designs[10][4] = {{128, 196, 12, 64}, {132, 196, 12, 64}, {128, 392, 12, 64},
                                {132, 392, 12, 64}, {128, 784, 12, 64}, {132, 784, 12, 64},
                                {128, 98, 12, 64},  {132, 98, 12, 64},  {128, 1568, 12, 64},
                                {132, 1568, 12, 64}};
    for (const auto& d : designs) {
      SessionInput in;
      in.hw = load_yaml_file(
          std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/cnn_engine/zc706_unzip_4x.yaml",
          ErrorKind::Config, "hw");
      in.workload = load_yaml_file(
          std::string(NPUSIM_SOURCE_DIR) + "/workloads/cnn_engine/resnet18_ovsf50.yaml",
          ErrorKind::Workload, "workload");
      in.overrides = {{"weights_generator.width", std::to_string(d[0])},
                      {"tile_rows", std::to_string(d[1])},
                      {"pe_array.macs_per_pe", std::to_string(d[2])},
                      {"pe_array.pes", std::to_string(d[3])}};
      SessionOutput out = run_session(std::move(in));
      s.cycles += out.total_cycles;
      s.events += out.activations;
    }
  });
}

struct Case {
  std::string name, what;
  std::function<Sample()> run;
};

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
  }
  const std::vector<Case> cases = {
      {"gemm4096_server", "4096^3 GEMM, int8, server 128x128",
       [] {
         return run_files("hw_configs/generic_npu/server_128x128.yaml",
                          "workloads/gemm/gemm_4096.yaml");
       }},
      {"gemm4096_server_hbm2",
       "gemm4096_server on banked HBM2 (16 pseudo channels, 256 GB/s peak as simple_dram's)",
       [] {
         return run_files("hw_configs/generic_npu/server_128x128.yaml",
                          "workloads/gemm/gemm_4096.yaml",
                          "{type: banked_dram, standard: hbm2, mapping: RoBaRaCoCh}");
       }},
      {"resnet50_edge", "ResNet-50, int8, edge 32x32",
       [] {
         return run_files("hw_configs/generic_npu/edge_32x32.yaml", "workloads/cnn/resnet50.yaml");
       }},
      {"resnet50_edge_lpddr4x", "ResNet-50, int8, edge 32x32 on banked LPDDR4X-4266",
       [] {
         return run_files("hw_configs/generic_npu/edge_32x32_lpddr4x.yaml",
                          "workloads/cnn/resnet50.yaml");
       }},
      {"resnet50_zc706_unzip", "ResNet-50-OVSF50, 16-bit, unzipFPGA CNN engine on ZC706 at 4x",
       [] {
         return run_files("hw_configs/cnn_engine/zc706_unzip_4x.yaml",
                          "workloads/cnn_engine/resnet50_ovsf50.yaml");
       }},
      {"unzipfpga_dse_top10",
       "unzipFPGA DSE: SystemC re-simulation of the top 10 designs, ResNet-18-OVSF50, ZC706 4x",
       [] { return unzipfpga_dse_top10(); }},
      {"bert_base_edge", "BERT-base seq 128, int8, edge 32x32",
       [] {
         return run_files("hw_configs/generic_npu/edge_32x32.yaml",
                          "workloads/transformer/bert_base_seq128.yaml");
       }},
      {"bert_base_edge_lpddr4x", "BERT-base seq 128, int8, edge 32x32 on banked LPDDR4X-4266",
       [] {
         return run_files("hw_configs/generic_npu/edge_32x32_lpddr4x.yaml",
                          "workloads/transformer/bert_base_seq128.yaml");
       }},
      {"vicuna7b_pmpd_16k", "Vicuna-7B, prompt 512 + 256 tokens, PMPD static 3->2 bit, pmpd_16k",
       [] {
         return run_files("hw_configs/llm_npu/pmpd_16k.yaml", "workloads/llm/vicuna-7b/speed.yaml");
       }},
      {"dram_stream_10GiB", "10 GiB DRAM -> SPM stream at 32 GB/s, 64 KiB transactions",
       [] { return dram_stream(10ull << 30, "64KiB"); }},
      {"dram_stream_10GiB_16k", "10 GiB DRAM -> SPM stream at 32 GB/s, 16 KiB transactions",
       [] { return dram_stream(10ull << 30, "16KiB"); }},
      {"banked_stream_10GiB",
       "10 GiB sequential stream, banked_dram 2 x DDR4-3200, 64 KiB transactions",
       [] { return dram_stream(10ull << 30, "64KiB", kBankedDram); }},
      {"dram_random_1GiB", "1 GiB of 256 B reads at scattered rows, simple_dram 2 x 16 GB/s",
       [] { return dram_stream(1ull << 30, "64KiB", kSimpleDram, 4096); }},
      {"banked_random_1GiB", "1 GiB of 256 B reads at scattered rows, banked_dram 2 x DDR4-3200",
       [] { return dram_stream(1ull << 30, "64KiB", kBankedDram, 4096); }},
      // The same streams driven as the execution engine drives memory (decoupled DMA).
      {"dram_stream_10GiB_lt", "dram_stream_10GiB, decoupled DMA (one wake-up per 1 MiB)",
       [] { return dram_stream(10ull << 30, "64KiB", kSimpleDram, 0, true); }},
      {"banked_stream_10GiB_lt", "banked_stream_10GiB, decoupled DMA (one wake-up per 1 MiB)",
       [] { return dram_stream(10ull << 30, "64KiB", kBankedDram, 0, true); }},
      {"dram_random_1GiB_lt", "dram_random_1GiB, decoupled DMA (one wake-up per 1 MiB)",
       [] { return dram_stream(1ull << 30, "64KiB", kSimpleDram, 4096, true); }},
      {"banked_random_1GiB_lt", "banked_random_1GiB, decoupled DMA (one wake-up per 1 MiB)",
       [] { return dram_stream(1ull << 30, "64KiB", kBankedDram, 4096, true); }},
      {"dysta_attnn_1000",
       "Dysta multi-AttNN, 1,000 requests at 30/s, sanger_like (target < 0.1 s)",
       [] {
         return run_streams("hw_configs/sparse/sanger_like.yaml",
                            "workloads/sparse/multi_attnn.yaml", {"dysta"}, 1);
       }},
      {"dysta_cnn_1000", "Dysta multi-CNN, 1,000 requests at 3/s, eyeriss_v2_like (target < 0.1 s)",
       [] {
         return run_streams("hw_configs/sparse/eyeriss_v2_like.yaml",
                            "workloads/sparse/multi_cnn.yaml", {"dysta"}, 1);
       }},
      {"rcan_720p_sdm865",
       "MobiSR-RCAN NAWQ-SR, one 720p frame (4 patches), sdm865_like (target < 0.2 s)",
       [] {
         return run_files("hw_configs/mobile_npu/sdm865_like.yaml",
                          "workloads/sr/rcan_720p_2x2.yaml");
       }},
      {"nawqsr_table4_grid",
       "NAWQ-SR Table 4 grid: 3 models x 6 schedules x 2 phones (target < 30 s)",
       [] { return nawqsr_grid(); }},
      {"dysta_table5_grid",
       "Dysta Table 5 grid: 2 scenarios x 8 schedulers x 5 seeds (target < 5 s)",
       [] { return dysta_grid(5); }},
      {"dysta_eval_20seeds",
       "Dysta evaluation: 2 scenarios x 8 schedulers x 20 seeds (target < 20 s)",
       [] { return dysta_grid(20); }},
      {"cascade_50x5000",
       "MultiTASC fleet: 50 devices x 5,000 samples, L(b) from the server NPU (target < 2 s)",
       [] { return run_cascade(50); }},
      {"cascade_1000x5000",
       "MultiTASC fleet: 1,000 devices x 5,000 samples, L(b) from the server NPU (target < 30 s)",
       [] { return run_cascade(1000); }},
  };
  std::printf("npusim %s speed benchmark (median of %d runs by CPU time)\n\n", build_id(), repeat);
  std::printf("%-24s %12s %9s %9s %14s %12s   %s\n", "case", "sim cycles", "wall s", "cpu s",
              "cycles/cpu-s", "events/s", "what");
  std::map<std::string, uint64_t> cycles_of;
  for (const Case& c : cases) {
    if (!only.empty() && c.name != only) continue;
    std::vector<Sample> runs;
    try {
      for (int r = 0; r < repeat; ++r) runs.push_back(c.run());
    } catch (const std::exception& e) {  // a missing input (e.g. Dysta's generated traces)
      std::fprintf(stderr, "npusim_bench: case %s: %s\n(scripts/bench_speed prepares the inputs)\n",
                   c.name.c_str(), e.what());
      return 2;
    }
    std::sort(runs.begin(), runs.end(),
              [](const Sample& a, const Sample& b) { return a.cpu_s < b.cpu_s; });
    const Sample& s = runs[runs.size() / 2];
    std::printf("%-24s %12llu %9.4f %9.4f %14.3e %12.3e   %s\n", c.name.c_str(),
                static_cast<unsigned long long>(s.cycles), s.wall_s, s.cpu_s,
                static_cast<double>(s.cycles) / s.cpu_s, static_cast<double>(s.events) / s.cpu_s,
                c.what.c_str());
    std::fflush(stdout);
    cycles_of[c.name] = s.cycles;
    // A decoupled variant (name_lt) simulates exactly what its threaded case does.
    const size_t lt = c.name.size() - 3;
    if (c.name.size() > 3 && c.name.compare(lt, 3, "_lt") == 0 &&
        cycles_of.count(c.name.substr(0, lt)) != 0 && cycles_of[c.name.substr(0, lt)] != s.cycles) {
      std::fprintf(stderr, "npusim_bench: %s simulated %llu cycles, %s %llu: they must agree\n",
                   c.name.c_str(), static_cast<unsigned long long>(s.cycles),
                   c.name.substr(0, lt).c_str(),
                   static_cast<unsigned long long>(cycles_of[c.name.substr(0, lt)]));
      return 1;
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\npeak resident memory: %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
