#include "models/sparse/sparse_trace.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "sim/core/errors.h"
#include "sim/core/input_file.h"
#include "sim/core/params.h"
#include "sim/core/text.h"

namespace npusim {
namespace {

struct SectionParams {
  std::string arch, pattern, trace;
};

const ParamTable& section_table() {
  using P = SectionParams;
  static const ParamTable t =
      ParamTable("sparse", "A model's sparsity trace for the sparse accelerators (models/sparse).")
          .param("arch", &P::arch,
                 "model architecture (its patterns share the per-model LUT and the SLO base)")
          .param("pattern", &P::pattern, "sparsity pattern (unstructured, block4, filter, dynamic)")
          .param("trace", &P::trace, "per-sample, per-layer CSV (path relative to the trace)");
  return t;
}

[[maybe_unused]] const bool registered = register_model_section(
    {"sparse", "sparsity trace of the sparse accelerators (models/sparse, docs/sparse.md)", false});

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t a = 0;
  for (;;) {
    const size_t b = line.find(',', a);
    std::string cell = line.substr(a, b == std::string::npos ? std::string::npos : b - a);
    const size_t f = cell.find_first_not_of(" \t\r"), l = cell.find_last_not_of(" \t\r");
    out.push_back(f == std::string::npos ? "" : cell.substr(f, l - f + 1));
    if (b == std::string::npos) return out;
    a = b + 1;
  }
}

}  // namespace

namespace {

SparseModelTrace parse(const Model& m, const ConfigNode* node, const SectionParams& p,
                       const std::string& path);

// Parsed traces by (file, size, modification time, the model's layers): a session loads each
// model's trace once for every isolated-latency run and once for the stream.
std::mutex cache_mutex;
std::map<std::string, std::shared_ptr<const SparseModelTrace>> cache;

}  // namespace

std::shared_ptr<const SparseModelTrace> load_sparse_trace(const Model& m) {
  const ConfigNode* node = m.section("sparse");
  if (node == nullptr) {
    throw WorkloadError("model `" + m.name + "` has no `sparse:` section (arch, pattern, trace)" +
                        " at " + m.source);
  }
  SectionParams p{};
  section_table().load(*node, &p);
  std::string path = p.trace;
  if (!path.empty() && path[0] != '/') path = node->doc().dir + "/" + path;
  const std::string why = input_file_problem(path, kMaxCsvInputBytes, "a sparsity trace CSV");
  if (!why.empty()) node->fail("cannot read sparsity trace " + path + ": it " + why);
  std::error_code ec;
  std::string key = path + "|" + std::to_string(std::filesystem::file_size(path, ec)) + "|" +
                    std::to_string(static_cast<long long>(
                        std::filesystem::last_write_time(path, ec).time_since_epoch().count()));
  key += "|" + p.arch + "|" + p.pattern;
  for (const Operator& op : m.layers) key += "|" + op.name;
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  auto t = std::make_shared<const SparseModelTrace>(parse(m, node, p, path));
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (cache.size() >= 64) cache.clear();
  cache.emplace(key, t);
  return t;
}

namespace {

SparseModelTrace parse(const Model& m, const ConfigNode* node, const SectionParams& p,
                       const std::string& path) {
  SparseModelTrace t;
  t.arch = p.arch;
  t.pattern = p.pattern;
  t.file = path;
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> layers;
  for (const Operator& op : m.layers) layers.push_back(op.name);
  std::map<std::string, size_t> layer_index;
  for (size_t j = 0; j < layers.size(); ++j) layer_index[layers[j]] = j;

  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& msg) {
    throw WorkloadError(path + ":" + std::to_string(line_no) + ": " + msg);
  };
  enum Col { Sample, Layer, Density, WeightDensity, Utilisation, Latency, Group, Ncols };
  const std::vector<std::string> names = {
      "sample", "layer", "density", "weight_density", "utilisation", "latency_s", "dataset_group"};
  std::vector<int> col(Ncols, -1);
  std::map<int64_t, std::vector<std::pair<SparseTraceRow, bool>>> samples;
  std::map<int64_t, std::string> groups;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    const std::vector<std::string> cells = split(line);
    if (col[Sample] < 0) {  // the header
      for (size_t k = 0; k < cells.size(); ++k) {
        auto it = std::find(names.begin(), names.end(), cells[k]);
        if (it == names.end())
          fail("unknown column `" + cells[k] + "`" + did_you_mean(cells[k], names));
        col[static_cast<size_t>(it - names.begin())] = static_cast<int>(k);
      }
      for (int c : {Sample, Layer, Density}) {
        if (col[static_cast<size_t>(c)] < 0)
          fail("the header lacks the column `" + names[static_cast<size_t>(c)] + "`");
      }
      t.has_weight_density = col[WeightDensity] >= 0;
      t.has_utilisation = col[Utilisation] >= 0;
      t.has_latency = col[Latency] >= 0;
      continue;
    }
    if (cells.size() != names.size() - static_cast<size_t>(std::count(col.begin(), col.end(), -1)))
      fail("expected as many cells as the header's columns, found " + std::to_string(cells.size()));
    auto number = [&](Col c) {
      const std::string& s = cells[static_cast<size_t>(col[c])];
      try {
        size_t used = 0;
        const double v = std::stod(s, &used);
        if (used == s.size()) return v;
      } catch (...) {
      }
      fail(names[c] + " `" + s + "` is not a number");
      return 0.0;
    };
    const double sample_d = number(Sample);
    if (sample_d < 0 || sample_d != static_cast<double>(static_cast<int64_t>(sample_d)))
      fail("sample `" + cells[static_cast<size_t>(col[Sample])] +
           "` is not a non-negative integer");
    const std::string& layer = cells[static_cast<size_t>(col[Layer])];
    auto li = layer_index.find(layer);
    if (li == layer_index.end())
      fail("layer `" + layer + "` is not in model `" + m.name + "`" + did_you_mean(layer, layers));
    SparseTraceRow r;
    r.density = number(Density);
    auto unit = [&](Col c, double v) {
      if (!(v >= 0.0 && v <= 1.0))
        fail(names[c] + " " + cells[static_cast<size_t>(col[c])] + " is outside [0, 1]");
    };
    unit(Density, r.density);
    if (t.has_weight_density) unit(WeightDensity, r.weight_density = number(WeightDensity));
    if (t.has_utilisation) {
      r.utilisation = number(Utilisation);
      if (!(r.utilisation > 0.0 && r.utilisation <= 1.0))
        fail("utilisation " + cells[static_cast<size_t>(col[Utilisation])] + " is outside (0, 1]");
    }
    if (t.has_latency) {
      r.latency_s = number(Latency);
      if (!(r.latency_s >= 0.0))
        fail("latency_s " + cells[static_cast<size_t>(col[Latency])] + " is negative");
    }
    auto& row = samples[static_cast<int64_t>(sample_d)];
    if (row.empty()) row.assign(layers.size(), {SparseTraceRow{}, false});
    if (row[li->second].second)
      fail("a second row for sample " + cells[static_cast<size_t>(col[Sample])] + ", layer `" +
           layer + "`");
    row[li->second] = {r, true};
    if (col[Group] >= 0)
      groups[static_cast<int64_t>(sample_d)] = cells[static_cast<size_t>(col[Group])];
  }
  if (col[Sample] < 0) node->fail("sparsity trace " + path + " is empty (no header)");
  if (samples.empty()) node->fail("sparsity trace " + path + " has no rows");
  int64_t expect = 0;
  for (const auto& [s, row] : samples) {
    if (s != expect) {
      throw WorkloadError(path + ": samples must be numbered 0, 1, ... without gaps; sample " +
                          std::to_string(expect) + " is missing");
    }
    ++expect;
    for (size_t j = 0; j < row.size(); ++j) {
      if (!row[j].second) {
        throw WorkloadError(path + ": sample " + std::to_string(s) + " has no row for layer `" +
                            layers[j] + "` of model `" + m.name + "`");
      }
    }
    std::vector<SparseTraceRow> r;
    for (const auto& c : row) r.push_back(c.first);
    t.rows.push_back(std::move(r));
    t.groups.push_back(groups.count(s) ? groups[s] : std::string());
  }
  return t;
}

}  // namespace
}  // namespace npusim
