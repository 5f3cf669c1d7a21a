#include "workload_driver.h"

#include <algorithm>

namespace dynosim {

WorkloadDriver::WorkloadDriver(const SessionView& s, int32_t num_requests)
    : view_(s), num_sessions_(s.num_sessions), num_requests_(num_requests), concurrency_(s.concurrency) {
  for (int32_t i = 0; i < num_sessions_; ++i) last_first_arrival_ = std::max(last_first_arrival_, first_arrival(i));
  if (s.graph.dep_offsets != nullptr) {
    std::vector<Ns> not_before(num_requests);
    for (int32_t r = 0; r < num_requests; ++r) not_before[r] = ms_to_ns(s.first_arrival_ms[session_of(r)]);
    graph_ = std::make_unique<DependencyGraph>(s.graph, not_before, num_requests);
  }
}

// Sessions are contiguous runs of turns: one turn each is the identity, else the last session
// starting at or before r.
int32_t WorkloadDriver::session_of(int32_t r) const {
  if (num_sessions_ == num_requests_) return r;
  const uint32_t* starts = view_.session_start;
  return static_cast<int32_t>(std::upper_bound(starts, starts + num_sessions_ + 1, static_cast<uint32_t>(r)) - starts) - 1;
}

Ns WorkloadDriver::next_ready(Ns now) const {
  if (graph_) return graph_->next_ready();
  Ns t = kNever;
  if (next_session_ < num_sessions_) {
    if (concurrency_ == 0) t = first_arrival(next_session_);
    else if (active_sessions_ < concurrency_) t = now;
  }
  if (!followups_.empty() && (t == kNever || followups_.top().at < t)) t = followups_.top().at;
  return t;
}

void WorkloadDriver::release(Ns now, std::vector<int32_t>& out) {
  if (graph_) return graph_->release(now, out);
  // Later turns and new sessions interleave by ready time, then session, then turn.
  for (;;) {
    bool first_ready = next_session_ < num_sessions_ &&
                       (concurrency_ == 0 ? first_arrival(next_session_) <= now : active_sessions_ < concurrency_);
    bool followup_ready = !followups_.empty() && followups_.top().at <= now;
    if (!first_ready && !followup_ready) return;
    bool take_first = first_ready;
    if (first_ready && followup_ready) {
      Ns first_at = concurrency_ == 0 ? first_arrival(next_session_) : now;
      const Pending& f = followups_.top();
      take_first = first_at < f.at || (first_at == f.at && next_session_ < f.session);
    }
    if (take_first) {
      out.push_back(static_cast<int32_t>(view_.session_start[next_session_]));
      ++next_session_;
      ++active_sessions_;
    } else {
      out.push_back(followups_.top().request);
      followups_.pop();
    }
  }
}

void WorkloadDriver::on_finished(int32_t r, Ns now, bool rejected) {
  if (graph_) return graph_->on_finished(r, now, rejected);
  int32_t s = session_of(r);
  if (static_cast<uint32_t>(r) + 1 < view_.session_start[s + 1]) {
    followups_.push(Pending{now + ms_to_ns(view_.turn_delay_ms[r + 1]), s, r + 1});
  } else {
    --active_sessions_;
    ++sessions_done_;
  }
}

}  // namespace dynosim
