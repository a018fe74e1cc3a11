#include "models/sparse/scheduler/dysta_hw.h"

#include <map>

#include "sim/core/stats.h"

namespace npusim {

// Storage of the RTL's layout (spec §2.3): per table entry a 16-bit tag, the score, gamma, a
// 32-bit deadline and last-exec clock and the 13-bit (model, pattern, layer) id; LUTs of 1,024
// entries (32 models x 4 patterns x 50 layers... addressed (model x 4 + pattern) x 50 + layer)
// for latency, sparsity and 1/T_iso at the score's precision, and a 128-entry 16-bit shape RAM.
constexpr uint64_t kEntryFixedBits = 16 + 32 + 32 + 13, kLutEntries = 1024, kLuts = 3,
                   kShapeBits = 128 * 16;

const ParamTable& DystaHwScheduler::param_table(const char* type) {
  using P = DystaHwParams;
  static std::map<std::string, ParamTable> tables;
  auto it = tables.find(type);
  if (it != tables.end()) return it->second;
  ParamTable t =
      ParamTable(type,
                 "Dysta's hardware scheduler: scores every request of its table at every layer "
                 "boundary and runs the lowest (models/sparse/scheduler/dysta_score.h).")
          .param("beta", &P::beta, "weight of the slack and anti-starvation penalty terms")
          .def(ParamValue(0.01))
          .min(ParamValue(0.0))
          .param_enum("predictor", &P::predictor,
                      {{"avg_all", GammaPredictor::AvgAll},
                       {"last_one", GammaPredictor::LastOne},
                       {"last_n", GammaPredictor::LastN}},
                      "gamma from all finished layers (the artifact's), the last one (the "
                      "paper's and the RTL's) or the last 3 (divided by 3 even when fewer ran)")
          .def("avg_all")
          .param_enum("slack_mode", &P::slack_mode,
                      {{"clamp_minus_R", DystaSlack::ClampMinusR},
                       {"raw", DystaSlack::Raw},
                       {"rtl", DystaSlack::Rtl}},
                      "slack max(0, D - now - R) (the artifact's), D - now - R (the paper's) or "
                      "max(0, D - now) (the RTL's)")
          .def("clamp_minus_R")
          .param("clock", &P::clock, "the scheduler's clock")
          .def("200MHz")
          .param("fixed_cycles", &P::fixed_cycles,
                 "cycles of a decision independent of the entries (CALC_GAMMA, pipeline fill, "
                 "dispatch; the spec suggests 70, the paper's results assume 0)")
          .def(0)
          .min(0)
          .param("cycles_per_entry", &P::cycles_per_entry,
                 "cycles per table entry of a decision (SCORING and SELECT: the spec suggests 2)")
          .def(0)
          .min(0)
          .param("queue_depth", &P::queue_depth,
                 "entries of the request table (0: unbounded; when full, later requests wait in "
                 "the host's backlog); at most 1,024, the depth of the RTL's RAMs")
          .def(0)
          .min(0)
          .max(1024)
          .param("score_bits", &P::score_bits,
                 "width of scores and LUT entries (16: the paper's FP16), for the storage report")
          .def(16)
          .min(8)
          .max(64);
  return tables.emplace(type, std::move(t)).first->second;
}

DystaHwScheduler::DystaHwScheduler(const ComponentArgs& a, const ParamTable& table,
                                   DystaVariant variant)
    : IScheduler(a), p_(load_params<DystaHwParams>(table)), clock_(p_.clock) {
  scoring_ = {p_.beta, p_.predictor, p_.slack_mode, variant};
  decisions_ = &stats().counter("decisions", "", "scheduling decisions (one per layer boundary)");
  busy_cycles_ = &stats().counter("busy_cycles", "cycles", "cycles the scheduler spent deciding");
  const uint64_t depth = static_cast<uint64_t>(p_.queue_depth),
                 bits = static_cast<uint64_t>(p_.score_bits);
  stats().formula(
      "table_bits", "bit", "storage of the request table (0: unbounded)",
      [depth, bits] { return static_cast<double>(depth * (kEntryFixedBits + 2 * bits)); });
  stats().formula("lut_bits", "bit", "storage of the latency, sparsity, 1/T_iso and shape LUTs",
                  [bits] { return static_cast<double>(kLuts * kLutEntries * bits + kShapeBits); });
}

size_t DystaHwScheduler::pick(const std::vector<RequestView>& ready, uint64_t now) {
  ++*decisions_;
  *busy_cycles_ += static_cast<uint64_t>(p_.fixed_cycles) +
                   static_cast<uint64_t>(p_.cycles_per_entry) * ready.size();
  return dysta_pick(ready, now, scoring_);
}

uint64_t DystaHwScheduler::decision_ps(size_t entries) const {
  const uint64_t cycles =
      static_cast<uint64_t>(p_.fixed_cycles) + static_cast<uint64_t>(p_.cycles_per_entry) * entries;
  return cycles == 0 ? 0 : clock_.ps_of(Cycles(cycles));
}

size_t DystaHwScheduler::table_depth() const {
  return p_.queue_depth > 0 ? static_cast<size_t>(p_.queue_depth) : SIZE_MAX;
}

}  // namespace npusim
