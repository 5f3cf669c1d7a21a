// KV-aware placement (lib/kv-router DefaultWorkerSelector as the offline replay drives it,
// lib/mocker/src/replay/offline/extensions/kv_router/mod.rs): each target's cost is its prefill
// backlog plus the request's uncached prompt (scaled) plus its decode load in blocks; the
// cheapest target wins (equal costs: a seeded uniform pick), or a softmax draw when a temperature
// is set. A request joins its policy class's queue when the class queues and has a backlog or
// finds the pool busy (every target's prefill backlog over the class's threshold, or the class's
// share of them), keeping the cache overlap seen at its arrival (on_request_arrival_for_session). The cache view is the engines'
// KV events, or with use_kv_events=false the router's own routing decisions (RoutedBlocks).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../common/rng.h"
#include "../engine/request_table.h"
#include "../metrics/traffic.h"
#include "live_blocks.h"
#include "overlap_index.h"
#include "prefill_load.h"
#include "routed_blocks.h"
#include "router.h"

namespace dynosim {

class KvRouter final : public Router {
 public:
  KvRouter(const RouterConfig& config, int32_t num_targets, int32_t block_size, int64_t max_num_batched_tokens,
           const RequestTable& requests, OverlapIndex& index, TrafficAccumulator& traffic);

  int32_t route(int32_t r, Ns now) override;
  void on_first_token(int32_t r, Ns now) override { drop_prefill(r, now); }
  void on_finished(int32_t r, Ns now) override;
  void release_queued(std::vector<std::pair<int32_t, int32_t>>& out, Ns now) override;
  size_t queued() const override { return queue_.size(); }
  uint32_t overlap_tokens(int32_t r) const override { return overlap_tokens_[r]; }
  Ns next_recheck(Ns now) const override;
  void add_target() override;
  void set_eligible(int32_t target, bool eligible) override { targets_[target].eligible = eligible; }
  void remove_target(int32_t target) override;

 private:
  struct Target {
    PrefillLoad prefill;       // uncached prompt tokens of requests not yet past prefill
    int64_t live_requests = 0;
    LiveBlocks live_blocks;    // distinct prompt blocks of live requests
    bool eligible = true;
  };
  // Routable targets, and how many of them are busy for class c (its thresholds) at `now`.
  bool pool_busy(int32_t c, Ns now) const;
  int64_t eligible_targets() const;
  // QueueSnapshot: the prompt and the longest prefix cached on an eligible target.
  QueuedRequest snapshot(int32_t r, const std::vector<int32_t>& overlap) const;
  int32_t select(int32_t r, const std::vector<int32_t>& overlap, Ns now);
  void admit(int32_t r, int32_t t, const std::vector<int32_t>& overlap, Ns now);
  // The blocks r adds to its target's decode load (the prompt's, or ids_ when they are private).
  const BlockHash* router_blocks(int32_t r);
  // overlap_ for r at `now`: the index's match, merged with the side view's (per-target max).
  void match(int32_t r, Ns now);
  void drop_prefill(int32_t r, Ns now);
  Ns predicted_prefill(int64_t isl, int64_t cached) const;
  static int32_t overlap_on(const std::vector<int32_t>& overlap, int32_t t) {
    return t < static_cast<int32_t>(overlap.size()) ? overlap[t] : 0;
  }

  RouterConfig cfg_;
  // Without KV events: the router's own record of where it sent which blocks (else null).
  std::unique_ptr<RoutedBlocks> routed_;
  // With router_predicted_ttl_secs: the predict-on-route side view and its index (else null).
  std::unique_ptr<OverlapIndex> side_index_;
  std::unique_ptr<RoutedBlocks> side_;
  std::vector<int32_t> side_overlap_;
  int32_t block_size_;
  int64_t max_num_batched_tokens_;
  const RequestTable& req_;
  OverlapIndex& index_;
  TrafficAccumulator& traffic_;
  std::vector<Target> targets_;
  std::vector<uint8_t> in_prefill_;  // per request: whether it counts in its target's backlog
  std::vector<int32_t> target_of_;   // per request: where it was placed
  std::vector<uint32_t> overlap_tokens_;  // per request: cached prompt tokens seen on its target
  PolicyQueue queue_;
  Rng rng_;
  std::vector<int32_t> overlap_;
  std::vector<double> logits_, weights_;
  std::vector<int64_t> backlog_;  // per target: its prefill backlog now (select's scratch)
  std::vector<BlockHash> ids_;
};

}  // namespace dynosim
