#include "collector.h"

#include <algorithm>

namespace dynosim {

namespace {

// LSD radix sort of keys with their payload: as few passes of at most 16 bits as the largest key
// needs, the bits shared evenly among them (fewer buckets to clear and scan per pass).
// `keys_tmp`, `payload_tmp`: scratch, reused from call to call.
void radix_sort_by_key(std::vector<uint64_t>& keys, std::vector<uint32_t>& payload, std::vector<uint64_t>& keys_tmp,
                       std::vector<uint32_t>& payload_tmp) {
  const size_t n = keys.size();
  uint64_t max_key = 0;
  for (uint64_t k : keys) max_key = std::max(max_key, k);
  int bits = 0;
  while (bits < 64 && (max_key >> bits) != 0) ++bits;
  if (bits == 0) return;
  const int passes = (bits + 15) / 16, width = (bits + passes - 1) / passes;
  const uint64_t mask = (uint64_t{1} << width) - 1;
  keys_tmp.resize(n);
  payload_tmp.resize(n);
  std::vector<size_t> offsets(size_t{1} << width);
  for (int shift = 0; shift < bits; shift += width) {
    std::fill(offsets.begin(), offsets.end(), 0);
    for (uint64_t k : keys) ++offsets[(k >> shift) & mask];
    size_t sum = 0;
    for (auto& o : offsets) {
      size_t c = o;
      o = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; ++i) {
      size_t dst = offsets[(keys[i] >> shift) & mask]++;
      keys_tmp[dst] = keys[i];
      payload_tmp[dst] = payload[i];
    }
    keys.swap(keys_tmp);
    payload.swap(payload_tmp);
  }
}

}  // namespace

// Sorts the recent runs and merges them into the distinct gaps.
void Collector::fold_gaps() const {
  if (gap_values_.empty()) return;
  radix_sort_by_key(gap_values_, gap_counts_, sort_values_, sort_counts_);
  fold_gaps_.clear();
  fold_counts_.clear();
  const size_t n = gap_values_.size(), d = distinct_gaps_.size();
  for (size_t i = 0, j = 0; i < n || j < d;) {
    const uint64_t gap = j == d || (i < n && gap_values_[i] < distinct_gaps_[j]) ? gap_values_[i] : distinct_gaps_[j];
    uint64_t count = 0;
    for (; j < d && distinct_gaps_[j] == gap; ++j) count += distinct_counts_[j];
    for (; i < n && gap_values_[i] == gap; ++i) count += gap_counts_[i];
    fold_gaps_.push_back(gap);
    fold_counts_.push_back(count);
  }
  distinct_gaps_.swap(fold_gaps_);
  distinct_counts_.swap(fold_counts_);
  gap_values_.clear();
  gap_counts_.clear();
  fold_at_ = std::max(fold_at_, distinct_gaps_.size());
}

bool Collector::count_known_gap(uint64_t g, uint32_t times) {
  const uint64_t* v = distinct_gaps_.data();
  const size_t d = distinct_gaps_.size();
  if (d == 0) return false;
  // A few steps from where the last gap fell, either way; farther off it goes the recent runs'
  // way (a search there cost more than folding saves where gaps rarely repeat, as under AIC).
  constexpr size_t kWalk = 8;
  size_t i = std::min(known_at_, d - 1);
  if (v[i] < g) {
    const size_t end = std::min(d, i + kWalk);
    while (i < end && v[i] < g) ++i;
  } else {
    const size_t end = i >= kWalk ? i - kWalk : 0;
    while (i > end && v[i - 1] >= g) --i;
  }
  if (i == d || v[i] != g) return false;
  known_at_ = i;
  distinct_counts_[i] += times;
  return true;
}

// Places the search of count_known_gap at gap g (the start of a decode run's rising gaps).
void Collector::seek_known_gap(uint64_t g) {
  known_at_ = static_cast<size_t>(std::lower_bound(distinct_gaps_.begin(), distinct_gaps_.end(), g) - distinct_gaps_.begin());
}

void Collector::on_run_tokens(const int32_t* requests, size_t n, const Ns* ends, int32_t count) {
  if (count <= 0 || n == 0) return;
  // Held gaps (a time limit is set) stay per request, and so do requests still before their
  // second token: those take the token-by-token path.
  uint32_t shared = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t r = requests[i];
    if (defer_gaps_ || second_token[r] == kNever) {
      for (int32_t m = 0; m < count; ++m) on_token(r, ends[m]);
      continue;
    }
    // Its gap into the run's first pass is its own (in practice shared: one run of equal gaps).
    record_gap(ends[0] - last_token[r]);
    last_token[r] = ends[count - 1];
    tokens[r] += static_cast<uint32_t>(count);
    ++shared;
  }
  // Every later pass of the run: one gap for all the requests that went in bulk.
  if (shared > 0 && count > 1) {
    seek_known_gap(static_cast<uint64_t>(std::max<Ns>(0, ends[1] - ends[0])));
    for (int32_t m = 1; m < count; ++m) record_gap(ends[m] - ends[m - 1], shared);
  }
}

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

  // Fold the last runs in, then summarise the distinct gaps where they lie. (Folding only moves
  // runs: summaries may be taken again as more gaps come.)
  fold_gaps();
  const std::vector<uint64_t>& values = distinct_gaps_;
  const std::vector<uint64_t>& counts = distinct_counts_;
  // Distinct gaps, ascending, with their total counts: f(ms, count).
  auto each_gap = [&](const auto& f) {
    for (size_t i = 0; i < values.size(); ++i) f(ns_to_ms(static_cast<Ns>(values[i])), counts[i]);
  };
  out.itl = summarize_ascending(each_gap);
  // Per-user output throughput (1000 / gap in ms) ascends as the gaps descend.
  out.otpu = summarize_ascending([&](const auto& f) {
    for (size_t i = values.size(); i > 0; --i) {
      const double ms = ns_to_ms(static_cast<Ns>(values[i - 1]));
      if (ms > 0) f(1000.0 / ms, counts[i - 1]);
    }
  });
  return out;
}

}  // namespace dynosim
