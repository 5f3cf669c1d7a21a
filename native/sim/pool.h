// A pool of identical workers behind one router: the aggregated fleet, or the prefill or the
// decode fleet of a disaggregated deployment. A worker is `dp_size` engines (attention-DP ranks)
// that step together; routing targets are (worker, rank) pairs numbered worker × dp + rank.
// Workers start up, serve, drain and disappear as the planner scales the pool; ids are never reused.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../engine/engine.h"
#include "../engine/engine_config.h"
#include "../engine/request_table.h"
#include "../metrics/collector.h"
#include "../metrics/traffic.h"
#include "../router/overlap_index.h"
#include "../router/router.h"

namespace dynosim {

enum class WorkerState : uint8_t { Starting, Active, Draining, Removed };

constexpr uint64_t kNoEvent = ~0ULL;

struct Worker {
  WorkerState state = WorkerState::Active;
  bool busy = false;
  std::vector<std::unique_ptr<Engine>> ranks;
  std::vector<uint8_t> planned;  // ranks that planned the pass in flight
  PassOutput pending;            // effects of the pass in flight, applied at its end
  Ns pass_start = 0;
  uint64_t due_seq = kNoEvent;   // the completion event in flight; any other is stale
  // A decode run in flight (Engine::decode_run_room): end times of its passes, how many of them
  // have completed, and when its first pass began.
  bool in_run = false;
  std::vector<Ns> run_ends;
  int32_t run_length = 0, run_done = 0;
  Ns run_start = 0;
  std::vector<PassWork> run_work;  // each planned rank's first pass of the run
  // For the planner: when the worker became routable, and when each rank's latest pass began.
  Ns activated_at = 0;
  std::vector<Ns> rank_pass_start;
};

struct PoolConfig {
  EngineConfig engine;
  RouterConfig router;
  int32_t initial_workers = 1;
  Ns startup_time = 0;
};

class Pool {
 public:
  Pool(const PoolConfig& config, const RequestTable& requests, Collector& collector, TrafficAccumulator* admissions);

  const EngineConfig& engine_config() const { return cfg_.engine; }
  WorkerRole role() const { return cfg_.engine.role; }
  int32_t dp() const { return cfg_.engine.dp_size; }
  RequestState& state() { return state_; }
  Router& router() { return *router_; }
  Worker& worker(int32_t w) { return workers_[w]; }
  int32_t num_worker_ids() const { return static_cast<int32_t>(workers_.size()); }
  Engine& engine_of_target(int32_t target) { return *workers_[target / dp()].ranks[target % dp()]; }

  // Places r on a target (or leaves it in the router's queue); returns the target or -1.
  int32_t route(int32_t r, Ns now);
  // Records the placement and marks the worker as one to drive.
  void note_dispatch(int32_t r, int32_t target);

  // Workers that may start a pass now, in ascending id; clears the candidate list.
  void take_candidates(std::vector<int32_t>& out);
  bool has_candidates() const { return !candidates_.empty(); }
  void mark_candidate(int32_t w);

  // Scaling. Returns the ids of workers that need a WorkerReady event (startup > 0).
  void scale_to(int32_t target, std::vector<int32_t>& starting);
  void activate(int32_t w);     // a starting worker is ready
  bool retire_if_drained(int32_t w);

  int32_t count(WorkerState s) const { return counts_[static_cast<int>(s)]; }
  int32_t provisioned() const { return count(WorkerState::Starting) + count(WorkerState::Active) + count(WorkerState::Draining); }
  Ns startup_time() const { return cfg_.startup_time; }
  // Worker-seconds of provisioned workers, integrated as the clock advances.
  // Integer ns: a double sum would round differently depending on how the clock's steps are split.
  // 128 bits: a million workers over 100 years of simulated time pass int64 (the fuzzer's
  // overflow, scale() to 1e6 workers).
  void accrue(Ns dt) { worker_ns_ += static_cast<__int128>(provisioned()) * dt; }
  double worker_seconds() const { return static_cast<double>(worker_ns_) / 1e9; }
  uint64_t forward_passes() const;

 private:
  int32_t add_worker(WorkerState state);
  void set_state(int32_t w, WorkerState s);
  void set_routable(int32_t w, bool routable);

  PoolConfig cfg_;
  const RequestTable& requests_;
  Collector& collector_;
  RequestState state_;
  std::unique_ptr<OverlapIndex> index_;
  std::unique_ptr<Router> router_;
  std::vector<Worker> workers_;
  std::vector<int32_t> candidates_;
  std::vector<uint8_t> is_candidate_;
  __int128 worker_ns_ = 0;
  int32_t counts_[4] = {0, 0, 0, 0};  // workers per WorkerState
};

}  // namespace dynosim
