// One SGLang-style engine (scheduler + radix page cache) for one routing target.
//
// A pass is "extend first": waiting requests are admitted into a prefill (extend) batch under the
// new-token-ratio budget; if a batch forms, the pass is its prefill plus one decode step of only
// the requests whose prompt it finished (their first token), and every other running request
// waits. Otherwise the pass is one decode step over all running requests, retracting the
// request with the fewest output tokens while the pool cannot hold the step's page growth.
// Decode timing uses logical KV sums (Σ context), not physical pages.
//
// Pages are `block_size` tokens (SGLang's page_size); all per-request work is O(pages).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../common/flat_map.h"
#include "../common/rng.h"
#include "../metrics/collector.h"
#include "../metrics/running_moments.h"
#include "../perf/timing.h"
#include "engine.h"
#include "engine_config.h"
#include "radix_cache.h"
#include "request_table.h"

namespace dynosim {

class SglangEngine final : public Engine {
 public:
  SglangEngine(const EngineConfig& config, const RequestTable& requests, RequestState& state, Collector& collector,
               uint64_t rank_seed);

  void enqueue(int32_t r) override;
  bool reserve_prefilled(int32_t r, uint32_t* fresh_tokens) override;
  void activate_prefilled(int32_t r) override;
  void release_held(int32_t r) override;

  bool has_work() const override { return !running_.empty() || !waiting_.empty() || !prebuilt_.empty(); }
  Ns plan_pass(Ns now, bool& progress) override;
  void finish_pass(Ns start, Ns end, PassOutput& out) override;
  void attach_index(OverlapIndex* index, int32_t target) override { cache_.attach_index(index, target); }
  int32_t decode_run_room() const override;
  int32_t price_decode_run(int32_t passes, Ns* durations) const override;
  void complete_decode_run(const Ns* ends, int32_t count, PassOutput& out) override;

  uint64_t passes() const override { return epoch_; }
  ForwardPassSnapshot last_pass() const override { return last_pass_.snapshot(); }
  PassWork last_pass_work() const override { return last_pass_.work(); }
  PassWork decode_run_work() const override;
  void drop_pass() override {
    last_pass_ = dropped_.pass;
    passed_since_mark_ = dropped_.mark;
  }
  bool passed_since_mark() const override { return passed_since_mark_; }
  void clear_pass_mark() override { passed_since_mark_ = false; }
  int64_t load() const override {
    return static_cast<int64_t>(running_.size() + waiting_.size() + prebuilt_.size()) + finishing_;
  }

  const RadixCache& cache() const { return cache_; }
  double new_token_ratio() const { return ratio_; }

 private:
  // Engine-side state of a request that is here (queued, running or held).
  struct Local {
    int32_t cached_pages = 0;  // leading pages of st_.blocks[r] that are radix nodes it holds
    uint64_t touch = 0;        // its last access to its path (LRU stamp applied when it lets go)
    bool admitted = false;     // admitted here at least once
    uint8_t queued = 0;        // counted in the queued-prefill (1) or queued-decode (2) moments
    uint32_t queued_len = 0;
    mutable int32_t match_hint = 0;  // its last prefix-match length in pages (a search hint only)
  };
  // One request's outcome in the planned pass, applied when the pass ends.
  struct Emission {
    int32_t r;
    uint32_t tokens;  // 0: completes without a token
    bool first;
    bool done;
  };

  Local& local(int32_t r) { return locals_[slot_of_.find(static_cast<uint64_t>(r))]; }
  const Local& local(int32_t r) const { return locals_[slot_of_.find(static_cast<uint64_t>(r))]; }
  Local& open_local(int32_t r);
  void close_local(int32_t r);

  uint32_t seq_len(int32_t r) const { return req_.input_len(r) + st_.generated[r]; }
  // One decode step over `batch` sequences of `context` tokens in all. The model reads that logical
  // sum as is (a profile extrapolates past the pool; the polynomial caps its utilisation at 1), as
  // aisimulate's scheduler/sglang/decode.rs, simulate_decode_step_with_sampler, hands it over.
  // Inline: decode runs price every pass of a run with it.
  Ns decode_step_ns(int64_t batch, int64_t context) const {
    const double ms = cfg_.perf.decode_ms(batch, context, context / batch, total_tokens_);
    return scaled_duration_ns(ms, cfg_.speedup_ratio * cfg_.decode_speedup_ratio);
  }
  uint32_t remaining(int32_t r) const {
    return st_.output_limit[r] > st_.generated[r] ? st_.output_limit[r] - st_.generated[r] : 0;
  }
  int64_t pages_for(int64_t tokens) const { return (tokens + B_ - 1) / B_; }
  // Page growth (tokens) the next decode step needs for r, a full MTP burst included.
  int64_t growth_tokens(int32_t r) const;

  void push_waiting_back(int32_t r);
  void push_waiting_front(int32_t r);
  void pop_waiting_front();
  void queue_add(int32_t r, bool decode);
  void queue_remove(int32_t r);

  int32_t matched_pages(int32_t r, int32_t max_pages) const;
  int32_t passes_head_waits(int32_t limit) const;
  // What extending waiting request r in this pass would take (see admit()).
  struct Extension {
    int32_t matched = 0;  // prompt pages found in the tree (fresh requests)
    int64_t start = 0, extend = 0, chunk = 0;
    int64_t charged = 0;  // pages' worth of tokens the chunk takes
    int64_t reserve = 0;  // its output reserve once the chunk ends the prompt
  };
  bool plan_extension(int32_t r, double rem_chunk, Extension& e) const;
  bool never_fits(int32_t r) const;
  double decode_reserve(int64_t passes_ahead, double ratio) const;
  void lock_prefix(int32_t r, int32_t pages);
  bool grow_pages(int32_t r, int64_t target_pages);
  void cache_pages(int32_t r, int32_t upto);
  void release_pages(int32_t r);

  void apply_lpm();
  bool admit(Ns now, int64_t& total_isl, int64_t& total_prefix);
  bool idle_except(int32_t r) const;
  void reject_front();
  Ns decode_step(std::vector<int32_t>& batch, bool full);
  void retract(int32_t r);
  uint32_t burst_length();
  void complete(int32_t r, PassOutput& out);
  void record_snapshot(Ns duration);

  EngineConfig cfg_;
  // Requests the running batch can still take (max_num_seqs; unbounded when unset).
  int64_t free_slots() const {
    return max_running_ == kUnbounded ? kUnbounded : max_running_ - static_cast<int64_t>(running_.size());
  }

  const RequestTable& req_;
  RequestState& st_;
  Collector& collector_;
  RadixCache cache_;
  Rng mtp_rng_;
  int32_t B_;
  int64_t total_tokens_;
  int64_t max_running_;
  uint32_t max_burst_;
  bool caching_;

  // New-token-ratio admission budget.
  double init_ratio_, min_ratio_, decay_step_, ratio_;

  FlatMap slot_of_;  // request -> index into locals_
  std::vector<Local> locals_;
  std::vector<int32_t> free_locals_;

  std::deque<int32_t> waiting_;
  std::deque<int32_t> prebuilt_;  // disaggregated decode: prompt transferred, awaiting a running slot
  std::vector<int32_t> running_;
  RunningMoments queued_prefill_, queued_decode_;

  // The pass being planned.
  uint64_t epoch_ = 0;
  std::vector<int32_t> batch_;      // admitted into this pass's extend batch
  std::vector<int32_t> prefilled_;  // ... whose prompt it finished
  std::vector<int32_t> retracted_;
  std::vector<int32_t> rejected_;
  std::vector<Emission> emissions_;
  int64_t finishing_ = 0;  // emissions that complete their request when the pass ends
  bool progress_ = false;
  bool reset_ratio_ = false;  // a parked chunked prefill gave up its pages (a retraction)
  PassBatch batch_stats_;  // the scheduled side of the pass being built

  PassRecord last_pass_;
  bool passed_since_mark_ = false;
  struct {
    PassRecord pass;
    bool mark = false;
  } dropped_;  // what a dropped pass restores
};

}  // namespace dynosim
