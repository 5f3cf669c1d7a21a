#include "vllm_engine.h"

#include <algorithm>
#include <limits>

#include "../perf/timing.h"

namespace dynosim {

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

VllmEngine::VllmEngine(const EngineConfig& config, const RequestTable& requests, RequestState& state,
                       Collector& collector, uint64_t rank_seed)
    : cfg_(config),
      req_(requests),
      st_(state),
      collector_(collector),
      pool_(config.num_gpu_blocks, config.enable_prefix_caching),
      mtp_rng_(config.mtp_seed + rank_seed) {}

void VllmEngine::enqueue(int32_t r) {
  const int64_t capacity_tokens = static_cast<int64_t>(cfg_.num_gpu_blocks) * cfg_.block_size;
  uint32_t limit = cfg_.role == WorkerRole::Prefill ? 1 : req_.max_output(r);
  // TRT-LLM caps the output so that the whole sequence fits the pool.
  if (trtllm()) limit = static_cast<uint32_t>(std::max<int64_t>(0, std::min<int64_t>(limit, capacity_tokens - req_.input_len(r))));
  st_.output_limit[r] = limit;
  st_.status[r] = ReqStatus::Waiting;
  waiting_.push_back(r);
  queued_prefill_.add(req_.input_len(r));
}

bool VllmEngine::reserve_prefilled(int32_t r, uint32_t* fresh_tokens) {
  const int32_t B = cfg_.block_size;
  const uint32_t prompt = req_.input_len(r);
  const int32_t needed = static_cast<int32_t>(ceil_div(prompt, B));
  auto& blocks = st_.blocks[r];
  uint32_t fresh = 0;
  for (int32_t i = 0; i < needed; ++i) {
    const BlockHash id = static_cast<int64_t>(i + 1) * B <= prompt ? req_.block_id(r, i) : unique_block_id(r, i);
    const bool resident = pool_.lookup(id) != BlockPool::kNone;
    const int32_t b = pool_.acquire(id);
    if (b == BlockPool::kNone) {
      release_blocks(r);
      return false;
    }
    if (!resident) ++fresh;
    blocks.push_back(b);
  }
  st_.output_limit[r] = req_.max_output(r);
  st_.status[r] = ReqStatus::Held;
  *fresh_tokens = fresh * B;
  return true;
}

void VllmEngine::activate_prefilled(int32_t r) {
  st_.num_computed[r] = req_.input_len(r);
  st_.status[r] = ReqStatus::Waiting;
  waiting_.push_back(r);
  queued_decode_.add(seq_len(r));
}

void VllmEngine::release_held(int32_t r) {
  release_blocks(r);
  st_.status[r] = ReqStatus::Done;
}

// A waiting request counts as queued decode work (preempted, or its prompt transferred) or as a
// queued prompt.
bool VllmEngine::queued_as_decode(int32_t r) const {
  return st_.status[r] == ReqStatus::Preempted || st_.num_computed[r] > 0;
}

void VllmEngine::pop_waiting_front() {
  const int32_t r = waiting_.front();
  remove_waiting(r, queued_as_decode(r));
}

// Takes r out of the waiting queue: usually its head, but a request admitted in a pass that then
// preempted others has them queued in front of it.
void VllmEngine::remove_waiting(int32_t r, bool as_decode) {
  if (waiting_.front() == r) waiting_.pop_front();
  else waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r));
  if (as_decode) queued_decode_.remove(seq_len(r));
  else queued_prefill_.remove(req_.input_len(r));
}

// Longest run of leading blocks of r's current sequence resident in the pool, in tokens. vLLM
// recomputes the last prompt token to produce logits (and one more block with MTP); TRT-LLM
// reuses the whole match. Also counts how many of those blocks are active, which the admission
// gate does not charge again.
uint32_t VllmEngine::cached_prefix(int32_t r, int32_t* active_cached_blocks) const {
  *active_cached_blocks = 0;
  if (!cfg_.enable_prefix_caching) return 0;
  const uint32_t len = seq_len(r);
  const int32_t B = cfg_.block_size;
  int32_t max_blocks = static_cast<int32_t>(trtllm() ? len / B : (len - 1) / B);
  int32_t hit = 0, active = 0;
  if (max_blocks <= 0) return 0;
  const BlockIds ids = block_ids(r);
  for (; hit < max_blocks; ++hit) {
    int32_t b = pool_.lookup(ids[hit]);
    if (b == BlockPool::kNone) break;
    if (pool_.is_active(b)) ++active;
  }
  if (cfg_.nextn > 0 && !trtllm() && hit > 0) {
    if (pool_.is_active(pool_.lookup(ids[hit - 1]))) --active;
    --hit;
  }
  *active_cached_blocks = active;
  return static_cast<uint32_t>(hit) * B;
}

// A waiting request that can never run here (aisimulate engine, scheduler/vllm/policy.rs,
// decide_waiting_admission_with_cost). Fresh: its prompt reaches max_model_len or its sequence
// exceeds the whole pool (TRT-LLM: leaves no decode room), or, with chunked prefill off, its
// prompt exceeds max_num_batched_tokens. Preempted: its sequence has outgrown the whole pool —
// the reference's AllocationRequirement::Impossible — so it would wait for blocks forever. With
// MTP that includes the burst its next step reserves (reserve_bursts): a sequence that fits but
// whose reservation never can would be re-admitted, recomputed and preempted again forever.
bool VllmEngine::turned_away(int32_t r) const {
  const bool exceeds_pool = ceil_div(seq_len(r), cfg_.block_size) > cfg_.num_gpu_blocks;
  if (st_.status[r] == ReqStatus::Preempted) {
    const int64_t burst = cfg_.nextn > 0 ? burst_reserve(r) : 0;
    return ceil_div(seq_len(r) + burst, cfg_.block_size) > cfg_.num_gpu_blocks;
  }
  if (st_.status[r] != ReqStatus::Waiting || st_.num_computed[r] > 0) return false;  // > 0: prompt transferred
  const int64_t capacity_tokens = static_cast<int64_t>(cfg_.num_gpu_blocks) * cfg_.block_size;
  const bool unchunkable = !cfg_.enable_chunked_prefill && cfg_.max_num_batched_tokens > 0 &&
                           static_cast<int64_t>(req_.input_len(r)) > cfg_.max_num_batched_tokens;
  return (cfg_.max_model_len > 0 && req_.input_len(r) >= cfg_.max_model_len) || exceeds_pool || unchunkable ||
         (trtllm() && req_.input_len(r) >= capacity_tokens);
}

// Whether waiting request r fits the KV gate now; `cached` = prompt tokens it would reuse.
bool VllmEngine::fits_now(int32_t r, uint32_t* cached) const {
  int32_t held = 0;
  if (st_.num_computed[r] > 0) {
    *cached = 0;
    held = static_cast<int32_t>(st_.blocks[r].size());
  } else {
    *cached = cached_prefix(r, &held);
  }
  return admission_gate(r, held);
}

int64_t VllmEngine::blocks_to_finish(int32_t r) const {
  const int64_t total = ceil_div(static_cast<int64_t>(req_.input_len(r)) + st_.output_limit[r], cfg_.block_size);
  return total - static_cast<int64_t>(st_.blocks[r].size());
}

bool VllmEngine::admission_gate(int32_t r, int32_t held_blocks) const {
  const int64_t available = cfg_.num_gpu_blocks - pool_.active_blocks();
  if (!trtllm()) return ceil_div(seq_len(r), cfg_.block_size) - held_blocks <= available;
  // Guaranteed no-evict: admit only if this request and every running one can finish.
  int64_t reserved = 0;
  for (int32_t x : running_)
    if (st_.status[x] == ReqStatus::Running) reserved += blocks_to_finish(x);
  const int64_t candidate =
      ceil_div(static_cast<int64_t>(req_.input_len(r)) + st_.output_limit[r], cfg_.block_size) - held_blocks;
  return candidate <= available - reserved;
}

void VllmEngine::release_blocks(int32_t r) {
  auto& blocks = st_.blocks[r];
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) pool_.release(*it);
  std::vector<int32_t>().swap(blocks);  // its capacity too: memory follows the requests in flight
}

void VllmEngine::preempt(int32_t v) {
  running_len_ -= seq_len(v);
  release_blocks(v);
  st_.num_computed[v] = 0;
  st_.status[v] = ReqStatus::Preempted;
  waiting_.push_front(v);
  queued_decode_.add(seq_len(v));
  --running_count_;
  running_stale_ = true;
  preempted_any_ = true;
  if (st_.pass_epoch[v] == epoch_) {
    // Its work this pass is undone: give back the budget and its share of the prefill batch.
    budget_ += st_.pass_tokens[v];
    if (st_.pass_prompt_tokens[v] > 0 && cfg_.role != WorkerRole::Decode) {
      --batch_count_;
      sum_isl_ -= st_.pass_prompt_before[v] + st_.pass_prompt_tokens[v];
      sum_prefix_ -= st_.pass_prompt_before[v];
    }
    st_.pass_epoch[v] = 0;
  }
}

bool VllmEngine::preempt_one(int32_t current, bool* current_was_victim) {
  *current_was_victim = false;
  if (trtllm()) return false;  // guaranteed no-evict never preempts
  const int64_t n = static_cast<int64_t>(running_.size());
  for (int64_t k = 0; k < n; ++k) {
    int32_t v = running_[cfg_.fifo_preemption ? k : n - 1 - k];
    if (st_.status[v] != ReqStatus::Running) continue;
    preempt(v);
    *current_was_victim = v == current;
    return true;
  }
  return false;
}

VllmEngine::Scheduled VllmEngine::schedule(int32_t r, uint32_t cached) {
  const int32_t B = cfg_.block_size;
  const uint32_t len = seq_len(r);
  const uint32_t prompt = req_.input_len(r);
  const uint32_t before = st_.num_computed[r] + cached;
  const uint32_t prompt_before = std::min(before, prompt);
  const uint32_t remaining = len - before;
  if (prompt_before < prompt && !cfg_.enable_chunked_prefill && static_cast<int64_t>(prompt - prompt_before) > budget_)
    return Scheduled::Blocked;
  const uint32_t desired = static_cast<uint32_t>(std::min<int64_t>(remaining, budget_));
  if (desired == 0 && remaining > 0) return Scheduled::Blocked;
  const uint32_t after = before + desired;

  auto& blocks = st_.blocks[r];
  // A decode step usually fits the blocks it holds: test with a multiply before dividing.
  const int64_t covered = static_cast<int64_t>(blocks.size()) * B;
  const size_t needed = covered >= after ? blocks.size() : static_cast<size_t>(ceil_div(after, B));
  // Each new block probes an index far larger than cache: keep a few probes in flight.
  constexpr size_t kAhead = 8;
  const BlockIds ids = blocks.size() < needed ? block_ids(r) : BlockIds{nullptr, 0, r};
  for (size_t j = blocks.size(); j < needed && j < blocks.size() + kAhead; ++j)
    pool_.prefetch(ids[static_cast<int32_t>(j)]);
  while (blocks.size() < needed) {
    const int32_t i = static_cast<int32_t>(blocks.size());
    if (i + kAhead < needed) pool_.prefetch(ids[static_cast<int32_t>(i + kAhead)]);
    // A block not yet full gets a private id; it takes its content identity once full.
    const bool full = static_cast<int64_t>(i + 1) * B <= after;
    const BlockHash id = full ? ids[i] : unique_block_id(r, i);
    int32_t b = pool_.acquire(id);
    if (b == BlockPool::kNone) {
      bool self = false;
      if (!preempt_one(r, &self)) return Scheduled::Blocked;
      if (self) return Scheduled::CurrentPreempted;
      continue;
    }
    blocks.push_back(b);
  }
  promote_filled(r, before, after);

  st_.num_computed[r] = after;
  const uint32_t prompt_tokens = std::min(after, prompt) - prompt_before;
  st_.pass_epoch[r] = epoch_;
  st_.pass_tokens[r] = desired;
  st_.pass_prompt_before[r] = prompt_before;
  st_.pass_prompt_tokens[r] = prompt_tokens;
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
                                [&](int32_t r) { return st_.status[r] != ReqStatus::Running; }),
                 running_.end());
  running_stale_ = false;
}

void VllmEngine::reject_front() {
  const int32_t r = waiting_.front();
  pop_waiting_front();
  st_.status[r] = ReqStatus::Rejected;
  collector_.on_reject(r);
  rejected_.push_back(r);
}

void VllmEngine::admit(int32_t r, Ns now, uint32_t cached, bool queued_decode) {
  remove_waiting(r, queued_decode);
  st_.status[r] = ReqStatus::Running;
  running_.push_back(r);
  ++running_count_;
  running_len_ += seq_len(r);
  if (cfg_.role == WorkerRole::Decode) collector_.on_decode_admit(r, now);
  else collector_.on_admit(r, now, cached);
}

// A finished request leaves the running set: a prefill worker keeps its KV (held for the
// transfer); others free it.
void VllmEngine::retire(int32_t r) {
  if (cfg_.role == WorkerRole::Prefill) {
    st_.status[r] = ReqStatus::Held;
  } else {
    release_blocks(r);
    st_.status[r] = ReqStatus::Done;
  }
  --running_count_;
  running_len_ -= seq_len(r);
  running_stale_ = true;
}

// Signals a retired request's end.
void VllmEngine::complete(int32_t r, PassOutput& out) {
  if (cfg_.role != WorkerRole::Prefill) collector_.on_complete(r);
  out.signals.emplace_back(r, Signal::Finished);
}

// MTP: the base token plus each draft accepted in turn until the first rejection.
uint32_t VllmEngine::burst_length() {
  uint32_t k = 1;
  for (int32_t i = 0; i < cfg_.nextn; ++i) {
    double p = cfg_.accept_rates[i];
    if (!(p >= 1.0 || (p > 0.0 && mtp_rng_.uniform() < p))) break;
    ++k;
  }
  return k;
}

// Tokens r may still emit: up to its output limit and, with max_model_len, the model's length.
uint32_t VllmEngine::tokens_left(int32_t r) const {
  int64_t left = static_cast<int64_t>(st_.output_limit[r]) - st_.generated[r];
  if (cfg_.max_model_len > 0) left = std::min<int64_t>(left, cfg_.max_model_len - static_cast<int64_t>(seq_len(r)));
  return static_cast<uint32_t>(std::max<int64_t>(0, left));
}

uint32_t VllmEngine::burst_reserve(int32_t r) const {
  const uint32_t max_burst = cfg_.role == WorkerRole::Prefill ? 1 : static_cast<uint32_t>(cfg_.nextn) + 1;
  return std::min(max_burst, tokens_left(r));
}

// The requests whose sequence is fully computed emit this pass; those already at their output
// limit end now without a token and leave the decode batch (emit_ready_tokens). Also records
// the batch for the pass snapshot, which leaves terminal requests out of the decodes.
void VllmEngine::find_ready(PassBatch* batch) {
  for (int32_t r : running_) {
    if (st_.status[r] != ReqStatus::Running) continue;
    const uint32_t len = seq_len(r);
    const bool terminal = at_limit(r);
    if (batch && st_.pass_epoch[r] == epoch_) {
      if (st_.pass_prompt_tokens[r] > 0) batch->add_prefill(req_.input_len(r), st_.pass_prompt_tokens[r], st_.pass_prompt_before[r]);
      else if (!terminal) batch->add_decode(len);
    }
    if (st_.num_computed[r] != len) continue;
    if (terminal) {
      if (batch) {
        retire(r);
        finished_.push_back(r);
      }
      continue;
    }
    ready_.push_back(r);
  }
}

// MTP: before the step, the pool must hold every ready request's largest burst (blocks for
// min(nextn + 1, tokens left) more tokens); short of that, requests are preempted as for any
// allocation and the ready set is found again (emit_speculative_ready_tokens). Cached blocks are
// evicted for the whole reservation at once; what the bursts leave unused returns free.
void VllmEngine::reserve_bursts() {
  const int64_t B = cfg_.block_size;
  for (;;) {
    int64_t required = 0;
    for (int32_t r : ready_) {
      const int64_t len = seq_len(r);
      required += ceil_div(len + burst_reserve(r), B) - ceil_div(len, B);
    }
    if (required <= cfg_.num_gpu_blocks - pool_.active_blocks()) {
      pool_.evict_until_free(static_cast<int32_t>(required));
      return;
    }
    bool unused;
    ready_.clear();
    if (!preempt_one(-1, &unused)) return;  // TRT-LLM never preempts: no step this pass
    find_ready(nullptr);
    if (ready_.empty()) return;
  }
}

// Draws each ready request's burst (MTP) in ready order; a request that goes on decoding takes
// the blocks its new tokens fill at once, out of the reservation.
void VllmEngine::sample_bursts() {
  bursts_.clear();
  const bool mtp = cfg_.nextn > 0 && cfg_.role != WorkerRole::Prefill;
  for (int32_t r : ready_) {
    const uint32_t k = std::min(mtp ? burst_length() : 1u, tokens_left(r));
    bursts_.push_back(k);
    if (cfg_.nextn == 0 || k == tokens_left(r)) continue;  // no burst, or the request ends
    auto& blocks = st_.blocks[r];
    const size_t needed = static_cast<size_t>(ceil_div(seq_len(r) + k, cfg_.block_size));
    while (blocks.size() < needed) {
      const int32_t b = pool_.acquire(unique_block_id(r, static_cast<int32_t>(blocks.size())));
      if (b == BlockPool::kNone) break;  // cannot happen: reserved above
      blocks.push_back(b);
    }
  }
}

Ns VllmEngine::plan_pass(Ns now, bool& progress) {
  ++epoch_;
  progress = false;
  budget_ = cfg_.max_num_batched_tokens > 0 ? cfg_.max_num_batched_tokens : kUnbounded;
  batch_count_ = sum_isl_ = sum_prefix_ = 0;
  preempted_any_ = false;
  ready_.clear();
  finished_.clear();
  rejected_.clear();
  compact_running();
  pool_.index_feed().defer();

  // 1. Running requests first, in order, while budget remains.
  for (size_t k = 0; k < running_.size() && budget_ > 0; ++k) {
    int32_t r = running_[k];
    if (st_.status[r] != ReqStatus::Running) continue;
    int32_t unused;
    uint32_t cached = st_.num_computed[r] == 0 ? cached_prefix(r, &unused) : 0;
    if (schedule(r, cached) == Scheduled::Blocked) break;
  }

  // 2. Admit waiting requests, never in a pass that preempted. An exhausted budget does not end
  //    the loop by itself: the head may still be turned away, or need no tokens (a transferred
  //    prompt; TRT-LLM's fully cached prompt), and a request is admitted only if it schedules
  //    (aisimulate engine, scheduler/vllm/core.rs, execute_pass_internal).
  const int64_t max_seqs = cfg_.max_num_seqs > 0 ? cfg_.max_num_seqs : kUnbounded;
  while (!preempted_any_ && !waiting_.empty() && running_count_ < max_seqs) {
    const int32_t r = waiting_.front();
    if (turned_away(r)) {
      reject_front();
      progress = true;
      continue;
    }
    uint32_t cached = 0;
    if (!fits_now(r, &cached)) break;  // head-of-line blocking: waiting work never preempts
    const bool queued_decode = queued_as_decode(r);
    if (schedule(r, cached) != Scheduled::Ok) break;
    admit(r, now, cached, queued_decode);
    progress = true;
    if (st_.pass_tokens[r] == 0 && budget_ == 0) break;
  }

  // 3. Price the pass: one prefill over the scheduled prompt chunks, one decode step over every
  //    request whose sequence is now fully computed.
  Ns prefill_ns = 0;
  if (batch_count_ > 0 && cfg_.role != WorkerRole::Decode) {
    prefill_ns = scaled_duration_ns(
        cfg_.perf.prefill_ms(batch_count_, sum_isl_ / batch_count_, sum_prefix_ / batch_count_), cfg_.speedup_ratio);
    progress = true;
  }
  PassBatch batch;
  find_ready(&batch);
  if (cfg_.nextn > 0 && !ready_.empty()) reserve_bursts();
  Ns decode_ns = 0;
  if (!ready_.empty()) {
    progress = true;
    int64_t sum_len = 0;
    for (int32_t r : ready_) sum_len += seq_len(r);
    if (cfg_.role != WorkerRole::Prefill) decode_ns = decode_step_ns(static_cast<int64_t>(ready_.size()), sum_len);
    sample_bursts();
  }
  // Progress without a priced batch: a preemption changed the queues (the only running request
  // preempted itself: the next pass re-admits or turns it away), or tokens were computed that are
  // neither prompt nor a decode step (a preempted request recomputing its generated tokens past
  // one budget's chunk). Either way another pass must follow.
  const int64_t full_budget = cfg_.max_num_batched_tokens > 0 ? cfg_.max_num_batched_tokens : kUnbounded;
  if (!rejected_.empty() || !finished_.empty() || preempted_any_ || budget_ != full_budget) progress = true;
  // No finish_pass follows a pass that changed nothing: publish what it did (evictions) now.
  if (!progress) pool_.index_feed().flush();
  const Ns duration = prefill_ns + decode_ns;
  dropped_ = {last_pass_, passed_since_mark_};
  last_pass_ = PassRecord{batch, queued_prefill_, queued_decode_, duration, 0, 0};
  passed_since_mark_ = true;
  return duration;
}

// Signals in the reference's order: requests that ended at their limit, the tokens of the step,
// then the rejections.
void VllmEngine::finish_pass(Ns start, Ns end, PassOutput& out) {
  for (int32_t r : finished_) complete(r, out);
  finished_.clear();
  const bool visible_tokens = cfg_.role != WorkerRole::Prefill;
  int64_t visible = 0, forwards = 0;
  for (size_t i = 0; i < ready_.size(); ++i) {
    const int32_t r = ready_[i];
    const uint32_t k = bursts_[i];
    const bool first = st_.generated[r] == 0;
    st_.generated[r] += k;
    running_len_ += k;
    if (visible_tokens) {
      for (uint32_t j = 0; j < k; ++j) collector_.on_token(r, end);
      visible += k;
      ++forwards;
    }
    // Exactly one sampled token is left to compute (the "dangling" token).
    st_.num_computed[r] = seq_len(r) - 1;
    if (at_limit(r)) {
      retire(r);
      complete(r, out);
    } else if (first) {
      out.signals.emplace_back(r, Signal::FirstToken);
    }
  }
  ready_.clear();
  for (int32_t r : rejected_) out.signals.emplace_back(r, Signal::Finished);
  rejected_.clear();
  pool_.index_feed().flush();
  last_pass_.visible_output_tokens = visible;
  last_pass_.decode_forwards = forwards;
  last_pass_.duration = end - start;
  out.visible_tokens += visible;
  out.decode_forwards += forwards;
}

// Blocks of r that became full in [before, after) computed tokens join the prefix cache under
// their content id (nothing to do once the blocks with content are all behind `before`, as in
// decode unless generated tokens have content).
void VllmEngine::promote_filled(int32_t r, uint32_t before, uint32_t after) {
  const int64_t B = cfg_.block_size;
  const int32_t content = req_.content_blocks(r);
  if (before >= static_cast<int64_t>(content) * B) return;
  const int32_t last_full = std::min<int32_t>(static_cast<int32_t>(after / B), content);
  auto& blocks = st_.blocks[r];
  for (int32_t i = static_cast<int32_t>(before / B); i < last_full; ++i) {
    if (pool_.id_of(blocks[i]) & kUniqueBlockTag) {
      BlockHash id = req_.block_id(r, i);
      if (!(id & kUniqueBlockTag)) blocks[i] = pool_.promote(blocks[i], id);
    }
  }
}

}  // namespace dynosim
