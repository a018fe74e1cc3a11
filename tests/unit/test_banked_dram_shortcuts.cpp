// banked_dram's scheduler shortcuts may not change a decision. Each test drives two channels of
// one standard with the same requests, one with a shortcut on and one with it off, and requires
// every completion and every command count to agree:
//   - skipping a steady state's periods in closed form (DramPolicy::skip_periods), for read
//     queues and write drains, with requests arriving before commands already committed;
//   - raising a waiting column command's bound to the next free data-bus slot instead of a full
//     search (DramPolicy::bus_bounds);
//   - filling a gap between committed commands RD by RD without a scan (DramPolicy::gap_runs),
//     both a run of one group among others and a lone group's read (read_alone), and proving
//     such a run legal per committed record instead of per RD (DramPolicy::gap_closed_form).
// (Shortcuts without a switch, such as the one-run read path, are held to the schedule recorded
// before them by test_banked_dram_replay.cpp.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <queue>
#include <random>
#include <vector>

#include "dram_test.h"
#include "sim/mem/address_mapping.h"
#include "sim/mem/dram_channel.h"

using namespace npusim;
using namespace npusim::test;

namespace {

// Two channels fed the same requests: `fast` with the default policy, `slow` without a shortcut.
class Twin {
 public:
  Twin(const DramStandard& s, const DramPolicy& slow) : fast_(s, DramPolicy{}), slow_(s, slow) {}
  uint64_t read(const std::vector<RowRun>& r, uint64_t arrival) {
    const uint64_t done = fast_.read(r.data(), r.size(), arrival);
    REQUIRE(done == slow_.read(r.data(), r.size(), arrival));
    histories_hold();
    return done;
  }
  void write(const std::vector<RowRun>& r, uint64_t arrival) {
    REQUIRE(fast_.write(r.data(), r.size(), arrival) == slow_.write(r.data(), r.size(), arrival));
    histories_hold();
  }
  void histories_hold() const {
    REQUIRE(fast_.check_histories() == "");
    REQUIRE(slow_.check_histories() == "");
  }
  void same_counts() const {
    const DramCommandCounts &a = fast_.counts(), &b = slow_.counts();
    CHECK(a.act == b.act);
    CHECK(a.pre == b.pre);
    CHECK(a.rd == b.rd);
    CHECK(a.wr == b.wr);
    CHECK(a.ref == b.ref);
    CHECK(a.row_hits == b.row_hits);
    CHECK(a.row_misses == b.row_misses);
    CHECK(a.row_conflicts == b.row_conflicts);
    CHECK(fast_.pending_writes() == slow_.pending_writes());
  }

 private:
  DramChannel fast_, slow_;
};

DramPolicy without_skips() {
  DramPolicy p;
  p.skip_periods = false;
  return p;
}

}  // namespace

TEST_CASE("skipping steady-state periods gives the cycles of issuing every RD", "[dram]") {
  // 2048 reads of 64 KiB (bank groups pair up and alternate every tCCD_S), every fifth a
  // scattered 256 B read, eight at a time.
  const DramStandard s = dram_standard("ddr4_3200");
  const AddressMapping m("RoBaRaCoCh", s);
  Twin twin(s, without_skips());
  std::vector<RowRun> runs;
  std::mt19937_64 rng(7);
  for (uint64_t i = 0; i < 2048; ++i) {
    const uint64_t addr = i % 5 == 4 ? (rng() % (1ull << 27)) * 64 : i * 65536 % (8ull << 30);
    m.split(addr, i % 5 == 4 ? 256 : 65536, runs);
    twin.read(runs, (i / 8) * 20000);
  }
  twin.same_counts();
}

namespace {

// Long row streams (skipped), then reads and writes arriving earlier than commands already
// committed (they fill the gaps before and after a stretch), on four standards and two
// mappings; `slow` is the policy compared with the default.
void mixed_traffic(const DramPolicy& slow) {
  for (const char* name : {"ddr4_3200", "lpddr4x_4266", "lpddr5_6400", "hbm3"}) {
    for (const char* mapping : {"RoBaRaCoCh", "RoCoBaRaCh"}) {
      const DramStandard s = dram_standard(name);
      const AddressMapping m(mapping, s);
      Twin twin(s, slow);
      std::vector<RowRun> runs;
      std::mt19937_64 rng(11);
      uint64_t now = 0;
      for (uint64_t i = 0; i < 1500; ++i) {
        const uint64_t kind = rng() % 6;
        const bool write = kind == 5, stream = kind < 2 || (write && rng() % 2 == 0);
        const uint64_t bytes = stream ? 32768 : 64 * (1 + rng() % 8);
        const uint64_t addr = (rng() % (1ull << 22)) * 64 % ((1ull << 30) - bytes);
        m.split(addr, bytes, runs);
        runs.erase(std::remove_if(runs.begin(), runs.end(),
                                  [](const RowRun& r) { return r.at.channel != 0; }),
                   runs.end());
        if (runs.empty()) continue;
        now += stream ? 0 : rng() % 40;
        const uint64_t back = rng() % 2000;
        const uint64_t arrival = now > 2000 && rng() % 3 == 0 ? now - back : now;
        INFO(name << " " << mapping << " request " << i);
        if (write) {
          twin.write(runs, arrival);
        } else {
          twin.read(runs, arrival);
        }
      }
      INFO(name << " " << mapping);
      twin.same_counts();
    }
  }
}

}  // namespace

TEST_CASE("skipped periods leave later gap fills and writes exact on every standard", "[dram]") {
  // A skip records only the commands within reach of its stretch's two ends (its data bus is
  // busy in between, so no later command can land there), and write drains skip too, bounded by
  // their stop rule and acceptance level. A waiting row that became ready during a period once
  // made a skip wrong here.
  mixed_traffic(without_skips());
}

TEST_CASE("bus-slot bounds of waiting commands give the cycles of full searches", "[dram]") {
  // Mixed traffic — 64 KiB sequential reads, 256 B reads and 4 KiB writes at scattered rows,
  // eight requests at a time — on three standards (DDR4: tCCD_L = 2 tBL; LPDDR4X: one bank
  // group; HBM3: two ranks).
  for (const char* name : {"ddr4_3200", "lpddr4x_4266", "hbm3"}) {
    INFO(name);
    DramStandard s = dram_standard(name);
    s.channels = 1;
    const AddressMapping m("RoBaRaCoCh", s);
    DramPolicy full;
    full.bus_bounds = false;
    Twin twin(s, full);
    std::vector<RowRun> runs;
    std::mt19937_64 rng(11);
    const uint64_t cap = s.capacity_bytes();
    for (uint64_t i = 0; i < 1536; ++i) {
      const uint64_t kind = i % 3;  // 0: sequential read, 1: scattered read, 2: scattered write
      const uint64_t len = kind == 0 ? 65536 : kind == 1 ? 256 : 4096;
      const uint64_t addr = kind == 0 ? i * 65536 % cap : rng() % (cap / len) * len;
      m.split(addr, len, runs);
      const uint64_t arrival = (i / 8) * 6000;
      if (kind == 2) {
        twin.write(runs, arrival);
      } else {
        twin.read(runs, arrival);
      }
    }
    twin.same_counts();
  }
}

namespace {

// As a DMA drives memory: 16 requests in flight, each issued when the oldest completes, so a
// request arrives long before the commands of those ahead of it and its first RDs fill the
// data-bus slots they leave (a 64 KiB read ends with one bank group alone, every tCCD_L).
// Sequential reads of 64, 32 and 4 KiB, every seventh a scattered 256 B read, on every
// standard (or those named) and two mappings; `slow` is the policy compared with the default.
// With `odd_ccd_l`, tCCD_L is 1.5 x tCCD_S instead of the preset's (not a power of two).
void gaps_filled_as(const DramPolicy& slow, bool odd_ccd_l = false,
                    std::vector<const char*> names = {"ddr4_3200", "lpddr4x_4266", "lpddr5_6400",
                                                      "hbm2", "hbm3"}) {
  for (const char* name : names) {
    for (const char* mapping : {"RoBaRaCoCh", "RoCoBaRaCh"}) {
      INFO(name << " " << mapping);
      DramStandard s = dram_standard(name);
      s.channels = 1;
      if (odd_ccd_l) s.t.tCCD_L = 3 * s.t.tCCD_S / 2;
      const AddressMapping m(mapping, s);
      Twin twin(s, slow);
      std::vector<RowRun> runs;
      std::mt19937_64 rng(5);
      std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> in_flight;
      uint64_t now = 0, addr = 0;
      const uint64_t cap = s.capacity_bytes();
      for (uint64_t i = 0; i < 1200; ++i) {
        if (in_flight.size() == 16) {
          now = std::max(now, in_flight.top());
          in_flight.pop();
        }
        const uint64_t len = i % 7 == 6 ? 256 : uint64_t{4096} << (rng() % 3 == 0 ? 0 : 3 + i % 2);
        const uint64_t at = i % 7 == 6 ? rng() % (cap / 256) * 256 : addr;
        if (i % 7 != 6) addr = (addr + len) % cap;
        m.split(at, len, runs);
        in_flight.push(twin.read(runs, now));
      }
      twin.same_counts();
    }
  }
}

}  // namespace

TEST_CASE("filling a gap RD by RD without a scan gives the cycles of scanning each", "[dram]") {
  DramPolicy scan;
  scan.gap_runs = false;
  gaps_filled_as(scan);
}

TEST_CASE("a gap run proven per record gives the cycles of proving each RD", "[dram]") {
  // DramPolicy::gap_closed_form: fill_gap() bounds its run by the first bus booking and the
  // first committed command that a RD of it would meet, found per booking and per record
  // (col_run_bound()), and books the run's slots in one pass, instead of probing, checking and
  // booking RD by RD.
  DramPolicy per_rd;
  per_rd.gap_closed_form = false;
  gaps_filled_as(per_rd);
  // Every preset's tCCD_L is a power of two, which col_run_bound() divides by with shifts; with
  // 1.5 x tCCD_S (12 cycles on LPDDR4X, the standard whose gap runs it bounds most) it divides.
  gaps_filled_as(per_rd, true, {"lpddr4x_4266"});
  mixed_traffic(per_rd);  // with writes (tWTR, tRTW) and two ranks (HBM3)
}
