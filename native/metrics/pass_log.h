// Every forward pass a pool's engines ran since the planner last looked, for the planner's
// every-pass observation feed. Kept in the compact form the regression needs: segments of
// consecutive passes of one engine (one segment per plain pass; a stretch of plain decode passes,
// each one token longer per request, is one segment however it ran), with one wall time per pass.
// The same passes give the same segments whether they ran one by one or as a decode run.
#pragma once
#include <cstdint>
#include <vector>

#include "../common/types.h"
#include "forward_pass.h"

namespace dynosim {

struct PassSegment {
  Ns start = 0;            // the first pass's start
  Ns end = 0;              // the last pass's end
  int32_t worker = 0, rank = 0;
  PassWork first;          // the first pass; pass j adds j × num_decode_requests decode KV tokens
  int32_t count = 0;
  int32_t target = 0;      // engine (worker × dp + rank) whose duration list holds the passes
  int32_t offset = 0;      // first pass's index in that list
};

class PassLog {
 public:
  // One pass of engine (worker, rank) = target, started at `start`, lasting `duration`.
  void append(int32_t worker, int32_t rank, int32_t target, Ns start, Ns duration, const PassWork& work) {
    if (static_cast<size_t>(target) >= open_.size()) {
      open_.resize(target + 1, -1);
      durations_.resize(target + 1);
    }
    std::vector<Ns>& d = durations_[target];
    const int32_t o = open_[target];
    if (o >= 0 && continues(segments_[o], start, work)) {
      PassSegment& s = segments_[o];
      ++s.count;
      s.end = start + duration;
    } else {
      PassSegment s;
      s.start = start;
      s.end = start + duration;
      s.worker = worker;
      s.rank = rank;
      s.first = work;
      s.count = 1;
      s.target = target;
      s.offset = static_cast<int32_t>(d.size());
      open_[target] = static_cast<int32_t>(segments_.size());
      segments_.push_back(s);
    }
    d.push_back(duration);
  }

  // The segments logged since the last clear, ordered by start (then worker, rank).
  std::vector<PassSegment> sorted_segments() const;
  const std::vector<Ns>& durations_of(int32_t target) const { return durations_[target]; }
  size_t passes() const;
  void clear();

 private:
  static bool continues(const PassSegment& s, Ns start, const PassWork& w) {
    const PassWork& f = s.first;
    return start == s.end && f.num_prefill_requests == 0 && f.sum_prefill_tokens == 0 && w.num_prefill_requests == 0 &&
           w.sum_prefill_tokens == 0 && w.sum_prefill_kv_tokens == 0 && f.num_decode_requests > 0 &&
           w.num_decode_requests == f.num_decode_requests &&
           w.sum_decode_kv_tokens == f.sum_decode_kv_tokens + static_cast<int64_t>(s.count) * f.num_decode_requests;
  }

  std::vector<PassSegment> segments_;
  std::vector<int32_t> open_;                // per engine: its segment that may continue, or -1
  std::vector<std::vector<Ns>> durations_;   // per engine: its passes' durations, in order
};

}  // namespace dynosim
