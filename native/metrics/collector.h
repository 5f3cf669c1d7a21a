// Per-request timeline (arrival, admissions, token times) and the pooled inter-token gaps, from
// which the report's distributions are computed. Gaps are kept run-length encoded (the requests
// of one decode pass mostly share the same gap) and folded, as they accumulate, into a sorted list
// of distinct gaps with their counts: decode passes differ in length as their context grows, but
// an hour-long trace has some 10^5 distinct gaps among millions of passes.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "../common/types.h"
#include "stats.h"

namespace dynosim {

enum class Outcome : uint8_t { Incomplete = 0, Completed = 1, Rejected = 2 };

class Collector {
 public:
  // With `defer_gaps`, a request's gaps are held until it completes, so a run cut short by
  // --max-sim-time-seconds pools only completed requests' gaps, as the reference does.
  Collector(int32_t num_requests, bool defer_gaps);

  void on_arrival(int32_t r, Ns t) { arrival[r] = t; }
  // Aggregated admissions, or the prefill side's in disaggregated replay.
  void on_admit(int32_t r, Ns t, uint32_t reused) {
    if (first_admit[r] == kNever) {
      first_admit[r] = t;
      first_reused[r] = reused;
    }
    if (reused > reused_max[r]) reused_max[r] = reused;
    if (detail_) admissions.push_back(Admission{t, r, reused, decode_admit.empty() ? kPoolAgg : kPoolPrefill});
  }
  void on_token(int32_t r, Ns t) {
    Ns last = last_token[r];
    if (last == kNever) {
      first_token[r] = t;
    } else {
      if (second_token[r] == kNever) second_token[r] = t;
      if (defer_gaps_) held_gaps_[r].push_back(t - last);
      else record_gap(t - last);
    }
    last_token[r] = t;
    ++tokens[r];
  }
  // A decode run of `count` passes ending at `ends[0..count)`: each of the `n` requests emits one
  // token per pass, pass by pass. The same as on_token(r, ends[m]) for every m and r in that order,
  // with each pass's gap recorded once, counted for every request that shares it.
  void on_run_tokens(const int32_t* requests, size_t n, const Ns* ends, int32_t count);
  // Disaggregated replay: the decode side's admission, and the KV hand-off milestones.
  void on_decode_admit(int32_t r, Ns t) {
    if (decode_admit[r] == kNever) decode_admit[r] = t;
    if (detail_) admissions.push_back(Admission{t, r, decode_reused[r], kPoolDecode});
  }
  void enable_handoff_timeline(int32_t n) {
    decode_admit.assign(n, kNever);
    source_held.assign(n, kNever);
    destination_reserved.assign(n, kNever);
    destination_activated.assign(n, kNever);
    prefill_worker.assign(n, -1);
    decode_reused.assign(n, 0);
  }

  void on_complete(int32_t r) {
    outcome[r] = Outcome::Completed;
    if (!defer_gaps_) return;
    for (Ns gap : held_gaps_[r]) record_gap(gap);
    std::vector<Ns>().swap(held_gaps_[r]);
  }
  void on_reject(int32_t r) { outcome[r] = Outcome::Rejected; }

  // Per-request detail for the per-request records (--report-jsonl), recorded only when asked
  // for: when each request ended, each routing decision (queued or immediate, released when,
  // overlap reported), and every admission in order (re-admissions after preemption included).
  static constexpr uint8_t kPoolAgg = 0, kPoolPrefill = 1, kPoolDecode = 2;
  struct Admission {
    Ns at;
    int32_t r;
    uint32_t reused;
    uint8_t pool;
  };
  void enable_detail(int32_t n, int32_t pools) {
    detail_ = true;
    terminal.assign(n, kNever);
    route_queued.assign(static_cast<size_t>(pools) * n, kNever);
    routed.assign(static_cast<size_t>(pools) * n, kNever);
    route_overlap.assign(static_cast<size_t>(pools) * n, 0);
  }
  bool detail() const { return detail_; }
  void on_terminal(int32_t r, Ns t) {
    if (detail_ && terminal[r] == kNever) terminal[r] = t;
  }
  void on_route_queued(int32_t pool, int32_t r, Ns t) {
    if (detail_) route_queued[static_cast<size_t>(pool) * arrival.size() + r] = t;
  }
  void on_routed(int32_t pool, int32_t r, Ns t, uint32_t overlap_tokens) {
    if (!detail_) return;
    const size_t i = static_cast<size_t>(pool) * arrival.size() + r;
    routed[i] = t;
    route_overlap[i] = overlap_tokens;
  }

  struct Summaries {
    Summary ttft, ttst, tpot, itl, e2e, otpu;
  };
  Summaries summarize_all() const;

  std::vector<Ns> arrival, first_admit, first_token, second_token, last_token;
  std::vector<uint32_t> tokens, reused_max, first_reused;
  std::vector<Outcome> outcome;
  // Disaggregated replay only (empty otherwise).
  std::vector<Ns> decode_admit, source_held, destination_reserved, destination_activated;
  std::vector<int32_t> prefill_worker;
  std::vector<uint32_t> decode_reused;
  // Detail (empty unless enable_detail): per request; per pool × request (pool-major).
  std::vector<Ns> terminal, route_queued, routed;
  std::vector<uint32_t> route_overlap;
  std::vector<Admission> admissions;

 private:
  bool detail_ = false;
  void record_gap(Ns gap, uint32_t times = 1) {
    uint64_t g = gap < 0 ? 0 : static_cast<uint64_t>(gap);
    if (!gap_values_.empty() && gap_values_.back() == g && gap_counts_.back() <= UINT32_MAX - times) {
      gap_counts_.back() += times;
    } else if (!count_known_gap(g, times)) {
      if (gap_values_.size() >= fold_at_) fold_gaps();
      gap_values_.push_back(g);
      gap_counts_.push_back(times);
    }
  }
  void fold_gaps() const;
  // A gap already among the distinct ones is counted there at once: pass durations come back
  // again and again (the conversation trace's 2.8 M gaps take 144 K distinct values), so most
  // gaps never enter the recent runs, and folds (sort and merge) become rare. A decode run's gaps
  // rise pass by pass: its first is looked up (seek_known_gap), the others a few values on.
  bool count_known_gap(uint64_t g, uint32_t times);
  void seek_known_gap(uint64_t g);
  bool defer_gaps_;
  std::vector<std::vector<Ns>> held_gaps_;
  // Recent inter-token gaps in ns, run-length encoded in emission order…
  mutable std::vector<uint64_t> gap_values_;
  mutable std::vector<uint32_t> gap_counts_;
  // …and the earlier ones: distinct gaps ascending, with their counts. Folding costs time in
  // proportion to both lists, so it waits until the recent runs are as many as the distinct gaps.
  mutable std::vector<uint64_t> distinct_gaps_, distinct_counts_;
  mutable size_t fold_at_ = size_t{1} << 16;
  size_t known_at_ = 0;  // where the last count_known_gap search ended
  // Scratch of the folds, kept to reuse its memory.
  mutable std::vector<uint64_t> fold_gaps_, fold_counts_, sort_values_;
  mutable std::vector<uint32_t> sort_counts_;
};

}  // namespace dynosim
