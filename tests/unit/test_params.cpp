#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/core/params.h"

using namespace npusim;

namespace {

struct Sub {
  int64_t latency = 0;
};
struct Demo {
  int64_t channels = 0;
  Bandwidth bandwidth;
  Time latency;
  Bytes burst;
  std::string policy;
  double efficiency = 0;
  bool flag = false;
  Sub sub;
};

const ParamTable& sub_table() {
  static const ParamTable t = ParamTable("sub", "a nested section")
                                  .param("latency", &Sub::latency, "pipeline latency")
                                  .def(3)
                                  .min(0);
  return t;
}

const ParamTable& demo_table() {
  static const ParamTable t = ParamTable("demo", "a demo component")
                                  .param("channels", &Demo::channels, "channels")
                                  .def(2)
                                  .min(1)
                                  .max(64)
                                  .param("bandwidth", &Demo::bandwidth, "per-channel bandwidth")
                                  .param("latency", &Demo::latency, "latency")
                                  .def("100ns")
                                  .param("burst", &Demo::burst, "burst")
                                  .def("64B")
                                  .min("1B")
                                  .param("policy", &Demo::policy, "policy")
                                  .def("fcfs")
                                  .choices({"fcfs", "frfcfs"})
                                  .param("efficiency", &Demo::efficiency, "efficiency")
                                  .def(1)
                                  .min(ParamValue(0.01))
                                  .max(ParamValue(1.0))
                                  .param("flag", &Demo::flag, "a flag")
                                  .def(ParamValue(false))
                                  .section("sub", &Demo::sub, sub_table(), "nested")
                                  .check<Demo>([](const Demo& d) -> std::string {
                                    if (d.burst.n > 4096)
                                      return "burst (" + format_bytes(d.burst) + ") exceeds 4KiB";
                                    return "";
                                  });
  return t;
}

Demo load(const std::string& yaml, std::vector<std::pair<std::string, std::string>> sets = {}) {
  auto doc = load_yaml_text(yaml, "hw.yaml", ErrorKind::Config, "hw");
  for (auto& [k, v] : sets) apply_override(*doc, k, v);
  Demo d;
  demo_table().load(ConfigNode(doc, doc->root, "hw"), &d);
  return d;
}

std::string error_of(const std::string& yaml,
                     std::vector<std::pair<std::string, std::string>> sets = {}) {
  try {
    load(yaml, sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("parameters load with defaults and units", "[params]") {
  Demo d = load("bandwidth: 16GB/s\nsub: {latency: 7}\n");
  CHECK(d.channels == 2);
  CHECK(d.bandwidth.bytes_per_s == 16e9);
  CHECK(d.latency.ps == 100000);
  CHECK(d.burst.n == 64);
  CHECK(d.policy == "fcfs");
  CHECK(d.efficiency == 1.0);
  CHECK(d.sub.latency == 7);
}

TEST_CASE("config errors name the key, the problem and the line", "[params]") {
  CHECK(error_of("bandwidth: 16GB/s\nchanels: 4\n") ==
        "unknown key `chanels` in hw (did you mean `channels`?) at hw.yaml:2");
  CHECK(error_of("channels: 2\n") ==
        "missing required parameter `bandwidth` in hw (per-channel bandwidth) at hw.yaml:1");
  CHECK(error_of("bandwidth: 16GB/s\nchannels: 0\n") ==
        "`hw.channels` = 0 is below the minimum 1 at hw.yaml:2");
  CHECK(error_of("bandwidth: 16\n").find("has no unit") != std::string::npos);
  CHECK(error_of("bandwidth: 16GB/s\npolicy: frfcs\n") ==
        "`hw.policy` must be one of fcfs, frfcfs; `frfcs` is not (did you mean `frfcfs`?) at "
        "hw.yaml:2");
  CHECK(error_of("bandwidth: 16GB/s\nchannels: two\n") ==
        "`hw.channels` must be an integer, not `two` at hw.yaml:2");
  CHECK(error_of("bandwidth: 16GB/s\nsub: {latncy: 1}\n") ==
        "unknown key `latncy` in hw.sub (did you mean `latency`?) at hw.yaml:2");
  CHECK(error_of("bandwidth: 16GB/s\nburst: 8KiB\n") ==
        "invalid hw: burst (8KiB) exceeds 4KiB at hw.yaml:1");
  CHECK(error_of("bandwidth: 16GB/s\nchannels: 2\nchannels: 3\n") ==
        "duplicate key `channels` in hw at hw.yaml:3");
}

TEST_CASE("--set overrides edit the tree and are named in errors", "[params]") {
  CHECK(load("bandwidth: 16GB/s\n", {{"channels", "8"}}).channels == 8);
  CHECK(load("bandwidth: 16GB/s\n", {{"hw.sub.latency", "9"}}).sub.latency == 9);
  CHECK(error_of("bandwidth: 16GB/s\n", {{"channels", "99"}}) ==
        "`hw.channels` = 99 is above the maximum 64 (from override channels=99)");
  CHECK(error_of("bandwidth: 16GB/s\n", {{"chanels", "4"}}) ==
        "unknown key `chanels` in hw (did you mean `channels`?) (from override chanels=4)");
  CHECK(error_of("bandwidth: 16GB/s\n", {{"bandwidth.x", "4"}}).find("is a value, not a section") !=
        std::string::npos);
}

TEST_CASE("resolved parameters read back identically", "[params]") {
  Demo d = load("bandwidth: 12.8GB/s\nlatency: 45ns\nburst: 32B\nsub: {latency: 2}\n");
  YAML::Emitter out;
  out << YAML::BeginMap;
  demo_table().emit(out, &d);
  out << YAML::EndMap;
  Demo again = load(out.c_str());
  CHECK(again.bandwidth.bytes_per_s == d.bandwidth.bytes_per_s);
  CHECK(again.latency.ps == d.latency.ps);
  CHECK(again.burst.n == d.burst.n);
  CHECK(again.sub.latency == 2);
  CHECK(again.flag == d.flag);
}

TEST_CASE("malformed YAML is a user error with a line", "[params]") {
  CHECK_THROWS_WITH(load_yaml_text("a: [1, 2\nb: 3\n", "bad.yaml", ErrorKind::Config, "hw"),
                    Catch::Contains("malformed YAML") && Catch::Contains("bad.yaml:"));
  CHECK_THROWS_AS(load_yaml_text("", "empty.yaml", ErrorKind::Config, "hw"), ConfigError);
  CHECK_THROWS_AS(load_yaml_text("- 1\n- 2\n", "list.yaml", ErrorKind::Config, "hw"), ConfigError);
  CHECK_THROWS_AS(load_yaml_file("/nonexistent/x.yaml", ErrorKind::Workload, "workload"),
                  WorkloadError);
}
