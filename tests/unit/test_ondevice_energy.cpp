// Energy of on-device learning (sim/memory_ledger/device_energy.h): one iteration's activity
// priced by the device's energy table through sim/energy, derived by hand from the table's
// values, and the bad tables a preset may name.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/core/errors.h"
#include "sim/memory_ledger/device_energy.h"

using namespace npusim;

namespace {

const std::string kDir = std::string(NPUSIM_SOURCE_DIR) + "/hw_configs/ondevice/";

double num(const Json& j, const std::string& path) {
  const Json* v = j.at_path(path);
  INFO(path);
  REQUIRE(v != nullptr);
  return v->as_double();
}

// A preset and a table written to a temporary directory; `table` replaces the table's text.
std::string write_case(const std::string& name, const std::string& energy_key,
                       const std::string& table) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "npusim_test_ondevice_energy";
  fs::create_directories(dir);
  std::ofstream(dir / "table.yaml") << table;
  const fs::path preset = dir / (name + ".yaml");
  std::ofstream(preset) << "name: mcu\nsource: test\ncores: 1\nclock: 100MHz\nmacs_per_cycle: 1\n"
                           "sram: 64KiB\nmemory_bandwidth: 400MB/s\n"
                        << "energy: " << energy_key << "\n";
  return preset.string();
}

const char* kGoodTable = R"(name: t
components:
  board:
    leakage: {value: 10mW, per: instance}
  cpu:
    actions:
      compute_core_ns: 0.1nJ
      memory_core_ns: 0.1nJ
      framework_ns: 0.1nJ
  sram:
    actions:
      read_byte: 1pJ
      write_byte: 1pJ
)";

}  // namespace

TEST_CASE("one Pi Zero 2 iteration's energy, by hand from its table", "[ondevice][energy]") {
  const OnDeviceTarget pi = load_ondevice_target(kDir + "pi_zero2.yaml");
  REQUIRE(pi.energy_table != nullptr);
  // MCUNet's TinyTrain sample-iteration (22,453,504 fwd + 6,510,000 bwd MACs) with 4,096 B
  // written and read back in DRAM:
  //   compute  28,963,504 / (4 cores x 1 GHz x 2 MAC/cycle) = 3,620,438 ns
  //   memory   8,192 B / 4 GB/s                             =     2,048 ns
  //   overhead 522,380,000 ns (calibrated, pi_zero2.yaml); elapsed 526,002,486 ns
  MemoryTraffic traffic;
  traffic.read[static_cast<size_t>(MemorySpace::Dram)] = 4096;
  traffic.written[static_cast<size_t>(MemorySpace::Dram)] = 4096;
  const IterationCost c = iteration_cost(pi, 28963504, traffic);
  CHECK(c.seconds() == Approx(0.526002486).epsilon(1e-12));
  // ondevice_pi_zero2.yaml: compute_core_ns 0.55 nJ, memory_core_ns 0.275 nJ, framework_ns
  // 1.62 nJ (calibrated), dram 80 pJ/B read and written, board 0.6 W.
  //   cpu    4 x 3,620,438 = 14,481,752 core-ns x 0.55 nJ  = 7.9649636 mJ
  //          4 x 2,048     =      8,192 core-ns x 0.275 nJ = 2.2528 uJ
  //          522,380,000 ns x 1.62 nJ                      = 846.2556 mJ
  //   dram   8,192 B x 80 pJ                               = 0.65536 uJ
  //   board  0.6 W x 0.526002486 s                         = 315.6014916 mJ
  //   total                                                = 1.16982496336 J
  const Json e = ondevice_energy_json(pi, c);
  CHECK(num(e, "dynamic_j") == Approx(0.0079649636 + 2.2528e-6 + 0.8462556 + 6.5536e-7));
  CHECK(num(e, "static_j") == Approx(0.3156014916));
  CHECK(num(e, "total_j") == Approx(1.16982496336).epsilon(1e-12));
  CHECK(num(e, "average_power_w") == Approx(1.16982496336 / 0.526002486));
  const Json& cpu = e.find("components")->at(0);
  CHECK(cpu.find("type")->as_string() == "cpu");
  CHECK(num(cpu, "actions.compute_core_ns.count") == 14481752);
  CHECK(num(cpu, "actions.memory_core_ns.count") == 8192);
  CHECK(num(cpu, "actions.framework_ns.count") == 522380000);
}

TEST_CASE("every device preset prices an iteration with its own table", "[ondevice][energy]") {
  for (const char* name : {"pi_zero2", "jetson_nano", "rpi3bp", "stm32f746", "stm32h747"}) {
    INFO(name);
    const OnDeviceTarget d = load_ondevice_target(kDir + name + ".yaml");
    CHECK(d.energy_table->name == std::string("ondevice_") + name);
    // one second of framework time only: the board's static power plus the framework's
    IterationCost c;
    c.overhead_s = 1.0;
    const Json e = ondevice_energy_json(d, c);
    CHECK(num(e, "total_j") > num(e, "static_j"));
    CHECK(num(e, "static_j") > 0);
  }
  // the F746 starts from the H747's table: its SRAM and flash prices are the H747's
  const OnDeviceTarget f7 = load_ondevice_target(kDir + "stm32f746.yaml");
  const OnDeviceTarget h7 = load_ondevice_target(kDir + "stm32h747.yaml");
  CHECK(f7.energy_table->components.at("sram").actions.at("read_byte").curve ==
        h7.energy_table->components.at("sram").actions.at("read_byte").curve);
}

TEST_CASE("bad on-device energy tables are ConfigErrors naming file, line and key",
          "[ondevice][energy]") {
  // the preset names a table that does not exist: the preset's `energy` line (8)
  CHECK_THROWS_WITH(
      load_ondevice_target(write_case("missing", "no_such_table", kGoodTable)),
      Catch::Contains("unknown energy table `no_such_table`") && Catch::Contains("missing.yaml:8"));
  // a good table loads, from a file next to the preset
  CHECK(load_ondevice_target(write_case("good", "table.yaml", kGoodTable)).energy_table != nullptr);
  std::string t = kGoodTable;
  // a negative energy: the table's line of the action (7)
  std::string neg = t;
  neg.replace(neg.find("compute_core_ns: 0.1nJ"), 22, "compute_core_ns: -0.1nJ");
  CHECK_THROWS_WITH(load_ondevice_target(write_case("neg", "table.yaml", neg)),
                    Catch::Contains("negative energy") && Catch::Contains("table.yaml:7") &&
                        Catch::Contains("compute_core_ns"));
  // a negative static power
  std::string leak = t;
  leak.replace(leak.find("10mW"), 4, "-10mW");
  CHECK_THROWS_WITH(load_ondevice_target(write_case("leak", "table.yaml", leak)),
                    Catch::Contains("negative power") && Catch::Contains("table.yaml:4"));
  // an action no on-device CPU performs, with the one it resembles
  std::string unknown = t;
  unknown.replace(unknown.find("framework_ns"), 12, "framwork_ns");
  CHECK_THROWS_WITH(load_ondevice_target(write_case("unknown", "table.yaml", unknown)),
                    Catch::Contains("unknown action `framwork_ns` of `cpu`") &&
                        Catch::Contains("table.yaml:9") &&
                        Catch::Contains("did you mean `framework_ns`"));
  // a component no device has
  std::string comp = t;
  comp.replace(comp.find("  sram:"), 7, "  sramm:");
  CHECK_THROWS_WITH(
      load_ondevice_target(write_case("comp", "table.yaml", comp)),
      Catch::Contains("unknown on-device component `sramm`") && Catch::Contains("table.yaml:10"));
  // the device has SRAM, the table prices none of it
  std::string nosram = t.substr(0, t.find("  sram:"));
  CHECK_THROWS_WITH(load_ondevice_target(write_case("nosram", "table.yaml", nosram)),
                    Catch::Contains("has no `sram:` entry") && Catch::Contains("nosram.yaml:8"));
  // the board's static power is required
  std::string noboard = t;
  noboard.replace(noboard.find("    leakage: {value: 10mW, per: instance}\n"), 42,
                  "    actions: {}\n");
  CHECK_THROWS_WITH(load_ondevice_target(write_case("noboard", "table.yaml", noboard)),
                    Catch::Contains("`board`") && Catch::Contains("needs `leakage"));
  std::filesystem::remove_all(
      std::filesystem::path(write_case("good", "table.yaml", kGoodTable)).parent_path());
}
