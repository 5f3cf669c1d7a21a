// One routing target's active prefill load as the KV router charges it: the uncached prompt tokens
// of its requests not yet past prefill. With a prefill-load model (router_prefill_load_model
// "aic") each request also carries a predicted prefill duration, and the load decays as the
// reference's PrefillLoadTracker has it (lib/kv-router/src/sequences/prefill_tracker.rs):
// the oldest active prefill is the anchor, from the time it became the oldest; when every active
// prefill has a duration, the tokens the anchor completes at its rate (tokens × elapsed / duration,
// not capped at its own tokens) come off the whole backlog; otherwise only the anchor decays,
// linearly to zero over its duration (rounded up). Without durations nothing decays.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>

#include "../common/types.h"

namespace dynosim {

class PrefillLoad {
 public:
  static constexpr Ns kUnmodeled = -1;

  void add(int32_t r, int64_t tokens, Ns duration, Ns now) {
    if (order_.empty()) anchored_since_ = now;
    order_.push_back(Entry{r, tokens, duration});
    sum_ += tokens;
    if (duration == kUnmodeled) ++unmodeled_;
  }

  // Drops r's load (no-op when absent); removing the anchor re-anchors the next oldest at `now`.
  void remove(int32_t r, Ns now) {
    auto it = std::find_if(order_.begin(), order_.end(), [r](const Entry& e) { return e.r == r; });
    if (it == order_.end()) return;
    sum_ -= it->tokens;
    if (it->duration == kUnmodeled) --unmodeled_;
    const bool anchor = it == order_.begin();
    order_.erase(it);
    if (anchor) anchored_since_ = now;
  }

  int64_t active_tokens(Ns now) const {
    if (order_.empty()) return 0;
    const Entry& a = order_.front();
    const Ns elapsed = std::max<Ns>(0, now - anchored_since_);
    if (unmodeled_ == 0) {
      // completed_prefill_tokens: a zero duration completes the anchor's tokens at once.
      const int64_t done = a.duration == 0 ? a.tokens
                                           : static_cast<int64_t>(static_cast<unsigned __int128>(a.tokens) *
                                                                  static_cast<uint64_t>(elapsed) /
                                                                  static_cast<uint64_t>(a.duration));
      return sum_ - std::min(sum_, done);
    }
    int64_t left = a.tokens;
    if (a.duration == 0) {
      left = 0;
    } else if (a.duration != kUnmodeled) {
      const double fraction = std::clamp(1.0 - static_cast<double>(elapsed) / static_cast<double>(a.duration), 0.0, 1.0);
      left = static_cast<int64_t>(std::ceil(static_cast<double>(a.tokens) * fraction));
    }
    return sum_ - a.tokens + left;
  }

  bool empty() const { return order_.empty(); }

 private:
  struct Entry {
    int32_t r;
    int64_t tokens;
    Ns duration;  // predicted prefill time, or kUnmodeled
  };
  std::deque<Entry> order_;  // admission order; the front is the anchor
  int64_t sum_ = 0;
  int32_t unmodeled_ = 0;
  Ns anchored_since_ = 0;
};

}  // namespace dynosim
