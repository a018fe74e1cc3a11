// Optional activity timeline, written as Chrome/Perfetto trace JSON (open it at
// ui.perfetto.dev or chrome://tracing). Units record one complete event per piece of work
// (a DMA descriptor, an array block, a vector op); recording is off unless --timeline is
// given, and the file is capped so a long run cannot fill the disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

class Timeline {
 public:
  explicit Timeline(size_t max_events = 500000) : max_events_(max_events) {}

  // `track` is the unit ("hw.array"), `name` the work item; times in picoseconds.
  void record(const std::string& track, const std::string& name, uint64_t start_ps,
              uint64_t end_ps);
  size_t size() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }
  // Writes atomically (temporary file, then rename).
  void write(const std::string& path) const;

 private:
  struct Event {
    uint32_t track;
    std::string name;
    uint64_t start_ps, end_ps;
  };
  size_t max_events_;
  uint64_t dropped_ = 0;
  std::vector<std::string> tracks_;
  std::vector<Event> events_;
};

}  // namespace npusim
