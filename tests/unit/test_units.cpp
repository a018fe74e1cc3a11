#include <catch2/catch.hpp>

#include <stdexcept>

#include "sim/core/clock.h"
#include "sim/core/stats.h"
#include "sim/core/units.h"

using namespace npusim;

TEST_CASE("sizes use decimal and binary prefixes exactly", "[units]") {
  CHECK(parse_bytes("256KiB").n == 256 * 1024);
  CHECK(parse_bytes("4MB").n == 4000000);
  CHECK(parse_bytes("1GiB").n == 1073741824ull);
  CHECK(parse_bytes("64B").n == 64);
  CHECK(parse_bytes("1.5KiB").n == 1536);
  CHECK(parse_bytes("2 MiB").n == 2ull << 20);
  CHECK_THROWS_AS(parse_bytes("0.5B"), std::invalid_argument);  // not whole bytes
  CHECK_THROWS_AS(parse_bytes("64"), std::invalid_argument);    // unit required
  CHECK_THROWS_AS(parse_bytes("64Kb"), std::invalid_argument);  // bits are rejected
  CHECK_THROWS_AS(parse_bytes("-1KiB"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bytes("KiB"), std::invalid_argument);
}

TEST_CASE("bandwidth, time and frequency parse with their units", "[units]") {
  CHECK(parse_bandwidth("32GB/s").bytes_per_s == 32e9);
  CHECK(parse_bandwidth("16GiB/s").bytes_per_s == 16.0 * 1073741824.0);
  CHECK(parse_time("100ns").ps == 100000);
  CHECK(parse_time("1.5us").ps == 1500000);
  CHECK(parse_time("0.1ns").ps == 100);
  CHECK(parse_frequency("1GHz").hz == 1000000000ull);
  CHECK(parse_frequency("1.5GHz").hz == 1500000000ull);
  CHECK(parse_frequency("200MHz").hz == 200000000ull);
  CHECK_THROWS_AS(parse_time("0.1ps"), std::invalid_argument);
  CHECK_THROWS_AS(parse_frequency("0GHz"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bandwidth("32Gb/s"), std::invalid_argument);
  CHECK_THROWS_AS(parse_time("5 parsecs"), std::invalid_argument);
}

TEST_CASE("formatting reads back to the same value", "[units]") {
  for (const char* s : {"256KiB", "4MB", "64B", "1536B", "3GiB", "1000B"}) {
    CHECK(parse_bytes(format_bytes_exact(parse_bytes(s))).n == parse_bytes(s).n);
    CHECK(format_bytes(parse_bytes(s)) == format_bytes_exact(parse_bytes(s)));  // short: exact
  }
  // 17220915200 B = 16817300 KiB exactly (not a whole MiB: 16817300 / 1024 = 16423.1); in a
  // message that reads as 17220915200 / 2^30 = 16.038 GiB -> 16.04GiB (4 significant digits).
  CHECK(format_bytes_exact(Bytes{17220915200ull}) == "16817300KiB");
  CHECK(parse_bytes(format_bytes_exact(Bytes{17220915200ull})).n == 17220915200ull);
  CHECK(format_bytes(Bytes{17220915200ull}) == "16.04GiB");
  CHECK(format_bytes(Bytes{12345}) == "12.06KiB");  // 12345 / 1024 = 12.056
  CHECK(format_bytes(Bytes{3ull << 30}) == "3GiB");
  CHECK(format_bytes(parse_bytes("256KiB")) == "256KiB");
  CHECK(format_bytes(parse_bytes("4MB")) == "4MB");
  CHECK(format_bandwidth(parse_bandwidth("32GB/s")) == "32GB/s");
  CHECK(format_bandwidth(parse_bandwidth("12.8GB/s")) == "12.8GB/s");
  CHECK(format_bandwidth(parse_bandwidth("16GiB/s")) == "16GiB/s");
  CHECK(format_time(parse_time("100ns")) == "100ns");
  CHECK(format_time(parse_time("1500ps")) == "1500ps");
  CHECK(format_frequency(parse_frequency("1.5GHz")) == "1500MHz");
  CHECK(format_double(0.1) == "0.1");
}

TEST_CASE("clock domain converts cycles and time without drift", "[units]") {
  ClockDomain ghz(Frequency{1000000000});
  CHECK(ghz.ps_of(Cycles(7)) == 7000);
  CHECK(ghz.cycle_at_ps(7000).n == 7);
  CHECK(ghz.cycle_at_ps(7001).n == 8);  // rounds up to the next boundary
  // 1.5 GHz: period 666.67 ps. Cycle 3 starts at exactly 2000 ps; cycle 1 at ceil(666.67).
  ClockDomain odd(Frequency{1500000000});
  CHECK(odd.ps_of(Cycles(3)) == 2000);
  CHECK(odd.ps_of(Cycles(1)) == 667);
  CHECK(odd.cycle_at_ps(667).n == 1);
  CHECK(odd.cycle_at_ps(668).n == 2);
  // One billion cycles at 1.5 GHz is exactly 2/3 s, not a sum of rounded periods.
  CHECK(odd.ps_of(Cycles(1500000000)) == 1000000000000ull);
}

TEST_CASE("stats replay adds k times the change between two snapshots", "[units]") {
  StatGroup root("hw");
  Counter& bytes = root.counter("bytes", "B", "moved");
  StatGroup& child = root.group("dram");
  Average& wait = child.average("wait", "ns", "queueing");
  Histogram& h = child.histogram("size", "B", "request sizes", {64, 256});
  bytes += 100;
  wait.sample(5);
  StatSnapshot before, after;
  root.snapshot(before);
  // One "period": 30 bytes, waits of 2 and 4, sizes 32 and 300.
  bytes += 30;
  wait.sample(2);
  wait.sample(4);
  h.sample(32);
  h.sample(300);
  root.snapshot(after);
  root.replay(before, after, 3);  // three more periods
  CHECK(bytes.value() == 100 + 4 * 30);
  CHECK(wait.count() == 1 + 4 * 2);
  CHECK(wait.mean() == Approx((5.0 + 4 * 6.0) / 9));
  CHECK(wait.min() == 2);  // replayed samples are within the ones seen
  CHECK(wait.max() == 5);
  const Json j = h.to_json();
  CHECK(j.find("count")->as_uint() == 8);
  CHECK(j.find("counts")->at(0).as_uint() == 4);  // <= 64
  CHECK(j.find("counts")->at(2).as_uint() == 4);  // overflow
}
