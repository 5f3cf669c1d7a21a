// One vLLM-style engine (scheduler + KV pool) for one routing target. A pass schedules running
// requests first against the token budget (chunked prefill, preemption with recompute when KV
// runs out), then admits waiting requests behind a KV capacity gate, prices the batch with the
// perf model and emits tokens for every request whose sequence is fully computed (one, or an MTP
// burst). The TRT-LLM policy shares the core: it admits only what it can finish and never preempts.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../common/rng.h"
#include "../metrics/collector.h"
#include "../metrics/running_moments.h"
#include "../perf/timing.h"
#include "block_pool.h"
#include "engine.h"
#include "engine_config.h"
#include "request_table.h"

namespace dynosim {

class VllmEngine final : public Engine {
 public:
  VllmEngine(const EngineConfig& config, const RequestTable& requests, RequestState& state, Collector& collector,
             uint64_t rank_seed);

  void enqueue(int32_t r) override;
  bool reserve_prefilled(int32_t r, uint32_t* fresh_tokens) override;
  void activate_prefilled(int32_t r) override;
  void release_held(int32_t r) override;

  bool has_work() const override { return running_count_ > 0 || !waiting_.empty(); }
  Ns plan_pass(Ns now, bool& progress) override;
  void finish_pass(Ns start, Ns end, PassOutput& out) override;
  void attach_index(OverlapIndex* index, int32_t target) override { pool_.attach_index(index, target); }
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
  int64_t load() const override { return running_count_ + static_cast<int64_t>(waiting_.size()); }

  BlockPool& pool() { return pool_; }

 private:
  void promote_filled(int32_t r, uint32_t before, uint32_t after);
  enum class Scheduled : uint8_t { Ok, Blocked, CurrentPreempted };

  bool trtllm() const { return cfg_.kind == EngineKind::Trtllm; }
  uint32_t seq_len(int32_t r) const { return req_.input_len(r) + st_.generated[r]; }
  bool at_limit(int32_t r) const {
    return st_.generated[r] >= st_.output_limit[r] || (cfg_.max_model_len > 0 && seq_len(r) >= cfg_.max_model_len);
  }
  uint32_t tokens_left(int32_t r) const;
  // Tokens whose blocks an MTP step reserves for r before sampling its burst (reserve_bursts).
  uint32_t burst_reserve(int32_t r) const;
  // Identities of r's blocks (RequestTable::block_id) with the division and the look-up of its
  // content ids done once, not per block: prompt allocation asks for every block in turn.
  struct BlockIds {
    const BlockHash* content;
    int32_t content_blocks;
    int32_t r;
    BlockHash operator[](int32_t i) const { return i < content_blocks ? content[i] : unique_block_id(r, i); }
  };
  // Made only where ids are about to be read: they are computed on first use.
  BlockIds block_ids(int32_t r) const {
    const int32_t content = req_.content_blocks(r);
    return BlockIds{content > 0 ? req_.prompt_ids(r) : nullptr, content, r};
  }
  Scheduled schedule(int32_t r, uint32_t cached);
  uint32_t cached_prefix(int32_t r, int32_t* active_cached_blocks) const;
  bool admission_gate(int32_t r, int32_t active_cached_blocks) const;
  bool turned_away(int32_t r) const;
  bool fits_now(int32_t r, uint32_t* cached) const;
  bool head_stays_waiting() const;
  int64_t blocks_to_finish(int32_t r) const;
  bool preempt_one(int32_t current, bool* current_was_victim);
  void preempt(int32_t victim);
  void release_blocks(int32_t r);
  void compact_running();
  void admit(int32_t r, Ns now, uint32_t cached, bool queued_decode);
  void retire(int32_t r);
  void complete(int32_t r, PassOutput& out);
  void find_ready(PassBatch* batch);
  void reserve_bursts();
  void sample_bursts();
  void pop_waiting_front();
  bool queued_as_decode(int32_t r) const;
  void remove_waiting(int32_t r, bool as_decode);
  void reject_front();
  uint32_t burst_length();
  // One decode step over `batch` sequences of total length `sum_len`. The KV it reads is that
  // logical sum, not the blocks held: shared prefix blocks count once per sequence and MTP's
  // reserved blocks not at all (aisimulate engine, scheduler/vllm/core.rs, emit_ready_tokens).
  // Inline: decode runs price every pass of a run with it.
  Ns decode_step_ns(int64_t batch, int64_t sum_len) const {
    const double ms = cfg_.perf.decode_ms(batch, sum_len, sum_len / batch,
                                          static_cast<int64_t>(cfg_.num_gpu_blocks) * cfg_.block_size);
    return scaled_duration_ns(ms, cfg_.speedup_ratio * cfg_.decode_speedup_ratio);
  }

  EngineConfig cfg_;
  const RequestTable& req_;
  RequestState& st_;
  Collector& collector_;
  BlockPool pool_;
  Rng mtp_rng_;
  std::deque<int32_t> waiting_;
  std::vector<int32_t> running_;   // may hold stale (no longer running) entries until compacted
  std::vector<int32_t> ready_;     // requests emitting in the planned pass
  std::vector<uint32_t> bursts_;   // tokens each of them emits (MTP; else 1)
  std::vector<int32_t> finished_;  // at their output limit when the pass began: end without a token
  std::vector<int32_t> rejected_;  // rejected while planning; signalled when the pass finishes
  int64_t running_count_ = 0;
  int64_t running_len_ = 0;        // Σ sequence length over running requests (decode-run pricing)
  bool running_stale_ = false;
  RunningMoments queued_prefill_;  // prompt lengths of fresh waiting requests
  RunningMoments queued_decode_;   // sequence lengths of preempted or transferred waiting requests
  PassRecord last_pass_;
  bool passed_since_mark_ = false;
  struct {
    PassRecord pass;
    bool mark = false;
  } dropped_;  // what a dropped pass restores

  // State of the pass being built.
  uint64_t epoch_ = 0;
  int64_t budget_ = 0;
  int64_t batch_count_ = 0, sum_isl_ = 0, sum_prefix_ = 0;
  bool preempted_any_ = false;
};

}  // namespace dynosim
