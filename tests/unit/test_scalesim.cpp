// The SCALE-Sim v2 recipe (docs/scalesim.md): the shipped hw_configs/scalesim/ presets give, per
// operator, the compute cycles of SCALE-Sim v2's closed form in its CALC mode, on every layer of
// its ResNet-18 example topology and on a GEMM set, for WS, OS and IS on 32x32 and 128x128.
//
// SCALE-Sim v2's closed form, read from scalesim/compute/systolic_compute_{ws,os,is}.py
// (github.com/scalesim-project/scale-sim-v2, commit 22f88b1). A layer is the GEMM
// O[M x N] = A[M x K] . W[K x N] (conv: M = output pixels, K = F_h x F_w x C, N = filters).
// Each dataflow maps two dimensions onto the array (S_r onto R rows, S_c onto C columns) and
// streams the third (T); every fold is charged as a full one, folds run one after another:
//   WS: S_r = K, S_c = N, T = M;  cycles per fold = 2R + C + T - 2
//   IS: S_r = K, S_c = M, T = N;  cycles per fold = 2R + C + T - 2
//   OS: S_r = M, S_c = N, T = K;  cycles per fold =  R + C + T - 2  (no output drain)
//   folds = ceil(S_r / R) x ceil(S_c / C); demand rows = folds x cycles per fold.
// (WS: R rows of weight load, T + R + C - 2 of skewed streaming through the array. OS: the
// skewed operands meet after R + C - 2, then T MACs; results are not drained.)
// SCALE-Sim reports "Total Cycles" = the 0-based index of the last demand row, one less than
// the number of rows (double_buffered_scratchpad_mem.py: total_cycles =
// ofmap_serviced_cycles[-1]); npusim counts cycles, so npusim = SCALE-Sim + 1, always.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "sim/app/session.h"
#include "sim/compute/systolic_timing.h"
#include "sim/report/layers_csv.h"

using namespace npusim;

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

struct Shape {
  std::string name;
  uint64_t m, k, n;
};

// topologies/conv_nets/Resnet18.csv: IFMAP H, W, filter H, W, channels, filters, stride.
// SCALE-Sim's output size is ceil((H - F + S) / S) (scalesim/topology_utils.py).
std::vector<Shape> resnet18() {
  struct Row {
    const char* name;
    uint64_t h, w, fh, fw, c, filters, s;
  };
  const Row rows[] = {
      {"Conv1", 224, 224, 7, 7, 3, 64, 2},     {"Conv2_1a", 56, 56, 3, 3, 64, 64, 1},
      {"Conv2_1b", 56, 56, 3, 3, 64, 64, 1},   {"Conv2_2a", 56, 56, 3, 3, 64, 64, 1},
      {"Conv2_2b", 56, 56, 3, 3, 64, 64, 1},   {"Conv3_1a", 56, 56, 3, 3, 64, 128, 2},
      {"Conv3_1b", 28, 28, 3, 3, 128, 128, 1}, {"Conv3_s", 56, 56, 1, 1, 64, 128, 2},
      {"Conv3_2a", 28, 28, 3, 3, 128, 128, 1}, {"Conv3_2b", 28, 28, 3, 3, 128, 128, 1},
      {"Conv4_1a", 28, 28, 3, 3, 128, 256, 2}, {"Conv4_1b", 14, 14, 3, 3, 256, 256, 1},
      {"Conv4_s", 28, 28, 1, 1, 128, 256, 2},  {"Conv4_2a", 14, 14, 3, 3, 256, 256, 1},
      {"Conv4_2b", 14, 14, 3, 3, 256, 256, 1}, {"Conv5_1a", 14, 14, 3, 3, 256, 512, 2},
      {"Conv5_1b", 7, 7, 3, 3, 512, 512, 1},   {"Conv5_s", 14, 14, 1, 1, 256, 512, 2},
      {"Conv5_2a", 7, 7, 3, 3, 512, 512, 1},   {"Conv5_2b", 7, 7, 3, 3, 512, 512, 1},
      {"FC", 1, 1, 1, 1, 512, 1000, 1}};
  std::vector<Shape> out;
  for (const Row& r : rows) {
    uint64_t oh = ceil_div(r.h - r.fh + r.s, r.s), ow = ceil_div(r.w - r.fw + r.s, r.s);
    out.push_back({r.name, oh * ow, r.fh * r.fw * r.c, r.filters});
  }
  return out;
}

// topologies/GEMM_mnk/{test_mnk_input,gpt2,NCF}.csv rows (Layer, M, N, K) as M, K, N.
std::vector<Shape> gemm_set() {
  return {{"test_mnk_input.Test_1", 128, 256, 64},
          {"gpt2.QKT", 1024, 64, 1024},
          {"gpt2.QKTV", 1024, 1024, 64},
          {"gpt2.Linear1", 1024, 1600, 4800},
          {"gpt2.Linear2", 1024, 1600, 1600},
          {"gpt2.PW-FF-L1", 1024, 1600, 3072},
          {"gpt2.PW-FF-L2", 1024, 3072, 1600},
          {"NCF.1", 256, 2048, 128},
          {"NCF.2", 128, 2048, 64},
          {"NCF.3", 256, 2048, 256},
          {"NCF.4", 2048, 256, 256},
          {"NCF.5", 2048, 256, 256},
          {"NCF.6", 2048, 256, 128},
          {"NCF.7", 2048, 128, 256},
          {"NCF.8", 2048, 64, 128},
          {"NCF.9", 2048, 128, 64},
          {"NCF.10", 128, 2048, 1},
          {"NCF.11", 2048, 128, 1},
          {"NCF.12", 2048, 1, 128}};
}

// SCALE-Sim v2's demand rows of one layer (its Total Cycles + 1), as in the header comment.
uint64_t scalesim_rows(Dataflow df, uint64_t r, uint64_t c, const Shape& s) {
  switch (df) {
    case Dataflow::WeightStationary:
      return ceil_div(s.k, r) * ceil_div(s.n, c) * (2 * r + c + s.m - 2);
    case Dataflow::InputStationary:
      return ceil_div(s.k, r) * ceil_div(s.m, c) * (2 * r + c + s.n - 2);
    case Dataflow::OutputStationary:
      return ceil_div(s.m, r) * ceil_div(s.n, c) * (r + c + s.k - 2);
  }
  return 0;
}

ArrayGeometry scalesim_geometry(Dataflow df, uint64_t n) {
  return {n, n, df, /*overlap=*/false, /*full_folds=*/true, /*os_drain=*/false};
}

const char* short_name(Dataflow df) {
  return df == Dataflow::WeightStationary ? "ws" : df == Dataflow::OutputStationary ? "os" : "is";
}

const Dataflow kDataflows[] = {Dataflow::WeightStationary, Dataflow::OutputStationary,
                               Dataflow::InputStationary};

std::string source(const std::string& rel) {
  return std::string(NPUSIM_SOURCE_DIR) + "/" + rel;
}

// A column of layers.csv by operator name (the names here hold no comma).
std::map<std::string, uint64_t> csv_column(const std::string& csv, const std::string& column) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) header.push_back(f);
  size_t name_col = header.size(), col = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "name") name_col = i;
    if (header[i] == column) col = i;
  }
  REQUIRE(name_col < header.size());
  REQUIRE(col < header.size());
  std::map<std::string, uint64_t> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string f; std::getline(ls, f, ',');) cells.push_back(f);
    out[cells.at(name_col)] = std::stoull(cells.at(col));
  }
  return out;
}

}  // namespace

TEST_CASE("SCALE-Sim v2 closed form, worked by hand", "[scalesim]") {
  // Conv1 of Resnet18.csv: 224x224x3, 7x7, 64 filters, stride 2. Output ceil((224 - 7 + 2) / 2)
  // = 110, so M = 110 x 110 = 12100, K = 7 x 7 x 3 = 147, N = 64.
  const Shape conv1 = resnet18().front();
  REQUIRE(conv1.m == 12100);
  REQUIRE(conv1.k == 147);
  // WS 32x32: folds = ceil(147 / 32) x ceil(64 / 32) = 5 x 2 = 10; per fold 2 x 32 + 32 + 12100
  // - 2 = 12194; 121940 cycles (SCALE-Sim reports 121939).
  CHECK(scalesim_rows(Dataflow::WeightStationary, 32, 32, conv1) == 121940);
  CHECK(gemm_block_cycles(scalesim_geometry(Dataflow::WeightStationary, 32), 12100, 147, 64, 1) ==
        121940);
  // OS 32x32: folds = ceil(12100 / 32) x 2 = 379 x 2 = 758; per fold 32 + 32 + 147 - 2 = 209;
  // 758 x 209 = 158422.
  CHECK(scalesim_rows(Dataflow::OutputStationary, 32, 32, conv1) == 158422);
  CHECK(gemm_block_cycles(scalesim_geometry(Dataflow::OutputStationary, 32), 12100, 147, 64, 1) ==
        158422);
  // IS 32x32: folds = 5 x 379 = 1895; per fold 2 x 32 + 32 + 64 - 2 = 158; 299410.
  CHECK(scalesim_rows(Dataflow::InputStationary, 32, 32, conv1) == 299410);
  CHECK(gemm_block_cycles(scalesim_geometry(Dataflow::InputStationary, 32), 12100, 147, 64, 1) ==
        299410);
  // The default conventions charge Conv1's partial folds less: WS 32x32, K = 147 leaves a
  // 19-row fold, which fills in 19 cycles instead of 32, and the OS drain adds R per tile.
  ArrayGeometry today{32, 32, Dataflow::WeightStationary, false};
  CHECK(gemm_block_cycles(today, 12100, 147, 64, 1) < 121940);
  ArrayGeometry os_today{32, 32, Dataflow::OutputStationary, false};
  CHECK(gemm_block_cycles(os_today, 12100, 147, 64, 1) > 158422);
}

TEST_CASE("SCALE-Sim v2's own output on small layers", "[scalesim]") {
  // Total Cycles from COMPUTE_REPORT.csv of SCALE-Sim v2 (commit 22f88b1, CALC mode, 0 stall
  // cycles), run on GEMM_mnk rows (Layer, M, N, K) = (A, 10, 7, 13) and (B, 33, 40, 17).
  // npusim's count is one more (the report gives the last cycle's 0-based index).
  struct Run {
    Dataflow df;
    uint64_t n;
    Shape s;
    uint64_t scalesim_total;
  };
  const Run runs[] = {{Dataflow::WeightStationary, 4, {"A", 10, 13, 7}, 159},
                      {Dataflow::WeightStationary, 8, {"B", 33, 17, 40}, 824},
                      {Dataflow::OutputStationary, 4, {"A", 10, 13, 7}, 113},
                      {Dataflow::OutputStationary, 8, {"B", 33, 17, 40}, 774},
                      {Dataflow::InputStationary, 4, {"A", 10, 13, 7}, 203},
                      {Dataflow::InputStationary, 8, {"B", 33, 17, 40}, 929}};
  for (const Run& r : runs) {
    INFO(dataflow_name(r.df) << " " << r.n << "x" << r.n << " " << r.s.name);
    CHECK(scalesim_rows(r.df, r.n, r.n, r.s) == r.scalesim_total + 1);
    CHECK(gemm_block_cycles(scalesim_geometry(r.df, r.n), r.s.m, r.s.k, r.s.n, 1) ==
          r.scalesim_total + 1);
  }
  // By hand, WS 4x4 on A: folds = ceil(13 / 4) x ceil(7 / 4) = 4 x 2 = 8, per fold 8 + 4 + 10 -
  // 2 = 20: 160 rows, reported as 159 (the first run above).
}

TEST_CASE("shipped SCALE-Sim presets reproduce the closed form on every layer", "[scalesim]") {
  const std::pair<const char*, std::vector<Shape>> workloads[] = {
      {"workloads/scalesim/resnet18.yaml", resnet18()},
      {"workloads/scalesim/gemm.yaml", gemm_set()}};
  for (Dataflow df : kDataflows) {
    for (uint64_t n : {32, 128}) {
      const std::string hw = "hw_configs/scalesim/" + std::string(short_name(df)) + "_" +
                             std::to_string(n) + "x" + std::to_string(n) + ".yaml";
      for (const auto& [wl, shapes] : workloads) {
        SessionInput in;
        in.hw = load_yaml_file(source(hw), ErrorKind::Config, "hw");
        in.workload = load_yaml_file(source(wl), ErrorKind::Workload, "workload");
        SessionOutput out = run_session(std::move(in));
        const std::string csv = layers_csv(out.stats);
        const std::map<std::string, uint64_t> cc = csv_column(csv, "compute_cycles");
        const std::map<std::string, uint64_t> cycles = csv_column(csv, "cycles");
        REQUIRE(cc.size() == shapes.size());
        // One block per operator, as SCALE-Sim runs a layer: memory never splits a layer.
        CHECK(out.stats.at_path("components.array.blocks")->as_uint() == shapes.size());
        for (const Shape& s : shapes) {
          INFO(hw << " " << wl << " " << s.name << " M=" << s.m << " K=" << s.k << " N=" << s.n);
          REQUIRE(cc.count(s.name) == 1);
          CHECK(cc.at(s.name) == scalesim_rows(df, n, n, s));
          // The row's time adds only the DMA around the compute (at most 200 cycles here).
          CHECK(cycles.at(s.name) >= cc.at(s.name));
          CHECK(cycles.at(s.name) <= cc.at(s.name) + 200);
        }
      }
    }
  }
}

TEST_CASE("the presets give SCALE-Sim v2's own ResNet-18 report + 1", "[scalesim]") {
  // Total Cycles of COMPUTE_REPORT.csv from running SCALE-Sim v2 (commit 22f88b1, CALC mode,
  // 0 stall cycles on every layer) on topologies/conv_nets/Resnet18.csv, layers in file order.
  struct Report {
    const char* preset;
    std::vector<uint64_t> total;
  };
  const Report reports[] = {
      {"is_32x32",
       {299409, 261647, 261647, 261647, 261647, 99899, 175823, 11987, 175823, 175823, 88199,
        125999, 11199,  125999, 125999, 87263,  87263, 9695,   87263, 87263,  17503}},
      {"ws_32x32",
       {121939, 108359, 108359, 108359, 108359, 63215,  110879, 7479,   110879, 110879, 83519,
        137087, 10207,  137087, 137087, 164735, 274175, 20223,  274175, 274175, 48639}},
      {"os_32x32",
       {158421, 117391, 117391, 117391, 117391, 63799, 106831, 13607, 106831, 106831, 67983,
        94639,  12159,  94639,  94639,  75711,  74719, 10175,  74719, 74719,  18367}},
      {"ws_128x128", {24963, 16489, 16489, 16489, 16489, 5829,  9521, 1222,  9521,  9521, 10403,
                      18935, 1213,  18935, 18935, 31031, 58607, 3567, 58607, 58607, 12255}},
      {"os_128x128", {38094, 19089, 19089, 19089, 19089, 5809,  8435, 2225,  8435,  8435, 5623,
                      10231, 1527,  10231, 10231, 10231, 19447, 2039, 19447, 19447, 6127}},
      {"is_128x128", {84739, 51289, 51289, 51289, 51289, 17849, 27539, 3569,  27539, 27539, 11483,
                      22967, 1275,  22967, 22967, 16091, 32183, 1787,  32183, 32183, 5527}}};
  const std::vector<Shape> layers = resnet18();
  for (const Report& r : reports) {
    REQUIRE(r.total.size() == layers.size());
    SessionInput in;
    in.hw = load_yaml_file(source("hw_configs/scalesim/" + std::string(r.preset) + ".yaml"),
                           ErrorKind::Config, "hw");
    in.workload =
        load_yaml_file(source("workloads/scalesim/resnet18.yaml"), ErrorKind::Workload, "workload");
    SessionOutput out = run_session(std::move(in));
    const std::map<std::string, uint64_t> cc = csv_column(layers_csv(out.stats), "compute_cycles");
    for (size_t i = 0; i < layers.size(); ++i) {
      INFO(r.preset << " " << layers[i].name);
      CHECK(cc.at(layers[i].name) == r.total[i] + 1);
    }
  }
}

TEST_CASE("the presets give SCALE-Sim v2's own NCF report + 1", "[scalesim]") {
  // Total Cycles of COMPUTE_REPORT.csv from running SCALE-Sim v2 (commit 22f88b1, CALC mode,
  // 0 stall cycles) on topologies/GEMM_mnk/NCF.csv (-i gemm), rows 1..12 in order; they run
  // here as NCF.1 .. NCF.12 of workloads/scalesim/gemm.yaml.
  const std::pair<const char*, std::vector<uint64_t>> reports[] = {
      {"ws_32x32",
       {89599, 28415, 179199, 137087, 137087, 68543, 68543, 17135, 17135, 14207, 8567, 8567}},
      {"os_32x32",
       {67519, 16879, 135039, 162815, 162815, 81407, 97279, 32255, 24319, 8439, 12159, 16127}},
      {"is_32x32",
       {113663, 40447, 179199, 179199, 179199, 113663, 89599, 28415, 40447, 24319, 24319, 14207}},
      {"ws_128x128", {10207, 8159, 20415, 9719, 9719, 4859, 4859, 2429, 2429, 8159, 2429, 2429}},
      {"os_128x128", {4603, 2301, 9207, 16319, 16319, 8159, 12223, 5087, 6111, 2301, 6111, 4079}},
      {"is_128x128",
       {16319, 7135, 20415, 20415, 20415, 16319, 10207, 8159, 7135, 6127, 6127, 8159}}};
  for (const auto& [preset, total] : reports) {
    REQUIRE(total.size() == 12);
    SessionInput in;
    in.hw = load_yaml_file(source("hw_configs/scalesim/" + std::string(preset) + ".yaml"),
                           ErrorKind::Config, "hw");
    in.workload =
        load_yaml_file(source("workloads/scalesim/gemm.yaml"), ErrorKind::Workload, "workload");
    SessionOutput out = run_session(std::move(in));
    const std::map<std::string, uint64_t> cc = csv_column(layers_csv(out.stats), "compute_cycles");
    for (size_t i = 0; i < total.size(); ++i) {
      const std::string name = "NCF." + std::to_string(i + 1);
      INFO(preset << " " << name);
      CHECK(cc.at(name) == total[i] + 1);
    }
  }
}

TEST_CASE("the SCALE-Sim table in docs/scalesim.md is the closed form", "[scalesim][docs]") {
  // Rows `| layer | M | K | N | WS 32 | OS 32 | IS 32 | WS 128 | OS 128 | IS 128 |` give
  // SCALE-Sim's reported Total Cycles (demand rows - 1).
  std::ifstream doc(source("docs/scalesim.md"));
  REQUIRE(doc.good());
  std::map<std::string, std::vector<uint64_t>> table;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("| Conv", 0) != 0 && line.rfind("| FC ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ls(line.substr(1));
    for (std::string f; std::getline(ls, f, '|');) cells.push_back(f);
    std::vector<uint64_t> v;
    for (size_t i = 1; i < cells.size(); ++i) v.push_back(std::stoull(cells[i]));
    std::string name = cells[0].substr(1, cells[0].find_last_not_of(' '));
    table[name] = v;
  }
  const std::vector<Shape> layers = resnet18();
  REQUIRE(table.size() == layers.size());
  for (const Shape& s : layers) {
    INFO(s.name);
    REQUIRE(table.count(s.name) == 1);
    const std::vector<uint64_t>& v = table.at(s.name);
    REQUIRE(v.size() == 9);
    CHECK(v[0] == s.m);
    CHECK(v[1] == s.k);
    CHECK(v[2] == s.n);
    size_t i = 3;
    for (uint64_t n : {32, 128})
      for (Dataflow df : kDataflows) CHECK(v[i++] + 1 == scalesim_rows(df, n, n, s));
  }
}
