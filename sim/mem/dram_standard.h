// A DRAM standard as data: the organisation of one channel and its JEDEC timings, in cycles of
// the command clock (tCK). Standards live in YAML files (hw_configs/dram/*.yaml, one value per
// line with its source) read through `standard_table()`, so a misspelt or missing timing is a
// ConfigError at its file:line. `banked_dram` names a standard and may override any field.
//
// Every timing is declared once in NPUSIM_DRAM_TIMINGS; the standard's table and the
// component's override parameters are both generated from that list.
#pragma once

#include <cstdint>
#include <string>

#include "sim/core/config.h"
#include "sim/core/params.h"

namespace npusim {

// name, meaning (command-to-command distance unless stated)
#define NPUSIM_DRAM_TIMINGS(X)                                       \
  X(tBL, "data burst on the bus (burst_length / transfers per tCK)") \
  X(CL, "read CAS latency: RD to first data")                        \
  X(CWL, "write CAS latency: WR to first data")                      \
  X(tRCD, "ACT to RD/WR, same bank")                                 \
  X(tRP, "PRE to ACT, same bank")                                    \
  X(tRAS, "ACT to PRE, same bank")                                   \
  X(tRC, "ACT to ACT, same bank (>= tRAS + tRP)")                    \
  X(tCCD_S, "RD to RD or WR to WR, different bank group")            \
  X(tCCD_L, "RD to RD or WR to WR, same bank group")                 \
  X(tRRD_S, "ACT to ACT, different bank group, same rank")           \
  X(tRRD_L, "ACT to ACT, same bank group")                           \
  X(tFAW, "window holding at most four ACTs, same rank")             \
  X(tWTR_S, "end of write data to RD, different bank group")         \
  X(tWTR_L, "end of write data to RD, same bank group")              \
  X(tRTP, "RD to PRE, same bank")                                    \
  X(tWR, "end of write data to PRE, same bank (write recovery)")     \
  X(tRTW, "RD to WR, same channel (bus turnaround)")                 \
  X(tREFI, "interval between all-bank refreshes of a rank")          \
  X(tRFC, "REF to the next ACT, same rank")

struct DramTimings {
#define NPUSIM_DRAM_FIELD(name, doc) int64_t name = 0;
  NPUSIM_DRAM_TIMINGS(NPUSIM_DRAM_FIELD)
#undef NPUSIM_DRAM_FIELD
};

struct DramStandard {
  std::string name;
  Frequency clock;           // command clock, 1 / tCK
  int64_t data_rate = 0;     // MT/s per data pin
  int64_t bus_bits = 0;      // data width of one channel
  int64_t burst_length = 0;  // beats per burst
  int64_t channels = 0;
  int64_t ranks = 0;
  int64_t bank_groups = 0;  // per rank (1: no bank groups)
  int64_t banks_per_group = 0;
  int64_t rows = 0;     // per bank
  int64_t columns = 0;  // per row, in bus-width beats
  DramTimings t;

  uint64_t burst_bytes() const { return static_cast<uint64_t>(burst_length * bus_bits / 8); }
  uint64_t row_bytes() const { return static_cast<uint64_t>(columns * bus_bits / 8); }
  uint64_t bursts_per_row() const { return static_cast<uint64_t>(columns / burst_length); }
  uint64_t banks_per_rank() const { return static_cast<uint64_t>(bank_groups * banks_per_group); }
  uint64_t capacity_bytes() const {
    return static_cast<uint64_t>(channels * ranks) * banks_per_rank() *
           static_cast<uint64_t>(rows) * row_bytes();
  }
  // Peak data rate of one channel, bytes per second.
  double channel_peak() const {
    return static_cast<double>(burst_bytes()) * static_cast<double>(clock.hz) /
           static_cast<double>(t.tBL);
  }
};

// The table of a standard file (every field required).
const ParamTable& standard_table();

// Relations between timings that JEDEC implies and the model relies on (tRC >= tRAS + tRP, a
// burst fits the bus, ...): "" when all hold, else the first violation naming both values.
std::string check_standard(const DramStandard& s);

// Reads a standard from `ref`: a name (`ddr4_3200` -> hw_configs/dram/ddr4_3200.yaml in the
// source tree) or a path ending in `.yaml`, relative to the file of `where`. Errors (missing
// file, unknown key) name the file and line.
DramStandard load_standard(const std::string& ref, const ConfigNode& where);

}  // namespace npusim
