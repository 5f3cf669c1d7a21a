// The SGLang engine's decode runs: many plain decode passes priced and completed at once.
#include <algorithm>
#include <limits>

#include "decode_run.h"
#include "sglang_engine.h"

namespace dynosim {

// Decode runs (see Engine). A pass of the run is a full decode step with nothing queued: every
// running request emits one token into the page it holds, none fills a page (which would enter
// the radix tree) or needs a new one, none emits its first or last token. What changes from pass
// to pass is the tokens, the pass count and the new-token ratio's decay.
int32_t SglangEngine::decode_run_room() const {
  if (cfg_.role == WorkerRole::Prefill || max_burst_ > 1 || !prebuilt_.empty() || running_.empty()) return 0;
  int64_t room = std::numeric_limits<int32_t>::max();
  for (int32_t r : running_) {
    const int64_t len = seq_len(r);
    if (st_.generated[r] == 0 || st_.num_computed[r] != len) return 0;
    if (caching_ && local(r).cached_pages != static_cast<int32_t>(len / B_)) return 0;
    // Pass m grows the sequence to len + m + 1, which must stay inside the last held page and
    // short of its end.
    room = std::min(room, std::min<int64_t>(static_cast<int64_t>(st_.blocks[r].size()) * B_, (len / B_ + 1) * B_ - 1) - len);
    room = std::min<int64_t>(room, static_cast<int64_t>(remaining(r)) - 1);
    if (room <= 0) return 0;
  }
  if (!waiting_.empty()) room = passes_head_waits(static_cast<int32_t>(room));
  return static_cast<int32_t>(room);
}

// With requests waiting, each pass of a run must stop admission at the queue's head, as admit()
// would: no running slot, nothing left to extend, no chunk budget, or no KV budget. Only the KV
// budget moves during a run (the reserve held for running requests shrinks as they emit, and the
// new-token ratio decays), so it is replayed pass by pass with admit()'s arithmetic. Returns how
// many passes from now keep the head waiting, at most `limit` (0 when it would move now).
int32_t SglangEngine::passes_head_waits(int32_t limit) const {
  const SglangConfig& sg = cfg_.sglang;
  if (sg.lpm && waiting_.size() > 1) return 0;  // LPM may reorder the queue first
  const int64_t slots = free_slots();
  if (slots <= 0) return limit;
  const int32_t r = waiting_.front();
  if (never_fits(r)) return 0;  // it would be turned away
  const double rem_chunk = static_cast<double>(sg.chunked_prefill_size);
  Extension e;
  if (!plan_extension(r, rem_chunk, e)) return limit;
  if (static_cast<double>(e.charged) > rem_chunk) return limit;  // past the KV check, the chunk budget stops it
  const double pool = static_cast<double>(cache_.free_pages() + cache_.evictable_pages()) * B_;
  double ratio = ratio_;
  for (int32_t m = 0; m < limit; ++m) {
    if (static_cast<double>(e.charged + e.reserve) < pool - decode_reserve(m, ratio)) return m;  // admitted at pass m
    ratio = std::max(ratio - decay_step_, min_ratio_);
  }
  return limit;
}

int32_t SglangEngine::price_decode_run(int32_t passes, Ns* durations) const {
  const int64_t n = static_cast<int64_t>(running_.size());
  int64_t context = 0;
  for (int32_t r : running_) context += seq_len(r);
  return price_growing_batch(passes, n, context, durations,
                             [this](int64_t batch, int64_t len) { return decode_step_ns(batch, len); });
}

PassWork SglangEngine::decode_run_work() const {
  PassWork w;
  for (int32_t r : running_) w.sum_decode_kv_tokens += seq_len(r);
  w.num_decode_requests = static_cast<int64_t>(running_.size());
  return w;
}

void SglangEngine::complete_decode_run(const Ns* ends, int32_t count, PassOutput& out) {
  if (count <= 0) return;
  const int64_t n = static_cast<int64_t>(running_.size());
  // Pass by pass; the collector records each pass's gap once for the requests that share it.
  collector_.on_run_tokens(running_.data(), running_.size(), ends, count);
  for (int32_t r : running_) {
    st_.generated[r] += count;
    st_.num_computed[r] = seq_len(r);
  }
  for (int32_t m = 0; m < count; ++m) ratio_ = std::max(ratio_ - decay_step_, min_ratio_);  // as each pass decays it
  epoch_ += count;
  passed_since_mark_ = true;
  out.visible_tokens += count * n;
  out.decode_forwards += count * n;
}

}  // namespace dynosim
