// The timeline (item 8 of issue 8): overlapping events of one unit go to separate lanes, a
// capped timeline says it was truncated, and the file is valid trace JSON.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sim/report/timeline.h"

using namespace npusim;

TEST_CASE("overlapping events of a unit go to separate lanes", "[timeline]") {
  Timeline t;
  // Three DMA descriptors: [0, 10) and [5, 15) overlap (two lanes); [12, 20) starts after the
  // first lane's event ended at 10, so it goes back to lane 1. The array's events are serial.
  t.record("hw.dma", "weights", 0, 10);
  t.record("hw.dma", "inputs", 5, 15);
  t.record("hw.dma", "store", 12, 20);
  t.record("hw.array", "fc", 10, 30);
  t.record("hw.array", "fc", 30, 40);
  CHECK(t.lanes("hw.dma") == 2);
  CHECK(t.lanes("hw.array") == 1);
  const auto j = nlohmann::json::parse(t.json());
  std::map<int, std::string> thread;
  std::map<int, std::vector<std::pair<double, double>>> spans;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") thread[e["tid"]] = e["args"]["name"];
    if (e["ph"] == "X")
      spans[e["tid"]].push_back({e["ts"], e["ts"].get<double>() + e["dur"].get<double>()});
  }
  CHECK(thread == std::map<int, std::string>{{0, "hw.dma"}, {1, "hw.dma #2"}, {2, "hw.array"}});
  // No two events of one thread overlap (Perfetto needs them nested or disjoint).
  for (auto& [tid, s] : spans) {
    std::sort(s.begin(), s.end());
    for (size_t i = 1; i < s.size(); ++i) CHECK(s[i].first >= s[i - 1].second);
  }
  CHECK(spans[0].size() == 2);  // weights, store
  CHECK(spans[1].size() == 1);  // inputs
  CHECK(j["otherData"]["truncated"] == false);
}

TEST_CASE("a capped timeline says it was truncated, and where", "[timeline]") {
  // The CLI's help states the default limit.
  CHECK(Timeline::kDefaultMaxEvents == 500000);
  Timeline t(2);
  t.record("hw.array", "a", 0, 1000000);
  t.record("hw.array", "b", 1000000, 2000000);
  t.record("hw.array", "c", 2000000, 3000000);  // dropped: the first beyond the limit
  t.record("hw.array", "d", 3000000, 4000000);
  CHECK(t.size() == 2);
  CHECK(t.dropped() == 2);
  const auto j = nlohmann::json::parse(t.json());
  CHECK(j["otherData"]["truncated"] == true);
  CHECK(j["otherData"]["dropped_events"] == 2);
  CHECK(j["otherData"]["max_events"] == 2);
  CHECK(j["otherData"]["truncated_at_us"] == 2.0);  // 2000000 ps
  const auto& last = j["traceEvents"].back();
  CHECK(last["ph"] == "i");
  CHECK(last["ts"] == 2.0);
  CHECK(last["name"].get<std::string>().find("2 later events dropped (limit 2 events") !=
        std::string::npos);
}

TEST_CASE("names that are not valid UTF-8 still give a valid file", "[timeline]") {
  Timeline t;
  t.record("hw.array", std::string("op\xff\"quoted\"\n"), 0, 1);
  const auto j = nlohmann::json::parse(t.json());
  CHECK(j["traceEvents"].back()["name"] == "op\xEF\xBF\xBD\"quoted\"\n");
}
