// On-chip SRAM scratchpad.
//
// `ports` independent access ports each move up to `port_width` bytes per cycle; a request
// takes the port that can finish it first and occupies it for ceil(bytes / port_width)
// cycles, plus a fixed `latency` (pipelined, not occupying the port). The banked array behind
// the ports must be able to feed all of them at once for streaming access, which the config
// check enforces (ports x port_width <= banks x bank_width); bank conflicts of irregular
// access patterns are not modelled. Capacity is checked by whoever allocates buffers in it.
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cmath>

#include <vector>

#include "sim/core/fast_forward.h"
#include "sim/mem/calendar.h"
#include "sim/mem/i_memory.h"

namespace npusim {
namespace {

struct ScratchpadParams {
  Bytes capacity;
  int64_t banks;
  Bytes bank_width;
  int64_t ports;
  Bytes port_width;
  int64_t latency;
};

}  // namespace

class Scratchpad : public sc_core::sc_module, public IScratchpad, public IFastForward {
 public:
  static const ParamTable& param_table() {
    using P = ScratchpadParams;
    static const ParamTable t =
        ParamTable("scratchpad",
                   "On-chip SRAM with banks and ports; each port moves port_width bytes/cycle.")
            .param("capacity", &P::capacity, "total bytes")
            .def("256KiB")
            .min("1B")
            .param("banks", &P::banks, "SRAM banks")
            .def(16)
            .min(1)
            .max(4096)
            .param("bank_width", &P::bank_width, "bytes one bank delivers per cycle")
            .def("16B")
            .min("1B")
            .param("ports", &P::ports, "independent access ports")
            .def(2)
            .min(1)
            .max(64)
            .param("port_width", &P::port_width, "bytes one port moves per cycle")
            .def("64B")
            .min("1B")
            .param("latency", &P::latency, "access pipeline latency")
            .def(2)
            .min(0)
            .unit("cycles")
            .check<P>([](const P& p) -> std::string {
              uint64_t demand = static_cast<uint64_t>(p.ports) * p.port_width.n;
              uint64_t supply = static_cast<uint64_t>(p.banks) * p.bank_width.n;
              if (demand > supply) {
                return "ports x port_width (" + std::to_string(p.ports) + " x " +
                       format_bytes(p.port_width) + ") exceeds banks x bank_width (" +
                       std::to_string(p.banks) + " x " + format_bytes(p.bank_width) + ")";
              }
              return "";
            });
    return t;
  }

  explicit Scratchpad(const ComponentArgs& a)
      : IScratchpad(a),
        p_(load_params<ScratchpadParams>(param_table())),
        socket_("socket"),
        ports_(static_cast<size_t>(p_.ports)),
        bytes_read_(stats().counter("bytes_read", "bytes", "bytes read")),
        bytes_written_(stats().counter("bytes_written", "bytes", "bytes written")),
        reads_(stats().counter("reads", "accesses", "port-width read accesses (transfers)")),
        writes_(stats().counter("writes", "accesses", "port-width write accesses (transfers)")) {
    // The compute units stream through the ports in whole port-width words.
    const double width = static_cast<double>(p_.port_width.n);
    stats().formula("compute_reads", "accesses", "port-width reads by the compute units",
                    [this, width] { return std::ceil(compute_bytes_read() / width); });
    stats().formula("compute_writes", "accesses", "port-width writes by the compute units",
                    [this, width] { return std::ceil(compute_bytes_written() / width); });
    socket_.register_b_transport(this, &Scratchpad::b_transport);
    stats().formula("busy_cycles", "cycles", "summed port occupancy", [this] {
      double s = 0;
      for (const auto& c : ports_) s += static_cast<double>(c.busy_total());
      return s;
    });
  }

  tlm::tlm_base_target_socket_b<>& target_socket() override { return socket_; }
  uint64_t capacity_bytes() const override { return p_.capacity.n; }

  // Fast-forward: the ports' bookings (in cycles; the controller only moves whole cycles).
  void timed_state(uint64_t from_ps, uint64_t ref_ps, TimedState& out) const override {
    const uint64_t from = clock().cycle_at_ps(from_ps).n, ref = clock().cycle_at_ps(ref_ps).n;
    for (const Calendar& c : ports_) {
      c.state(from, ref, out.times);
      out.totals.push_back(c.busy_total());
    }
  }
  void fast_forward(uint64_t from_ps, uint64_t delta_ps, const std::vector<uint64_t>& per_period,
                    uint64_t k) override {
    const uint64_t from = clock().cycle_at_ps(from_ps).n, delta = clock().cycle_at_ps(delta_ps).n;
    NPUSIM_ASSERT(clock().ps_of(Cycles(delta)) == delta_ps,
                  path() + ": fast-forward by a fraction of a cycle");
    for (size_t i = 0; i < ports_.size(); ++i) ports_[i].shift(from, delta, k * per_period[i]);
  }
  uint64_t bytes_read() const override { return bytes_read_.value(); }
  uint64_t bytes_written() const override { return bytes_written_.value(); }
  uint64_t bytes_per_cycle() const override { return p_.port_width.n; }
  int ports() const override { return static_cast<int>(p_.ports); }

  // Priced per byte (an access's energy grows with its width), transfers and compute alike;
  // the per-byte energy may depend on the capacity (energy tables' curves).
  bool activity(ComponentActivity& out) const override {
    out.actions.emplace_back("read_byte", bytes_read_.value() + compute_bytes_read());
    out.actions.emplace_back("write_byte", bytes_written_.value() + compute_bytes_written());
    out.size_unit = "byte";
    out.size = static_cast<double>(p_.capacity.n);
    out.capacity_bytes = p_.capacity.n;
    return true;
  }

 private:
  void b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address(), len = trans.get_data_length();
    NPUSIM_ASSERT(addr + len <= p_.capacity.n, path() + ": access outside the scratchpad");
    const ClockDomain& clk = clock();
    const uint64_t now_ps = time_to_ps(sc_core::sc_time_stamp());
    // Calendars count cycles, so every access starts and ends on a clock edge.
    const uint64_t arrival = clk.cycle_at_ps(now_ps + time_to_ps(delay)).n;
    const uint64_t duration = (len + p_.port_width.n - 1) / p_.port_width.n;
    const uint64_t now_cycle = clk.cycle_at_ps(now_ps).n;
    size_t best = 0;
    uint64_t best_start = UINT64_MAX;
    for (size_t i = 0; i < ports_.size(); ++i) {
      ports_[i].retire(now_cycle);
      uint64_t s = ports_[i].probe(arrival, duration);
      if (s < best_start) best_start = s, best = i;
    }
    ports_[best].reserve(arrival, duration);
    const uint64_t done = best_start + duration + static_cast<uint64_t>(p_.latency);
    if (trans.is_read()) {
      bytes_read_ += len;
      reads_ += duration;
    } else {
      bytes_written_ += len;
      writes_ += duration;
    }
    delay = ps_to_time(clk.ps_of(Cycles(done)) - now_ps);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  ScratchpadParams p_;
  tlm_utils::multi_passthrough_target_socket<Scratchpad> socket_;
  std::vector<Calendar> ports_;
  Counter& bytes_read_;
  Counter& bytes_written_;
  Counter& reads_;
  Counter& writes_;
};

NPUSIM_REGISTER_COMPONENT(Scratchpad, "scratchpad", "scratchpad",
                          "On-chip SRAM scratchpad with banks, ports and per-port bandwidth");

}  // namespace npusim
