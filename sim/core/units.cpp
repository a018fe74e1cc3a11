#include "sim/core/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

namespace npusim {
namespace {

struct Scale {
  const char* suffix;
  long double factor;
};

// Splits "32 GB/s" into 32 and "GB/s". Throws when there is no leading number.
std::pair<long double, std::string> split_number(const std::string& text) {
  const char* begin = text.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  long double value = std::strtold(begin, &end);
  if (end == begin) throw std::invalid_argument("`" + text + "` does not start with a number");
  if (!std::isfinite(value)) throw std::invalid_argument("`" + text + "` is not a finite number");
  if (value < 0) throw std::invalid_argument("`" + text + "` is negative");
  std::string unit(end);
  size_t first = unit.find_first_not_of(' ');
  size_t last = unit.find_last_not_of(' ');
  unit = first == std::string::npos ? "" : unit.substr(first, last - first + 1);
  return {value, unit};
}

std::string expected_units(const std::vector<Scale>& scales) {
  std::string s;
  for (const auto& sc : scales) s += std::string(s.empty() ? "" : ", ") + sc.suffix;
  return s;
}

long double scaled(const std::string& text, const std::vector<Scale>& scales, const char* what,
                   const char* example) {
  auto [value, unit] = split_number(text);
  if (unit.empty()) {
    throw std::invalid_argument("`" + text + "` has no unit; a " + what + " needs one, e.g. `" +
                                example + "`");
  }
  for (const auto& sc : scales) {
    if (unit == sc.suffix) return value * sc.factor;
  }
  std::string hint;
  if (unit.find('b') != std::string::npos && unit.find("B") == std::string::npos) {
    hint = " (sizes are in bytes: write `B`, not `b`)";
  }
  throw std::invalid_argument("`" + text + "` has unknown unit `" + unit + "` for a " + what +
                              "; expected one of " + expected_units(scales) + hint);
}

// Values must come out as whole base units (picoseconds, hertz, bytes).
uint64_t whole(long double v, const std::string& text, const char* base) {
  long double r = std::round(v);
  if (std::fabs(v - r) > 1e-6L * std::max<long double>(1.0L, std::fabs(r))) {
    throw std::invalid_argument("`" + text + "` is not a whole number of " + base);
  }
  if (r >= 9.2e18L) throw std::invalid_argument("`" + text + "` is too large");
  return static_cast<uint64_t>(r);
}

const std::vector<Scale>& time_scales() {
  static const std::vector<Scale> s = {
      {"ps", 1.0L}, {"ns", 1e3L}, {"us", 1e6L}, {"ms", 1e9L}, {"s", 1e12L}};
  return s;
}
const std::vector<Scale>& freq_scales() {
  static const std::vector<Scale> s = {{"Hz", 1.0L}, {"kHz", 1e3L}, {"MHz", 1e6L}, {"GHz", 1e9L}};
  return s;
}

constexpr long double kKi = 1024.0L;

const std::vector<Scale>& size_scales() {
  static const std::vector<Scale> s = {{"B", 1.0L},
                                       {"kB", 1e3L},
                                       {"KB", 1e3L},
                                       {"MB", 1e6L},
                                       {"GB", 1e9L},
                                       {"TB", 1e12L},
                                       {"KiB", kKi},
                                       {"MiB", kKi * kKi},
                                       {"GiB", kKi * kKi * kKi},
                                       {"TiB", kKi * kKi * kKi * kKi}};
  return s;
}
const std::vector<Scale>& rate_scales() {
  static const std::vector<Scale> s = {{"B/s", 1.0L},
                                       {"kB/s", 1e3L},
                                       {"KB/s", 1e3L},
                                       {"MB/s", 1e6L},
                                       {"GB/s", 1e9L},
                                       {"TB/s", 1e12L},
                                       {"KiB/s", kKi},
                                       {"MiB/s", kKi * kKi},
                                       {"GiB/s", kKi * kKi * kKi},
                                       {"TiB/s", kKi * kKi * kKi * kKi}};
  return s;
}

// The largest scale that represents `v` as a whole number, for exact integer quantities.
std::string format_whole(uint64_t v, const std::vector<Scale>& scales) {
  const Scale* best = &scales.front();
  for (const auto& sc : scales) {
    auto f = static_cast<uint64_t>(sc.factor);
    if (f > 0 && v % f == 0 && sc.factor > best->factor && v != 0) best = &sc;
  }
  return std::to_string(v / static_cast<uint64_t>(best->factor)) + best->suffix;
}

}  // namespace

Time parse_time(const std::string& text) {
  return Time{whole(scaled(text, time_scales(), "time", "100ns"), text, "picoseconds")};
}

Frequency parse_frequency(const std::string& text) {
  uint64_t hz = whole(scaled(text, freq_scales(), "frequency", "1GHz"), text, "hertz");
  if (hz == 0) throw std::invalid_argument("frequency `" + text + "` must be above zero");
  return Frequency{hz};
}

Bytes parse_bytes(const std::string& text) {
  return Bytes{whole(scaled(text, size_scales(), "size", "256KiB"), text, "bytes")};
}

Bandwidth parse_bandwidth(const std::string& text) {
  return Bandwidth{static_cast<double>(scaled(text, rate_scales(), "bandwidth", "32GB/s"))};
}

std::string format_time(Time t) {
  return format_whole(t.ps, time_scales());
}
std::string format_frequency(Frequency f) {
  return format_whole(f.hz, freq_scales());
}

std::string format_bytes_exact(Bytes b) {
  // Prefer binary prefixes for powers of two (256KiB), decimal otherwise (4MB), never mixed.
  static const std::vector<Scale> binary = {{"B", 1.0L},
                                            {"KiB", kKi},
                                            {"MiB", kKi * kKi},
                                            {"GiB", kKi * kKi * kKi},
                                            {"TiB", kKi * kKi * kKi * kKi}};
  static const std::vector<Scale> decimal = {
      {"B", 1.0L}, {"kB", 1e3L}, {"MB", 1e6L}, {"GB", 1e9L}, {"TB", 1e12L}};
  std::string bin = format_whole(b.n, binary);
  std::string dec = format_whole(b.n, decimal);
  return bin.size() <= dec.size() ? bin : dec;
}

std::string format_bytes(Bytes b) {
  std::string exact = format_bytes_exact(b);
  if (exact.find_first_not_of("0123456789") <= 4) return exact;
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  long double v = static_cast<long double>(b.n);
  size_t u = 0;
  while (v >= 1024.0L && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0L;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4Lg%s", v, units[u]);
  return buf;
}

std::string format_bandwidth(Bandwidth bw) {
  static const std::vector<Scale> preferred = {{"GB/s", 1e9L},       {"GiB/s", kKi * kKi * kKi},
                                               {"TB/s", 1e12L},      {"MB/s", 1e6L},
                                               {"MiB/s", kKi * kKi}, {"kB/s", 1e3L}};
  std::string best = format_double(bw.bytes_per_s) + "B/s";
  for (const auto& sc : preferred) {
    std::string text = format_double(static_cast<double>(bw.bytes_per_s / sc.factor)) + sc.suffix;
    if (parse_bandwidth(text).bytes_per_s == bw.bytes_per_s && text.size() < best.size()) {
      best = text;
    }
  }
  return best;
}

std::string format_double(double v) {
  if (!std::isfinite(v)) return v != v ? "nan" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

}  // namespace npusim
