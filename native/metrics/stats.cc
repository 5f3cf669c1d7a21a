#include "stats.h"

#include <algorithm>

namespace dynosim {

Summary summarize(std::vector<std::pair<double, uint64_t>>& samples) {
  if (!std::is_sorted(samples.begin(), samples.end())) std::sort(samples.begin(), samples.end());
  return summarize_ascending([&](const auto& f) {
    for (const auto& [v, c] : samples) f(v, c);
  });
}

}  // namespace dynosim
