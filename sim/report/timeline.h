// Optional activity timeline, written as Chrome/Perfetto trace JSON (open it at
// ui.perfetto.dev or chrome://tracing). Units record one complete event per piece of work
// (a DMA descriptor, an array block, a vector op); recording is off unless --timeline is
// given, and the number of events is capped (--timeline-limit) so a long run cannot fill the
// disk. A capped timeline says so: `otherData` holds the limit and the number dropped, and a
// global instant event marks the time of the first dropped event.
//
// The trace format wants the complete events of one thread properly nested, but a DMA engine
// runs several descriptors at once. Each unit's events are therefore spread over lanes, one
// thread each ("hw.dma", "hw.dma #2", ...): an event goes to the first lane whose last event
// has ended, so the events of a lane never overlap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

class Timeline {
 public:
  static constexpr size_t kDefaultMaxEvents = 500000;
  explicit Timeline(size_t max_events = kDefaultMaxEvents) : max_events_(max_events) {}

  // `track` is the unit ("hw.array"), `name` the work item; times in picoseconds.
  void record(const std::string& track, const std::string& name, uint64_t start_ps,
              uint64_t end_ps);
  size_t size() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }
  size_t max_events() const { return max_events_; }
  // Lanes (threads in the file) of a track; 0 for a track that recorded nothing.
  size_t lanes(const std::string& track) const;
  // The file's content; write() writes it atomically (temporary file, then rename).
  std::string json() const;
  void write(const std::string& path) const;

 private:
  struct Track {
    std::string name;
    std::vector<uint64_t> lane_end;  // end of each lane's last event
  };
  struct Event {
    uint32_t track, lane;
    std::string name;
    uint64_t start_ps, end_ps;
  };
  size_t max_events_;
  uint64_t dropped_ = 0;
  uint64_t first_dropped_ps_ = 0;
  std::vector<Track> tracks_;
  std::vector<Event> events_;
};

}  // namespace npusim
