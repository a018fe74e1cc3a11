// Helpers to build single components from YAML text inside a test, with a fresh SystemC
// kernel per test case.
#pragma once

#include <memory>
#include <string>

#include "sim/core/component.h"
#include "sim/core/kernel.h"

namespace npusim::test {

class Harness {
 public:
  explicit Harness(uint64_t clock_hz = 1000000000ull) : clock_(Frequency{clock_hz}) {
    ctx_.clock = &clock_;
  }

  template <class I>
  std::unique_ptr<I> build(const std::string& kind, const std::string& slot,
                           const std::string& yaml) {
    auto doc = load_yaml_text(yaml.empty() ? "{}" : yaml, "test.yaml", ErrorKind::Config, "hw");
    auto c = Registry::build(kind, ConfigNode(doc, doc->root, "hw." + slot), slot, nullptr,
                             stats_.group(slot), ctx_, default_type(kind));
    I* typed = dynamic_cast<I*>(c.get());
    if (typed == nullptr) throw std::runtime_error("wrong interface for " + kind);
    c.release();
    return std::unique_ptr<I>(typed);
  }

  // A YAML without `type:` gets the kind's reference type (for DRAM, simple_dram: the first
  // in alphabetical order would be banked_dram).
  static std::string default_type(const std::string& kind) {
    return kind == "dram" ? "simple_dram" : Registry::types_of(kind).front();
  }

  const ClockDomain& clock() const { return clock_; }
  StatGroup& stats() { return stats_; }
  BuildContext& ctx() { return ctx_; }

 private:
  ClockDomain clock_;
  BuildContext ctx_;
  StatGroup stats_{"hw"};
};

inline uint64_t now_ps() {
  return time_to_ps(sc_core::sc_time_stamp());
}

}  // namespace npusim::test
