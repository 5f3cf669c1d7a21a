// Distribution summaries with the reference's definitions: nearest-rank percentiles at
// round((n-1)*p/100) on the sorted samples, population standard deviation.
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace dynosim {

struct Summary {
  uint64_t count = 0;
  double mean = 0, min = 0, max = 0, median = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0, std = 0;
};

// Samples as (value, multiplicity) pairs visited in ascending order of value: `for_each(f)` calls
// f(value, count) for each. Three passes (sums, squared deviations, ranks), so the samples need
// not be materialised: millions of pooled inter-token gaps are summarised where they lie.
template <class ForEach>
Summary summarize_ascending(const ForEach& for_each) {
  Summary s;
  uint64_t n = 0;
  double sum = 0;
  for_each([&](double v, uint64_t c) {
    if (n == 0) s.min = v;
    s.max = v;
    n += c;
    sum += v * static_cast<double>(c);
  });
  if (n == 0) return s;
  s.count = n;
  s.mean = sum / static_cast<double>(n);
  double sq = 0;
  for_each([&](double v, uint64_t c) { sq += (v - s.mean) * (v - s.mean) * static_cast<double>(c); });
  s.std = std::sqrt(sq / static_cast<double>(n));

  const double percents[5] = {50, 75, 90, 95, 99};
  double* outs[5] = {&s.median, &s.p75, &s.p90, &s.p95, &s.p99};
  uint64_t ranks[5];
  for (int k = 0; k < 5; ++k) {
    ranks[k] = static_cast<uint64_t>(std::round(static_cast<double>(n - 1) * percents[k] / 100.0));
    if (ranks[k] > n - 1) ranks[k] = n - 1;
  }
  int next = 0;
  uint64_t seen = 0;
  for_each([&](double v, uint64_t c) {
    seen += c;
    for (; next < 5 && ranks[next] < seen; ++next) *outs[next] = v;
  });
  return s;
}

// Samples as (value, multiplicity) pairs, in any order; the vector is sorted in place.
Summary summarize(std::vector<std::pair<double, uint64_t>>& samples);

}  // namespace dynosim
