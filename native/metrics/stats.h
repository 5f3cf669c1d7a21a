// Distribution summaries with the reference's definitions: nearest-rank percentiles at
// round((n-1)*p/100) on the sorted samples, population standard deviation.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace dynosim {

struct Summary {
  uint64_t count = 0;
  double mean = 0, min = 0, max = 0, median = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0, std = 0;
};

// Samples as (value, multiplicity) pairs, in any order; the vector is sorted in place.
Summary summarize(std::vector<std::pair<double, uint64_t>>& samples);

}  // namespace dynosim
