// Memory ledger: replays tensor allocation and release events over the memory spaces of a
// device (SRAM, flash, DRAM) and reports the peak over time, the breakdown by kind at each
// space's peak (weights, optimiser state, activations, buffers) and out-of-memory events.
//
// Contract: events arrive in step order. Step 0 is deployment (what a programmer writes into
// flash with the firmware); an allocation in flash at a later step is a run-time flash write
// and is refused with a WorkloadError (flash endurance and erase latency: tinytrain.md §5,
// lifelearner.md §4). An allocation beyond a space's capacity is recorded as an OOM event and
// still counted, so the report shows how much was needed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/json.h"

namespace npusim {

enum class MemorySpace : uint8_t { Sram, Flash, Dram };
enum class TensorKind : uint8_t { Weights, Optimizer, Activations, Buffers };
constexpr size_t kMemorySpaces = 3, kTensorKinds = 4;

const char* memory_space_name(MemorySpace s);
const char* tensor_kind_name(TensorKind k);

struct SpaceLimit {
  bool present = true;    // the device has this space
  uint64_t capacity = 0;  // bytes usable by the workload; 0: unlimited
};

struct LedgerEvent {
  int64_t step = 0;
  bool alloc = true;  // false: release
  std::string tensor;
  uint64_t bytes = 0;  // alloc only
  MemorySpace space = MemorySpace::Sram;
  TensorKind kind = TensorKind::Activations;
  std::string source;  // "file:line", for messages
};

struct OomEvent {
  int64_t step = 0;
  MemorySpace space = MemorySpace::Sram;
  std::string tensor;
  uint64_t need = 0, capacity = 0;  // bytes live after the allocation, and the cap
};

struct SpacePeak {
  uint64_t bytes = 0;
  int64_t step = 0;
  std::array<uint64_t, kTensorKinds> by_kind{};  // live bytes by kind at the peak
};

struct LedgerSample {
  int64_t step = 0;
  std::array<uint64_t, kMemorySpaces> bytes{};  // live bytes after the step's events
};

class MemoryLedger {
 public:
  explicit MemoryLedger(std::array<SpaceLimit, kMemorySpaces> limits = {});

  // A space the device lacks: SRAM falls back to DRAM (an SBC's caches are not addressable
  // memory, so its working memory is DRAM); flash and DRAM are errors.
  MemorySpace resolve(MemorySpace requested, const std::string& source) const;
  void apply(const LedgerEvent& e);
  // Closes the timeline (the last step's sample).
  void finish();

  const SpacePeak& peak(MemorySpace s) const { return peaks_[static_cast<size_t>(s)]; }
  uint64_t live(MemorySpace s) const { return live_[static_cast<size_t>(s)]; }
  const std::vector<OomEvent>& oom() const { return oom_; }
  const std::vector<LedgerSample>& timeline() const { return timeline_; }
  Json to_json() const;

 private:
  struct Live {
    uint64_t bytes;
    MemorySpace space;
    TensorKind kind;
  };
  void sample_until(int64_t step);

  std::array<SpaceLimit, kMemorySpaces> limits_;
  std::unordered_map<std::string, Live> tensors_;
  std::array<uint64_t, kMemorySpaces> live_{};
  std::array<std::array<uint64_t, kTensorKinds>, kMemorySpaces> live_kind_{};
  std::array<SpacePeak, kMemorySpaces> peaks_{};
  std::vector<OomEvent> oom_;
  std::vector<LedgerSample> timeline_;
  int64_t step_ = 0;
  bool started_ = false;
};

}  // namespace npusim
