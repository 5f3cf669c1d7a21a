// The aggregated replay: a workload driver, one router, N engines and a collector on one
// virtual clock. Passes execute eagerly when a worker goes idle; their effects (router updates,
// follow-up turns) apply when the pass ends, in event order.
#pragma once
#include <memory>
#include <vector>

#include "../engine/engine_config.h"
#include "../engine/request_table.h"
#include "../engine/vllm_engine.h"
#include "../metrics/collector.h"
#include "../metrics/traffic.h"
#include "../router/overlap_index.h"
#include "../router/router.h"
#include "event_queue.h"
#include "workload_driver.h"

namespace dynosim {

struct SimConfig {
  EngineConfig engine;
  RouterConfig router;
  int32_t num_workers = 1;
  Ns max_sim_time = kNever;  // stop the clock here; in-flight requests stay incomplete
};

class Simulation {
 public:
  Simulation(const SimConfig& config, const WorkloadView& workload, const SessionView& sessions);

  // Advances until the clock would pass `limit` (inclusive) or the run ends; true when ended.
  bool run_until(Ns limit);
  bool finished() const { return finished_; }
  Ns now() const { return now_; }
  Ns last_first_arrival() const { return driver_.last_first_arrival(); }
  int64_t completed() const { return completed_; }

  const Collector& collector() const { return collector_; }
  const RequestTable& requests() const { return requests_; }
  double worker_seconds() const { return worker_ns_ / 1e9; }
  uint64_t forward_passes() const;

  // Planner observations: the traffic window since the last drain, and each worker's latest
  // pass since the last call (nullptr when it ran none).
  TrafficWindow drain_traffic() { return traffic_.drain(now_); }
  int32_t num_workers() const { return static_cast<int32_t>(engines_.size()); }
  const ForwardPassSnapshot* take_latest_pass(int32_t w) {
    VllmEngine& e = *engines_[w];
    if (!e.passed_since_mark()) return nullptr;
    e.clear_pass_mark();
    return &e.last_pass();
  }

 private:
  void drain();
  void advance_clock(Ns t);
  bool apply_completions();
  bool release_arrivals();
  bool drive_workers();
  void apply_pass(int32_t w);
  void dispatch(int32_t r, int32_t target);
  void record_completion(int32_t r);
  void dispatch_queued();
  void mark_candidate(int32_t w);
  Ns next_time() const;
  bool done() const;

  SimConfig cfg_;
  RequestTable requests_;
  Collector collector_;
  TrafficAccumulator traffic_;
  WorkloadDriver driver_;
  std::unique_ptr<OverlapIndex> index_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<VllmEngine>> engines_;
  std::vector<uint8_t> busy_;
  // Workers whose state changed (went idle or got work) since they were last driven; only they
  // can start a pass, so the drain loop never scans the whole fleet.
  std::vector<int32_t> candidates_, driving_;
  std::vector<uint8_t> is_candidate_;
  std::vector<PassOutput> pending_;  // per worker: effects of its running pass
  EventQueue events_;
  std::vector<int32_t> arrivals_;
  std::vector<std::pair<int32_t, int32_t>> placements_;

  Ns now_ = 0;
  bool started_ = false;
  bool finished_ = false;
  int64_t in_flight_ = 0;
  int64_t completed_ = 0;
  double worker_ns_ = 0;
};

}  // namespace dynosim
