// One replay on one virtual clock: a workload driver, the aggregated pool (or a prefill and a
// decode pool with KV hand-offs between them), and a collector. Passes execute eagerly when a
// worker goes idle; their effects (router updates, follow-up turns, hand-offs) apply when the
// pass ends, in event order. The planner, outside, advances the clock tick by tick.
#pragma once
#include <memory>
#include <vector>

#include "../engine/request_table.h"
#include "../metrics/collector.h"
#include "../metrics/pass_log.h"
#include "../metrics/traffic.h"
#include "event_queue.h"
#include "pool.h"
#include "workload_driver.h"

namespace dynosim {

enum class TransferTiming : uint8_t { FullPrompt, DestinationMissing };

struct SimConfig {
  bool disaggregated = false;
  PoolConfig agg;                 // aggregated replay
  PoolConfig prefill, decode;     // disaggregated replay
  double kv_bytes_per_token = 0;  // 0: no transfer delay
  double kv_transfer_gbps = 0;    // 0: no transfer delay
  TransferTiming transfer_timing = TransferTiming::FullPrompt;
  Ns max_sim_time = kNever;  // stop the clock here; in-flight requests stay incomplete
  bool decode_runs = true;   // price plain decode passes in bulk (same results, fewer events)
  bool pass_log = false;     // log every pass for the planner's every-pass feed
  bool request_detail = false;  // record routing, admissions and terminal times per request
};

class Simulation {
 public:
  Simulation(const SimConfig& config, const WorkloadView& workload, const SessionView& sessions);

  // Advances until the clock would pass `limit` (inclusive) or the run ends; true when ended.
  // When it pauses, the clock stands at `limit`.
  bool run_until(Ns limit);
  bool finished() const { return finished_; }
  Ns now() const { return now_; }
  Ns last_first_arrival() const { return driver_.last_first_arrival(); }
  int64_t completed() const { return completed_; }

  const Collector& collector() const { return collector_; }
  const RequestTable& requests() const { return requests_; }
  bool disaggregated() const { return cfg_.disaggregated; }
  // The first pool requests enter (aggregated, or prefill), and the pool that emits their tokens.
  Pool& entry_pool() { return *pools_.front(); }
  Pool& token_pool() { return *pools_.back(); }
  Pool* prefill_pool() { return cfg_.disaggregated ? pools_[0].get() : nullptr; }
  uint64_t forward_passes() const;
  // Passes completed in bulk as parts of decode runs (a subset of forward_passes).
  uint64_t decode_run_passes() const { return decode_run_passes_; }

  TrafficWindow drain_traffic() { return traffic_.drain(now_); }
  // Passes logged in a pool since its log was last cleared (empty unless SimConfig::pass_log).
  PassLog& pass_log(const Pool& pool) { return pass_logs_[&pool == pools_.front().get() ? 0 : pools_.size() - 1]; }
  // Planner actuation: new target worker counts (negative = unchanged), applied now.
  void scale(int32_t prefill_target, int32_t decode_target);

 private:
  void advance_clock(Ns t);
  void drain();
  bool apply_events();
  bool release_arrivals();
  bool drive_pool(uint8_t p);
  void apply_pass(uint8_t p, int32_t w);
  void note_planned(uint8_t p, int32_t w, Ns start, Ns duration);
  void log_run_passes(uint8_t p, Worker& worker, int32_t w, int32_t from, int32_t to);
  void count_emitted(uint8_t p, PassOutput& out);
  void on_finished(uint8_t p, int32_t r);
  void start_handoff(int32_t r);
  void place_on_decode(int32_t r, int32_t target);
  void complete_transfer(int32_t r);
  void retry_reservations();
  void dispatch(uint8_t p, int32_t r, int32_t target);
  void dispatch_queued(uint8_t p);
  void arm_recheck(uint8_t p);
  void record_completion(int32_t r);
  bool start_decode_run(uint8_t p, int32_t w);
  void advance_run(uint8_t p, int32_t w, Ns t);
  void interrupt_run(uint8_t p, int32_t w, Ns at, bool boundary_pass_started);
  void interrupt_run_of_target(uint8_t p, int32_t target);
  Ns interrupt_all_runs(Ns at);
  void discard_stale_events();
  Ns next_time();
  bool done() const;

  SimConfig cfg_;
  RequestTable requests_;
  Collector collector_;
  TrafficAccumulator traffic_;
  WorkloadDriver driver_;
  std::vector<std::unique_ptr<Pool>> pools_;
  std::vector<PassLog> pass_logs_;  // one per pool
  EventQueue events_;
  std::vector<int32_t> arrivals_, driving_, starting_;
  std::vector<Ns> run_scratch_;  // one rank's pass durations while a DP worker's run is priced
  std::vector<std::pair<int32_t, int32_t>> placements_;
  std::vector<std::pair<int32_t, int32_t>> awaiting_reservation_;  // (request, decode target)
  std::vector<Ns> recheck_at_;  // per pool: its router's pending queue recheck, or kNever

  Ns now_ = 0;
  Ns driven_at_ = -1;  // when idle workers were last driven (passes starting then have begun)
  static constexpr uint8_t kNotDriving = 0xff;
  uint8_t driving_pool_ = kNotDriving;  // the pool whose idle workers are being driven, and where
  size_t driving_pos_ = 0;              // in driving_ the drive stands
  bool started_ = false;
  bool finished_ = false;
  int64_t in_flight_ = 0;
  int64_t completed_ = 0;
  uint64_t decode_run_passes_ = 0;
};

}  // namespace dynosim
