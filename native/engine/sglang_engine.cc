#include "sglang_engine.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <tuple>

#include "../perf/timing.h"
#include "decode_run.h"

namespace dynosim {

namespace {
// SGLang constants: LPM falls back to FIFO above this many waiting requests; a request whose
// cached prefix is this short is deprioritised when an earlier waiting request shares its first
// tokens (it will hit that request's cache once it runs).
constexpr size_t kLpmMaxWaiting = 128;
constexpr int64_t kInBatchPrefixTokens = 32;
// New-token-ratio schedule: init = 0.7 x conservativeness, floor = init x 0.14, reached after
// 600 decaying passes.
constexpr double kInitRatio = 0.7;
constexpr double kMinRatioFactor = 0.14;
constexpr double kDecayPasses = 600.0;
}  // namespace

SglangEngine::SglangEngine(const EngineConfig& config, const RequestTable& requests, RequestState& state,
                           Collector& collector, uint64_t rank_seed)
    : cfg_(config),
      req_(requests),
      st_(state),
      collector_(collector),
      cache_(config.num_gpu_blocks),
      mtp_rng_(config.mtp_seed + rank_seed),
      B_(config.block_size),
      total_tokens_(static_cast<int64_t>(config.num_gpu_blocks) * config.block_size),
      max_running_(config.max_num_seqs > 0 ? config.max_num_seqs : kUnbounded),
      max_burst_(config.role == WorkerRole::Prefill ? 1 : static_cast<uint32_t>(config.nextn) + 1),
      caching_(config.enable_prefix_caching),
      slot_of_(64) {
  init_ratio_ = kInitRatio * cfg_.sglang.schedule_conservativeness;
  min_ratio_ = init_ratio_ * kMinRatioFactor;
  decay_step_ = (init_ratio_ - min_ratio_) / kDecayPasses;
  ratio_ = init_ratio_;
}

// ---- per-request bookkeeping -------------------------------------------------------------

SglangEngine::Local& SglangEngine::open_local(int32_t r) {
  int32_t s = slot_of_.find(static_cast<uint64_t>(r));
  if (s == FlatMap::kMissing) {
    if (!free_locals_.empty()) {
      s = free_locals_.back();
      free_locals_.pop_back();
    } else {
      s = static_cast<int32_t>(locals_.size());
      locals_.emplace_back();
    }
    slot_of_.put(static_cast<uint64_t>(r), s);
  }
  locals_[s] = Local();
  return locals_[s];
}

void SglangEngine::close_local(int32_t r) {
  const int32_t s = slot_of_.find(static_cast<uint64_t>(r));
  if (s == FlatMap::kMissing) return;
  slot_of_.erase(static_cast<uint64_t>(r));
  free_locals_.push_back(s);
}

int64_t SglangEngine::growth_tokens(int32_t r) const {
  const int64_t target = seq_len(r) + std::min<int64_t>(max_burst_, remaining(r));
  return (pages_for(target) - static_cast<int64_t>(st_.blocks[r].size())) * B_;
}

// Queue moments for the forward-pass snapshot: fresh prompts wait as prefill work, requests
// with output (retracted) or a transferred prompt as decode work.
void SglangEngine::queue_add(int32_t r, bool decode) {
  Local& l = local(r);
  l.queued = decode ? 2 : 1;
  l.queued_len = decode ? seq_len(r) : req_.input_len(r);
  (decode ? queued_decode_ : queued_prefill_).add(l.queued_len);
}

void SglangEngine::queue_remove(int32_t r) {
  Local& l = local(r);
  if (l.queued == 1) queued_prefill_.remove(l.queued_len);
  else if (l.queued == 2) queued_decode_.remove(l.queued_len);
  l.queued = 0;
}

void SglangEngine::push_waiting_back(int32_t r) {
  waiting_.push_back(r);
  queue_add(r, st_.generated[r] > 0);
}

void SglangEngine::push_waiting_front(int32_t r) {
  waiting_.push_front(r);
  queue_add(r, st_.generated[r] > 0);
}

void SglangEngine::pop_waiting_front() {
  queue_remove(waiting_.front());
  waiting_.pop_front();
}


// ---- queue entry points ----------------------------------------------------------------------

void SglangEngine::enqueue(int32_t r) {
  open_local(r);
  st_.output_limit[r] = cfg_.role == WorkerRole::Prefill ? 1 : req_.max_output(r);
  st_.status[r] = ReqStatus::Waiting;
  push_waiting_back(r);
}

bool SglangEngine::reserve_prefilled(int32_t r, uint32_t* fresh_tokens) {
  open_local(r);
  const uint32_t prompt = req_.input_len(r);
  const int64_t needed = pages_for(prompt);
  const int32_t matched = caching_ ? matched_pages(r, static_cast<int32_t>(prompt / B_)) : 0;
  lock_prefix(r, matched);
  const int64_t fresh = needed - matched;
  if (fresh > cache_.free_pages() + cache_.evictable_pages() || !grow_pages(r, needed)) {
    release_pages(r);
    close_local(r);
    return false;
  }
  st_.output_limit[r] = req_.max_output(r);
  st_.status[r] = ReqStatus::Held;
  *fresh_tokens = static_cast<uint32_t>(fresh * B_);
  return true;
}

void SglangEngine::activate_prefilled(int32_t r) {
  st_.num_computed[r] = req_.input_len(r);
  cache_pages(r, static_cast<int32_t>(req_.input_len(r) / B_));
  st_.status[r] = ReqStatus::Waiting;
  prebuilt_.push_back(r);
  queue_add(r, true);
}

void SglangEngine::release_held(int32_t r) {
  release_pages(r);
  st_.status[r] = ReqStatus::Done;
  close_local(r);
}

// ---- scheduling ------------------------------------------------------------------------------

// Longest-prefix-match order: (deprioritised first-false, longer cached prefix first), stable.
// A chunked prefill parked at the head keeps its place: SGLang continues it before anything else.
void SglangEngine::apply_lpm() {
  const int32_t dup_pages = static_cast<int32_t>((kInBatchPrefixTokens + B_ - 1) / B_);
  const int64_t dup_len = static_cast<int64_t>(dup_pages) * B_;
  size_t parked = 0;
  while (parked < waiting_.size() && st_.num_computed[waiting_[parked]] > 0) ++parked;
  std::vector<BlockHash> claimed;
  std::vector<std::tuple<bool, int64_t, int32_t>> scored;  // (deprioritised, -prefix, r)
  scored.reserve(waiting_.size() - parked);
  for (size_t k = parked; k < waiting_.size(); ++k) {
    const int32_t r = waiting_[k];
    const uint32_t len = seq_len(r);
    const int64_t prefix = caching_ ? static_cast<int64_t>(matched_pages(r, static_cast<int32_t>(len / B_))) * B_ : 0;
    bool deprioritised = false;
    if (prefix <= kInBatchPrefixTokens && len >= dup_len) {
      const BlockHash head = req_.block_id(r, dup_pages - 1);
      deprioritised = std::find(claimed.begin(), claimed.end(), head) != claimed.end();
      if (!deprioritised) claimed.push_back(head);
    }
    scored.emplace_back(deprioritised, -prefix, r);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return !std::get<0>(a);
    return std::get<1>(a) < std::get<1>(b);
  });
  for (size_t k = 0; k < scored.size(); ++k) waiting_[parked + k] = std::get<2>(scored[k]);
}

// Nothing but r holds KV here: if r cannot be admitted now, it never will be.
bool SglangEngine::idle_except(int32_t r) const {
  return running_.empty() && batch_.empty() && prebuilt_.empty() &&
         cache_.free_pages() + cache_.evictable_pages() + static_cast<int64_t>(st_.blocks[r].size()) ==
             cache_.num_pages();
}

void SglangEngine::reject_front() {
  const int32_t r = waiting_.front();
  pop_waiting_front();
  release_pages(r);
  st_.status[r] = ReqStatus::Rejected;
  collector_.on_reject(r);
  rejected_.push_back(r);
  close_local(r);
  progress_ = true;
}

// The extend batch (SGLang get_new_batch_prefill): waiting requests in order while running
// slots, the token budget (free + evictable KV minus the decode reserve of running requests
// at the new-token ratio), max_prefill_tokens and chunked_prefill_size allow. Returns whether
// an allocation ran out of pages (OOM).
bool SglangEngine::admit(Ns now, int64_t& total_isl, int64_t& total_prefix) {
  const SglangConfig& sg = cfg_.sglang;
  double rem_total = static_cast<double>(cache_.free_pages() + cache_.evictable_pages()) * B_ - decode_reserve(0, ratio_);
  double rem_input = static_cast<double>(sg.max_prefill_tokens);
  double rem_chunk = static_cast<double>(sg.chunked_prefill_size);
  const int64_t slots = free_slots();

  while (static_cast<int64_t>(batch_.size()) < slots && !waiting_.empty()) {
    const int32_t r = waiting_.front();
    Local& l = local(r);
    const uint32_t owned = st_.num_computed[r];
    const bool fresh = owned == 0;  // first admission, or re-admission after a retraction
    if (never_fits(r)) {
      reject_front();
      continue;
    }
    Extension ext;
    if (!plan_extension(r, rem_chunk, ext)) break;
    const int32_t matched = ext.matched;
    const int64_t start = ext.start, chunk = ext.chunk, charged = ext.charged, reserve = ext.reserve;
    if (static_cast<double>(charged + reserve) >= rem_total) {
      // Head-of-line blocking.
      if (idle_except(r)) {
        // Nothing else holds KV and it still does not fit: drop it rather than wait forever.
        if (st_.generated[r] == 0) {
          reject_front();
          continue;
        }
        pop_waiting_front();
        release_pages(r);
        st_.num_computed[r] = 0;
        st_.status[r] = ReqStatus::Running;
        emissions_.push_back(Emission{r, 0, false, true});
        ++finishing_;
        progress_ = true;
      }
      break;
    }
    // SGLang lets the first request of a batch exceed max_prefill_tokens.
    if ((static_cast<double>(charged) > rem_input && !batch_.empty()) || static_cast<double>(charged) > rem_chunk) break;

    const int64_t chunk_end = start + chunk;
    if (fresh) lock_prefix(r, matched);
    if (!grow_pages(r, pages_for(chunk_end))) {
      if (fresh) release_pages(r);
      return true;
    }
    pop_waiting_front();
    st_.num_computed[r] = static_cast<uint32_t>(chunk_end);
    st_.status[r] = ReqStatus::Running;
    const int64_t prefix = fresh ? static_cast<int64_t>(matched) * B_ : owned;
    if (fresh) {
      l.admitted = true;
      if (cfg_.role == WorkerRole::Decode) collector_.on_decode_admit(r, now);
      else collector_.on_admit(r, now, static_cast<uint32_t>(prefix));
    }
    const int64_t computed = chunk_end - prefix;
    if (computed > 0 && cfg_.role != WorkerRole::Decode) {
      batch_stats_.add_prefill(req_.input_len(r), computed, prefix);
    }
    total_isl += chunk_end;
    total_prefix += prefix;
    rem_total -= static_cast<double>(charged + reserve);
    rem_input -= static_cast<double>(charged);
    rem_chunk -= static_cast<double>(charged);
    batch_.push_back(r);
    progress_ = true;
    if (rem_chunk <= 0) break;
  }
  return false;
}

void SglangEngine::retract(int32_t r) {
  release_pages(r);
  st_.num_computed[r] = 0;
  st_.status[r] = ReqStatus::Preempted;
  retracted_.push_back(r);
}

// MTP: the base token plus each draft accepted in turn until the first rejection.
uint32_t SglangEngine::burst_length() {
  uint32_t k = 1;
  for (int32_t i = 0; i < cfg_.nextn; ++i) {
    const double p = cfg_.accept_rates[i];
    if (!(p >= 1.0 || (p > 0.0 && mtp_rng_.uniform() < p))) break;
    ++k;
  }
  return k;
}

// One decode step over `batch` (the newly prefilled requests, or every running one): requests
// with nothing left complete, the rest are checked against the pool (retracting the one with the
// fewest output tokens while the page growth does not fit), priced, and sample their tokens.
// `full`: the step covers every running request (no extend batch this pass). On return `batch`
// holds the requests that keep running.
Ns SglangEngine::decode_step(std::vector<int32_t>& batch, bool full) {
  size_t kept = 0;
  for (int32_t r : batch) {
    if (remaining(r) == 0) {
      emissions_.push_back(Emission{r, 0, false, true});
      ++finishing_;
      continue;
    }
    batch[kept++] = r;
  }
  batch.resize(kept);
  if (batch.empty()) return 0;
  for (int32_t r : batch) batch_stats_.add_decode(seq_len(r));

  int64_t growth = 0;
  for (int32_t r : batch) growth += growth_tokens(r);
  while (batch.size() > 1 && static_cast<int64_t>(cache_.free_pages() + cache_.evictable_pages()) * B_ < growth) {
    size_t victim = 0;
    for (size_t k = 1; k < batch.size(); ++k)
      if (st_.generated[batch[k]] < st_.generated[batch[victim]]) victim = k;
    const int32_t r = batch[victim];
    growth -= growth_tokens(r);
    batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(victim));
    retract(r);
  }
  const int64_t need_pages = growth / B_;
  if (cache_.free_pages() < need_pages) cache_.evict(static_cast<int32_t>(need_pages - cache_.free_pages()));
  // Only a lone request can still be short (retraction needs two). In a full decode step, the
  // other holders give their pages up rather than leave the engine stuck: chunked prefills parked
  // in the waiting queue, then transferred prompts still waiting for a running slot (newest
  // first). None has output yet; their cached prefix stays in the tree.
  if (full) {
    for (auto it = waiting_.begin(); it != waiting_.end() && cache_.free_pages() < need_pages; ++it) {
      const int32_t w = *it;
      if (st_.blocks[w].empty()) continue;
      release_pages(w);
      st_.num_computed[w] = 0;
      reset_ratio_ = true;
      cache_.evict(static_cast<int32_t>(need_pages - cache_.free_pages()));
    }
    while (!prebuilt_.empty() && cache_.free_pages() < need_pages) {
      const int32_t w = prebuilt_.back();
      prebuilt_.pop_back();
      queue_remove(w);
      local(w).admitted = true;  // accepted here (transferred), never a rejection candidate
      retract(w);
      cache_.evict(static_cast<int32_t>(need_pages - cache_.free_pages()));
    }
  }
  if (cache_.free_pages() < need_pages) {
    // If nothing else holds KV the lone request has outgrown the whole pool and ends, at
    // capacity; otherwise it gets no token this step and stays running (after an extend pass,
    // the next full decode step can retract).
    int64_t held = 0;
    for (int32_t r : batch) held += static_cast<int64_t>(st_.blocks[r].size());
    if (cache_.free_pages() + cache_.evictable_pages() + held < cache_.num_pages()) return 0;
    for (int32_t r : batch) {
      emissions_.push_back(Emission{r, 0, false, true});
      ++finishing_;
    }
    batch.clear();
    return 0;
  }

  int64_t context = 0;
  for (int32_t r : batch) context += seq_len(r);
  const Ns ns = cfg_.role != WorkerRole::Prefill ? decode_step_ns(static_cast<int64_t>(batch.size()), context) : 0;

  kept = 0;
  for (int32_t r : batch) {
    uint32_t k = max_burst_ > 1 ? burst_length() : 1;
    k = std::min(k, remaining(r));
    const bool first = st_.generated[r] == 0;
    st_.generated[r] += k;
    const uint32_t len = seq_len(r);
    grow_pages(r, pages_for(len));  // within the growth checked above
    st_.num_computed[r] = len;      // the sampled tokens get their KV slots in this step
    const bool done = st_.generated[r] >= st_.output_limit[r];
    if (done) {
      ++finishing_;
    } else {
      cache_pages(r, static_cast<int32_t>(len / B_));
      batch[kept++] = r;
    }
    emissions_.push_back(Emission{r, k, first, done});
  }
  batch.resize(kept);
  return ns;
}

Ns SglangEngine::plan_pass(Ns now, bool& progress) {
  ++epoch_;
  progress_ = false;
  batch_.clear();
  prefilled_.clear();
  retracted_.clear();
  rejected_.clear();
  emissions_.clear();
  finishing_ = 0;
  reset_ratio_ = false;
  batch_stats_ = PassBatch();
  cache_.index_feed().defer();

  // 1. Transferred prompts take running slots first; while any still wait, nothing new is
  //    prefilled.
  while (static_cast<int64_t>(running_.size()) < max_running_ && !prebuilt_.empty()) {
    const int32_t r = prebuilt_.front();
    prebuilt_.pop_front();
    queue_remove(r);
    st_.status[r] = ReqStatus::Running;
    local(r).admitted = true;
    running_.push_back(r);
    collector_.on_decode_admit(r, now);
    progress_ = true;
  }

  // 2. The extend batch.
  int64_t total_isl = 0, total_prefix = 0;
  if (prebuilt_.empty()) {
    if (cfg_.sglang.lpm && waiting_.size() > 1 && waiting_.size() <= kLpmMaxWaiting) apply_lpm();
    if (admit(now, total_isl, total_prefix)) ratio_ = init_ratio_;
  }
  const int64_t batch = static_cast<int64_t>(batch_.size());
  Ns prefill_ns = 0;
  if (batch > 0 && cfg_.role != WorkerRole::Decode)
    prefill_ns = scaled_duration_ns(cfg_.perf.prefill_ms(batch, total_isl / batch, total_prefix / batch), cfg_.speedup_ratio);
  // A chunk that did not finish its prompt is cached as prefix and goes back to the front.
  for (int32_t r : batch_) {
    if (st_.num_computed[r] < seq_len(r)) {
      cache_pages(r, static_cast<int32_t>(st_.num_computed[r] / B_));
      st_.status[r] = ReqStatus::Waiting;
      push_waiting_front(r);
    } else {
      prefilled_.push_back(r);
    }
  }

  // 3. Extend first: a pass that prefilled decodes only the requests it finished.
  Ns decode_ns;
  if (batch > 0) {
    decode_ns = decode_step(prefilled_, false);
    running_.insert(running_.end(), prefilled_.begin(), prefilled_.end());
  } else {
    decode_ns = decode_step(running_, true);
  }
  for (auto it = retracted_.rbegin(); it != retracted_.rend(); ++it) push_waiting_front(*it);
  if (!retracted_.empty() || reset_ratio_) {
    ratio_ = init_ratio_;
    progress_ = true;
  }
  if (!emissions_.empty()) progress_ = true;
  if (progress_) ratio_ = std::max(ratio_ - decay_step_, min_ratio_);

  const Ns duration = prefill_ns + decode_ns;
  if (!progress_) {
    // No finish_pass follows a pass that changed nothing: publish what it did (evictions) now.
    cache_.index_feed().flush();
  }
  record_snapshot(duration);
  progress = progress_;
  return duration;
}

// A prefill worker keeps the finished request's KV (held for the transfer); others cache the
// page-aligned sequence in the tree and free the rest.
void SglangEngine::complete(int32_t r, PassOutput& out) {
  cache_pages(r, static_cast<int32_t>(st_.num_computed[r] / B_));
  if (cfg_.role == WorkerRole::Prefill) {
    st_.status[r] = ReqStatus::Held;
  } else {
    release_pages(r);
    st_.status[r] = ReqStatus::Done;
    collector_.on_complete(r);
    close_local(r);
  }
  out.signals.emplace_back(r, Signal::Finished);
}

void SglangEngine::finish_pass(Ns start, Ns end, PassOutput& out) {
  for (int32_t r : rejected_) out.signals.emplace_back(r, Signal::Finished);
  rejected_.clear();
  const bool visible_tokens = cfg_.role != WorkerRole::Prefill;
  int64_t visible = 0, forwards = 0;
  for (const Emission& e : emissions_) {
    if (visible_tokens && e.tokens > 0) {
      for (uint32_t j = 0; j < e.tokens; ++j) collector_.on_token(e.r, end);
      visible += e.tokens;
      ++forwards;
    }
    if (e.done) complete(e.r, out);
    else if (e.first) out.signals.emplace_back(e.r, Signal::FirstToken);
  }
  emissions_.clear();
  finishing_ = 0;
  cache_.index_feed().flush();
  last_pass_.visible_output_tokens = visible;
  last_pass_.decode_forwards = forwards;
  last_pass_.duration = end - start;
  out.visible_tokens += visible;
  out.decode_forwards += forwards;
}

void SglangEngine::record_snapshot(Ns duration) {
  dropped_ = {last_pass_, passed_since_mark_};
  last_pass_ = PassRecord{batch_stats_, queued_prefill_, queued_decode_, duration, 0, 0};
  passed_since_mark_ = true;
}


}  // namespace dynosim
