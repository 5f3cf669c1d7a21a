// KV-aware placement: each target's cost is its prefill backlog plus the request's uncached
// prompt (weighted) plus its decode load in blocks; the cheapest target wins (ties: smaller
// cache index, then a seeded coin), or a softmax draw when a temperature is set. When every
// target's prefill backlog exceeds the threshold, requests wait in the router's queue.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../common/flat_map.h"
#include "../common/rng.h"
#include "../engine/request_table.h"
#include "../metrics/traffic.h"
#include "overlap_index.h"
#include "router.h"

namespace dynosim {

class KvRouter final : public Router {
 public:
  KvRouter(const RouterConfig& config, int32_t num_targets, int32_t block_size, int64_t max_num_batched_tokens,
           const RequestTable& requests, OverlapIndex& index, TrafficAccumulator& traffic);

  int32_t route(int32_t r, Ns now) override;
  void on_first_token(int32_t r) override;
  void on_finished(int32_t r) override;
  void release_queued(std::vector<std::pair<int32_t, int32_t>>& out) override;
  size_t queued() const override { return queue_.size(); }
  void add_target() override;
  void set_eligible(int32_t target, bool eligible) override { targets_[target].eligible = eligible; }
  void remove_target(int32_t target) override;

 private:
  struct Target {
    int64_t prefill_tokens = 0;  // uncached prompt tokens of requests not yet past prefill
    int64_t active_blocks = 0;   // distinct blocks of live requests
    FlatMap block_refs{256};     // block id -> live requests holding it
    bool eligible = true;
  };

  bool all_busy() const;
  int32_t select(int32_t r);
  void admit(int32_t r, int32_t t);
  void router_blocks(int32_t r, std::vector<BlockHash>& ids) const;
  void drop_prefill(int32_t r);
  bool any_eligible() const;

  RouterConfig cfg_;
  int32_t block_size_;
  double busy_tokens_;  // a target is busy above this prefill backlog
  const RequestTable& req_;
  OverlapIndex& index_;
  TrafficAccumulator& traffic_;
  std::vector<Target> targets_;
  std::vector<int64_t> req_prefill_;  // per request: its contribution to its target's backlog
  std::vector<int32_t> target_of_;    // per request: where it was placed
  std::deque<int32_t> queue_;
  Rng rng_;
  std::vector<int32_t> overlap_;
  std::vector<double> logits_;
  std::vector<BlockHash> ids_;
};

}  // namespace dynosim
