// One vLLM-style engine (scheduler + KV pool) for one routing target. A pass schedules running
// requests first against the token budget (chunked prefill, preemption with recompute when KV
// runs out), then admits waiting requests behind a KV capacity gate, prices the batch with the
// perf model and emits one token per request whose prompt is fully computed.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../metrics/collector.h"
#include "../metrics/forward_pass.h"
#include "../metrics/welford.h"
#include "block_pool.h"
#include "engine_config.h"
#include "pass_output.h"
#include "request_table.h"

namespace dynosim {

class VllmEngine {
 public:
  VllmEngine(const EngineConfig& config, RequestTable& requests, Collector& collector);

  BlockPool& pool() { return pool_; }
  void enqueue(int32_t r);
  bool has_work() const { return running_count_ > 0 || !waiting_.empty(); }
  size_t num_waiting() const { return waiting_.size(); }
  int64_t num_running() const { return running_count_; }

  // Runs one pass starting at `now`; returns its end time. `progress` says whether anything
  // changed (a pass that changes nothing must not be re-run at the same instant).
  Ns execute_pass(Ns now, PassOutput& out, bool& progress);

  uint64_t passes() const { return epoch_; }
  // The most recent pass, and whether one ran since the flag was last cleared.
  const ForwardPassSnapshot& last_pass() const { return last_pass_; }
  bool passed_since_mark() const { return passed_since_mark_; }
  void clear_pass_mark() { passed_since_mark_ = false; }

 private:
  enum class Scheduled : uint8_t { Ok, Blocked, CurrentPreempted };

  Scheduled schedule(int32_t r, uint32_t cached);
  uint32_t cached_prefix(int32_t r, int32_t* active_cached_blocks) const;
  bool preempt_one(int32_t current, bool* current_was_victim);
  void preempt(int32_t victim);
  void release_blocks(int32_t r);
  void compact_running();
  void finish(int32_t r, PassOutput& out);
  void pop_waiting_front();
  void record_pass(Ns now, Ns end);

  EngineConfig cfg_;
  RequestTable& req_;
  Collector& collector_;
  BlockPool pool_;
  std::deque<int32_t> waiting_;
  std::vector<int32_t> running_;   // may hold stale (no longer running) entries until compacted
  std::vector<int32_t> ready_;     // scratch: requests emitting this pass
  int64_t running_count_ = 0;
  RunningMoments queued_prefill_;  // prompt lengths of fresh waiting requests
  RunningMoments queued_decode_;   // sequence lengths of preempted waiting requests
  ForwardPassSnapshot last_pass_;
  bool passed_since_mark_ = false;
  int64_t pass_visible_tokens_ = 0;
  bool running_stale_ = false;

  // State of the pass being built.
  uint64_t epoch_ = 0;
  int64_t budget_ = 0;
  int64_t batch_count_ = 0, sum_isl_ = 0, sum_prefix_ = 0;
  bool preempted_any_ = false;
};

}  // namespace dynosim
