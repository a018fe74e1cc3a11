#include "sim/report/layers_csv.h"

#include "sim/core/units.h"

namespace npusim {
namespace {

// One RFC 4180 field: the raw text (strings unescaped, numbers as stats.json writes them),
// quoted when it holds a comma, a quote, a line break or edge spaces, with quotes doubled.
std::string field(const std::string& s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
               (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string cell(const Json* v) {
  if (v == nullptr || v->is_null() || v->is_object() || v->is_array()) return "";
  std::string text = v->dump(0);
  // Only a string dumps with a leading quote; take its raw text, not the JSON escape.
  return field(!text.empty() && text.front() == '"' ? v->as_string() : text);
}

std::string rows_csv(const Json* layers) {
  std::string out;
  if (!layers || layers->size() == 0) return out;
  // Columns are the first row's keys; every row is read by key, so a row with fewer or
  // reordered keys still lines up (a missing value is an empty cell).
  const auto& first = layers->at(0).items();
  for (size_t i = 0; i < first.size(); ++i) out += (i ? "," : "") + field(first[i].first);
  out += "\n";
  for (size_t r = 0; r < layers->size(); ++r) {
    const Json& row = layers->at(r);
    for (size_t i = 0; i < first.size(); ++i)
      out += (i ? "," : "") + cell(row.find(first[i].first));
    out += "\n";
  }
  return out;
}

}  // namespace

std::string layers_csv(const Json& stats) {
  return rows_csv(stats.at_path("breakdown.layers"));
}

std::string requests_csv(const Json& stats) {
  return rows_csv(stats.at_path("requests.list"));
}

}  // namespace npusim
