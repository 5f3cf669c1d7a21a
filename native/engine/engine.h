// What the event loop needs from an engine (one attention-DP rank of a worker): queues in,
// passes out. Passes are planned and priced at their start and their tokens stamped when the
// whole worker's pass ends, so the ranks of a DP group can finish together. Calls are per pass
// or per request, never per token.
#pragma once
#include <cstdint>
#include <limits>

#include "../common/types.h"
#include "../metrics/forward_pass.h"
#include "pass_output.h"

namespace dynosim {

// A count limit that is not set (max_num_seqs, max_num_batched_tokens of 0).
constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

class OverlapIndex;

class Engine {
 public:
  virtual ~Engine() = default;

  // A request routed here, to be prefilled (aggregated and prefill workers).
  virtual void enqueue(int32_t r) = 0;
  // Disaggregated decode: reserve the request's prompt blocks (reusing a resident prefix) ahead of
  // the KV transfer. Returns false when the pool cannot hold them now; `fresh_tokens` = tokens
  // that must actually move.
  virtual bool reserve_prefilled(int32_t r, uint32_t* fresh_tokens) = 0;
  // The transfer landed: the request waits for decode with its prompt already computed.
  virtual void activate_prefilled(int32_t r) = 0;
  // Disaggregated prefill: the source's KV was held for the transfer; release it now.
  virtual void release_held(int32_t r) = 0;

  virtual bool has_work() const = 0;
  // Schedules one pass at `now` and returns its modelled duration; `progress` says whether it
  // changes anything (a pass that changes nothing must not be re-run at the same instant).
  virtual Ns plan_pass(Ns now, bool& progress) = 0;
  // Completes the planned pass: emits its tokens stamped `end` (the worker's end) into `out`.
  virtual void finish_pass(Ns start, Ns end, PassOutput& out) = 0;
  // The planned pass changed nothing on any rank and is not run: it leaves no snapshot (the
  // reference drops such a pass, its forward-pass metrics with it).
  virtual void drop_pass() = 0;

  // Publishes stored/removed KV blocks to a KV router's index (kv_router mode only).
  virtual void attach_index(OverlapIndex* index, int32_t target) = 0;

  // Decode runs: a stretch of passes that no decision can change is priced and completed in bulk
  // instead of one event each. What qualifies: the queue admits nothing, every running request
  // decodes one token into blocks it already holds, and none emits its first or last token; such
  // passes touch no shared state (router, KV index, queues) until one of them ends differently.
  // How many passes from now qualify (0: none, or the engine has no decode runs).
  virtual int32_t decode_run_room() const { return 0; }
  // Durations of the next `passes` such passes; returns how many were priced (a pass of zero
  // duration ends the run early).
  virtual int32_t price_decode_run(int32_t passes, Ns* durations) const {
    (void)passes, (void)durations;
    return 0;
  }
  // Completes the next `count` passes of the run, ending at `ends`: as if each had been planned
  // and finished in turn.
  virtual void complete_decode_run(const Ns* ends, int32_t count, PassOutput& out) {
    (void)ends, (void)count, (void)out;
  }

  // The scheduled work of the run's next pass (each later pass adds one token per request).
  virtual PassWork decode_run_work() const { return {}; }

  virtual uint64_t passes() const = 0;
  virtual ForwardPassSnapshot last_pass() const = 0;
  // The scheduled work of the latest planned pass.
  virtual PassWork last_pass_work() const = 0;
  virtual bool passed_since_mark() const = 0;
  virtual void clear_pass_mark() = 0;
  // Requests queued or running here (a worker may be removed only when all its ranks hold none).
  virtual int64_t load() const = 0;
};

}  // namespace dynosim
