// What one forward pass looked like, as the planner observes it (the reference's
// ForwardPassSnapshot): the scheduled prefill and decode work, the queues behind it, its duration.
#pragma once
#include <cstdint>

#include "../common/types.h"
#include "running_moments.h"

namespace dynosim {

struct ForwardPassSnapshot {
  int64_t num_prefill_requests = 0;
  int64_t sum_prefill_tokens = 0;      // prompt tokens computed in this pass
  double var_prefill_length = 0;       // of the prompt lengths in the prefill batch
  int64_t sum_prefill_kv_tokens = 0;   // cached/previously computed prefix tokens
  int64_t num_decode_requests = 0;
  int64_t sum_decode_kv_tokens = 0;    // sequence lengths of the scheduled decodes
  double var_decode_kv_tokens = 0;
  int64_t num_queued_prefill = 0;      // fresh prompts waiting
  int64_t sum_queued_prefill_tokens = 0;
  double var_queued_prefill_length = 0;
  int64_t num_queued_decode = 0;       // preempted/retracted or transferred requests waiting
  int64_t sum_queued_decode_kv_tokens = 0;
  double var_queued_decode_kv_tokens = 0;
  double wall_time_secs = 0;
  int64_t visible_output_tokens = 0;   // tokens emitted (for accept length)
  int64_t decode_forwards = 0;         // requests that emitted tokens
};

// The scheduled work of one pass, as the planner's regression and its moving averages read it.
struct PassWork {
  int64_t num_prefill_requests = 0, sum_prefill_tokens = 0, sum_prefill_kv_tokens = 0;
  int64_t num_decode_requests = 0, sum_decode_kv_tokens = 0;
};

// The scheduled side of a pass, accumulated while an engine builds it (sums only: the
// variances are derived when the planner looks, not on every pass).
struct PassBatch {
  RunningMoments prefill_len, decode_len;
  int64_t sum_prefill_tokens = 0, sum_prefill_kv = 0;

  void add_prefill(uint32_t prompt_len, uint32_t computed, uint32_t prefix) {
    prefill_len.add(prompt_len);
    sum_prefill_tokens += computed;
    sum_prefill_kv += prefix;
  }
  void add_decode(uint32_t seq_len) { decode_len.add(seq_len); }
};

// An engine's latest pass as recorded on the hot path: its batch, the queues behind it (fresh
// prompts; requests waiting to decode again), its duration and its emissions.
struct PassRecord {
  PassBatch batch;
  RunningMoments queued_prefill, queued_decode;
  Ns duration = 0;
  int64_t visible_output_tokens = 0, decode_forwards = 0;

  PassWork work() const {
    PassWork w;
    w.num_prefill_requests = batch.prefill_len.count();
    w.sum_prefill_tokens = batch.sum_prefill_tokens;
    w.sum_prefill_kv_tokens = batch.sum_prefill_kv;
    w.num_decode_requests = batch.decode_len.count();
    w.sum_decode_kv_tokens = static_cast<int64_t>(batch.decode_len.sum());
    return w;
  }

  ForwardPassSnapshot snapshot() const {
    ForwardPassSnapshot f;
    f.num_prefill_requests = batch.prefill_len.count();
    f.sum_prefill_tokens = batch.sum_prefill_tokens;
    f.var_prefill_length = batch.prefill_len.variance();
    f.sum_prefill_kv_tokens = batch.sum_prefill_kv;
    f.num_decode_requests = batch.decode_len.count();
    f.sum_decode_kv_tokens = static_cast<int64_t>(batch.decode_len.sum());
    f.var_decode_kv_tokens = batch.decode_len.variance();
    f.num_queued_prefill = queued_prefill.count();
    f.sum_queued_prefill_tokens = static_cast<int64_t>(queued_prefill.sum());
    f.var_queued_prefill_length = queued_prefill.variance();
    f.num_queued_decode = queued_decode.count();
    f.sum_queued_decode_kv_tokens = static_cast<int64_t>(queued_decode.sum());
    f.var_queued_decode_kv_tokens = queued_decode.variance();
    f.wall_time_secs = static_cast<double>(duration) / 1e9;
    f.visible_output_tokens = visible_output_tokens;
    f.decode_forwards = decode_forwards;
    return f;
  }
};

}  // namespace dynosim
