// Placement of arriving requests onto routing targets. Calls are per request, never per token.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "../common/types.h"
#include "../perf/perf_model.h"
#include "policy_queue.h"

namespace dynosim {

// Defaults are the current KvRouterConfig's (lib/kv-router/src/scheduling/config.rs, Default).
struct RouterConfig {
  bool kv_router = false;
  // Cost = prefill_load_scale × max(0, prefill blocks − overlap_score_credit × cached blocks)
  //        + decode blocks + decode_active_request_weight × live requests
  //        (DefaultWorkerScorer::worker_logit).
  double prefill_load_scale = 1.0;
  double overlap_score_credit = 1.0;
  // The credit shrinks on targets whose prefill backlog exceeds the least loaded one's:
  // credit / (1 + decay × excess backlog blocks / request blocks). 0: no decay.
  double overlap_score_credit_decay = 0.0;
  // Cost per request live on the target.
  double decode_active_request_weight = 0.0;
  double temperature = 0.0;
  double queue_threshold = 16.0;  // < 0: queueing disabled
  QueuePolicy queue_policy = QueuePolicy::Fcfs;
  // A policy profile (--router-policy-config) replaces the two above; empty: they make one class.
  RouterPolicy policy;
  bool track_active_blocks = true;
  bool assume_kv_reuse = true;
  bool track_prefill_tokens = true;
  // use_kv_events=false: the router sees no KV events and records its own routing decisions
  // (RoutedBlocks), expiring after router_ttl_secs and pruned at router_max_tree_size.
  bool use_kv_events = true;
  Ns ttl = 120'000'000'000;
  int64_t max_tree_size = 1 << 20;
  double prune_target_ratio = 0.8;
  // router_predicted_ttl_secs: with KV events, a side view of the router's own decisions kept this
  // long (no size cap); the overlap per target is the larger of the two. < 0: off.
  Ns predicted_ttl = -1;
  // router_prefill_load_model "aic": predicts each admitted request's prefill time, over which the
  // target's active prefill load decays.
  std::optional<PerfModel> prefill_load_model;
  uint64_t seed = 42;
};

class Router {
 public:
  virtual ~Router() = default;
  // Target for r, or -1 when the router holds it in its queue.
  virtual int32_t route(int32_t r, Ns now) = 0;
  virtual void on_first_token(int32_t r, Ns now) = 0;
  virtual void on_finished(int32_t r, Ns now) = 0;
  // Queued requests that may now be placed, as (request, target), in dispatch order.
  virtual void release_queued(std::vector<std::pair<int32_t, int32_t>>& out, Ns now) = 0;
  virtual size_t queued() const = 0;
  // Prompt tokens the router saw cached on the target it placed r on (0 without a cache view).
  virtual uint32_t overlap_tokens(int32_t r) const {
    (void)r;
    return 0;
  }
  // When the queue must be looked at again although nothing happened (kNever: not before the
  // next event): a decaying prefill load frees targets with time alone.
  virtual Ns next_recheck(Ns now) const {
    (void)now;
    return kNever;
  }
  // Topology: a new target (always the next id), and whether a target may receive new requests
  // (a worker starting up or draining may not; its in-flight requests still finish).
  virtual void add_target() = 0;
  virtual void set_eligible(int32_t target, bool eligible) = 0;
  // The target is gone for good: forget what the router knew about its cache.
  virtual void remove_target(int32_t target) = 0;
  // Whether any queued request can be placed now (the caller then calls release_queued).
  bool has_queue() const { return queued() > 0; }
};

}  // namespace dynosim
