// A register-level, cycle-by-cycle model of an R x C systolic array that also computes the
// values. It shares no timing code with sim/compute: its controller advances only on
// conditions it can observe in the PE registers (array drained, every PE swapped, every PE
// finished), and every hazard the closed form assumes away (a PE reading another tile's
// weights, two wavefronts meeting) is asserted here. Tests compare its cycle count with
// gemm_block_cycles() and its result with a plain matrix product.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/compute/systolic_timing.h"

namespace npusim::test {

using Matrix = std::vector<std::vector<int64_t>>;

inline Matrix zeros(size_t r, size_t c) {
  return Matrix(r, std::vector<int64_t>(c, 0));
}

inline Matrix matmul(const Matrix& a, const Matrix& b) {
  Matrix o = zeros(a.size(), b[0].size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t k = 0; k < b.size(); ++k)
      for (size_t j = 0; j < b[0].size(); ++j) o[i][j] += a[i][k] * b[k][j];
  return o;
}

inline Matrix transpose(const Matrix& a) {
  Matrix t = zeros(a[0].size(), a.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}

struct RefResult {
  uint64_t cycles = 0;
  Matrix out;
};

inline void require(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("systolic reference hazard: ") + what);
}

// Stationary dataflow: S[K x P] is held in the array (K on rows, P across columns, `lanes` per
// PE), the rows of X[Q x K] stream in; returns Y[Q x P] = X . S. WS: X = A, S = W. IS: X = W^T,
// S = A^T, and Y = O^T.
inline RefResult reference_stationary(uint64_t R, uint64_t C, uint64_t lanes, bool overlap,
                                      const Matrix& X, const Matrix& S) {
  const uint64_t Q = X.size(), K = S.size(), P = S[0].size();
  struct Tile {
    uint64_t k0, depth, p0, width_elems, width;  // rows [k0, k0+depth), elems [p0, p0+width_elems)
  };
  std::vector<Tile> tiles;  // canonical order: column strips outer, row strips inner
  for (uint64_t p0 = 0; p0 < P; p0 += C * lanes) {
    uint64_t we = std::min(C * lanes, P - p0);
    for (uint64_t k0 = 0; k0 < K; k0 += R) {
      tiles.push_back({k0, std::min(R, K - k0), p0, we, (we + lanes - 1) / lanes});
    }
  }
  struct Act {
    bool valid = false;
    int64_t v = 0;
    int tile = -1;
    uint64_t q = 0;
  };
  struct Psum {
    bool valid = false;
    std::vector<int64_t> v;
    int tile = -1;
    uint64_t q = 0;
  };
  struct Pe {
    std::vector<int64_t> active, shadow;
    int active_tag = -1, shadow_tag = -1;
    Act a;
    Psum p;
  };
  std::vector<std::vector<Pe>> pe(R, std::vector<Pe>(C));
  for (auto& row : pe)
    for (auto& x : row)
      x.active.assign(lanes, 0), x.shadow.assign(lanes, 0), x.p.v.assign(lanes, 0);

  RefResult res;
  res.out = zeros(Q, P);
  const int n = static_cast<int>(tiles.size());
  std::vector<int64_t> start(tiles.size(), -1);  // injection start T_i, decided by the controller
  int next_load = 0;                             // next tile whose weights must be shifted in
  int64_t shift_start = -1;                      // cycle the current shift began
  int shifting = -1;                             // tile being shifted, or -1
  int loaded = -1;                               // last tile whose shift completed
  uint64_t injected_done = 0;                    // tiles whose injection has fully finished
  auto weight = [&](int t, uint64_t r, uint64_t c, uint64_t l) -> int64_t {
    const Tile& tl = tiles[static_cast<size_t>(t)];
    uint64_t col = tl.p0 + c * lanes + l;
    if (r >= tl.depth || c * lanes + l >= tl.width_elems || col >= P) return 0;
    return S[tl.k0 + r][col];
  };
  for (int64_t t = 0;; ++t) {
    // --- controller decisions, from state observed at the end of cycle t-1 ---
    bool array_empty = true, all_swapped = true;
    for (uint64_t r = 0; r < R; ++r)
      for (uint64_t c = 0; c < C; ++c)
        array_empty = array_empty && !pe[r][c].a.valid && !pe[r][c].p.valid;
    int cur = loaded;  // the tile most recently shifted in is the one being (or about to be) used
    if (cur >= 0) {
      const Tile& tl = tiles[static_cast<size_t>(cur)];
      for (uint64_t r = 0; r < tl.depth; ++r)
        for (uint64_t c = 0; c < tl.width; ++c)
          all_swapped = all_swapped && pe[r][c].active_tag == cur;
    }
    while (injected_done < tiles.size() && start[injected_done] >= 0 &&
           t > start[injected_done] + static_cast<int64_t>(Q + tiles[injected_done].depth) - 2) {
      ++injected_done;
    }
    if (shifting < 0 && next_load < n) {
      bool may_shift;
      if (next_load == 0) {
        may_shift = true;
      } else if (overlap) {
        may_shift = start[static_cast<size_t>(next_load - 1)] >= 0 && all_swapped;
      } else {
        may_shift = injected_done == static_cast<uint64_t>(next_load) && array_empty;
      }
      if (may_shift) shifting = next_load, shift_start = t, ++next_load;
    }
    // Inject the loaded tile as soon as its shift is done and row 0 is free.
    if (loaded >= 0 && start[static_cast<size_t>(loaded)] < 0) {
      bool row0_free =
          loaded == 0 || t >= start[static_cast<size_t>(loaded - 1)] + static_cast<int64_t>(Q);
      if (row0_free) start[static_cast<size_t>(loaded)] = t;
    }
    // --- one clock cycle: compute the next register state from the current one ---
    auto next = pe;
    for (uint64_t r = 0; r < R; ++r) {
      for (uint64_t c = 0; c < C; ++c) {
        Act a_in;
        if (c == 0) {
          for (int i = 0; i < n;
               ++i) {  // skewed injection: X[q][k0 + r] enters row r at T_i + q + r
            if (start[static_cast<size_t>(i)] < 0) continue;
            int64_t q = t - start[static_cast<size_t>(i)] - static_cast<int64_t>(r);
            const Tile& tl = tiles[static_cast<size_t>(i)];
            if (q >= 0 && q < static_cast<int64_t>(Q) && r < tl.depth) {
              require(!a_in.valid, "two tiles inject into one row in the same cycle");
              a_in = {true, X[static_cast<size_t>(q)][tl.k0 + r], i, static_cast<uint64_t>(q)};
            }
          }
        } else {
          a_in = pe[r][c - 1].a;
        }
        if (a_in.valid && c >= tiles[static_cast<size_t>(a_in.tile)].width)
          a_in = Act{};  // gated column
        Psum p_in;
        if (r == 0) {
          if (a_in.valid) p_in = {true, std::vector<int64_t>(lanes, 0), a_in.tile, a_in.q};
        } else {
          p_in = pe[r - 1][c].p;
        }
        Pe& nx = next[r][c];
        if (a_in.valid) {
          require(p_in.valid && p_in.tile == a_in.tile && p_in.q == a_in.q,
                  "wavefronts misaligned");
          if (overlap && pe[r][c].active_tag != a_in.tile) {
            require(pe[r][c].shadow_tag == a_in.tile, "swap to weights that are not loaded");
            nx.active = pe[r][c].shadow;
            nx.active_tag = a_in.tile;
          }
          require(nx.active_tag == a_in.tile, "MAC with another tile's weights");
          for (uint64_t l = 0; l < lanes; ++l) p_in.v[l] += a_in.v * nx.active[l];
        }
        // The activation register feeds the next column; the last used column's is gated.
        nx.a = (a_in.valid && c + 1 < tiles[static_cast<size_t>(a_in.tile)].width) ? a_in : Act{};
        nx.p = p_in;
        if (!p_in.valid) nx.p.v.assign(lanes, 0);
      }
    }
    // Weight shift chain: one row per cycle from the top; the deepest row goes in first.
    if (shifting >= 0) {
      int64_t s = t - shift_start;
      const Tile& tl = tiles[static_cast<size_t>(shifting)];
      for (uint64_t c = 0; c < C; ++c) {
        for (int64_t r = static_cast<int64_t>(R) - 1; r >= 0; --r) {
          auto& dst = overlap ? next[static_cast<size_t>(r)][c].shadow
                              : next[static_cast<size_t>(r)][c].active;
          if (r == 0) {
            for (uint64_t l = 0; l < lanes; ++l)
              dst[l] = weight(shifting, tl.depth - 1 - static_cast<uint64_t>(s), c, l);
          } else {
            dst = overlap ? pe[static_cast<size_t>(r) - 1][c].shadow
                          : pe[static_cast<size_t>(r) - 1][c].active;
          }
        }
      }
      if (!overlap) {
        for (uint64_t r = 0; r < R; ++r)
          for (uint64_t c = 0; c < C; ++c)
            require(!pe[r][c].a.valid, "weights shifted under a live activation");
      }
      if (s + 1 == static_cast<int64_t>(tl.depth)) {
        for (auto& row : next)
          for (auto& x : row) (overlap ? x.shadow_tag : x.active_tag) = shifting;
        loaded = shifting;
        shifting = -1;
      }
    }
    // Outputs leave the bottom row.
    for (uint64_t c = 0; c < C; ++c) {
      Psum& out = next[R - 1][c].p;
      if (!out.valid) continue;
      const Tile& tl = tiles[static_cast<size_t>(out.tile)];
      for (uint64_t l = 0; l < lanes; ++l) {
        uint64_t col = tl.p0 + c * lanes + l;
        if (c * lanes + l < tl.width_elems) res.out[out.q][col] += out.v[l];
      }
      out.valid = false;
    }
    pe = std::move(next);
    bool busy = false;
    for (auto& row : pe)
      for (auto& x : row) busy = busy || x.a.valid || x.p.valid;
    bool all_started = n == 0 || start[static_cast<size_t>(n - 1)] >= 0;
    bool all_injected = all_started && t >= start[static_cast<size_t>(n - 1)] +
                                                static_cast<int64_t>(Q + tiles.back().depth) - 2;
    if (all_injected && !busy) {
      res.cycles = static_cast<uint64_t>(t + 1);
      return res;
    }
    require(t < 1000000, "reference did not terminate");
  }
}

// Output-stationary: O[M x N] = A . W with O tiles of M' <= R rows and `lanes` outputs per PE.
// `drain`: results shift out through the drain chain (R cycles); without it every PE's
// accumulator is read out in parallel in the cycle the tile is complete.
inline RefResult reference_output_stationary(uint64_t R, uint64_t C, uint64_t lanes, bool overlap,
                                             bool drain, const Matrix& A, const Matrix& W) {
  const uint64_t M = A.size(), K = W.size(), N = W[0].size();
  struct Tile {
    uint64_t m0, rows, n0, width_elems, width;
  };
  std::vector<Tile> tiles;
  for (uint64_t m0 = 0; m0 < M; m0 += R)
    for (uint64_t n0 = 0; n0 < N; n0 += C * lanes) {
      uint64_t we = std::min(C * lanes, N - n0);
      tiles.push_back({m0, std::min(R, M - m0), n0, we, (we + lanes - 1) / lanes});
    }
  struct Pe {
    std::vector<int64_t> acc;
    uint64_t macs = 0;
    int tile = -1;
    bool a_valid = false, w_valid = false;
    int64_t a = 0;
    std::vector<int64_t> w;
    int a_tile = -1, w_tile = -1;
    uint64_t a_k = 0, w_k = 0;
  };
  std::vector<std::vector<Pe>> pe(R, std::vector<Pe>(C));
  for (auto& row : pe)
    for (auto& x : row) x.acc.assign(lanes, 0), x.w.assign(lanes, 0);
  struct Slot {
    bool valid = false;
    std::vector<int64_t> v;
    int tile = -1;
    uint64_t row = 0;
  };
  // Drain chain: one register per PE, shifting down the columns.
  std::vector<std::vector<Slot>> chain(R, std::vector<Slot>(C));
  RefResult res;
  res.out = zeros(M, N);
  const int n = static_cast<int>(tiles.size());
  std::vector<int64_t> start(tiles.size(), -1);
  int draining = -1;  // tile whose results occupy the drain chain
  int64_t drain_start = -1;
  int accumulating = -1;  // tile currently in the accumulators
  start[0] = 0;
  accumulating = 0;
  for (int64_t t = 0;; ++t) {
    // --- controller: is the accumulating tile finished (observed at end of t-1)? ---
    bool finished = accumulating >= 0;
    if (accumulating >= 0) {
      const Tile& tl = tiles[static_cast<size_t>(accumulating)];
      for (uint64_t r = 0; r < tl.rows; ++r)
        for (uint64_t c = 0; c < tl.width; ++c)
          finished = finished && pe[r][c].tile == accumulating && pe[r][c].macs == K;
    }
    bool chain_free = draining < 0 || t >= drain_start + static_cast<int64_t>(R);
    if (chain_free && draining >= 0) draining = -1;
    bool copy = finished && chain_free;
    if (copy) {
      const Tile& tl = tiles[static_cast<size_t>(accumulating)];
      for (uint64_t r = 0; r < R; ++r)
        for (uint64_t c = 0; c < C; ++c) {
          chain[r][c] = Slot{};
          if (r < tl.rows && c < tl.width) {
            if (drain) {
              chain[r][c] = {true, pe[r][c].acc, accumulating, r};
            } else {
              for (uint64_t l = 0; l < lanes; ++l)
                if (c * lanes + l < tl.width_elems)
                  res.out[tl.m0 + r][tl.n0 + c * lanes + l] += pe[r][c].acc[l];
            }
          }
          pe[r][c].acc.assign(lanes, 0);
          pe[r][c].macs = 0;
        }
      draining = drain ? accumulating : -1;
      drain_start = t;
      int nxt = accumulating + 1;
      accumulating = nxt < n ? nxt : -1;
      // Overlap (or no drain): the next tile enters now. Otherwise it waits for the drain.
      if (accumulating >= 0 && (overlap || !drain)) start[static_cast<size_t>(accumulating)] = t;
      if (!drain && accumulating < 0) {
        res.cycles = static_cast<uint64_t>(t);  // the last results were complete at t
        return res;
      }
    }
    if (!overlap && accumulating >= 0 && start[static_cast<size_t>(accumulating)] < 0 &&
        draining < 0 && drain_start >= 0) {
      start[static_cast<size_t>(accumulating)] = t;
    }
    // --- one cycle ---
    auto next = pe;
    for (uint64_t r = 0; r < R; ++r) {
      for (uint64_t c = 0; c < C; ++c) {
        bool av = false, wv = false;
        int64_t a = 0;
        std::vector<int64_t> w(lanes, 0);
        int at = -1, wt = -1;
        uint64_t ak = 0, wk = 0;
        for (int i = 0; i < n; ++i) {
          if (start[static_cast<size_t>(i)] < 0) continue;
          const Tile& tl = tiles[static_cast<size_t>(i)];
          if (c == 0) {
            int64_t k = t - start[static_cast<size_t>(i)] - static_cast<int64_t>(r);
            if (k >= 0 && k < static_cast<int64_t>(K) && r < tl.rows) {
              require(!av, "two tiles inject into one row");
              av = true, a = A[tl.m0 + r][static_cast<size_t>(k)], at = i,
              ak = static_cast<uint64_t>(k);
            }
          }
          if (r == 0) {
            int64_t k = t - start[static_cast<size_t>(i)] - static_cast<int64_t>(c);
            if (k >= 0 && k < static_cast<int64_t>(K) && c < tl.width) {
              require(!wv, "two tiles inject into one column");
              wv = true, wt = i, wk = static_cast<uint64_t>(k);
              for (uint64_t l = 0; l < lanes; ++l) {
                uint64_t col = tl.n0 + c * lanes + l;
                w[l] = (c * lanes + l < tl.width_elems) ? W[static_cast<size_t>(k)][col] : 0;
              }
            }
          }
        }
        if (c > 0)
          av = pe[r][c - 1].a_valid, a = pe[r][c - 1].a, at = pe[r][c - 1].a_tile,
          ak = pe[r][c - 1].a_k;
        if (r > 0)
          wv = pe[r - 1][c].w_valid, w = pe[r - 1][c].w, wt = pe[r - 1][c].w_tile,
          wk = pe[r - 1][c].w_k;
        if (av && c >= tiles[static_cast<size_t>(at)].width) av = false;  // gated column
        if (wv && r >= tiles[static_cast<size_t>(wt)].rows) wv = false;   // gated row
        Pe& nx = next[r][c];
        nx.a_valid = av, nx.a = a, nx.a_tile = at, nx.a_k = ak;
        nx.w_valid = wv, nx.w = w, nx.w_tile = wt, nx.w_k = wk;
        require(av == wv, "an operand arrived without its partner");
        if (av) {
          require(at == wt && ak == wk, "operands of different MACs met");
          require(nx.macs == 0 || nx.tile == at, "accumulator still holds another tile");
          nx.tile = at;
          for (uint64_t l = 0; l < lanes; ++l) nx.acc[l] += a * w[l];
          ++nx.macs;
        }
      }
    }
    // Drain chain shifts down one row; the bottom register leaves the array.
    if (draining >= 0) {
      for (uint64_t c = 0; c < C; ++c) {
        Slot& out = chain[R - 1][c];
        if (out.valid) {
          const Tile& tl = tiles[static_cast<size_t>(out.tile)];
          for (uint64_t l = 0; l < lanes; ++l)
            if (c * lanes + l < tl.width_elems)
              res.out[tl.m0 + out.row][tl.n0 + c * lanes + l] += out.v[l];
        }
        for (uint64_t r = R - 1; r > 0; --r) chain[r][c] = chain[r - 1][c];
        chain[0][c] = Slot{};
      }
    }
    pe = std::move(next);
    if (accumulating < 0 && draining >= 0 && t + 1 >= drain_start + static_cast<int64_t>(R)) {
      res.cycles = static_cast<uint64_t>(t + 1);
      return res;
    }
    require(t < 1000000, "reference did not terminate");
  }
}

inline Matrix pad(const Matrix& a, size_t rows, size_t cols) {
  Matrix p = zeros(rows, cols);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) p[i][j] = a[i][j];
  return p;
}

inline size_t round_up(size_t v, size_t multiple) {
  return (v + multiple - 1) / multiple * multiple;
}

inline RefResult reference_gemm(const ArrayGeometry& g, uint64_t lanes, const Matrix& A,
                                const Matrix& W) {
  if (g.full_folds) {
    // Charging every fold as a full one is the same array running operands zero-padded to whole
    // folds: the stationary operand to R rows and C x lanes columns, OS outputs to R x C tiles.
    ArrayGeometry plain = g;
    plain.full_folds = false;
    const size_t M = A.size(), K = W.size(), N = W[0].size(), R = g.rows, CL = g.cols * lanes;
    size_t pm = M, pk = K, pn = N;
    switch (g.dataflow) {
      case Dataflow::WeightStationary:
        pk = round_up(K, R), pn = round_up(N, CL);
        break;
      case Dataflow::InputStationary:
        pk = round_up(K, R), pm = round_up(M, CL);
        break;
      case Dataflow::OutputStationary:
        pm = round_up(M, R), pn = round_up(N, CL);
        break;
    }
    RefResult r = reference_gemm(plain, lanes, pad(A, pm, pk), pad(W, pk, pn));
    Matrix out = zeros(M, N);
    for (size_t i = 0; i < M; ++i)
      for (size_t j = 0; j < N; ++j) out[i][j] = r.out[i][j];
    r.out = out;
    return r;
  }
  switch (g.dataflow) {
    case Dataflow::WeightStationary:
      return reference_stationary(g.rows, g.cols, lanes, g.overlap, A, W);
    case Dataflow::InputStationary: {
      RefResult r =
          reference_stationary(g.rows, g.cols, lanes, g.overlap, transpose(W), transpose(A));
      r.out = transpose(r.out);
      return r;
    }
    case Dataflow::OutputStationary:
      return reference_output_stationary(g.rows, g.cols, lanes, g.overlap, g.os_drain, A, W);
  }
  return {};
}

}  // namespace npusim::test
