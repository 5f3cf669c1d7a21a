#include "kv_router.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynosim {

KvRouter::KvRouter(const RouterConfig& config, int32_t num_targets, int32_t block_size,
                   int64_t max_num_batched_tokens, const RequestTable& requests, OverlapIndex& index,
                   TrafficAccumulator& traffic)
    : cfg_(config),
      block_size_(block_size),
      busy_tokens_(config.queue_threshold >= 0 && max_num_batched_tokens > 0
                       ? config.queue_threshold * static_cast<double>(max_num_batched_tokens)
                       : std::numeric_limits<double>::infinity()),
      req_(requests),
      index_(index),
      traffic_(traffic),
      targets_(num_targets),
      req_prefill_(requests.size(), 0),
      target_of_(requests.size(), -1),
      rng_(config.seed) {}

void KvRouter::router_blocks(int32_t r, std::vector<BlockHash>& ids) const {
  const int32_t total = static_cast<int32_t>((req_.input_len(r) + block_size_ - 1) / block_size_);
  const int32_t full = req_.full_prompt_blocks(r);
  ids.resize(total);
  for (int32_t i = 0; i < total; ++i)
    ids[i] = (i < full && cfg_.assume_kv_reuse) ? req_.prompt_ids(r)[i] : unique_block_id(r, i);
}

void KvRouter::add_target() {
  targets_.emplace_back();
  targets_.back().eligible = false;
}

void KvRouter::remove_target(int32_t target) {
  targets_[target] = Target();
  targets_[target].eligible = false;
  index_.remove_target(target);
}

bool KvRouter::any_eligible() const {
  for (const auto& t : targets_)
    if (t.eligible) return true;
  return false;
}

// Busy = every eligible target's prefill backlog is over the threshold (or none is eligible).
bool KvRouter::all_busy() const {
  if (!any_eligible()) return true;
  if (cfg_.queue_threshold < 0) return false;
  for (const auto& t : targets_)
    if (t.eligible && static_cast<double>(t.prefill_tokens) <= busy_tokens_) return false;
  return true;
}

int32_t KvRouter::select(int32_t r) {
  const int32_t n = static_cast<int32_t>(targets_.size());
  const int64_t isl = req_.input_len(r);
  const double B = block_size_;
  index_.match(req_.prompt_ids(r), req_.full_prompt_blocks(r), overlap_);
  router_blocks(r, ids_);
  logits_.assign(n, std::numeric_limits<double>::infinity());
  for (int32_t t = 0; t < n; ++t) {
    const Target& tg = targets_[t];
    if (!tg.eligible) continue;
    const int64_t uncached = std::max<int64_t>(0, isl - static_cast<int64_t>(overlap_[t]) * block_size_);
    const double prefill_blocks = static_cast<double>((cfg_.track_prefill_tokens ? tg.prefill_tokens : 0) + uncached) / B;
    double decode_blocks;
    if (cfg_.track_active_blocks) {
      int64_t fresh = 0;
      for (BlockHash id : ids_)
        if (tg.block_refs.find(id) == FlatMap::kMissing) ++fresh;
      decode_blocks = static_cast<double>(tg.active_blocks + fresh);
    } else {
      decode_blocks = std::floor(prefill_blocks);
    }
    logits_[t] = cfg_.overlap_score_weight * prefill_blocks + decode_blocks;
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
    std::vector<double> w(n);
    for (int32_t t = 0; t < n; ++t)
      total += w[t] = std::isinf(logits_[t]) ? 0.0 : std::exp(-(logits_[t] - lo) / ((hi - lo) * cfg_.temperature));
    double x = rng_.uniform() * total;
    int32_t last = -1;
    for (int32_t t = 0; t < n; ++t) {
      if (w[t] == 0.0) continue;
      last = t;
      x -= w[t];
      if (x < 0) return t;
    }
    return last;
  }
  // Argmin; ties go to the smallest cache index, then to a seeded uniform pick.
  int32_t best = -1, ties = 0;
  int64_t best_tree = 0;
  for (int32_t t = 0; t < n; ++t) {
    if (logits_[t] != lo) continue;
    const int64_t tree = index_.tree_size(t);
    if (best < 0 || tree < best_tree) {
      best = t;
      best_tree = tree;
      ties = 1;
    } else if (tree == best_tree && rng_.below(++ties) == 0) {
      best = t;
    }
  }
  return best;
}

void KvRouter::admit(int32_t r, int32_t t) {
  Target& tg = targets_[t];
  target_of_[r] = t;
  const int64_t uncached =
      std::max<int64_t>(0, static_cast<int64_t>(req_.input_len(r)) - static_cast<int64_t>(overlap_[t]) * block_size_);
  req_prefill_[r] = uncached;
  tg.prefill_tokens += uncached;
  traffic_.on_admission(overlap_[t], (static_cast<int64_t>(req_.input_len(r)) + block_size_ - 1) / block_size_);
  if (cfg_.track_active_blocks) {
    for (BlockHash id : ids_) {
      int32_t refs = tg.block_refs.find(id);
      if (refs == FlatMap::kMissing) {
        tg.block_refs.put(id, 1);
        ++tg.active_blocks;
      } else {
        tg.block_refs.put(id, refs + 1);
      }
    }
  }
}

int32_t KvRouter::route(int32_t r, Ns) {
  if (!queue_.empty() || all_busy()) {
    queue_.push_back(r);
    return -1;
  }
  int32_t t = select(r);
  admit(r, t);
  return t;
}

void KvRouter::drop_prefill(int32_t r) {
  if (req_prefill_[r] == 0) return;
  targets_[target_of_[r]].prefill_tokens -= req_prefill_[r];
  req_prefill_[r] = 0;
}

void KvRouter::on_first_token(int32_t r) { drop_prefill(r); }

void KvRouter::on_finished(int32_t r) {
  drop_prefill(r);
  if (!cfg_.track_active_blocks) return;
  const int32_t t = target_of_[r];
  if (t < 0) return;
  Target& tg = targets_[t];
  router_blocks(r, ids_);
  for (BlockHash id : ids_) {
    int32_t refs = tg.block_refs.find(id);
    if (refs == FlatMap::kMissing) continue;
    if (refs == 1) {
      tg.block_refs.erase(id);
      --tg.active_blocks;
    } else {
      tg.block_refs.put(id, refs - 1);
    }
  }
}

void KvRouter::release_queued(std::vector<std::pair<int32_t, int32_t>>& out) {
  while (!queue_.empty() && !all_busy()) {
    int32_t r;
    if (cfg_.queue_policy == QueuePolicy::Lcfs) {
      r = queue_.back();
      queue_.pop_back();
    } else if (cfg_.queue_policy == QueuePolicy::Wspt) {
      // Shortest job first (all weights equal): fewest prompt tokens, oldest among equals.
      auto it = std::min_element(queue_.begin(), queue_.end(),
                                 [&](int32_t a, int32_t b) { return req_.input_len(a) < req_.input_len(b); });
      r = *it;
      queue_.erase(it);
    } else {
      r = queue_.front();
      queue_.pop_front();
    }
    int32_t t = select(r);
    admit(r, t);
    out.emplace_back(r, t);
  }
}

}  // namespace dynosim
