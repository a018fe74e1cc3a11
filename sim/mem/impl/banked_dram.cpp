// Banked DRAM with JEDEC timing, behind the same IDram / TLM-2.0 contract as simple_dram
// (sim/mem/i_memory.h). A transaction is cut into bursts by the address mapping
// (address_mapping.h), grouped per channel and per (bank, row), and each channel's controller
// (dram_channel.h) schedules its commands FR-FCFS from earliest-legal-cycle registers; the
// transaction completes when its last channel's last data beat has moved (reads) or its last
// burst has entered the write queue (writes). Nothing ticks: idle costs nothing.
//
// Arrivals that are not monotone across initiators: commands committed for earlier calls stay,
// and a later call's commands fill the gaps between them (checked on both sides) back to a
// horizon of 8 x tFAW, like simple_dram's calendars; beyond the horizon it is served in call
// order (dram_channel.h, docs/dram.md). Fast-forward (IFastForward) is not implemented: refresh
// and the open rows make the state aperiodic in the address stream, so an LLM NPU using this
// memory runs without fast-forwarding.
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/core/kernel.h"
#include "sim/mem/address_mapping.h"
#include "sim/mem/dram_channel.h"
#include "sim/mem/i_memory.h"

namespace npusim {
namespace {

struct BankedDramParams {
  std::string standard;
  int64_t channels, ranks;
  std::string mapping, page_policy;
  int64_t read_queue, write_queue, write_high, write_low;
  Bytes capacity;
  DramTimings timing;  // overrides; 0 keeps the standard's value
};

const ParamTable& override_table() {
  static const ParamTable t = [] {
    ParamTable table(
        "banked_dram.timing",
        "Overrides of the standard's timings, in tCK; 0 (the default) keeps the standard's value.");
#define NPUSIM_DRAM_OVERRIDE(name, doc) \
  table.param(#name, &DramTimings::name, doc).def(0).min(0).unit("tCK");
    NPUSIM_DRAM_TIMINGS(NPUSIM_DRAM_OVERRIDE)
#undef NPUSIM_DRAM_OVERRIDE
    return table;
  }();
  return t;
}

// Latency percentiles from a log-linear histogram: exact below 1024 ns, then 64 buckets per
// power of two (a percentile is the lower bound of its bucket, within 1.6%).
class LatencyHistogram {
 public:
  void sample(uint64_t ns) {
    size_t b = ns;
    if (ns >= 1024) {
      const int msb = 63 - __builtin_clzll(ns);
      b = 1024 + static_cast<size_t>(msb - 10) * 64 + ((ns >> (msb - 6)) & 63);
    }
    if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
    ++buckets_[b];
    ++count_;
  }
  double percentile(double q) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
    uint64_t seen = 0;
    for (size_t b = 0; b < buckets_.size(); ++b) {
      seen += buckets_[b];
      if (seen >= rank && buckets_[b] > 0) {
        if (b < 1024) return static_cast<double>(b);
        const size_t octave = (b - 1024) / 64 + 10, step = (b - 1024) % 64;
        return std::ldexp(1.0, static_cast<int>(octave)) * (1.0 + static_cast<double>(step) / 64.0);
      }
    }
    return 0;
  }

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
};

}  // namespace

class BankedDram : public sc_core::sc_module, public IDram {
 public:
  static const ParamTable& param_table() {
    using P = BankedDramParams;
    static const ParamTable t =
        ParamTable(
            "banked_dram",
            "Banked DRAM with JEDEC timing: channels, ranks, bank groups and banks, open- or "
            "closed-page rows, an address mapping, FR-FCFS read/write queues and all-bank "
            "refresh, scheduled event by event (docs/dram.md).")
            .param("standard", &P::standard,
                   "standard: a name from hw_configs/dram (ddr4_3200, lpddr4x_4266, lpddr5_6400, "
                   "hbm2, hbm3) "
                   "or a path ending in .yaml, relative to this file")
            .def("ddr4_3200")
            .param("channels", &P::channels, "channels (0: the standard's)")
            .def(0)
            .min(0)
            .max(1024)
            .param("ranks", &P::ranks, "ranks per channel (0: the standard's)")
            .def(0)
            .min(0)
            .max(16)
            .param(
                "mapping", &P::mapping,
                "address mapping, most significant field first (Ro Co Ch Ra Bg Ba; docs/dram.md)")
            .def("RoBaRaCoCh")
            .param("page_policy", &P::page_policy,
                   "open: rows stay open until a conflict or refresh; closed: "
                   "auto-precharge after the last queued hit")
            .def("open")
            .choices({"open", "closed"})
            .param("read_queue", &P::read_queue,
                   "queue entries the FR-FCFS scheduler looks ahead, per channel; an entry is the "
                   "bursts of "
                   "one request to one row")
            .def(32)
            .min(1)
            .max(4096)
            .unit("entries")
            .param("write_queue", &P::write_queue, "write queue capacity per channel")
            .def(64)
            .min(2)
            .max(4096)
            .unit("bursts")
            .param("write_high", &P::write_high, "write queue level that starts a write drain")
            .def(48)
            .min(1)
            .unit("bursts")
            .param("write_low", &P::write_low, "write queue level at which a drain stops")
            .def(16)
            .min(1)
            .unit("bursts")
            .param("capacity", &P::capacity,
                   "addressable bytes (0: what the organisation gives; else must equal it)")
            .def("0B")
            .section("timing", &P::timing, override_table(), "timing overrides (tCK)")
            .check<P>([](const P& p) -> std::string {
              if (p.write_high > p.write_queue) {
                return "write_high (" + std::to_string(p.write_high) +
                       ") must be <= write_queue (" + std::to_string(p.write_queue) + ")";
              }
              if (p.write_low >= p.write_high) {
                return "write_low (" + std::to_string(p.write_low) + ") must be < write_high (" +
                       std::to_string(p.write_high) + ")";
              }
              return "";
            });
    return t;
  }

  explicit BankedDram(const ComponentArgs& a)
      : IDram(a),
        p_(load_params<BankedDramParams>(param_table())),
        s_(resolve(p_, config())),
        mapping_(p_.mapping, s_),
        socket_("socket"),
        by_channel_(static_cast<size_t>(s_.channels)),
        bytes_read_(stats().counter("bytes_read", "bytes", "bytes requested by reads")),
        bytes_written_(stats().counter("bytes_written", "bytes", "bytes requested by writes")),
        reads_(stats().counter("reads", "transactions", "read transactions")),
        writes_(stats().counter("writes", "transactions", "write transactions")),
        latency_(stats().average("latency_ns", "ns", "arrival to completion of a transaction")),
        queue_(
            stats().average("queue_bursts", "bursts",
                            "bursts a transaction places in one channel's queue (read or write)")),
        write_queue_(
            stats().average("write_queue_bursts", "bursts",
                            "write queue occupancy of a channel after a write is accepted")) {
    DramPolicy pol;
    pol.open_page = p_.page_policy == "open";
    pol.read_queue = static_cast<uint64_t>(p_.read_queue);
    pol.write_queue = static_cast<uint64_t>(p_.write_queue);
    pol.write_high = static_cast<uint64_t>(p_.write_high);
    pol.write_low = static_cast<uint64_t>(p_.write_low);
    for (int64_t c = 0; c < s_.channels; ++c) channels_.emplace_back(s_, pol);
    socket_.register_b_transport(this, &BankedDram::b_transport);
    declare_stats();
  }

  tlm::tlm_base_target_socket_b<>& target_socket() override { return socket_; }
  uint64_t capacity_bytes() const override { return s_.capacity_bytes(); }
  uint64_t bytes_read() const override { return bytes_read_.value(); }
  uint64_t bytes_written() const override { return bytes_written_.value(); }
  double peak_bandwidth() const override {
    return s_.channel_peak() * static_cast<double>(s_.channels);
  }
  // A read of one burst from a closed bank: ACT, tRCD, then CL until its data moves.
  Time access_latency() const override {
    return Time{ps_of(static_cast<uint64_t>(s_.t.tRCD + s_.t.CL))};
  }

 private:
  static DramStandard resolve(const BankedDramParams& p, const ConfigNode& node) {
    DramStandard s = load_standard(p.standard, node);
    if (p.channels > 0) s.channels = p.channels;
    if (p.ranks > 0) s.ranks = p.ranks;
#define NPUSIM_DRAM_APPLY(name, doc) \
  if (p.timing.name > 0) s.t.name = p.timing.name;
    NPUSIM_DRAM_TIMINGS(NPUSIM_DRAM_APPLY)
#undef NPUSIM_DRAM_APPLY
    const std::string what = " (standard `" + p.standard + "` with this component's overrides)";
    if (std::string e = check_standard(s); !e.empty())
      node.fail(node.path() + ".timing: " + e + what);
    if (std::string e = AddressMapping::check(p.mapping, s); !e.empty())
      node.fail(node.path() + ": " + e + what);
    if (p.capacity.n != 0 && p.capacity.n != s.capacity_bytes()) {
      node.fail(node.path() + ".capacity (" + format_bytes(p.capacity) +
                ") differs from what mapping `" + p.mapping + "` covers (" +
                format_bytes(Bytes{s.capacity_bytes()}) + " = " + std::to_string(s.channels) +
                " channels x " + std::to_string(s.ranks) + " ranks x " +
                std::to_string(s.banks_per_rank()) + " banks x " + std::to_string(s.rows) +
                " rows x " + format_bytes(Bytes{s.row_bytes()}) + ")");
    }
    return s;
  }

  // Command-clock cycles <-> picoseconds: arrivals round up to the next edge, completions up.
  // (Integer picoseconds per cycle, e.g. 625 for DDR4-3200, avoid the 128-bit division.)
  uint64_t cycle_of(uint64_t ps) const {
    if (ps_per_cycle_ != 0) return (ps + ps_per_cycle_ - 1) / ps_per_cycle_;
    const unsigned __int128 num = static_cast<unsigned __int128>(ps) * s_.clock.hz;
    return static_cast<uint64_t>((num + 999999999999ull) / 1000000000000ull);
  }
  uint64_t ps_of(uint64_t cycle) const {
    if (ps_per_cycle_ != 0) return cycle * ps_per_cycle_;
    const unsigned __int128 num = static_cast<unsigned __int128>(cycle) * 1000000000000ull;
    return static_cast<uint64_t>((num + s_.clock.hz - 1) / s_.clock.hz);
  }

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address(), len = trans.get_data_length();
    NPUSIM_ASSERT(len > 0 && addr + len <= s_.capacity_bytes(), path() + ": access outside DRAM [" +
                                                                    std::to_string(addr) + ", +" +
                                                                    std::to_string(len) + ")");
    const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
    const uint64_t arrival_ps = now + time_to_ps(delay), arrival = cycle_of(arrival_ps);
    mapping_.split(addr, len, runs_);
    group_by_channel(runs_);
    const bool read = trans.is_read();
    uint64_t done = arrival;
    for (size_t i = 0, j = 0; i < runs_.size(); i = j) {  // each channel's runs, in channel order
      const uint32_t c = runs_[i].at.channel;
      uint64_t bursts = 0;
      for (j = i; j < runs_.size() && runs_[j].at.channel == c; ++j) bursts += runs_[j].bursts;
      queue_.sample(static_cast<double>(bursts));
      DramChannel& ch = channels_[c];
      done = std::max(
          done, read ? ch.read(&runs_[i], j - i, arrival) : ch.write(&runs_[i], j - i, arrival));
      if (!read) write_queue_.sample(static_cast<double>(ch.pending_writes()));
    }
    const uint64_t done_ps = std::max(ps_of(done), arrival_ps);
    first_ps_ = std::min(first_ps_, arrival_ps);
    last_ps_ = std::max(last_ps_, done_ps);
    const uint64_t latency_ns = (done_ps - arrival_ps) / 1000;
    latency_.sample(static_cast<double>(done_ps - arrival_ps) * 1e-3);
    histogram_.sample(latency_ns);
    if (read) {
      bytes_read_ += len;
      ++reads_;
    } else {
      bytes_written_ += len;
      ++writes_;
    }
    delay = ps_to_time(done_ps - now);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  // Orders runs by channel, keeping address order within each: in place by insertion for the
  // few runs of a typical transaction (often sorted already), else through per-channel buckets.
  void group_by_channel(std::vector<RowRun>& runs) {
    if (runs.size() <= 16) {
      for (size_t i = 1; i < runs.size(); ++i) {
        if (runs[i].at.channel >= runs[i - 1].at.channel) continue;
        const RowRun r = runs[i];
        size_t j = i;
        for (; j > 0 && runs[j - 1].at.channel > r.at.channel; --j) runs[j] = runs[j - 1];
        runs[j] = r;
      }
      return;
    }
    for (const RowRun& r : runs) by_channel_[r.at.channel].push_back(r);
    runs.clear();
    for (std::vector<RowRun>& b : by_channel_) {
      runs.insert(runs.end(), b.begin(), b.end());
      b.clear();
    }
  }

  void declare_stats() {
    using C = DramCommandCounts;
    const std::pair<const char*, uint64_t C::*> counts[] = {{"act", &C::act},
                                                            {"pre", &C::pre},
                                                            {"rd", &C::rd},
                                                            {"wr", &C::wr},
                                                            {"ref", &C::ref},
                                                            {"row_hits", &C::row_hits},
                                                            {"row_misses", &C::row_misses},
                                                            {"row_conflicts", &C::row_conflicts}};
    const char* docs[] = {"ACT commands",
                          "precharges (PRE, PREA per bank, auto-precharge)",
                          "RD commands",
                          "WR commands",
                          "REF commands",
                          "bursts whose row was open",
                          "bursts that found their bank closed",
                          "bursts that found another row open"};
    const char* units[] = {"commands", "commands", "commands", "commands",
                           "commands", "bursts",   "bursts",   "bursts"};
    for (size_t i = 0; i < 8; ++i) {
      const auto field = counts[i].second;
      stats().formula(counts[i].first, units[i], std::string(docs[i]) + ", all channels",
                      [this, field] {
                        uint64_t s = 0;
                        for (const DramChannel& c : channels_) s += c.counts().*field;
                        return static_cast<double>(s);
                      });
    }
    for (size_t c = 0; c < channels_.size(); ++c) {
      StatGroup& g = stats().group("ch" + std::to_string(c));
      for (size_t i = 0; i < 5; ++i) {
        const auto field = counts[i].second;
        g.formula(counts[i].first, units[i], docs[i],
                  [this, c, field] { return static_cast<double>(channels_[c].counts().*field); });
      }
    }
    stats().formula("row_hit_rate", "fraction", "row hits / bursts", [this] {
      uint64_t h = 0, all = 0;
      for (const DramChannel& c : channels_) {
        h += c.counts().row_hits;
        all += c.counts().row_hits + c.counts().row_misses + c.counts().row_conflicts;
      }
      return all ? static_cast<double>(h) / static_cast<double>(all) : 0.0;
    });
    stats().formula("bandwidth_GBps", "GB/s",
                    "bytes read and written / (last completion - first arrival)", [this] {
                      if (last_ps_ <= first_ps_) return 0.0;
                      return static_cast<double>(bytes_read_.value() + bytes_written_.value()) /
                             static_cast<double>(last_ps_ - first_ps_) * 1e3;
                    });
    stats().formula("data_bus_utilisation", "fraction",
                    "data bus busy time / (channels x (last completion - first arrival))", [this] {
                      if (last_ps_ <= first_ps_) return 0.0;
                      uint64_t busy = 0;
                      for (const DramChannel& c : channels_) busy += c.data_busy_cycles();
                      return static_cast<double>(ps_of(busy)) /
                             (static_cast<double>(last_ps_ - first_ps_) *
                              static_cast<double>(channels_.size()));
                    });
    for (auto [name, q] :
         {std::pair{"latency_p50_ns", 0.5}, {"latency_p95_ns", 0.95}, {"latency_p99_ns", 0.99}}) {
      stats().formula(name, "ns",
                      "transaction latency percentile (log-linear buckets, within 1.6%)",
                      [this, q = q] { return histogram_.percentile(q); });
    }
    stats().formula("writes_pending", "bursts", "bursts still in the write queues at the end",
                    [this] {
                      uint64_t s = 0;
                      for (const DramChannel& c : channels_) s += c.pending_writes();
                      return static_cast<double>(s);
                    });
  }

  // Priced per command (activate, precharge, refresh: IDD-derived energies per standard) and
  // per byte of the read and write bursts, summed over the channels. Off-chip: no area.
  bool activity(ComponentActivity& out) const override {
    uint64_t act = 0, pre = 0, rd = 0, wr = 0, ref = 0;
    for (const DramChannel& c : channels_) {
      act += c.counts().act, pre += c.counts().pre, rd += c.counts().rd, wr += c.counts().wr;
      ref += c.counts().ref;
    }
    const uint64_t b = s_.burst_bytes();
    out.actions = {{"act", act},
                   {"pre", pre},
                   {"refresh", ref},
                   {"read_byte", rd * b},
                   {"write_byte", wr * b}};
    out.size_unit = "channel";
    out.size = static_cast<double>(channels_.size());
    return true;
  }

  BankedDramParams p_;
  DramStandard s_;
  AddressMapping mapping_;
  tlm_utils::simple_target_socket<BankedDram> socket_;
  std::vector<DramChannel> channels_;
  std::vector<RowRun> runs_;
  std::vector<std::vector<RowRun>> by_channel_;
  uint64_t ps_per_cycle_ = 1000000000000ull % s_.clock.hz == 0 ? 1000000000000ull / s_.clock.hz : 0;
  uint64_t first_ps_ = ~uint64_t{0}, last_ps_ = 0;
  LatencyHistogram histogram_;
  Counter& bytes_read_;
  Counter& bytes_written_;
  Counter& reads_;
  Counter& writes_;
  Average& latency_;
  Average& queue_;
  Average& write_queue_;
};

NPUSIM_REGISTER_COMPONENT(
    BankedDram, "dram", "banked_dram",
    "Banked DRAM with JEDEC timing, FR-FCFS queues, refresh and command counts");

}  // namespace npusim
