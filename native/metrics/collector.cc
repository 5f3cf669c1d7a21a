#include "collector.h"

#include <algorithm>

namespace dynosim {

namespace {

// LSD radix sort of keys with their payload, 16 bits per pass, only as many passes as the
// largest key needs.
void radix_sort_by_key(std::vector<uint64_t>& keys, std::vector<uint32_t>& payload) {
  const size_t n = keys.size();
  uint64_t max_key = 0;
  for (uint64_t k : keys) max_key = std::max(max_key, k);
  std::vector<uint64_t> keys_tmp(n);
  std::vector<uint32_t> payload_tmp(n);
  std::vector<size_t> offsets(1 << 16);
  for (int shift = 0; shift < 64 && (max_key >> shift) != 0; shift += 16) {
    std::fill(offsets.begin(), offsets.end(), 0);
    for (uint64_t k : keys) ++offsets[(k >> shift) & 0xffff];
    size_t sum = 0;
    for (auto& o : offsets) {
      size_t c = o;
      o = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; ++i) {
      size_t dst = offsets[(keys[i] >> shift) & 0xffff]++;
      keys_tmp[dst] = keys[i];
      payload_tmp[dst] = payload[i];
    }
    keys.swap(keys_tmp);
    payload.swap(payload_tmp);
  }
}

}  // namespace

Collector::Collector(int32_t n, bool defer_gaps)
    : arrival(n, kNever),
      first_admit(n, kNever),
      first_token(n, kNever),
      second_token(n, kNever),
      last_token(n, kNever),
      tokens(n, 0),
      reused_max(n, 0),
      first_reused(n, 0),
      outcome(n, Outcome::Incomplete),
      defer_gaps_(defer_gaps),
      held_gaps_(defer_gaps ? n : 0) {}

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

  // Sort the runs by gap (radix: there are millions), then summarise them where they lie, equal
  // gaps merged. In place: the runs are only read from here on, and sorted runs are still runs.
  std::vector<uint64_t>& values = gap_values_;
  std::vector<uint32_t>& counts = gap_counts_;
  radix_sort_by_key(values, counts);
  // Distinct gaps, ascending, with their total counts: f(ms, count).
  auto each_gap = [&](const auto& f) {
    for (size_t i = 0; i < values.size();) {
      const uint64_t gap = values[i];
      uint64_t count = 0;
      for (; i < values.size() && values[i] == gap; ++i) count += counts[i];
      f(ns_to_ms(static_cast<Ns>(gap)), count);
    }
  };
  out.itl = summarize_ascending(each_gap);
  // Per-user output throughput (1000 / gap in ms) ascends as the gaps descend.
  out.otpu = summarize_ascending([&](const auto& f) {
    for (size_t end = values.size(); end > 0;) {
      const uint64_t gap = values[end - 1];
      uint64_t count = 0;
      for (; end > 0 && values[end - 1] == gap; --end) count += counts[end - 1];
      const double ms = ns_to_ms(static_cast<Ns>(gap));
      if (ms > 0) f(1000.0 / ms, count);
    }
  });
  return out;
}

}  // namespace dynosim
