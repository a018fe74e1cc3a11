// Channel-interleaved DRAM, timed at transaction level.
//
// Addresses are interleaved over `channels` in units of `interleave` bytes. Each channel has
// its own data bus of `channel_bandwidth` x `efficiency` (efficiency folds refresh, bank
// conflicts and read/write turnaround into one sustained fraction). A request touches whole
// bursts: on each channel it occupies the bus for bursts x burst / bandwidth, no earlier than
// `latency` after it arrives (the array access that precedes the data). Buses are reservation
// calendars, so concurrent initiators queue and share bandwidth, and the bytes moved over any
// interval never exceed the configured peak. The request completes when its last channel's
// transfer ends.
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/core/fast_forward.h"
#include "sim/core/kernel.h"
#include "sim/mem/calendar.h"
#include "sim/mem/i_memory.h"

namespace npusim {
namespace {

struct SimpleDramParams {
  int64_t channels;
  Bandwidth channel_bandwidth;
  Time latency;
  Bytes burst;
  Bytes interleave;
  double efficiency;
  Bytes capacity;
};

}  // namespace

class SimpleDram : public sc_core::sc_module, public IDram, public IFastForward {
 public:
  static const ParamTable& param_table() {
    using P = SimpleDramParams;
    static const ParamTable t =
        ParamTable("simple_dram",
                   "Channel-interleaved DRAM: per-channel bandwidth, access latency, burst "
                   "granularity and queueing by reservation calendars.")
            .param("channels", &P::channels, "independent channels (each with its own data bus)")
            .def(2)
            .min(1)
            .max(1024)
            .param("channel_bandwidth", &P::channel_bandwidth, "peak data rate of one channel")
            .def("16GB/s")
            .param("latency", &P::latency, "access latency before a request's data moves")
            .def("100ns")
            .param("burst", &P::burst, "access granularity; requests are rounded up to bursts")
            .def("64B")
            .min("1B")
            .param("interleave", &P::interleave, "bytes mapped to one channel before the next")
            .def("256B")
            .min("1B")
            .param("efficiency", &P::efficiency,
                   "sustained fraction of peak bandwidth (refresh, bank conflicts, turnaround)")
            .def(1)
            .min(ParamValue(0.01))
            .max(ParamValue(1.0))
            .unit("fraction")
            .param("capacity", &P::capacity, "addressable bytes")
            .def("16GiB")
            .min("1KiB")
            .check<P>([](const P& p) -> std::string {
              if (p.interleave.n % p.burst.n != 0) {
                return "interleave (" + format_bytes(p.interleave) +
                       ") must be a multiple of burst (" + format_bytes(p.burst) + ")";
              }
              if (p.channel_bandwidth.bytes_per_s <= 0) return "channel_bandwidth must be above 0";
              return "";
            });
    return t;
  }

  explicit SimpleDram(const ComponentArgs& a)
      : IDram(a),
        p_(load_params<SimpleDramParams>(param_table())),
        socket_("socket"),
        calendars_(static_cast<size_t>(p_.channels)),
        channel_bursts_(static_cast<size_t>(p_.channels)),
        bytes_read_(stats().counter("bytes_read", "bytes", "bytes requested by reads")),
        bytes_written_(stats().counter("bytes_written", "bytes", "bytes requested by writes")),
        bytes_moved_(
            stats().counter("bytes_moved", "bytes", "bytes moved over the buses (whole bursts)")),
        bytes_moved_read_(stats().counter("bytes_moved_read", "bytes",
                                          "bytes moved over the buses by reads (whole bursts)")),
        reads_(stats().counter("reads", "transactions", "read transactions")),
        writes_(stats().counter("writes", "transactions", "write transactions")),
        queueing_(stats().average("queueing_delay_ns", "ns",
                                  "wait for a busy bus beyond the access latency")) {
    socket_.register_b_transport(this, &SimpleDram::b_transport);
    // Time to move one burst on one channel, in picoseconds (fractional: kept exact per
    // request by computing from the burst count).
    ps_per_byte_ = 1e12 / (p_.channel_bandwidth.bytes_per_s * p_.efficiency);
    stats().formula("busy_ps", "ps", "summed bus occupancy over all channels", [this] {
      double s = 0;
      for (const auto& c : calendars_) s += static_cast<double>(c.busy_total());
      return s;
    });
  }

  tlm::tlm_base_target_socket_b<>& target_socket() override { return socket_; }
  uint64_t capacity_bytes() const override { return p_.capacity.n; }

  // Fast-forward: the channels' bookings; the channel of an address repeats every
  // channels x interleave bytes.
  void timed_state(uint64_t from_ps, uint64_t ref_ps, TimedState& out) const override {
    for (const Calendar& c : calendars_) {
      c.state(from_ps, ref_ps, out.times);
      out.totals.push_back(c.busy_total());
    }
  }
  void fast_forward(uint64_t from_ps, uint64_t delta_ps, const std::vector<uint64_t>& per_period,
                    uint64_t k) override {
    for (size_t c = 0; c < calendars_.size(); ++c)
      calendars_[c].shift(from_ps, delta_ps, k * per_period[c]);
  }
  uint64_t address_period() const override {
    return static_cast<uint64_t>(p_.channels) * p_.interleave.n;
  }
  uint64_t bytes_read() const override { return bytes_read_.value(); }
  uint64_t bytes_written() const override { return bytes_written_.value(); }
  Time access_latency() const override { return p_.latency; }
  double peak_bandwidth() const override {
    return p_.channel_bandwidth.bytes_per_s * static_cast<double>(p_.channels);
  }

 private:
  // Bursts of [addr, addr + len) that fall on each channel (O(channels), any length).
  void count_bursts(uint64_t addr, uint64_t len) {
    std::fill(channel_bursts_.begin(), channel_bursts_.end(), 0);
    const uint64_t burst = p_.burst.n, per_unit = p_.interleave.n / p_.burst.n;
    const auto channels = static_cast<uint64_t>(p_.channels);
    uint64_t b0 = addr / burst, b1 = (addr + len + burst - 1) / burst;  // burst range [b0, b1)
    uint64_t u0 = b0 / per_unit, u1 = (b1 - 1) / per_unit;              // first and last unit
    if (b0 % per_unit == 0 && b1 % per_unit == 0 && (u1 + 1 - u0) % channels == 0) {
      // Whole interleave units covering every channel equally (streaming transfers).
      const uint64_t each = (b1 - b0) / channels;
      for (auto& c : channel_bursts_) c = each;
      return;
    }
    if (u0 == u1) {
      channel_bursts_[u0 % channels] += b1 - b0;
      return;
    }
    channel_bursts_[u0 % channels] += (u0 + 1) * per_unit - b0;
    channel_bursts_[u1 % channels] += b1 - u1 * per_unit;
    // Whole units strictly between u0 and u1: channel c gets those with u % channels == c.
    uint64_t first = u0 + 1, count = u1 - u0 - 1;
    uint64_t rounds = count / channels, rest = count % channels;
    for (uint64_t c = 0; c < channels; ++c) {
      uint64_t offset = (c + channels - first % channels) % channels;  // first u with u%ch == c
      uint64_t n = rounds + (offset < rest ? 1 : 0);
      channel_bursts_[c] += n * per_unit;
    }
  }

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address(), len = trans.get_data_length();
    NPUSIM_ASSERT(len > 0 && addr + len <= p_.capacity.n, path() + ": access outside DRAM [" +
                                                              std::to_string(addr) + ", +" +
                                                              std::to_string(len) + ")");
    const uint64_t now = time_to_ps(sc_core::sc_time_stamp());
    const uint64_t arrival = now + time_to_ps(delay) + p_.latency.ps;
    count_bursts(addr, len);
    uint64_t done = arrival, moved = 0;
    double queued = 0;
    for (size_t c = 0; c < calendars_.size(); ++c) {
      if (channel_bursts_[c] == 0) continue;
      uint64_t bytes = channel_bursts_[c] * p_.burst.n;
      moved += bytes;
      // Rounded up: the bus is never credited with more than its peak rate.
      auto duration = static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) * ps_per_byte_));
      calendars_[c].retire(now);
      uint64_t start = calendars_[c].reserve(arrival, duration);
      queued = std::max(queued, static_cast<double>(start - arrival));
      done = std::max(done, start + duration);
    }
    bytes_moved_ += moved;
    queueing_.sample(queued * 1e-3);
    if (trans.is_read()) {
      bytes_read_ += len;
      bytes_moved_read_ += moved;
      ++reads_;
    } else {
      bytes_written_ += len;
      ++writes_;
    }
    delay = ps_to_time(done - now);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  // Priced per byte moved over the buses (whole bursts), by direction. Off-chip: no area.
  bool activity(ComponentActivity& out) const override {
    out.actions = {{"read_byte", bytes_moved_read_.value()},
                   {"write_byte", bytes_moved_.value() - bytes_moved_read_.value()}};
    out.size_unit = "channel";
    out.size = static_cast<double>(p_.channels);
    return true;
  }

  SimpleDramParams p_;
  tlm_utils::simple_target_socket<SimpleDram> socket_;
  std::vector<Calendar> calendars_;
  std::vector<uint64_t> channel_bursts_;
  double ps_per_byte_ = 0;
  Counter& bytes_read_;
  Counter& bytes_written_;
  Counter& bytes_moved_;
  Counter& bytes_moved_read_;
  Counter& reads_;
  Counter& writes_;
  Average& queueing_;
};

NPUSIM_REGISTER_COMPONENT(SimpleDram, "dram", "simple_dram",
                          "Channel-interleaved DRAM with per-channel bandwidth, latency, bursts "
                          "and queueing");

}  // namespace npusim
