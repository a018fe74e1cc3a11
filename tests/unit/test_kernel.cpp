// The simulation kernel wrapper: a fresh SystemC context per run, typed exceptions out of
// processes, and processes left waiting at the end are unwound.
#include <catch2/catch.hpp>

#include <memory>

#include "sim/core/clock.h"
#include "sim/core/errors.h"
#include "sim/core/kernel.h"

using namespace npusim;

namespace {

struct Tracker {
  static int alive;
  Tracker() { ++alive; }
  ~Tracker() { --alive; }
};
int Tracker::alive = 0;

}  // namespace

TEST_CASE("a user error raised inside a process reaches the caller with its type", "[kernel]") {
  SimKernel k;
  sc_core::sc_event never;
  sc_core::sc_spawn([&] {
    guarded([&] {
      Tracker t;
      sim_wait(never);
    });
  });
  sc_core::sc_spawn([&] {
    guarded([&] {
      sim_wait(ps_to_time(10000));
      throw ConfigError("policy failed at step 3");
    });
  });
  CHECK_THROWS_MATCHES(k.run(), ConfigError, Catch::Message("policy failed at step 3"));
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(10, sc_core::SC_NS));
  CHECK(Tracker::alive == 0);  // the waiting process was unwound
}

TEST_CASE("each kernel starts from time zero", "[kernel]") {
  for (int i = 0; i < 3; ++i) {
    SimKernel k;
    uint64_t seen = 1;
    sc_core::sc_spawn([&] {
      guarded([&] {
        seen = time_to_ps(sc_core::sc_time_stamp());
        sim_wait(ps_to_time(5000));
      });
    });
    k.run();
    CHECK(seen == 0);
    CHECK(time_to_ps(sc_core::sc_time_stamp()) == 5000);
  }
}

TEST_CASE("processes still waiting when events run out are unwound", "[kernel]") {
  {
    SimKernel k;
    sc_core::sc_event never;
    for (int i = 0; i < 4; ++i)
      sc_core::sc_spawn([&] {
        guarded([&] {
          Tracker t;
          sim_wait(never);
        });
      });
    k.run();
    CHECK(Tracker::alive == 0);
  }
}
