#include "sim/mem/dram_standard.h"

#include <filesystem>

#include "sim/core/errors.h"

namespace npusim {

namespace {

const ParamTable& timings_table() {
  static const ParamTable t = [] {
    ParamTable table("dram_timings",
                     "JEDEC timings of the standard, in cycles of the command clock (tCK).");
#define NPUSIM_DRAM_PARAM(name, doc) table.param(#name, &DramTimings::name, doc).min(1).unit("tCK");
    NPUSIM_DRAM_TIMINGS(NPUSIM_DRAM_PARAM)
#undef NPUSIM_DRAM_PARAM
    return table;
  }();
  return t;
}

std::string both(const char* a, int64_t va, const char* rel, const std::string& b, int64_t vb) {
  return std::string(a) + " (" + std::to_string(va) + ") must be " + rel + " " + b + " (" +
         std::to_string(vb) + ")";
}

}  // namespace

const ParamTable& standard_table() {
  using S = DramStandard;
  static const ParamTable t =
      ParamTable("dram_standard",
                 "A DRAM standard (hw_configs/dram/*.yaml): organisation of one channel and its "
                 "JEDEC timings.")
          .param("name", &S::name, "standard and speed bin, e.g. DDR4-3200AA")
          .param("clock", &S::clock, "command clock (1 / tCK)")
          .param("data_rate", &S::data_rate, "transfers per second per data pin")
          .min(1)
          .unit("MT/s")
          .param("bus_bits", &S::bus_bits, "data width of one channel")
          .min(8)
          .unit("bits")
          .param("burst_length", &S::burst_length, "beats per burst (BL)")
          .min(1)
          .unit("beats")
          .param("channels", &S::channels, "independent channels")
          .min(1)
          .max(1024)
          .param("ranks", &S::ranks, "ranks (or pseudo channels sharing a bus) per channel")
          .min(1)
          .max(16)
          .param("bank_groups", &S::bank_groups, "bank groups per rank (1: none)")
          .min(1)
          .max(64)
          .param("banks_per_group", &S::banks_per_group, "banks per bank group")
          .min(1)
          .max(64)
          .param("rows", &S::rows, "rows per bank")
          .min(1)
          .param("columns", &S::columns, "columns per row, in bus-width beats")
          .min(1)
          .section("timing", &S::t, timings_table(), "timings in tCK")
          .check<S>([](const S& s) { return check_standard(s); });
  return t;
}

std::string check_standard(const DramStandard& s) {
  const DramTimings& t = s.t;
  if (t.tRC < t.tRAS + t.tRP) return both("tRC", t.tRC, ">=", "tRAS + tRP", t.tRAS + t.tRP);
  if (t.tRAS < t.tRCD) return both("tRAS", t.tRAS, ">=", "tRCD", t.tRCD);
  if (t.tCCD_S < t.tBL) return both("tCCD_S", t.tCCD_S, ">=", "tBL", t.tBL);
  if (t.tCCD_L < t.tCCD_S) return both("tCCD_L", t.tCCD_L, ">=", "tCCD_S", t.tCCD_S);
  if (t.tRRD_L < t.tRRD_S) return both("tRRD_L", t.tRRD_L, ">=", "tRRD_S", t.tRRD_S);
  if (t.tWTR_L < t.tWTR_S) return both("tWTR_L", t.tWTR_L, ">=", "tWTR_S", t.tWTR_S);
  if (t.tRTW < t.CL + t.tBL - t.CWL) {
    return both("tRTW", t.tRTW, ">=", "CL + tBL - CWL (else write data overlaps read data)",
                t.CL + t.tBL - t.CWL);
  }
  if (t.tREFI <= t.tRFC) return both("tREFI", t.tREFI, ">", "tRFC", t.tRFC);
  if (s.burst_length * s.bus_bits % 8 != 0) {
    return both("burst_length x bus_bits", s.burst_length * s.bus_bits, "a multiple of", "8 bits",
                8);
  }
  if (s.columns % s.burst_length != 0) {
    return both("columns", s.columns, "a multiple of", "burst_length", s.burst_length);
  }
  return "";
}

DramStandard load_standard(const std::string& ref, const ConfigNode& where) {
  namespace fs = std::filesystem;
  std::string path;
  const bool is_file = ref.size() > 5 && ref.substr(ref.size() - 5) == ".yaml";
  if (is_file) {
    path = ref[0] == '/' ? ref : where.doc().dir + "/" + ref;
  } else {
    const fs::path dir = fs::path(NPUSIM_SOURCE_DIR) / "hw_configs" / "dram";
    path = (dir / (ref + ".yaml")).string();
    if (!fs::exists(path)) {
      std::string known;
      if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) {
          if (e.path().extension() == ".yaml")
            known += (known.empty() ? "" : ", ") + e.path().stem().string();
        }
      }
      where.fail("unknown DRAM standard `" + ref + "` in " + where.path() +
                 ".standard (known: " + known + "; or give a path ending in .yaml)");
    }
  }
  auto doc = load_yaml_file(path, ErrorKind::Config, "standard");
  DramStandard s;
  standard_table().load(ConfigNode(doc, doc->root, "standard"), &s);
  return s;
}

}  // namespace npusim
