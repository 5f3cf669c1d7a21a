#include "pass_log.h"

#include <algorithm>

namespace dynosim {

std::vector<PassSegment> PassLog::sorted_segments() const {
  std::vector<PassSegment> out(segments_);
  std::stable_sort(out.begin(), out.end(), [](const PassSegment& a, const PassSegment& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.worker != b.worker) return a.worker < b.worker;
    return a.rank < b.rank;
  });
  return out;
}

size_t PassLog::passes() const {
  size_t n = 0;
  for (const auto& d : durations_) n += d.size();
  return n;
}

void PassLog::clear() {
  segments_.clear();
  std::fill(open_.begin(), open_.end(), -1);
  for (auto& d : durations_) d.clear();
}

}  // namespace dynosim
