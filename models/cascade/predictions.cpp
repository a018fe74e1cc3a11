#include "models/cascade/predictions.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/core/input_file.h"
#include "sim/core/text.h"

namespace npusim {
namespace {

[[noreturn]] void fail(const std::string& msg) {
  throw WorkloadError(msg);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
    while (!cell.empty() && cell.front() == ' ') cell.erase(cell.begin());
    out.push_back(cell);
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

size_t PredictionTrace::model(const std::string& name, const std::string& where) const {
  for (size_t i = 0; i < models.size(); ++i)
    if (models[i] == name) return i;
  fail("model `" + name + "`" + where + " is not in the prediction trace " + file +
       " (it has: " + join(models, ", ") + ")");
}

double PredictionTrace::accuracy(size_t m, uint64_t from, uint64_t to) const {
  uint64_t n = 0;
  for (uint64_t i = from; i < to; ++i) n += correct[m][i];
  return to > from ? static_cast<double>(n) / static_cast<double>(to - from) : 0.0;
}

PredictionTrace load_predictions(const std::string& path) {
  const auto doc = load_yaml_file(path, ErrorKind::Workload, "predictions");
  const ConfigNode root(doc, doc->root, "predictions");
  root.check_keys(
      {"schema_version", "synthetic", "seed", "images", "calibration_images", "csv", "models"});
  auto scalar = [&](const char* key) -> YAML::Node {
    const YAML::Node n = doc->root[key];
    if (!n || !n.IsScalar()) root.fail(std::string("needs `") + key + ":`");
    return n;
  };
  auto integer = [&](const char* key) -> int64_t {
    const YAML::Node n = scalar(key);
    try {
      return n.as<int64_t>();
    } catch (const YAML::Exception&) {
      root.fail_at(n, key, "`" + n.Scalar() + "` is not an integer");
    }
  };
  PredictionTrace p;
  p.file = path;
  if (integer("schema_version") != 1)
    root.fail_at(doc->root["schema_version"], "schema_version", "only schema_version 1 is known");
  const YAML::Node syn = scalar("synthetic");
  try {
    p.synthetic = syn.as<bool>();
  } catch (const YAML::Exception&) {
    root.fail_at(syn, "synthetic", "`" + syn.Scalar() + "` is not true or false");
  }
  const int64_t images = integer("images"), calibration = integer("calibration_images");
  if (images < 2) root.fail_at(doc->root["images"], "images", "needs at least 2 images");
  if (calibration < 1 || calibration >= images)
    root.fail_at(doc->root["calibration_images"], "calibration_images",
                 "calibration_images " + std::to_string(calibration) +
                     " must be at least 1 and below images " + std::to_string(images) +
                     " (the rest is the test pool)");
  p.images = static_cast<uint64_t>(images);
  p.calibration = static_cast<uint64_t>(calibration);
  const YAML::Node models = doc->root["models"];
  if (!models || !models.IsSequence() || models.size() == 0)
    root.fail("needs `models:`, a list of the model names the CSV has columns for");
  for (const auto& m : models) p.models.push_back(m.as<std::string>());
  const std::string csv_name = scalar("csv").Scalar();
  const std::string csv = csv_name.front() == '/' ? csv_name : doc->dir + "/" + csv_name;

  const std::string problem = input_file_problem(csv, kMaxCsvInputBytes, "a prediction table");
  if (!problem.empty()) fail("prediction table " + csv + " " + problem);
  std::string text, why;
  if (!read_input_file(csv, kMaxCsvInputBytes, "a prediction table", &text, &why))
    fail("cannot read the prediction table " + csv + " named at " + path + ": it " + why);
  std::istringstream in(text);
  std::string line;
  uint64_t lineno = 1;
  if (!std::getline(in, line)) fail(csv + ": empty (needs a header line)");
  const std::vector<std::string> header = split(line);
  std::vector<std::string> expect = {"image_id"};
  for (const std::string& m : p.models) {
    expect.push_back(m + ".bvsb");
    expect.push_back(m + ".correct");
  }
  if (header != expect)
    fail(csv + ":1: header `" + line + "` does not match the models of " + path + " (expected `" +
         join(expect, ",") + "`)");
  p.bvsb.assign(p.models.size(), std::vector<float>(p.images));
  p.correct.assign(p.models.size(), std::vector<uint8_t>(p.images));
  uint64_t rows = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split(line);
    const std::string at = csv + ":" + std::to_string(lineno);
    if (cells.size() != expect.size())
      fail(at + ": " + std::to_string(cells.size()) + " cells, the header has " +
           std::to_string(expect.size()));
    if (cells[0] != std::to_string(rows))
      fail(at + ": image_id `" + cells[0] + "`, expected " + std::to_string(rows) +
           " (rows in image order from 0)");
    if (rows >= p.images)
      fail(at + ": more rows than images " + std::to_string(p.images) + " in " + path);
    for (size_t m = 0; m < p.models.size(); ++m) {
      const std::string& b = cells[1 + 2 * m];
      const std::string& c = cells[2 + 2 * m];
      char* end = nullptr;
      const double v = std::strtod(b.c_str(), &end);
      if (b.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || v > 1)
        fail(at + ": " + expect[1 + 2 * m] + " `" + b + "` is not a margin in [0, 1]");
      if (c != "0" && c != "1") fail(at + ": " + expect[2 + 2 * m] + " `" + c + "` is not 0 or 1");
      p.bvsb[m][rows] = static_cast<float>(v);
      p.correct[m][rows] = c == "1" ? 1 : 0;
    }
    ++rows;
  }
  if (rows != p.images)
    fail(csv + ": " + std::to_string(rows) + " rows, but " + path + " says images " +
         std::to_string(p.images));
  return p;
}

BaselineChoice baseline_threshold(const PredictionTrace& p, size_t light, size_t heavy,
                                  double target_share, double tolerance) {
  const uint64_t n = p.calibration;
  std::vector<double> acc(101), share(101);
  double best = 0;
  for (int g = 0; g <= 100; ++g) {
    const double c = g / 100.0;
    uint64_t fwd = 0, ok = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const bool f = p.bvsb[light][i] < c;
      fwd += f;
      ok += f ? p.correct[heavy][i] : p.correct[light][i];
    }
    share[g] = static_cast<double>(fwd) / static_cast<double>(n);
    acc[g] = static_cast<double>(ok) / static_cast<double>(n);
    best = std::max(best, acc[g]);
  }
  int pick = 100;
  for (int g = 0; g <= 100; ++g) {
    if (share[g] >= target_share) {
      pick = g;
      break;
    }
  }
  if (acc[pick] < best - tolerance) {
    for (int g = 0; g <= 100; ++g) {
      if (acc[g] >= best - tolerance) {
        pick = g;
        break;
      }
    }
  }
  return {pick / 100.0, share[pick], acc[pick], best};
}

}  // namespace npusim
