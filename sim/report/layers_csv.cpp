#include "sim/report/layers_csv.h"

#include "sim/core/units.h"

namespace npusim {
namespace {

std::string cell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_object() || v.is_array()) return "";
  std::string s = v.dump(0);
  if (!s.empty() && s.front() == '"') s = s.substr(1, s.size() - 2);
  bool quote = s.find_first_of(",\"\n") != std::string::npos;
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string rows_csv(const Json* layers) {
  std::string out;
  if (!layers || layers->size() == 0) return out;
  const auto& first = layers->at(0).items();
  for (size_t i = 0; i < first.size(); ++i) out += (i ? "," : "") + first[i].first;
  out += "\n";
  for (size_t r = 0; r < layers->size(); ++r) {
    const auto& row = layers->at(r).items();
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + cell(row[i].second);
    out += "\n";
  }
  return out;
}

}  // namespace

std::string layers_csv(const Json& stats) { return rows_csv(stats.at_path("breakdown.layers")); }

std::string requests_csv(const Json& stats) { return rows_csv(stats.at_path("requests.list")); }

}  // namespace npusim
