#include "sim/memory_ledger/ledger.h"

#include "sim/core/errors.h"
#include "sim/core/units.h"

namespace npusim {

const char* memory_space_name(MemorySpace s) {
  static const char* const names[] = {"sram", "flash", "dram"};
  return names[static_cast<size_t>(s)];
}

const char* tensor_kind_name(TensorKind k) {
  static const char* const names[] = {"weights", "optimizer", "activations", "buffers"};
  return names[static_cast<size_t>(k)];
}

MemoryLedger::MemoryLedger(std::array<SpaceLimit, kMemorySpaces> limits) : limits_(limits) {}

MemorySpace MemoryLedger::resolve(MemorySpace requested, const std::string& source) const {
  if (limits_[static_cast<size_t>(requested)].present) return requested;
  if (requested == MemorySpace::Sram && limits_[static_cast<size_t>(MemorySpace::Dram)].present)
    return MemorySpace::Dram;
  throw WorkloadError(std::string("the device has no ") + memory_space_name(requested) +
                      " for the tensor at " + source +
                      (requested == MemorySpace::Flash
                           ? " (export the trace with weights_in_flash: false for this device)"
                           : ""));
}

void MemoryLedger::sample_until(int64_t step) {
  if (started_ && step != step_) {
    timeline_.push_back({step_, live_});
  }
  started_ = true;
  step_ = step;
}

void MemoryLedger::apply(const LedgerEvent& e) {
  if (started_ && e.step < step_) {
    throw WorkloadError("tensor event at step " + std::to_string(e.step) + " comes after step " +
                        std::to_string(step_) + "; events must be in step order at " + e.source);
  }
  sample_until(e.step);
  if (!e.alloc) {
    auto it = tensors_.find(e.tensor);
    if (it == tensors_.end()) {
      throw WorkloadError("release of tensor `" + e.tensor + "` that is not allocated at " +
                          e.source);
    }
    const auto s = static_cast<size_t>(it->second.space);
    live_[s] -= it->second.bytes;
    live_kind_[s][static_cast<size_t>(it->second.kind)] -= it->second.bytes;
    tensors_.erase(it);
    return;
  }
  const MemorySpace space = resolve(e.space, e.source);
  if (space == MemorySpace::Flash && e.step > 0) {
    throw WorkloadError("tensor `" + e.tensor + "` (" + format_bytes(Bytes{e.bytes}) +
                        ") is placed in flash at run time (step " + std::to_string(e.step) +
                        "); flash is written only at deployment (step 0): put run-time " +
                        "buffers in sram or dram, at " + e.source);
  }
  if (tensors_.count(e.tensor)) {
    throw WorkloadError("tensor `" + e.tensor + "` is allocated twice (release it first) at " +
                        e.source);
  }
  tensors_.emplace(e.tensor, Live{e.bytes, space, e.kind});
  const auto s = static_cast<size_t>(space);
  live_[s] += e.bytes;
  live_kind_[s][static_cast<size_t>(e.kind)] += e.bytes;
  const uint64_t cap = limits_[s].capacity;
  if (cap != 0 && live_[s] > cap) oom_.push_back({e.step, space, e.tensor, live_[s], cap});
  if (live_[s] > peaks_[s].bytes) peaks_[s] = {live_[s], e.step, live_kind_[s]};
}

void MemoryLedger::finish() {
  if (started_) timeline_.push_back({step_, live_});
  started_ = false;
}

Json MemoryLedger::to_json() const {
  Json out = Json::object();
  Json peaks = Json::object();
  for (size_t s = 0; s < kMemorySpaces; ++s) {
    if (!limits_[s].present) continue;
    Json p = Json::object();
    p["peak_bytes"] = peaks_[s].bytes;
    p["peak_step"] = peaks_[s].step;
    p["capacity_bytes"] = limits_[s].capacity;
    Json kinds = Json::object();
    for (size_t k = 0; k < kTensorKinds; ++k)
      kinds[tensor_kind_name(static_cast<TensorKind>(k))] = peaks_[s].by_kind[k];
    p["breakdown_at_peak"] = kinds;
    peaks[memory_space_name(static_cast<MemorySpace>(s))] = p;
  }
  out["spaces"] = peaks;
  Json oom = Json::array();
  for (const OomEvent& o : oom_) {
    Json j = Json::object();
    j["step"] = o.step;
    j["space"] = memory_space_name(o.space);
    j["tensor"] = o.tensor;
    j["need_bytes"] = o.need;
    j["capacity_bytes"] = o.capacity;
    oom.push_back(j);
  }
  out["oom"] = oom;
  Json tl = Json::array();
  for (const LedgerSample& t : timeline_) {
    Json j = Json::object();
    j["step"] = t.step;
    for (size_t s = 0; s < kMemorySpaces; ++s)
      if (limits_[s].present) j[memory_space_name(static_cast<MemorySpace>(s))] = t.bytes[s];
    tl.push_back(j);
  }
  out["timeline"] = tl;
  return out;
}

}  // namespace npusim
