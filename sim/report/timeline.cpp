#include "sim/report/timeline.h"

#include "sim/core/json.h"
#include "sim/core/units.h"
#include "sim/report/atomic_file.h"

namespace npusim {

void Timeline::record(const std::string& track, const std::string& name, uint64_t start_ps,
                      uint64_t end_ps) {
  if (events_.size() >= max_events_) {
    ++dropped_;
    return;
  }
  uint32_t id = 0;
  while (id < tracks_.size() && tracks_[id] != track) ++id;
  if (id == tracks_.size()) tracks_.push_back(track);
  events_.push_back({id, name, start_ps, end_ps});
}

void Timeline::write(const std::string& path) const {
  // Chrome trace format: complete events ("ph":"X") with times in microseconds; one thread
  // per unit, named with metadata events.
  std::string out = "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"dropped_events\":" +
                    std::to_string(dropped_) + "},\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&]() {
    if (!first) out += ",\n";
    first = false;
  };
  for (size_t i = 0; i < tracks_.size(); ++i) {
    sep();
    out += "{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(i) +
           ",\"name\":\"thread_name\",\"args\":{\"name\":" + json_escape(tracks_[i]) + "}}";
  }
  for (const auto& e : events_) {
    sep();
    out += "{\"ph\":\"X\",\"pid\":1,\"tid\":" + std::to_string(e.track) +
           ",\"name\":" + json_escape(e.name) +
           ",\"ts\":" + format_double(static_cast<double>(e.start_ps) * 1e-6) +
           ",\"dur\":" + format_double(static_cast<double>(e.end_ps - e.start_ps) * 1e-6) + "}";
  }
  out += "\n]}\n";
  write_file_atomic(path, out);
}

}  // namespace npusim
