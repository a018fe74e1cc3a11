#include "sim/compute/systolic_timing.h"

#include <algorithm>
#include <string>

#include "sim/core/errors.h"

namespace npusim {

const char* dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::WeightStationary:
      return "weight_stationary";
    case Dataflow::OutputStationary:
      return "output_stationary";
    case Dataflow::InputStationary:
      return "input_stationary";
  }
  return "?";
}

namespace {

struct Run {
  ArrayTile tile;
  uint64_t count;
};

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// WS/IS: cycles between the injections of tile a and the following tile b (see header).
uint64_t stationary_interval(const ArrayGeometry& g, const ArrayTile& a, const ArrayTile& b) {
  if (g.overlap) return std::max(a.stream, a.depth + a.width - 1 + b.depth);
  return a.stream + g.rows + a.width - 2 + b.depth;
}

uint64_t evaluate_runs(const ArrayGeometry& g, const std::vector<Run>& runs) {
  if (runs.empty()) return 0;
  if (g.dataflow == Dataflow::OutputStationary) {
    // X = cycles from a tile's injection until its results are complete.
    const uint64_t drain = g.os_drain ? g.rows : 0;
    uint64_t f = 0;
    bool first = true;
    for (const Run& r : runs) {
      uint64_t x = r.tile.stream + r.tile.depth + r.tile.width - 2;
      uint64_t step = g.overlap ? std::max(x, drain) : x + drain;
      if (first) {
        f = x + (r.count - 1) * step;
        first = false;
      } else {
        f += r.count * step;
      }
    }
    return f + drain;
  }
  uint64_t t = runs.front().tile.depth;  // T_0: the first tile is shifted in
  for (size_t i = 0; i < runs.size(); ++i) {
    const ArrayTile& cur = runs[i].tile;
    t += (runs[i].count - 1) * stationary_interval(g, cur, cur);
    if (i + 1 < runs.size()) t += stationary_interval(g, cur, runs[i + 1].tile);
  }
  const ArrayTile& last = runs.back().tile;
  return t + last.stream + g.rows + last.width - 2;
}

// Strips of `total` in pieces of `full`: {full x count, remainder x 1}.
std::vector<std::pair<uint64_t, uint64_t>> strips(uint64_t total, uint64_t full) {
  std::vector<std::pair<uint64_t, uint64_t>> s;
  if (total / full > 0) s.push_back({full, total / full});
  if (total % full > 0) s.push_back({total % full, 1});
  return s;
}

// Runs of the canonical order: outer strips (each `outer` entry is one strip width in PE
// columns, repeated), inner strips along the array rows.
std::vector<Run> gemm_runs(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                           uint64_t lanes) {
  NPUSIM_ASSERT(g.rows > 0 && g.cols > 0 && lanes > 0, "empty array");
  std::vector<Run> runs;
  auto push = [&](ArrayTile t, uint64_t count) {
    if (count == 0) return;
    if (g.full_folds) t = {g.rows, g.cols, t.stream};  // unused rows and columns still cost
    if (!runs.empty() && runs.back().tile.depth == t.depth && runs.back().tile.width == t.width &&
        runs.back().tile.stream == t.stream) {
      runs.back().count += count;
    } else {
      runs.push_back({t, count});
    }
  };
  if (m == 0 || k == 0 || n == 0) return runs;
  const uint64_t strip_width = g.cols * lanes;  // output (or input) elements per column strip
  if (g.dataflow == Dataflow::OutputStationary) {
    // for each row strip of O, for each column strip: tile (M', cols, K)
    for (auto [rows, rcount] : strips(m, g.rows)) {
      for (uint64_t i = 0; i < rcount; ++i) {
        for (auto [width, ccount] : strips(n, strip_width)) {
          push({rows, ceil_div(width, lanes), k}, ccount);
        }
      }
    }
    return runs;
  }
  // WS: stationary W (K x N), stream M. IS: stationary A^T (K x M), stream N.
  const uint64_t across = g.dataflow == Dataflow::WeightStationary ? n : m;
  const uint64_t stream = g.dataflow == Dataflow::WeightStationary ? m : n;
  for (auto [width, ccount] : strips(across, strip_width)) {
    for (uint64_t i = 0; i < ccount; ++i) {
      for (auto [depth, kcount] : strips(k, g.rows)) {
        push({depth, ceil_div(width, lanes), stream}, kcount);
      }
    }
  }
  return runs;
}

}  // namespace

uint64_t tile_sequence_cycles(const ArrayGeometry& g, const std::vector<ArrayTile>& tiles) {
  std::vector<Run> runs;
  for (const auto& t : tiles) runs.push_back({t, 1});
  return evaluate_runs(g, runs);
}

std::vector<ArrayTile> gemm_tiles(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                                  uint64_t lanes) {
  std::vector<ArrayTile> tiles;
  for (const Run& r : gemm_runs(g, m, k, n, lanes)) tiles.insert(tiles.end(), r.count, r.tile);
  return tiles;
}

uint64_t gemm_block_cycles(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                           uint64_t lanes) {
  return evaluate_runs(g, gemm_runs(g, m, k, n, lanes));
}

ArrayTraffic gemm_block_traffic(const ArrayGeometry& g, uint64_t m, uint64_t k, uint64_t n,
                                uint64_t lanes, uint64_t passes) {
  ArrayTraffic t;
  const uint64_t width = g.cols * lanes;
  switch (g.dataflow) {
    case Dataflow::WeightStationary: {
      const uint64_t fk = ceil_div(k, g.rows), fn = ceil_div(n, width);
      t.w_reads = k * n;
      t.a_reads = m * k * fn * passes;
      t.out_writes = m * n * fk;
      t.out_reads = m * n * (fk - 1);
      break;
    }
    case Dataflow::InputStationary: {
      const uint64_t fk = ceil_div(k, g.rows), fm = ceil_div(m, width);
      t.a_reads = m * k;
      t.w_reads = k * n * fm * passes;
      t.out_writes = m * n * fk;
      t.out_reads = m * n * (fk - 1);
      break;
    }
    case Dataflow::OutputStationary: {
      const uint64_t fm = ceil_div(m, g.rows), fn = ceil_div(n, width);
      t.a_reads = m * k * fn * passes;
      t.w_reads = k * n * fm * passes;
      t.out_writes = m * n;
      break;
    }
  }
  if (m == 0 || k == 0 || n == 0) t = {};
  return t;
}

}  // namespace npusim
