// Unit-typed values. Configuration never carries bare integers for physical quantities: a
// time, frequency, size or bandwidth is parsed from text with its unit ("100ns", "1GHz",
// "256KiB", "32GB/s") into one of these types, and formatted back the same way.
// Decimal prefixes (k, M, G, T) are powers of 1000; binary prefixes (Ki, Mi, Gi, Ti) are
// powers of 1024. `B` is a byte; bit-based units are rejected with a hint.
#pragma once

#include <cstdint>
#include <string>

namespace npusim {

// A count of clock cycles of some clock domain. Converted to time only by ClockDomain.
struct Cycles {
  uint64_t n = 0;
  constexpr Cycles() = default;
  constexpr explicit Cycles(uint64_t v) : n(v) {}
  constexpr Cycles operator+(Cycles o) const { return Cycles(n + o.n); }
  constexpr Cycles operator-(Cycles o) const { return Cycles(n - o.n); }
  Cycles& operator+=(Cycles o) {
    n += o.n;
    return *this;
  }
  constexpr bool operator==(Cycles o) const { return n == o.n; }
  constexpr bool operator!=(Cycles o) const { return n != o.n; }
  constexpr bool operator<(Cycles o) const { return n < o.n; }
  constexpr bool operator<=(Cycles o) const { return n <= o.n; }
  constexpr bool operator>(Cycles o) const { return n > o.n; }
  constexpr bool operator>=(Cycles o) const { return n >= o.n; }
};

// A duration in integer picoseconds (the SystemC time resolution used by the suite).
struct Time {
  uint64_t ps = 0;
  static constexpr Time from_ps(uint64_t p) { return Time{p}; }
  static constexpr Time from_ns(uint64_t ns) { return Time{ns * 1000}; }
  double seconds() const { return static_cast<double>(ps) * 1e-12; }
  bool operator==(Time o) const { return ps == o.ps; }
};

// A clock frequency in integer hertz.
struct Frequency {
  uint64_t hz = 0;
  bool operator==(Frequency o) const { return hz == o.hz; }
};

// A size in bytes.
struct Bytes {
  uint64_t n = 0;
  bool operator==(Bytes o) const { return n == o.n; }
};

// A transfer rate in bytes per second.
struct Bandwidth {
  double bytes_per_s = 0;
  bool operator==(Bandwidth o) const { return bytes_per_s == o.bytes_per_s; }
};

// Parsers throw std::invalid_argument with a user-readable reason; the config loader adds
// the file, line and key.
Time parse_time(const std::string& text);
Frequency parse_frequency(const std::string& text);
Bytes parse_bytes(const std::string& text);
Bandwidth parse_bandwidth(const std::string& text);

// Canonical text forms; parse(format(x)) == x for every value the parsers accept.
std::string format_time(Time t);
std::string format_frequency(Frequency f);
std::string format_bytes_exact(Bytes b);  // resolved configs: 16817300KiB stays exact
std::string format_bandwidth(Bandwidth bw);

// Sizes in messages: the exact form when it is short (256KiB, 4MB, 1536B), otherwise rounded
// to 4 significant digits in binary units (17220915200 bytes: 16.04GiB, not 16817300KiB).
std::string format_bytes(Bytes b);

// Shortest text that reads back to the same double (deterministic across runs).
std::string format_double(double v);

}  // namespace npusim
