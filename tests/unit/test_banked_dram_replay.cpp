// banked_dram's scheduler takes shortcuts for speed (lazy bounds, skipped scans, batched runs and
// periods, records and bus bookings kept only as far back as a search can reach); none may change
// a decision. Mixed traffic is replayed through one channel for every standard, several address
// mappings and policies, and a checksum of every completion cycle and the final command counts
// is compared with the one recorded from the scheduler before the third speed round (commit
// 05b3675, which the speed work since leaves cycle-for-cycle identical). A changed checksum
// means a changed schedule: if that change is intended (a timing model fix, not a speed-up),
// record the new values and say why in the commit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "dram_test.h"
#include "sim/mem/address_mapping.h"
#include "sim/mem/dram_channel.h"

using namespace npusim;
using npusim::test::dram_standard;

namespace {

// Replays `ops` requests of one traffic pattern through one channel of standard `name` with
// address mapping `mapping` and policy variant `policy`, and returns an FNV-1a checksum of every
// completion cycle and of the final command counts. Patterns: 0 sequential 64 KiB reads, 16
// outstanding (each arrives when the one 16 before completed); 1 scattered 256 B reads, 16
// outstanding; 2 and 3 three initiators with sizes from 64 B to 64 KiB, half sequential and half
// scattered, a quarter (2) or half (3) writes, arrivals that go back and forth in time.
// Policies: 0 default, 1 closed page, 2 a 4-entry window, 3 a 1-entry window and a 16-burst
// write queue.
uint64_t replay(const std::string& name, const std::string& mapping, int policy, int pattern,
                int ops, uint64_t seed) {
  DramStandard s = dram_standard(name);
  s.channels = 1;
  const AddressMapping m(mapping, s);
  DramPolicy p;
  if (policy == 1) p.open_page = false;
  if (policy == 2) p.read_queue = 4;
  if (policy == 3) {
    p.read_queue = 1;
    p.write_queue = 16;
    p.write_high = 12;
    p.write_low = 4;
  }
  DramChannel ch(s, p);
  std::vector<RowRun> runs;
  std::mt19937_64 rng(seed);
  const uint64_t cap = s.capacity_bytes();
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  std::deque<uint64_t> outstanding;
  uint64_t clock = 0, next = rng() % (cap / 65536) * 65536;
  uint64_t initiator[3] = {0, 0, 0};
  for (int i = 0; i < ops; ++i) {
    uint64_t addr = 0, len = 0, arrival = 0;
    bool write = false;
    if (pattern <= 1) {
      len = pattern == 0 ? 65536 : 256;
      if (pattern == 0) {
        addr = next;
        next = (next + len) % cap;
      } else {
        addr = rng() % (cap / len) * len;
      }
      if (outstanding.size() >= 16) {
        clock = std::max(clock, outstanding.front());
        outstanding.pop_front();
      }
      arrival = clock;
    } else {
      const uint64_t who = rng() % 3, kind = rng() % 6;
      const uint64_t sizes[6] = {65536, 256, 4096, 64, 1024, 8192};
      len = sizes[kind];
      if (rng() % 2) {
        addr = next / len * len;
        next = (next + len) % cap;
      } else {
        addr = rng() % (cap / len) * len;
      }
      if (addr + len > cap) addr = 0;
      write = pattern == 3 ? rng() % 2 == 1 : rng() % 4 == 0;
      initiator[who] += rng() % 3000;
      arrival = initiator[who];
    }
    m.split(addr, len, runs);
    const uint64_t done = write ? ch.write(runs.data(), runs.size(), arrival)
                                : ch.read(runs.data(), runs.size(), arrival);
    mix(done);
    if (pattern <= 1) outstanding.push_back(done);
    if (pattern >= 2 && !write) {
      const uint64_t b = std::max<uint64_t>(std::max(initiator[0], done), 2000);
      initiator[rng() % 3] = b - rng() % 2000;
    }
  }
  const DramCommandCounts& c = ch.counts();
  for (uint64_t v : {c.act, c.pre, c.rd, c.wr, c.ref, c.row_hits, c.row_misses, c.row_conflicts,
                     ch.pending_writes()}) {
    mix(v);
  }
  return h;
}

}  // namespace

TEST_CASE("banked_dram schedules are unchanged by the scheduler's shortcuts", "[dram]") {
  struct Case {
    const char* name;
    const char* mapping;
    int policy, pattern, ops;
    uint64_t checksum;
  };
  const Case cases[] = {
      {"ddr4_3200", "RoBaRaCoCh", 0, 0, 200, 0x25d60f625132aac1ull},
      {"ddr4_3200", "RoBaRaCoCh", 0, 1, 1500, 0x79e283ae145bc846ull},
      {"ddr4_3200", "RoBaRaCoCh", 0, 2, 200, 0x5d17c8b210c66306ull},
      {"ddr4_3200", "RoRaBaChCo", 1, 3, 200, 0x75e7fd6c26efc158ull},
      {"ddr4_3200", "ChRaBaRoCo", 2, 2, 200, 0x5454f9f1a25e5502ull},
      {"ddr4_3200", "RoCoBaRaCh", 3, 3, 200, 0x3d5574f4401e31eeull},
      {"lpddr4x_4266", "RoBaRaCoCh", 0, 0, 200, 0xb4819277899c3fa8ull},
      {"lpddr4x_4266", "RoBaRaCoCh", 0, 3, 200, 0xf884e8b75b9aace7ull},
      {"lpddr4x_4266", "RoRaBaChCo", 1, 1, 1500, 0xf39a67d3cc8d7b45ull},
      {"lpddr5_6400", "RoBaRaCoCh", 2, 2, 200, 0xc2e2b70c5ac0cc5cull},
      {"lpddr5_6400", "RoCoBaRaCh", 0, 0, 200, 0xd26bcbb8403eb0caull},
      {"hbm2", "RoBaRaCoCh", 0, 2, 200, 0xd6e91935b214cda4ull},
      {"hbm2", "ChRaBaRoCo", 3, 1, 1500, 0x962a9a8e87ed1654ull},
      {"hbm3", "RoBaRaCoCh", 0, 0, 200, 0xfeba3c02bde3af6aull},
      {"hbm3", "RoBaRaCoCh", 1, 3, 200, 0x2b0fae30efb2090cull},
      {"hbm3", "RoRaBaChCo", 2, 2, 200, 0x21b1f4a0870a6c88ull},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    INFO(c.name << " " << c.mapping << " policy " << c.policy << " pattern " << c.pattern);
    CHECK(replay(c.name, c.mapping, c.policy, c.pattern, c.ops, seed++) == c.checksum);
  }
}
