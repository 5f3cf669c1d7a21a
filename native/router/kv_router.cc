#include "kv_router.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynosim {

namespace {
// KvRouterConfig::router_queue_recheck_interval with a prefill-load model and a queue threshold.
constexpr Ns kPrefillLoadRecheck = 100'000'000;

// The policy profile's classes, or PolicyProfile::synthetic: one class queueing above
// router_queue_threshold × max_num_batched_tokens with router_queue_policy.
std::vector<PolicyClass> policy_classes(const RouterConfig& c) {
  if (!c.policy.classes.empty()) return c.policy.classes;
  PolicyClass one;
  one.policy = c.queue_policy;
  one.busy_frac = c.queue_threshold;  // < 0: no queueing
  return {one};
}
}  // namespace

KvRouter::KvRouter(const RouterConfig& config, int32_t num_targets, int32_t block_size,
                   int64_t max_num_batched_tokens, const RequestTable& requests, OverlapIndex& index,
                   TrafficAccumulator& traffic)
    : cfg_(config),
      routed_(config.use_kv_events ? nullptr
                                   : std::make_unique<RoutedBlocks>(index, config.ttl, config.max_tree_size,
                                                                    config.prune_target_ratio)),
      block_size_(block_size),
      max_num_batched_tokens_(max_num_batched_tokens),
      req_(requests),
      index_(index),
      traffic_(traffic),
      targets_(num_targets),
      in_prefill_(requests.size(), 0),
      target_of_(requests.size(), -1),
      overlap_tokens_(requests.size(), 0),
      queue_(policy_classes(config)),
      rng_(config.seed) {
  if (config.predicted_ttl >= 0) {
    side_index_ = std::make_unique<OverlapIndex>(num_targets);
    side_ = std::make_unique<RoutedBlocks>(*side_index_, config.predicted_ttl, std::numeric_limits<int64_t>::max(), 1.0);
  }
}

// The blocks a request adds to its target's decode load: its full prompt blocks only
// (KvRouterConfig::compute_seq_hashes_for_tracking hashes tokens / block_size blocks), private
// ones unless the router assumes KV reuse.
const BlockHash* KvRouter::router_blocks(int32_t r) {
  if (cfg_.assume_kv_reuse) return req_.prompt_ids(r);
  const int32_t full = req_.full_prompt_blocks(r);
  ids_.resize(full);
  for (int32_t i = 0; i < full; ++i) ids_[i] = unique_block_id(r, i);
  return ids_.data();
}

void KvRouter::add_target() {
  if (routed_) routed_->add_target();
  if (side_) {
    side_index_->add_target();
    side_->add_target();
  }
  targets_.emplace_back();
  targets_.back().eligible = false;
}

void KvRouter::remove_target(int32_t target) {
  targets_[target] = Target();
  targets_[target].eligible = false;
  index_.remove_target(target);
  if (routed_) routed_->forget_target(target);
  if (side_) {
    side_index_->remove_target(target);
    side_->forget_target(target);
  }
}

int64_t KvRouter::eligible_targets() const {
  int64_t n = 0;
  for (const auto& t : targets_) n += t.eligible ? 1 : 0;
  return n;
}

// all_workers_busy_with / PolicyClassConfig::pool_is_busy: a target is busy when its prefill
// backlog is over the class's threshold; with no eligible target the pool counts as busy.
bool KvRouter::pool_busy(int32_t c, Ns now) const {
  const PolicyClass& cls = queue_.cls(c);
  int64_t eligible = 0, busy = 0;
  for (const auto& t : targets_) {
    if (!t.eligible) continue;
    ++eligible;
    if (cls.queueing() && cls.target_busy(t.prefill.active_tokens(now), max_num_batched_tokens_)) ++busy;
  }
  return cls.pool_busy(busy, eligible);
}

// The prefill-load model's prediction for one request (batch of one, `cached` prompt tokens
// already computed), or PrefillLoad::kUnmodeled.
Ns KvRouter::predicted_prefill(int64_t isl, int64_t cached) const {
  if (!cfg_.prefill_load_model) return PrefillLoad::kUnmodeled;
  const double ms = cfg_.prefill_load_model->prefill_ms(1, isl, cached);
  if (!(std::isfinite(ms) && ms >= 0)) return PrefillLoad::kUnmodeled;
  return ms_to_ns(std::min(ms, 1e12));  // past 30 years it decays nothing anyway
}

int32_t KvRouter::select(int32_t r, const std::vector<int32_t>& overlap, Ns now) {
  const int32_t n = static_cast<int32_t>(targets_.size());
  const double isl = req_.input_len(r);
  const double B = block_size_;
  const int32_t full = req_.full_prompt_blocks(r);
  const BlockHash* ids = cfg_.track_active_blocks ? router_blocks(r) : nullptr;
  logits_.assign(n, std::numeric_limits<double>::infinity());
  backlog_.assign(n, 0);
  int64_t min_active = std::numeric_limits<int64_t>::max();
  for (int32_t t = 0; t < n; ++t) {
    if (!targets_[t].eligible || !cfg_.track_prefill_tokens) continue;
    backlog_[t] = targets_[t].prefill.active_tokens(now);
    min_active = std::min(min_active, backlog_[t]);
  }
  const bool decays = cfg_.track_prefill_tokens && cfg_.overlap_score_credit_decay > 0;
  const double request_blocks = std::ceil(isl / B);
  for (int32_t t = 0; t < n; ++t) {
    const Target& tg = targets_[t];
    if (!tg.eligible) continue;
    // DefaultWorkerScorer::worker_logit: raw prefill blocks = (active + prompt) / B, less the
    // credited cached blocks; untracked prefill tokens count nothing.
    const double raw = cfg_.track_prefill_tokens ? (static_cast<double>(backlog_[t]) + isl) / B : 0.0;
    double credit = cfg_.overlap_score_credit;
    if (decays) credit /= 1.0 + cfg_.overlap_score_credit_decay * (static_cast<double>(backlog_[t] - min_active) / B) / request_blocks;
    const double prefill_blocks = std::max(0.0, raw - credit * overlap_on(overlap, t));
    double decode_blocks = 0;
    // r adds the blocks it does not share with the target's live requests.
    if (cfg_.track_active_blocks) decode_blocks = static_cast<double>(tg.live_blocks.size() + full - tg.live_blocks.held(ids, full));
    logits_[t] = cfg_.prefill_load_scale * prefill_blocks + decode_blocks +
                 cfg_.decode_active_request_weight * static_cast<double>(tg.live_requests);
  }

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double l : logits_) {
    if (std::isinf(l)) continue;
    lo = std::min(lo, l);
    hi = std::max(hi, l);
  }
  if (cfg_.temperature > 0 && hi > lo) {
    // Softmax over normalised negative cost, sampled by cumulative sum.
    double total = 0;
    weights_.assign(n, 0.0);
    for (int32_t t = 0; t < n; ++t)
      total += weights_[t] = std::isinf(logits_[t]) ? 0.0 : std::exp(-(logits_[t] - lo) / ((hi - lo) * cfg_.temperature));
    double x = rng_.uniform() * total;
    int32_t last = -1;
    for (int32_t t = 0; t < n; ++t) {
      if (weights_[t] == 0.0) continue;
      last = t;
      x -= weights_[t];
      if (x < 0) return t;
    }
    return last;
  }
  // Argmin; equal costs are broken uniformly at random (minimum_cost_index's reservoir pick).
  int32_t best = -1, ties = 0;
  for (int32_t t = 0; t < n; ++t) {
    if (logits_[t] != lo) continue;
    if (rng_.below(static_cast<uint64_t>(++ties)) == 0) best = t;
  }
  return best;
}

void KvRouter::admit(int32_t r, int32_t t, const std::vector<int32_t>& overlap, Ns now) {
  Target& tg = targets_[t];
  target_of_[r] = t;
  const int64_t isl = req_.input_len(r);
  const int32_t hit = overlap_on(overlap, t);
  const int64_t cached = std::min<int64_t>(isl, static_cast<int64_t>(hit) * block_size_);
  overlap_tokens_[r] = static_cast<uint32_t>(cached);
  // prefill_load_hint_for: the uncached prompt, with its predicted prefill time.
  if (cfg_.track_prefill_tokens && isl > cached) {
    tg.prefill.add(r, isl - cached, predicted_prefill(isl, cached), now);
    in_prefill_[r] = 1;
  }
  traffic_.on_admission(hit, (isl + block_size_ - 1) / block_size_);
  // Without KV events the decision itself is the cache update (process_routing_decision_for_request).
  if (routed_) routed_->record(t, req_.prompt_ids(r), req_.full_prompt_blocks(r), now);
  if (side_) side_->record(t, req_.prompt_ids(r), req_.full_prompt_blocks(r), now);
  ++tg.live_requests;
  if (cfg_.track_active_blocks) tg.live_blocks.add(router_blocks(r), req_.full_prompt_blocks(r));
}

// Indexer::find_match_details: the primary view, and with a side view the per-target maximum of
// the two (merge_side_or_warn).
void KvRouter::match(int32_t r, Ns now) {
  if (routed_) routed_->expire(now);
  index_.match(req_.prompt_ids(r), req_.full_prompt_blocks(r), overlap_);
  if (!side_) return;
  side_->expire(now);
  side_index_->match(req_.prompt_ids(r), req_.full_prompt_blocks(r), side_overlap_);
  for (size_t t = 0; t < overlap_.size(); ++t) overlap_[t] = std::max(overlap_[t], side_overlap_[t]);
}

int32_t KvRouter::route(int32_t r, Ns now) {
  // The overlap is taken at arrival; a queued request keeps it (PendingRequest::overlaps).
  match(r, now);
  QueuedRequest q = snapshot(r, overlap_);
  const int32_t c = cfg_.policy.classify(q.raw_isl - q.cached);
  // A class that does not queue still waits behind its backlog (left from a time without
  // routable targets) and while no target is routable.
  const bool wait = queue_.has_backlog(c) || eligible_targets() == 0 || (queue_.cls(c).queueing() && pool_busy(c, now));
  if (wait) {
    q.overlap = overlap_;
    queue_.enqueue(c, eligible_targets(), std::move(q), now);
    return -1;
  }
  const int32_t t = select(r, overlap_, now);
  admit(r, t, overlap_, now);
  return t;
}

// QueueSnapshot::new: the prompt, its longest prefix cached on an eligible target, and the
// scheduling cost (the uncached rest, at least one token).
QueuedRequest KvRouter::snapshot(int32_t r, const std::vector<int32_t>& overlap) const {
  int64_t best = 0;
  for (int32_t t = 0; t < static_cast<int32_t>(targets_.size()); ++t)
    if (targets_[t].eligible) best = std::max<int64_t>(best, overlap_on(overlap, t));
  QueuedRequest q;
  q.r = r;
  q.raw_isl = req_.input_len(r);
  q.cached = std::min(q.raw_isl, best * block_size_);
  q.cost = std::max<int64_t>(1, q.raw_isl - q.cached);
  return q;
}

void KvRouter::drop_prefill(int32_t r, Ns now) {
  if (!in_prefill_[r]) return;
  targets_[target_of_[r]].prefill.remove(r, now);
  in_prefill_[r] = 0;
}

void KvRouter::on_finished(int32_t r, Ns now) {
  drop_prefill(r, now);
  const int32_t t = target_of_[r];
  if (t < 0) return;
  Target& tg = targets_[t];
  --tg.live_requests;
  if (cfg_.track_active_blocks) tg.live_blocks.remove(router_blocks(r), req_.full_prompt_blocks(r));
}

void KvRouter::release_queued(std::vector<std::pair<int32_t, int32_t>>& out, Ns now) {
  if (routed_) routed_->expire(now);
  if (side_) side_->expire(now);
  // drain_pending: a class's head may go when some target is routable and the class does not
  // find the pool busy.
  const bool none = eligible_targets() == 0;
  auto dispatchable = [&](int32_t c) { return !none && !(queue_.cls(c).queueing() && pool_busy(c, now)); };
  QueuedRequest q;
  while (queue_.pop_next(dispatchable, q)) {
    const int32_t t = select(q.r, q.overlap, now);
    admit(q.r, t, q.overlap, now);
    out.emplace_back(q.r, t);
  }
}

// A decaying prefill load frees targets with time alone: the reference's scheduler looks at its
// queue again every 100 ms (KvRouterConfig::router_queue_recheck_interval), on a fixed grid.
Ns KvRouter::next_recheck(Ns now) const {
  if (!cfg_.prefill_load_model || queue_.size() == 0) return kNever;
  return (now / kPrefillLoadRecheck + 1) * kPrefillLoadRecheck;
}

}  // namespace dynosim
