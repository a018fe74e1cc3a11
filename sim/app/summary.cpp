#include "sim/app/summary.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace npusim {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string human_time(double s) {
  if (s >= 1) return fmt("%.3f s", s);
  if (s >= 1e-3) return fmt("%.3f ms", s * 1e3);
  return fmt("%.3f us", s * 1e6);
}

std::string human_bytes(double b) {
  if (b >= 1e9) return fmt("%.2f GB", b / 1e9);
  if (b >= 1e6) return fmt("%.2f MB", b / 1e6);
  if (b >= 1e3) return fmt("%.2f kB", b / 1e3);
  return fmt("%.0f B", b);
}

std::string human_energy(double j) {
  if (j >= 1) return fmt("%.3f J", j);
  if (j >= 1e-3) return fmt("%.3f mJ", j * 1e3);
  if (j >= 1e-6) return fmt("%.3f uJ", j * 1e6);
  return fmt("%.3f nJ", j * 1e9);
}

}  // namespace

std::string summary_table(const Json& stats, size_t top_layers) {
  auto num = [&](const char* path) {
    const Json* v = stats.at_path(path);
    return v ? v->as_double() : 0.0;
  };
  std::string out;
  out += "npusim: " + stats.find("hw")->as_string() + " running " +
         stats.find("workload")->as_string() + "\n";
  out += fmt("  total cycles        %.0f\n", num("total_cycles"));
  out += "  simulated time      " + human_time(num("total_seconds")) + "\n";
  out += "  throughput          " + fmt("%.4g ", num("throughput.value")) +
         stats.at_path("throughput.unit")->as_string() + "\n";
  if (stats.find("llm")) {
    out += "  time to 1st token   " + human_time(num("llm.time_to_first_token_s")) + "\n";
    out += "  time per token      " + human_time(num("llm.time_per_output_token_s")) + "\n";
  }
  out += "  DRAM read / written " + human_bytes(num("dram.bytes_read")) + " / " +
         human_bytes(num("dram.bytes_written")) +
         fmt("  (%.1f %% of peak bandwidth)\n", 100 * num("dram.bandwidth_utilisation"));
  if (stats.find("energy")) {
    out += "  energy              " + human_energy(num("energy.total_j")) + " (dynamic " +
           human_energy(num("energy.dynamic_j")) + ", static " +
           human_energy(num("energy.static_j")) +
           fmt("); %.3g W average; ", num("energy.average_power_w")) +
           fmt("%.3g mm2 on chip\n", num("energy.area_mm2"));
  }
  const Json* layers = stats.at_path("breakdown.layers");
  if (layers && layers->size() > 0) {
    std::vector<size_t> order(layers->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto cycles = [&](size_t i) { return layers->at(i).find("cycles")->as_double(); };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return cycles(a) > cycles(b); });
    const double total = std::max(1.0, num("total_cycles"));
    out += "  operators by time (" + std::to_string(layers->size()) + " in all):\n";
    out += "    name                                op                 share   MAC util\n";
    for (size_t r = 0; r < std::min(top_layers, order.size()); ++r) {
      const Json& l = layers->at(order[r]);
      std::string name = l.find("phase")->as_string() + "/" + l.find("name")->as_string();
      if (name.size() > 35) name = "..." + name.substr(name.size() - 32);
      char line[256];
      std::snprintf(line, sizeof line, "    %-35s %-16s %6.1f %%  %6.1f %%\n", name.c_str(),
                    l.find("op")->as_string().c_str(), 100 * cycles(order[r]) / total,
                    100 * l.find("mac_utilisation")->as_double());
      out += line;
    }
  }
  return out;
}

}  // namespace npusim
