#include "sim/report/timeline.h"

#include <nlohmann/json.hpp>

#include "sim/report/atomic_file.h"

namespace npusim {

void Timeline::record(const std::string& track, const std::string& name, uint64_t start_ps,
                      uint64_t end_ps) {
  if (events_.size() >= max_events_) {
    if (dropped_++ == 0) first_dropped_ps_ = start_ps;
    return;
  }
  uint32_t id = 0;
  while (id < tracks_.size() && tracks_[id].name != track) ++id;
  if (id == tracks_.size()) tracks_.push_back({track, {}});
  std::vector<uint64_t>& lanes = tracks_[id].lane_end;
  uint32_t lane = 0;
  while (lane < lanes.size() && lanes[lane] > start_ps) ++lane;
  if (lane == lanes.size()) lanes.push_back(0);
  lanes[lane] = end_ps;
  events_.push_back({id, lane, name, start_ps, end_ps});
}

size_t Timeline::lanes(const std::string& track) const {
  for (const Track& t : tracks_) {
    if (t.name == track) return t.lane_end.size();
  }
  return 0;
}

std::string Timeline::json() const {
  // Chrome trace format: complete events ("ph":"X") with times in microseconds; one thread per
  // lane of a unit (a unit's lanes have consecutive ids), named with metadata events. Written
  // one event per line.
  using J = nlohmann::ordered_json;
  auto us = [](uint64_t ps) { return static_cast<double>(ps) * 1e-6; };
  J other = J::object();
  other["dropped_events"] = dropped_;
  other["max_events"] = max_events_;
  other["truncated"] = dropped_ > 0;
  if (dropped_ > 0) other["truncated_at_us"] = us(first_dropped_ps_);
  std::string out =
      "{\"displayTimeUnit\":\"ns\",\"otherData\":" + other.dump() + ",\"traceEvents\":[\n";
  bool first = true;
  auto add = [&](const J& e) {
    if (!first) out += ",\n";
    first = false;
    out += e.dump(-1, ' ', false, J::error_handler_t::replace);
  };
  std::vector<uint32_t> thread_of(tracks_.size());
  uint32_t next = 0;
  for (size_t t = 0; t < tracks_.size(); ++t) {
    thread_of[t] = next;
    for (size_t lane = 0; lane < tracks_[t].lane_end.size(); ++lane, ++next) {
      const std::string name =
          lane == 0 ? tracks_[t].name : tracks_[t].name + " #" + std::to_string(lane + 1);
      add({{"ph", "M"},
           {"pid", 1},
           {"tid", next},
           {"name", "thread_name"},
           {"args", {{"name", name}}}});
    }
  }
  for (const Event& e : events_) {
    add({{"ph", "X"},
         {"pid", 1},
         {"tid", thread_of[e.track] + e.lane},
         {"name", e.name},
         {"ts", us(e.start_ps)},
         {"dur", us(e.end_ps - e.start_ps)}});
  }
  if (dropped_ > 0) {
    add({{"ph", "i"},
         {"s", "g"},
         {"pid", 1},
         {"tid", 0},
         {"name", "timeline truncated: " + std::to_string(dropped_) +
                      " later events dropped (limit " + std::to_string(max_events_) +
                      " events, --timeline-limit)"},
         {"ts", us(first_dropped_ps_)}});
  }
  out += "\n]}\n";
  return out;
}

void Timeline::write(const std::string& path) const {
  write_file_atomic(path, json());
}

}  // namespace npusim
