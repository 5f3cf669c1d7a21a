// What one forward pass looked like, as the planner observes it (the reference's
// ForwardPassSnapshot): the scheduled prefill and decode work, the queues behind it, its duration.
#pragma once
#include <cstdint>

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
  int64_t num_queued_decode = 0;       // preempted requests waiting to recompute
  int64_t sum_queued_decode_kv_tokens = 0;
  double var_queued_decode_kv_tokens = 0;
  double wall_time_secs = 0;
  int64_t visible_output_tokens = 0;   // tokens emitted (for accept length)
  int64_t decode_forwards = 0;         // requests that emitted tokens
};

}  // namespace dynosim
