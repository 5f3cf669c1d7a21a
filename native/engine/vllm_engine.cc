#include "vllm_engine.h"

#include <algorithm>
#include <limits>

#include "../perf/timing.h"

namespace dynosim {

namespace {
constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

VllmEngine::VllmEngine(const EngineConfig& config, RequestTable& requests, Collector& collector)
    : cfg_(config), req_(requests), collector_(collector), pool_(config.num_gpu_blocks, config.enable_prefix_caching) {}

void VllmEngine::enqueue(int32_t r) {
  req_.status[r] = ReqStatus::Waiting;
  waiting_.push_back(r);
  queued_prefill_.add(req_.input_len(r));
}

void VllmEngine::pop_waiting_front() {
  const int32_t r = waiting_.front();
  waiting_.pop_front();
  if (req_.status[r] == ReqStatus::Preempted) queued_decode_.remove(req_.seq_len(r));
  else queued_prefill_.remove(req_.input_len(r));
}

// Longest run of leading blocks of r's current sequence resident in the pool, in tokens, after
// the recompute rule (the last token must be computed to produce logits). Also counts how many
// of those blocks are active, which the admission gate does not charge again.
uint32_t VllmEngine::cached_prefix(int32_t r, int32_t* active_cached_blocks) const {
  *active_cached_blocks = 0;
  if (!cfg_.enable_prefix_caching) return 0;
  const uint32_t len = req_.seq_len(r);
  const int32_t B = cfg_.block_size;
  const int32_t max_blocks = static_cast<int32_t>((len - 1) / B);  // recompute rule
  int32_t hit = 0, active = 0;
  for (; hit < max_blocks; ++hit) {
    int32_t b = pool_.lookup(req_.block_id(r, hit));
    if (b == BlockPool::kNone) break;
    if (pool_.is_active(b)) ++active;
  }
  *active_cached_blocks = active;
  return static_cast<uint32_t>(hit) * B;
}

void VllmEngine::release_blocks(int32_t r) {
  auto& blocks = req_.blocks[r];
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) pool_.release(*it);
  blocks.clear();
}

void VllmEngine::preempt(int32_t v) {
  release_blocks(v);
  req_.num_computed[v] = 0;
  req_.status[v] = ReqStatus::Preempted;
  waiting_.push_front(v);
  queued_decode_.add(req_.seq_len(v));
  --running_count_;
  running_stale_ = true;
  preempted_any_ = true;
  if (req_.pass_epoch[v] == epoch_) {
    // Its work this pass is undone: give back the budget and its share of the prefill batch.
    budget_ += req_.pass_tokens[v];
    if (req_.pass_prompt_tokens[v] > 0 && cfg_.role != WorkerRole::Decode) {
      --batch_count_;
      sum_isl_ -= req_.pass_prompt_before[v] + req_.pass_prompt_tokens[v];
      sum_prefix_ -= req_.pass_prompt_before[v];
    }
    req_.pass_epoch[v] = 0;
  }
}

bool VllmEngine::preempt_one(int32_t current, bool* current_was_victim) {
  *current_was_victim = false;
  const int64_t n = static_cast<int64_t>(running_.size());
  for (int64_t k = 0; k < n; ++k) {
    int32_t v = running_[cfg_.fifo_preemption ? k : n - 1 - k];
    if (req_.status[v] != ReqStatus::Running) continue;
    preempt(v);
    *current_was_victim = v == current;
    return true;
  }
  return false;
}

VllmEngine::Scheduled VllmEngine::schedule(int32_t r, uint32_t cached) {
  const int32_t B = cfg_.block_size;
  const uint32_t len = req_.seq_len(r);
  const uint32_t prompt = req_.input_len(r);
  const uint32_t before = req_.num_computed[r] + cached;
  const uint32_t prompt_before = std::min(before, prompt);
  const uint32_t remaining = len - before;
  if (prompt_before < prompt && !cfg_.enable_chunked_prefill && static_cast<int64_t>(prompt - prompt_before) > budget_)
    return Scheduled::Blocked;
  const uint32_t desired = static_cast<uint32_t>(std::min<int64_t>(remaining, budget_));
  if (desired == 0 && remaining > 0) return Scheduled::Blocked;
  const uint32_t after = before + desired;

  auto& blocks = req_.blocks[r];
  const size_t needed = static_cast<size_t>(ceil_div(after, B));
  while (blocks.size() < needed) {
    const int32_t i = static_cast<int32_t>(blocks.size());
    if (static_cast<size_t>(i) + 2 < needed) pool_.prefetch(req_.block_id(r, i + 2));
    // A block not yet full gets a private id; it takes its content identity once full.
    const bool full = static_cast<int64_t>(i + 1) * B <= after;
    const BlockHash id = full ? req_.block_id(r, i) : unique_block_id(r, i);
    int32_t b = pool_.acquire(id);
    if (b == BlockPool::kNone) {
      bool self = false;
      if (!preempt_one(r, &self)) return Scheduled::Blocked;
      if (self) return Scheduled::CurrentPreempted;
      continue;
    }
    blocks.push_back(b);
  }
  // Blocks that became full in [before, after) join the prefix cache under their content id.
  const int32_t full_prompt = req_.full_prompt_blocks(r);
  const int32_t last_full = std::min<int32_t>(static_cast<int32_t>(after / B), full_prompt);
  for (int32_t i = static_cast<int32_t>(before / B); i < last_full; ++i) {
    if (pool_.id_of(blocks[i]) & kUniqueBlockTag) {
      BlockHash content = req_.block_id(r, i);
      if (!(content & kUniqueBlockTag)) blocks[i] = pool_.promote(blocks[i], content);
    }
  }

  req_.num_computed[r] = after;
  const uint32_t prompt_tokens = std::min(after, prompt) - prompt_before;
  req_.pass_epoch[r] = epoch_;
  req_.pass_tokens[r] = desired;
  req_.pass_prompt_before[r] = prompt_before;
  req_.pass_prompt_tokens[r] = prompt_tokens;
  if (prompt_tokens > 0 && cfg_.role != WorkerRole::Decode) {
    ++batch_count_;
    sum_isl_ += prompt_before + prompt_tokens;
    sum_prefix_ += prompt_before;
  }
  budget_ -= desired;
  return Scheduled::Ok;
}

void VllmEngine::compact_running() {
  if (!running_stale_) return;
  running_.erase(std::remove_if(running_.begin(), running_.end(),
                                [&](int32_t r) { return req_.status[r] != ReqStatus::Running; }),
                 running_.end());
  running_stale_ = false;
}

void VllmEngine::finish(int32_t r, PassOutput& out) {
  release_blocks(r);
  req_.status[r] = ReqStatus::Done;
  --running_count_;
  running_stale_ = true;
  collector_.on_complete(r);
  out.signals.emplace_back(r, Signal::Finished);
}

Ns VllmEngine::execute_pass(Ns now, PassOutput& out, bool& progress) {
  ++epoch_;
  progress = false;
  budget_ = cfg_.max_num_batched_tokens > 0 ? cfg_.max_num_batched_tokens : kUnbounded;
  batch_count_ = sum_isl_ = sum_prefix_ = 0;
  preempted_any_ = false;
  const int32_t B = cfg_.block_size;
  compact_running();

  // 1. Running requests first, in order, while budget remains.
  for (size_t k = 0; k < running_.size() && budget_ > 0; ++k) {
    int32_t r = running_[k];
    if (req_.status[r] != ReqStatus::Running) continue;
    int32_t unused;
    uint32_t cached = req_.num_computed[r] == 0 ? cached_prefix(r, &unused) : 0;
    if (schedule(r, cached) == Scheduled::Blocked) break;
  }

  // 2. Admit waiting requests, never in a pass that preempted.
  const int64_t max_seqs = cfg_.max_num_seqs > 0 ? cfg_.max_num_seqs : kUnbounded;
  while (!preempted_any_ && !waiting_.empty() && running_count_ < max_seqs && budget_ > 0) {
    const int32_t r = waiting_.front();
    const uint32_t len = req_.seq_len(r);
    if (req_.status[r] == ReqStatus::Waiting &&
        ((cfg_.max_model_len > 0 && req_.input_len(r) >= cfg_.max_model_len) ||
         ceil_div(len, B) > cfg_.num_gpu_blocks)) {
      pop_waiting_front();
      req_.status[r] = ReqStatus::Rejected;
      collector_.on_reject(r);
      out.signals.emplace_back(r, Signal::Finished);
      progress = true;
      continue;
    }
    int32_t active_cached_blocks = 0;
    const uint32_t cached = cached_prefix(r, &active_cached_blocks);
    const int64_t needed = ceil_div(len, B) - active_cached_blocks;
    const int64_t available = cfg_.num_gpu_blocks - pool_.active_blocks();
    if (needed > available) break;  // head-of-line blocking: waiting work never preempts
    pop_waiting_front();
    req_.status[r] = ReqStatus::Running;
    running_.push_back(r);
    ++running_count_;
    collector_.on_admit(r, now, cached);
    progress = true;
    Scheduled s = schedule(r, cached);
    if (s != Scheduled::Ok) break;
  }

  // 3. Price the pass: one prefill over the scheduled prompt chunks, one decode step over every
  //    request whose sequence is now fully computed.
  Ns prefill_ns = 0;
  if (batch_count_ > 0 && cfg_.role != WorkerRole::Decode) {
    prefill_ns = scaled_duration_ns(
        cfg_.perf.prefill_ms(batch_count_, sum_isl_ / batch_count_, sum_prefix_ / batch_count_), cfg_.speedup_ratio);
    progress = true;
  }
  ready_.clear();
  int64_t sum_len = 0;
  for (int32_t r : running_) {
    if (req_.status[r] != ReqStatus::Running) continue;
    uint32_t len = req_.seq_len(r);
    if (req_.num_computed[r] != len) continue;
    ready_.push_back(r);
    sum_len += len;
  }
  Ns decode_ns = 0;
  if (!ready_.empty() && cfg_.role != WorkerRole::Prefill) {
    const int64_t batch = static_cast<int64_t>(ready_.size());
    const double ms = cfg_.perf.decode_ms(batch, static_cast<int64_t>(pool_.active_blocks()) * B, sum_len / batch,
                                          static_cast<int64_t>(cfg_.num_gpu_blocks) * B);
    decode_ns = scaled_duration_ns(ms, cfg_.speedup_ratio * cfg_.decode_speedup_ratio);
  }
  const Ns end = now + prefill_ns + decode_ns;
  record_pass(now, end);

  // 4. Emit: every token of the pass is stamped with the pass end.
  int64_t visible = 0;
  for (int32_t r : ready_) {
    progress = true;
    const uint32_t max_out = req_.max_output(r);
    if (req_.generated[r] >= max_out) {
      finish(r, out);
      continue;
    }
    ++req_.generated[r];
    ++visible;
    collector_.on_token(r, end);
    const bool at_limit = req_.generated[r] >= max_out ||
                          (cfg_.max_model_len > 0 && req_.seq_len(r) >= cfg_.max_model_len);
    if (at_limit) {
      finish(r, out);
    } else if (req_.generated[r] == 1) {
      out.signals.emplace_back(r, Signal::FirstToken);
    }
  }
  last_pass_.visible_output_tokens = out.visible_tokens = visible;
  last_pass_.decode_forwards = out.decode_forwards = visible;  // one token each without speculation
  return end;
}

// Snapshot of the pass just scheduled: the work it holds, the queues behind it, its length.
void VllmEngine::record_pass(Ns now, Ns end) {
  ForwardPassSnapshot& f = last_pass_;
  f = ForwardPassSnapshot();
  Welford prefill_len, decode_len;
  for (int32_t r : running_) {
    if (req_.status[r] != ReqStatus::Running || req_.pass_epoch[r] != epoch_) continue;
    if (req_.pass_prompt_tokens[r] > 0) {
      prefill_len.add(req_.input_len(r));
      f.sum_prefill_tokens += req_.pass_prompt_tokens[r];
      f.sum_prefill_kv_tokens += req_.pass_prompt_before[r];
    } else {
      decode_len.add(req_.seq_len(r));
    }
  }
  f.num_prefill_requests = static_cast<int64_t>(prefill_len.count());
  f.var_prefill_length = prefill_len.variance();
  f.num_decode_requests = static_cast<int64_t>(decode_len.count());
  f.sum_decode_kv_tokens = static_cast<int64_t>(decode_len.sum());
  f.var_decode_kv_tokens = decode_len.variance();
  f.num_queued_prefill = queued_prefill_.count();
  f.sum_queued_prefill_tokens = static_cast<int64_t>(queued_prefill_.sum());
  f.var_queued_prefill_length = queued_prefill_.variance();
  f.num_queued_decode = queued_decode_.count();
  f.sum_queued_decode_kv_tokens = static_cast<int64_t>(queued_decode_.sum());
  f.var_queued_decode_kv_tokens = queued_decode_.variance();
  f.wall_time_secs = static_cast<double>(end - now) / 1e9;
  passed_since_mark_ = true;
}

}  // namespace dynosim
