#include "policy_queue.h"

#include <algorithm>
#include <stdexcept>

#include "../common/invariants.h"

namespace dynosim {

int32_t RouterPolicy::classify(int64_t uncached_tokens) const {
  if (bucket_min_tokens.empty()) return 0;
  // partition_point(min_tokens <= uncached) − 1; the first bucket starts at 0.
  const auto it = std::upper_bound(bucket_min_tokens.begin(), bucket_min_tokens.end(), uncached_tokens);
  const size_t bucket = it == bucket_min_tokens.begin() ? 0 : static_cast<size_t>(it - bucket_min_tokens.begin()) - 1;
  return bucket_class[bucket];
}

PolicyQueue::PolicyQueue(std::vector<PolicyClass> classes) {
  for (PolicyClass& c : classes) classes_.push_back(Class{std::move(c), {}, 0, 0, 0, 0});
}

bool PolicyQueue::before(const QueuedRequest& a, const QueuedRequest& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.seq > b.seq;
}

void PolicyQueue::enqueue(int32_t c, int64_t targets, QueuedRequest q, Ns now) {
  Class& k = classes_[c];
  // queue_rejection: limits scale with the routable targets and compare the usage before adding.
  const struct {
    const char* kind;
    int64_t current, per_target;
  } limits[] = {{"requests", k.requests, k.config.request_limit},
                {"raw_isl_tokens", k.raw_isl, k.config.raw_isl_limit},
                {"cached_tokens", k.cached, k.config.cached_limit}};
  for (const auto& l : limits) {
    if (l.per_target < 0) continue;
    const int64_t limit = l.per_target * targets;
    if (l.current >= limit)
      throw std::runtime_error("router policy class \"" + k.config.name + "\" queue " + l.kind + " limit reached (current=" +
                               std::to_string(l.current) + ", limit=" + std::to_string(limit) + ")");
  }
  // make_entry's policy score (no priority jumps: dynosim's requests carry none).
  const double arrival_s = static_cast<double>(now) / 1e6 / 1000.0;
  switch (k.config.policy) {
    case QueuePolicy::Fcfs: q.score = -arrival_s; break;
    case QueuePolicy::Lcfs: q.score = arrival_s; break;
    case QueuePolicy::Wspt: q.score = 1.0 / static_cast<double>(q.cost); break;
  }
  q.seq = next_seq_++;
  ++k.requests;
  k.raw_isl += q.raw_isl;
  k.cached += q.cached;
  k.heap.push_back(std::move(q));
  std::push_heap(k.heap.begin(), k.heap.end(), before);
  ++pending_;
}

void PolicyQueue::take(int32_t c, QueuedRequest& out) {
  const int32_t n = static_cast<int32_t>(classes_.size());
  round_cursor_ = (c + 1) % n;
  Class& k = classes_[c];
  std::pop_heap(k.heap.begin(), k.heap.end(), before);
  out = std::move(k.heap.back());
  k.heap.pop_back();
  k.deficit = std::max<int64_t>(0, k.deficit - out.cost);
  --k.requests;
  k.raw_isl -= out.raw_isl;
  k.cached -= out.cached;
  --pending_;
  DYNOSIM_INVARIANT(k.requests == static_cast<int64_t>(k.heap.size()) && k.raw_isl >= 0 && k.cached >= 0,
                    "router policy queue: class counts disagree with its queue");
  if (k.heap.empty()) k.deficit = 0;
  else carry_ = k.deficit > 0 ? c : -1;
}

}  // namespace dynosim
