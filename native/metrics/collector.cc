#include "collector.h"

#include <algorithm>

namespace dynosim {

Collector::Collector(int32_t n)
    : arrival(n, kNever),
      first_admit(n, kNever),
      first_token(n, kNever),
      second_token(n, kNever),
      last_token(n, kNever),
      tokens(n, 0),
      reused_max(n, 0),
      first_reused(n, 0),
      outcome(n, Outcome::Incomplete) {}

Collector::Summaries Collector::summarize_all() const {
  Summaries out;
  std::vector<std::pair<double, uint64_t>> ttft, ttst, tpot, e2e;
  for (size_t r = 0; r < arrival.size(); ++r) {
    if (outcome[r] != Outcome::Completed || tokens[r] == 0) continue;
    ttft.emplace_back(ns_to_ms(first_token[r] - arrival[r]), 1);
    e2e.emplace_back(ns_to_ms(last_token[r] - arrival[r]), 1);
    if (tokens[r] >= 2) {
      ttst.emplace_back(ns_to_ms(second_token[r] - first_token[r]), 1);
      tpot.emplace_back(ns_to_ms(last_token[r] - first_token[r]) / static_cast<double>(tokens[r] - 1), 1);
    }
  }
  out.ttft = summarize(ttft);
  out.ttst = summarize(ttst);
  out.tpot = summarize(tpot);
  out.e2e = summarize(e2e);

  // Merge equal gaps first: runs repeat across passes of the same shape.
  std::vector<std::pair<Ns, uint64_t>> merged(gaps_);
  std::sort(merged.begin(), merged.end());
  std::vector<std::pair<double, uint64_t>> itl, otpu;
  for (size_t i = 0; i < merged.size();) {
    Ns gap = merged[i].first;
    uint64_t count = 0;
    for (; i < merged.size() && merged[i].first == gap; ++i) count += merged[i].second;
    double ms = ns_to_ms(gap);
    itl.emplace_back(ms, count);
    if (ms > 0) otpu.emplace_back(1000.0 / ms, count);
  }
  out.itl = summarize(itl);
  out.otpu = summarize(otpu);
  return out;
}

}  // namespace dynosim
