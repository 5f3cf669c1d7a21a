// A ragged nested lookup table (attention, all-reduce and quantisation tables of AIC's perf
// database) and AIC's grid resolver over it: an exact key collapses a level, otherwise the two
// bracketing keys are blended (linearly, or in sqrt space along one chosen axis); a bracket branch
// that has no data is replaced by its surviving neighbour scaled by the speed-of-light ratio; a
// query outside the collected range snaps the outer axes to their nearest keys and holds the
// boundary point's utilisation (speed of light / measured latency).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace dynosim {

struct GridTable {
  // depth levels; node 0 is the root. Node i owns keys[start[i] .. start[i] + count[i]), sorted
  // ascending; rank[] is each key's position in the original (file) order, used to break ties
  // when snapping an outer axis to its nearest key. child[] points to the next level's node, or
  // at the last level into values[].
  int depth = 0;
  std::vector<int32_t> start, count;
  std::vector<double> keys, rank;
  std::vector<int32_t> child;
  std::vector<double> values;
  // values[child[i]] for every last-level key i (parallel to keys; 0 elsewhere), so the hot path
  // reads a leaf without the indirection. Filled by finalize().
  std::vector<double> leaf;

  bool empty() const { return start.empty() || count[0] == 0; }

  // Call once the arrays are set and checked (depth, tree shape).
  void finalize() {
    leaf.assign(keys.size(), 0.0);
    std::vector<int32_t> frontier{0};
    for (int level = 0; level < depth; ++level) {
      std::vector<int32_t> next;
      for (int32_t node : frontier)
        for (int32_t j = start[node]; j < start[node] + count[node]; ++j) {
          if (level + 1 == depth) leaf[j] = values[child[j]];
          else next.push_back(child[j]);
        }
      frontier.swap(next);
    }
  }
};

// Outcome of one grid resolution. `ok` false means the table cannot anchor the query.
struct GridResult {
  double value = 0.0;
  bool ok = false;
};

namespace grid_detail {

enum class Status : uint8_t { Ok, OutOfRange, Miss };

constexpr int kMaxDepth = 4;

template <int D, typename Sol>
struct Resolver {
  const GridTable& t;
  const double* coords;
  int sqrt_axis;  // blend in sqrt space along this axis (-1: never)
  const Sol& sol;

  Status interior(int32_t node, int level, double* out) const {
    if (level == D) {
      *out = t.values[node];  // `node` is a value index here
      return Status::Ok;
    }
    const int32_t n = t.count[node];
    if (n == 0) return Status::Miss;
    const double* k = t.keys.data() + t.start[node];
    const double c = coords[level];
    const double* pos = std::lower_bound(k, k + n, c);
    const int32_t i = static_cast<int32_t>(pos - k);
    if (i < n && k[i] == c) return interior(t.child[t.start[node] + i], level + 1, out);
    if (i == 0 || i == n) return Status::OutOfRange;
    double lat[2];
    bool have[2];
    bool out_of_range = false;
    for (int side = 0; side < 2; ++side) {
      Status s = interior(t.child[t.start[node] + i - 1 + side], level + 1, &lat[side]);
      have[side] = s == Status::Ok;
      if (s == Status::OutOfRange) out_of_range = true;
    }
    if (!have[0] && !have[1]) return out_of_range ? Status::OutOfRange : Status::Miss;
    if (have[0] != have[1]) {
      // One bracket branch has no data: keep the survivor and carry it across this axis by the
      // speed-of-light ratio (its utilisation is held).
      const int side = have[0] ? 0 : 1;
      double snapped[D];
      for (int j = 0; j < D; ++j) snapped[j] = coords[j];
      snapped[level] = k[i - 1 + side];
      const double sol_q = sol(coords), sol_s = sol(snapped);
      if (std::isfinite(sol_q) && std::isfinite(sol_s) && sol_q > 0 && sol_s > 0)
        *out = lat[side] * (sol_q / sol_s);
      else
        *out = lat[side];
      return Status::Ok;
    }
    const double lo = k[i - 1], hi = k[i];
    const double w = (c - lo) / (hi - lo);
    if (level == sqrt_axis) {
      const double a = lat[0] > 0 ? std::sqrt(lat[0]) : 0.0;
      const double b = lat[1] > 0 ? std::sqrt(lat[1]) : 0.0;
      const double v = a + (b - a) * w;
      *out = v * v;
    } else {
      *out = lat[0] + (lat[1] - lat[0]) * w;
    }
    return Status::Ok;
  }

  // Nearest key of a node; ties go to the key that came first in the file (outer axes) or to
  // the smaller key (innermost axis, searched in sorted order).
  int32_t nearest(int32_t node, double c, bool by_rank) const {
    const int32_t n = t.count[node];
    const int32_t s = t.start[node];
    int32_t best = 0;
    double best_d = std::fabs(t.keys[s] - c);
    for (int32_t j = 1; j < n; ++j) {
      const double d = std::fabs(t.keys[s + j] - c);
      if (d < best_d || (by_rank && d == best_d && t.rank[s + j] < t.rank[s + best])) {
        best = j;
        best_d = d;
      }
    }
    return best;
  }

  GridResult hold() const {
    GridResult r;
    double snapped[D];
    int32_t node = 0;
    for (int level = 0; level + 1 < D; ++level) {
      if (t.count[node] == 0) return r;
      const int32_t j = nearest(node, coords[level], true);
      snapped[level] = t.keys[t.start[node] + j];
      node = t.child[t.start[node] + j];
    }
    const int32_t n = t.count[node];
    if (n == 0) return r;
    const int32_t s = t.start[node];
    const double c = coords[D - 1];
    int32_t j;
    if (c > t.keys[s + n - 1]) j = n - 1;
    else if (c < t.keys[s]) j = 0;
    else j = nearest(node, c, false);
    snapped[D - 1] = t.keys[s + j];
    const double lat = t.values[t.child[s + j]];
    const double sol_anchor = sol(snapped);
    if (!(lat > 0 && sol_anchor > 0)) return r;
    const double sol_q = sol(coords);
    if (!(sol_q > 0)) return r;
    r.value = sol_q / (sol_anchor / lat);
    r.ok = true;
    return r;
  }
};

}  // namespace grid_detail

// Resolves `coords` (D values; the table must have depth D) on the table. `sol(const double*
// coords)` is the op's speed of light at a table point.
template <int D, typename Sol>
GridResult grid_query(const GridTable& t, const double* coords, int sqrt_axis, const Sol& sol) {
  static_assert(D >= 1 && D <= grid_detail::kMaxDepth, "grid depth");
  GridResult r;
  if (t.empty() || t.depth != D) return r;
  grid_detail::Resolver<D, Sol> res{t, coords, sqrt_axis, sol};
  double v = 0.0;
  grid_detail::Status s = res.interior(0, 0, &v);
  if (s == grid_detail::Status::Ok) {
    r.value = v;
    r.ok = true;
    return r;
  }
  if (s == grid_detail::Status::OutOfRange) return res.hold();
  return r;
}

}  // namespace dynosim
