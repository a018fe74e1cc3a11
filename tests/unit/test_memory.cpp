// DRAM, scratchpad and DMA timing against closed-form values and bandwidth bounds.
#include <catch2/catch.hpp>

#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "sim/mem/calendar.h"
#include "sim/mem/i_dma.h"
#include "sim/mem/i_memory.h"
#include "sim/mem/router.h"

using namespace npusim;
using namespace npusim::test;

namespace {

// Issues timed reads at chosen moments and records their completion times.
struct Reader : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Reader> socket{"socket"};
  struct Req {
    uint64_t at_ps, addr, len;
  };
  std::vector<Req> reqs;
  std::vector<uint64_t> done;
  SC_HAS_PROCESS(Reader);
  explicit Reader(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    for (const auto& r : reqs) {
      if (r.at_ps > now_ps()) sim_wait(ps_to_time(r.at_ps - now_ps()));
      tlm::tlm_generic_payload p;
      unsigned char dummy[1];
      p.set_command(tlm::TLM_READ_COMMAND);
      p.set_address(r.addr);
      p.set_data_ptr(dummy);
      p.set_data_length(static_cast<unsigned>(r.len));
      p.set_streaming_width(static_cast<unsigned>(r.len));
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      socket->b_transport(p, d);
      done.push_back(now_ps() + time_to_ps(d));
    }
  }
};

}  // namespace

TEST_CASE("calendar fills gaps and never overlaps", "[mem]") {
  Calendar c;
  CHECK(c.reserve(0, 10) == 0);
  CHECK(c.reserve(0, 10) == 10);    // queued behind the first
  CHECK(c.reserve(100, 5) == 100);  // idle gap: starts on arrival
  CHECK(c.reserve(20, 80) == 20);   // fits exactly in [20, 100)
  CHECK(c.reserve(0, 1) == 105);    // everything before 105 is taken
  CHECK(c.pending() == 1);          // touching intervals merged into one
  c.retire(106);
  CHECK(c.pending() == 0);
  CHECK(c.busy_total() == 10 + 10 + 5 + 80 + 1);
}

TEST_CASE("calendar slots at a stride: first busy one, and booking them in one pass", "[mem]") {
  // A worked case: bookings [10, 12), [16, 18), [22, 24), a run every 6 cycles. Slots of 2
  // every 6 from 12 ([12, 14), [18, 20), [24, 26), [30, 32)) are all free; from 11 slot 0
  // ([11, 13)) meets [10, 12); from 15 slot 0 ([15, 17)) meets [16, 18); from 4 slot 1 is
  // [10, 12) itself.
  Calendar c;
  for (uint64_t t : {10, 16, 22}) c.book(t, 2);
  CHECK(c.first_busy_every(12, 2, 6, 4) == 4);
  CHECK(c.first_busy_every(11, 2, 6, 4) == 0);
  CHECK(c.first_busy_every(15, 2, 6, 4) == 0);
  CHECK(c.first_busy_every(14, 2, 6, 4) == 4);  // [14, 16), [20, 22), [26, 28), [32, 34)
  CHECK(c.first_busy_every(4, 2, 6, 4) == 1);   // [4, 6) free, [10, 12) taken
  c.book_every(12, 2, 6, 4);                    // [10, 14), [16, 20), [22, 26), [30, 32)
  CHECK(c.pending() == 4);
  CHECK(c.busy_total() == 3 * 2 + 4 * 2);
  CHECK(c.first_busy_every(14, 2, 6, 3) == 3);  // the holes [14, 16), [20, 22), [26, 28)
  c.book_every(14, 2, 6, 3);                    // close them: [10, 28), then [30, 32)
  CHECK(c.pending() == 2);
  CHECK(c.reserve(0, 2) == 0);
  CHECK(c.reserve(10, 3) == 32);  // the first gap of 3 at or after 10

  // Random bookings, then slots at a stride: the first busy one is what probing each finds, and
  // booking them leaves the calendar as booking each (same gaps found afterwards, same total).
  std::mt19937_64 rng(3);
  for (int round = 0; round < 300; ++round) {
    Calendar a, b;
    for (int i = 0; i < 40; ++i) {
      const uint64_t at = rng() % 400, len = 1 + rng() % 6;
      a.reserve(at, len);
      b.reserve(at, len);
    }
    const uint64_t d = 1 + rng() % 4, stride = d + rng() % 8, start = rng() % 420, n = rng() % 30;
    uint64_t busy = n;
    for (uint64_t i = 0; i < n && busy == n; ++i) {
      if (a.probe(start + i * stride, d) != start + i * stride) busy = i;
    }
    INFO("round " << round);
    REQUIRE(a.first_busy_every(start, d, stride, n) == busy);
    a.book_every(start, d, stride, busy);
    for (uint64_t i = 0; i < busy; ++i) b.book(start + i * stride, d);
    REQUIRE(a.pending() == b.pending());
    REQUIRE(a.busy_total() == b.busy_total());
    for (uint64_t t = 0; t < 700; t += 7) REQUIRE(a.probe(t, 3) == b.probe(t, 3));
  }
}

TEST_CASE("calendar state and shift for fast-forward", "[mem]") {
  Calendar c;
  c.reserve(0, 10);   // [0, 10)
  c.reserve(20, 10);  // [20, 30)
  c.reserve(40, 20);  // [40, 60)
  std::vector<int64_t> s;
  // From 25 on only [25, 30) and [40, 60) can matter; offsets from ref = 20.
  c.state(25, 20, s);
  CHECK(s == std::vector<int64_t>{2, 5, 10, 20, 40});
  // Moving them 100 later: history before 25 is dropped, the booking under way starts at 25.
  c.shift(25, 100, 7);
  s.clear();
  c.state(125, 120, s);
  CHECK(s == std::vector<int64_t>{2, 5, 10, 20, 40});
  CHECK(c.busy_total() == 10 + 10 + 20 + 7);
  CHECK(c.reserve(125, 5) == 130);  // behind the moved [125, 130)
}

TEST_CASE("DRAM single access: latency then burst transfer", "[mem]") {
  SimKernel k;
  Harness h;
  auto dram = h.build<IDram>("dram", "dram",
                             "channels: 1\nchannel_bandwidth: 16GB/s\nlatency: 100ns\nburst: 64B\n"
                             "interleave: 256B\n");
  Reader r("reader");
  r.socket.bind(dram->target_socket());
  // 64 B at 16 GB/s = 4 ns on the bus, after 100 ns of access latency.
  // A 1-byte read still moves a whole 64 B burst: also 4 ns.
  // 100 B starting at byte 60 touches bursts [0,64) [64,128) [128,192): 3 bursts = 12 ns.
  r.reqs = {{0, 0, 64}, {1000000, 5, 1}, {2000000, 60, 100}};
  k.run();
  REQUIRE(r.done.size() == 3);
  CHECK(r.done[0] == 104000);
  CHECK(r.done[1] == 1000000 + 104000);
  CHECK(r.done[2] == 2000000 + 100000 + 12000);
}

TEST_CASE("DRAM channels interleave and concurrent requests queue", "[mem]") {
  SimKernel k;
  Harness h;
  auto dram = h.build<IDram>("dram", "dram",
                             "channels: 2\nchannel_bandwidth: 16GB/s\nlatency: 100ns\nburst: 64B\n"
                             "interleave: 256B\n");
  Reader r("reader");
  r.socket.bind(dram->target_socket());
  // 1 KiB from address 0 = 4 interleave units: 512 B on each channel, 32 ns each in parallel.
  // Then a 256 B read of unit 0 (channel 0) and, issued at the same moment, unit 2 (channel 0
  // again): the second queues behind the first on the same bus: 16 ns + 16 ns.
  r.reqs = {{0, 0, 1024}, {1000000, 0, 256}, {1000000, 512, 256}};
  k.run();
  CHECK(r.done[0] == 100000 + 32000);
  CHECK(r.done[1] == 1000000 + 100000 + 16000);
  CHECK(r.done[2] == 1000000 + 100000 + 32000);
}

namespace {

// A DRAM + scratchpad + DMA system with one driver process per queue.
struct DmaSystem {
  Harness h;
  std::unique_ptr<IDram> dram;
  std::unique_ptr<IScratchpad> spm;
  std::unique_ptr<IDma> dma;
  AddressRouter router{"router"};
  static constexpr uint64_t kSpmBase = 1ull << 40;

  DmaSystem(const std::string& dram_yaml, const std::string& dma_yaml) {
    dram = h.build<IDram>("dram", "dram", dram_yaml);
    spm = h.build<IScratchpad>(
        "scratchpad", "spm",
        "capacity: 64MiB\nports: 4\nport_width: 256B\nbanks: 64\nbank_width: 16B\n");
    dma = h.build<IDma>("dma", "dma", dma_yaml);
    router.map(*dram, 0);
    router.map(*spm, kSpmBase);
    dma->initiator_socket().bind(router.target);
  }
};

}  // namespace

TEST_CASE("DMA streaming is bandwidth-bound and never beats the peak", "[mem]") {
  SimKernel k;
  DmaSystem s("channels: 2\nchannel_bandwidth: 16GB/s\nlatency: 100ns\n",
              "queues: 1\nmax_outstanding: 8\ntransaction_bytes: 4KiB\nsetup_cycles: 0\n");
  auto done = std::make_shared<Completion>();
  const uint64_t bytes = 8ull << 20;  // 8 MiB
  sc_core::sc_spawn([&] {
    s.dma->submit(0, {0, DmaSystem::kSpmBase, bytes, 1, 0, 0, "stream"}, done);
  });
  k.run();
  REQUIRE(done->known());
  // Peak 32 GB/s: 8 MiB takes 262144 ns. The first transaction also waits the 100 ns access
  // latency. The engine cuts through: each 4 KiB write into the scratchpad (16 cycles + 2
  // latency = 18 ns at 256 B per cycle) streams alongside its 128 ns read, so adds nothing.
  const double ideal_ps = bytes / 32e9 * 1e12;
  CHECK(done->at_ps() >= static_cast<uint64_t>(ideal_ps));
  CHECK(done->at_ps() == static_cast<uint64_t>(ideal_ps) + 100000);
  CHECK(s.dram->bytes_read() == bytes);
  CHECK(s.spm->bytes_written() == bytes);
  // Nothing else pending: the queue picks the descriptor up and runs ahead of simulated time
  // through its 2048 window slots, waking once more at the end (not once per slot).
  CHECK(SimKernel::activations() == 2);
}

TEST_CASE("two DMA queues share DRAM bandwidth", "[mem]") {
  SimKernel k;
  DmaSystem s("channels: 2\nchannel_bandwidth: 16GB/s\nlatency: 100ns\n",
              "queues: 2\nmax_outstanding: 4\ntransaction_bytes: 4KiB\nsetup_cycles: 0\n");
  auto a = std::make_shared<Completion>(), b = std::make_shared<Completion>();
  const uint64_t bytes = 4ull << 20;
  sc_core::sc_spawn([&] {
    s.dma->submit(0, {0, DmaSystem::kSpmBase, bytes, 1, 0, 0, "a"}, a);
    s.dma->submit(1, {bytes, DmaSystem::kSpmBase + bytes, bytes, 1, 0, 0, "b"}, b);
  });
  k.run();
  // Alone, each would take 4 MiB / 32 GB/s = 131 us. Together the 8 MiB need 262 us at the
  // shared peak, and since the queues interleave, each finishes near the end, not at 131 us.
  const double both_ps = 2.0 * bytes / 32e9 * 1e12;
  uint64_t last = std::max(a->at_ps(), b->at_ps());
  uint64_t first = std::min(a->at_ps(), b->at_ps());
  CHECK(last >= static_cast<uint64_t>(both_ps));
  CHECK(last <= static_cast<uint64_t>(both_ps) + 200000);
  CHECK(first >= static_cast<uint64_t>(both_ps * 0.95));
  // Measured bandwidth over the run never exceeds the configured peak.
  CHECK(2.0 * bytes / (static_cast<double>(last) * 1e-12) <= s.dram->peak_bandwidth());
}

TEST_CASE("a threaded DMA queue skips only the waits no other process could run within", "[mem]") {
  // Two queues on banked DRAM, where the order in which requests reach a channel moves their
  // timing: a 3 MiB stream from 0 and, submitted at the same moment (both queues runnable at
  // once) or 5 us later, 512 scattered 1 KiB rows. With run_ahead, alone and beside a process
  // that wakes every nanosecond until both are done, against waiting for every window slot:
  // the same completions and the same statistics (DRAM commands, latencies, queue occupancy),
  // with far fewer wake-ups alone. (The ticker is a second witness, not the reference: it may
  // reorder processes that wake at the same moment, as it does when both start at 0.)
  const uint64_t b_at = GENERATE(uint64_t{0}, uint64_t{5000000});
  INFO("second descriptor submitted at " << b_at << " ps");
  struct Run {
    uint64_t a, b, wakeups;
    std::string stats;
  };
  auto run = [b_at](bool run_ahead, bool ticker) {
    SimKernel k;
    DmaSystem s("type: banked_dram\nstandard: ddr4_3200\nchannels: 2\n",
                std::string("queues: 2\nmax_outstanding: 8\ntransaction_bytes: 2KiB\n"
                            "setup_cycles: 3\nrun_ahead: ") +
                    (run_ahead ? "true" : "false") + "\n");
    auto a = std::make_shared<Completion>(), b = std::make_shared<Completion>();
    uint64_t ticks = 0;
    sc_core::sc_spawn([&] {
      s.dma->submit(0, {0, DmaSystem::kSpmBase, 3ull << 20, 1, 0, 0, "a"}, a);
      if (b_at > 0) sim_wait(ps_to_time(b_at));
      s.dma->submit(
          1, {7ull << 20, DmaSystem::kSpmBase + (4ull << 20), 1024, 512, 12289 * 256, 1024, "b"},
          b);
    });
    if (ticker) {
      sc_core::sc_spawn([&] {
        auto finished = [&] {
          const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
          return a->known() && b->known() && now >= std::max(a->at_ps(), b->at_ps());
        };
        for (; !finished(); ++ticks) sim_wait(ps_to_time(1000));
      });
    }
    k.run();
    REQUIRE(a->known());
    REQUIRE(b->known());
    return Run{a->at_ps(), b->at_ps(), SimKernel::activations() - ticks,
               s.h.stats().to_json().dump()};
  };
  const Run waits = run(false, false), alone = run(true, false);
  CHECK(alone.a == waits.a);
  CHECK(alone.b == waits.b);
  CHECK(alone.stats == waits.stats);
  CHECK(alone.a > b_at + 1000000);  // the stream still runs when the scattered rows start
  // 1536 + 512 transactions, 8 in flight: about a wake-up per window slot when waiting for each.
  // Run ahead, the queues still take turns while both run (each waits where the other is
  // pending), and run ahead once one has finished.
  CHECK(waits.wakeups > 1000);
  CHECK(alone.wakeups < waits.wakeups / 2);
  if (b_at > 0) {
    const Run beside = run(true, true), beside_waits = run(false, true);
    CHECK(beside.a == waits.a);
    CHECK(beside.b == waits.b);
    CHECK(beside.stats == waits.stats);
    CHECK(beside_waits.stats == waits.stats);
  }
}

TEST_CASE("DMA window limits bandwidth when latency dominates", "[mem]") {
  SimKernel k;
  // One outstanding 1 KiB transaction at a time: each pays 100 ns latency + 32 ns transfer
  // (1 KiB over two 16 GB/s channels); the scratchpad write (4 cycles + 2 latency = 6 ns)
  // streams alongside the read (cut-through).
  DmaSystem s("channels: 2\nchannel_bandwidth: 16GB/s\nlatency: 100ns\n",
              "queues: 1\nmax_outstanding: 1\ntransaction_bytes: 1KiB\nsetup_cycles: 0\n");
  auto done = std::make_shared<Completion>();
  sc_core::sc_spawn([&] {
    s.dma->submit(0, {0, DmaSystem::kSpmBase, 16 * 1024, 1, 0, 0, "x"}, done);
  });
  k.run();
  CHECK(done->at_ps() == 16 * (100000 + 32000));
}
