// The KV router's queue: one queue per policy class, served by deficit round robin
// (lib/kv-router/src/scheduling/policy_queue.rs, PolicyQueue). Each class orders its own requests
// (fcfs: earliest arrival; lcfs: latest; wspt: fewest uncached prompt tokens; equal keys: the
// earlier enqueued), caps how much may wait per routable worker, and earns `quantum` tokens of
// credit per DRR round, spent on the scheduling cost (uncached prompt tokens, at least 1) of the
// requests it releases. Without a policy file there is one class: router_queue_threshold and
// router_queue_policy (PolicyProfile::synthetic).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../common/types.h"

namespace dynosim {

enum class QueuePolicy : uint8_t { Fcfs, Lcfs, Wspt };

// One class of a policy profile (PolicyClassConfig). Negative = not set.
struct PolicyClass {
  std::string name = "default";
  QueuePolicy policy = QueuePolicy::Fcfs;
  int64_t quantum = 1;
  int64_t busy_tokens = -1;        // prefill_busy_threshold: busy above this many active prefill tokens
  double busy_frac = -1;           // prefill_busy_threshold_frac: busy above this × max_num_batched_tokens
  double busy_worker_ratio = -1;   // the pool is busy once this share of eligible targets is (else: all)
  int64_t request_limit = -1;      // per routable target, checked before adding (the crossing one enters)
  int64_t raw_isl_limit = -1;
  int64_t cached_limit = -1;

  bool queueing() const { return busy_tokens >= 0 || busy_frac >= 0; }
  bool target_busy(int64_t active_tokens, int64_t max_num_batched_tokens) const {
    if (busy_tokens >= 0 && active_tokens > busy_tokens) return true;
    return busy_frac >= 0 && max_num_batched_tokens > 0 &&
           static_cast<double>(active_tokens) > busy_frac * static_cast<double>(max_num_batched_tokens);
  }
  // PolicyClassConfig::pool_is_busy over `eligible` targets (none eligible: busy, so requests wait).
  bool pool_busy(int64_t busy, int64_t eligible) const {
    if (eligible == 0) return true;
    if (busy_worker_ratio < 0) return busy == eligible;
    return static_cast<double>(busy) >= busy_worker_ratio * static_cast<double>(eligible);
  }
};

// A policy profile: its classes and, for requests of its default policy family, the class of each
// uncached-ISL bucket (FamilyBucketClassifier). Empty: the synthetic single class.
struct RouterPolicy {
  std::vector<PolicyClass> classes;
  std::vector<int64_t> bucket_min_tokens;  // strictly increasing from 0
  std::vector<int32_t> bucket_class;

  int32_t classify(int64_t uncached_tokens) const;
};

struct QueuedRequest {
  int32_t r = -1;
  std::vector<int32_t> overlap;  // cached prefix per target when it arrived
  int64_t raw_isl = 0, cached = 0;
  int64_t cost = 1;              // scheduling_cost_tokens: uncached prompt tokens, at least 1
  double score = 0;              // higher first
  uint64_t seq = 0;
};

class PolicyQueue {
 public:
  explicit PolicyQueue(std::vector<PolicyClass> classes);

  const PolicyClass& cls(int32_t c) const { return classes_[c].config; }
  size_t size() const { return pending_; }
  bool has_backlog(int32_t c) const { return !classes_[c].heap.empty(); }

  // Queues `q` in class c at `now`, or throws the reference's QueueRejection message when a limit
  // (per target × `targets`) is already reached: the reference's offline replay stops there.
  void enqueue(int32_t c, int64_t targets, QueuedRequest q, Ns now);
  // PolicyQueue::pop_next: one DRR pass over the classes whose head may be dispatched now.
  template <class Dispatchable>
  bool pop_next(Dispatchable dispatchable, QueuedRequest& out);

 private:
  struct Class {
    PolicyClass config;
    std::vector<QueuedRequest> heap;
    int64_t requests = 0, raw_isl = 0, cached = 0;
    int64_t deficit = 0;
  };
  static bool before(const QueuedRequest& a, const QueuedRequest& b);  // heap: a pops after b
  void take(int32_t c, QueuedRequest& out);

  std::vector<Class> classes_;
  std::vector<int64_t> candidate_cost_;  // pop_next's scratch: head cost per class, -1 = none
  int32_t round_cursor_ = 0;
  int32_t carry_ = -1;
  uint64_t next_seq_ = 0;
  size_t pending_ = 0;
};

template <class Dispatchable>
bool PolicyQueue::pop_next(Dispatchable dispatchable, QueuedRequest& out) {
  const int32_t n = static_cast<int32_t>(classes_.size());
  if (pending_ == 0) {
    carry_ = -1;
    return false;
  }
  candidate_cost_.assign(n, -1);
  auto candidate = [&](int32_t c) -> int64_t {
    Class& k = classes_[c];
    return !k.heap.empty() && dispatchable(c) ? k.heap.front().cost : -1;
  };
  const int32_t carried = carry_;
  carry_ = -1;
  if (carried >= 0) {
    Class& k = classes_[carried];
    const int64_t cost = candidate(carried);
    if (cost >= 0 && cost <= k.deficit) return take(carried, out), true;
    candidate_cost_[carried] = cost;
    if (k.heap.empty()) k.deficit = 0;
  }
  for (int32_t off = 0; off < n; ++off) {
    // The starting class rotates, so the order of the classes is no lasting preference.
    const int32_t c = (round_cursor_ + off) % n;
    Class& k = classes_[c];
    const int64_t cost = c == carried ? candidate_cost_[c] : candidate(c);
    if (cost < 0) {
      if (k.heap.empty()) k.deficit = 0;
      continue;
    }
    candidate_cost_[c] = cost;
    if (cost <= k.deficit) return take(c, out), true;
    k.deficit += k.config.quantum;  // granted per ring round, not per request
    if (cost <= k.deficit) return take(c, out), true;
  }
  // Fast-forward the fewest whole rounds that let some dispatchable head go.
  int64_t rounds = -1;
  for (int32_t c = 0; c < n; ++c) {
    if (candidate_cost_[c] < 0) continue;
    const Class& k = classes_[c];
    const int64_t missing = candidate_cost_[c] > k.deficit ? candidate_cost_[c] - k.deficit : 0;
    const int64_t need = (missing + k.config.quantum - 1) / k.config.quantum;
    if (rounds < 0 || need < rounds) rounds = need;
  }
  if (rounds < 0) return false;  // every head is blocked
  for (int32_t c = 0; c < n; ++c)
    if (candidate_cost_[c] >= 0) classes_[c].deficit += classes_[c].config.quantum * rounds;
  for (int32_t off = 0; off < n; ++off) {
    const int32_t c = (round_cursor_ + off) % n;
    if (candidate_cost_[c] >= 0 && candidate_cost_[c] <= classes_[c].deficit) return take(c, out), true;
  }
  return false;
}

}  // namespace dynosim
