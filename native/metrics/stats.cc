#include "stats.h"

#include <algorithm>
#include <cmath>

namespace dynosim {

Summary summarize(std::vector<std::pair<double, uint64_t>>& samples) {
  Summary s;
  // The pooled ITL arrives sorted (millions of distinct gaps with a non-polynomial model).
  if (!std::is_sorted(samples.begin(), samples.end())) std::sort(samples.begin(), samples.end());
  uint64_t n = 0;
  double sum = 0;
  for (auto& [v, c] : samples) {
    n += c;
    sum += v * static_cast<double>(c);
  }
  if (n == 0) return s;
  s.count = n;
  s.mean = sum / static_cast<double>(n);
  s.min = samples.front().first;
  s.max = samples.back().first;
  double sq = 0;
  for (auto& [v, c] : samples) sq += (v - s.mean) * (v - s.mean) * static_cast<double>(c);
  s.std = std::sqrt(sq / static_cast<double>(n));

  auto at_rank = [&](double p) {
    uint64_t rank = static_cast<uint64_t>(std::round(static_cast<double>(n - 1) * p / 100.0));
    if (rank > n - 1) rank = n - 1;
    uint64_t seen = 0;
    for (auto& [v, c] : samples) {
      seen += c;
      if (rank < seen) return v;
    }
    return samples.back().first;
  };
  s.median = at_rank(50);
  s.p75 = at_rank(75);
  s.p90 = at_rank(90);
  s.p95 = at_rank(95);
  s.p99 = at_rank(99);
  return s;
}

}  // namespace dynosim
