#include "sim/memory_ledger/device.h"

#include <filesystem>

#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/memory_ledger/device_energy.h"

namespace npusim {

const ParamTable& ondevice_target_table() {
  using D = OnDeviceTarget;
  static const ParamTable t =
      ParamTable("ondevice_target",
                 "An on-device learning target (hw_configs/ondevice): memory spaces, CPU rate, "
                 "the calibrated per-iteration framework overhead and its energy table.")
          .param("name", &D::name, "device name")
          .param("description", &D::description, "free text")
          .def("")
          .param("source", &D::source, "where the values come from (spec section, datasheet)")
          .param("cores", &D::cores, "CPU cores the training kernels use")
          .min(1)
          .max(64)
          .param("clock", &D::clock, "CPU clock")
          .param("macs_per_cycle", &D::macs_per_cycle,
                 "sustained fp32 multiply-accumulates per cycle and core")
          .min(ParamValue(0.001))
          .max(ParamValue(64.0))
          .param("sram", &D::sram, "on-chip SRAM usable by the workload (0B: none)")
          .def("0B")
          .param("flash", &D::flash, "flash usable by the workload (0B: none)")
          .def("0B")
          .param("dram", &D::dram, "DRAM free for the workload (0B: none)")
          .def("0B")
          .param("memory_bandwidth", &D::memory_bandwidth,
                 "sustained bandwidth of the working memory")
          .param("framework_overhead", &D::framework_overhead,
                 "per sample-iteration overhead of the software stack (calibrated)")
          .def("0ns")
          .param("calibration", &D::calibration,
                 "which paper row calibrated framework_overhead (empty: not calibrated)")
          .def("")
          .param("energy", &D::energy,
                 "energy table pricing the device's activity: a shipped table's name "
                 "(hw_configs/energy) or a .yaml file next to this one")
          .param("npu", &D::npu,
                 "optional micro-NPU: a hardware YAML (e.g. a generic_npu) next to this file")
          .def("")
          .check<D>([](const D& d) -> std::string {
            if (d.sram.n == 0 && d.dram.n == 0)
              return "the device needs working memory: sram or dram above 0B";
            if (d.clock.hz == 0) return "clock must be above 0";
            if (d.memory_bandwidth.bytes_per_s <= 0) return "memory_bandwidth must be above 0";
            return "";
          });
  return t;
}

OnDeviceTarget load_ondevice_target(const std::string& path) {
  auto doc = load_yaml_file(path, ErrorKind::Config, "device");
  ConfigNode root(doc, doc->root, "device");
  root.require_map();
  OnDeviceTarget d;
  ondevice_target_table().load(root, &d);
  // A .yaml table is relative to the preset, after following symbolic links; a name is shipped.
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(doc->file, ec);
  const YAML::Node& e = doc->root["energy"];
  auto table = std::make_shared<const EnergyTable>(load_energy_table(
      d.energy, ec ? doc->dir : real.parent_path().string(), root.where(e, "energy")));
  check_ondevice_energy_table(*table, d, root.where(e, "energy"));
  d.energy_table = std::move(table);
  return d;
}

uint64_t MemoryTraffic::total() const {
  uint64_t n = 0;
  for (size_t s = 0; s < kMemorySpaces; ++s) n += read[s] + written[s];
  return n;
}

std::array<SpaceLimit, kMemorySpaces> memory_limits(const OnDeviceTarget& d) {
  std::array<SpaceLimit, kMemorySpaces> l{};
  const Bytes caps[] = {d.sram, d.flash, d.dram};  // MemorySpace order
  for (size_t s = 0; s < kMemorySpaces; ++s) l[s] = {caps[s].n > 0, caps[s].n};
  return l;
}

IterationCost iteration_cost(const OnDeviceTarget& d, uint64_t macs, const MemoryTraffic& traffic) {
  IterationCost c;
  c.traffic = traffic;
  const uint64_t bytes = traffic.total();
  const double rate =
      static_cast<double>(d.cores) * static_cast<double>(d.clock.hz) * d.macs_per_cycle;
  c.compute_s = static_cast<double>(macs) / rate;
  c.memory_s = static_cast<double>(bytes) / d.memory_bandwidth.bytes_per_s;
  c.overhead_s = d.framework_overhead.seconds();
  return c;
}

}  // namespace npusim
