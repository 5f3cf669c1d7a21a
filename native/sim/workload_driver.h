// Releases requests as the clock advances: first turns at their trace arrival (open loop) or as
// session slots free up (closed loop), later turns once the previous turn finished plus its delay.
// An agentic workload (a dependency graph) is released by its DependencyGraph instead.
#pragma once
#include <cstdint>
#include <memory>
#include <queue>
#include <vector>

#include "../common/types.h"
#include "dependency_graph.h"

namespace dynosim {

struct SessionView {
  int32_t num_sessions = 0;
  const uint32_t* session_start = nullptr;  // num_sessions + 1
  const double* first_arrival_ms = nullptr;  // num_sessions
  const double* turn_delay_ms = nullptr;     // per request
  int32_t concurrency = 0;                   // 0 = open loop
  // Agentic workloads: one request per session, first_arrival_ms is each request's earliest start.
  GraphView graph;
};

class WorkloadDriver {
 public:
  WorkloadDriver(const SessionView& sessions, int32_t num_requests);

  // Earliest time a request becomes ready, or kNever.
  Ns next_ready(Ns now) const;
  // Appends every request ready at or before `now`, in release order; stamps their arrival.
  void release(Ns now, std::vector<int32_t>& out);
  // The request finished (completed, or rejected when `rejected`) at `now`.
  void on_finished(int32_t r, Ns now, bool rejected);
  bool exhausted() const { return graph_ ? graph_->exhausted() : sessions_done_ == num_sessions_; }
  // Last first-turn arrival, for progress estimates.
  Ns last_first_arrival() const { return graph_ ? graph_->last_root_start() : last_first_arrival_; }

 private:
  struct Pending {
    Ns at;
    int32_t session;
    int32_t request;
    bool operator>(const Pending& o) const {
      if (at != o.at) return at > o.at;
      if (session != o.session) return session > o.session;
      return request > o.request;
    }
  };

  // Read from the session view (the addon keeps its arrays for the simulation's lifetime) rather
  // than copied: 24 bytes a request that a million-request run would hold for nothing.
  Ns first_arrival(int32_t s) const { return concurrency_ > 0 ? 0 : ms_to_ns(view_.first_arrival_ms[s]); }
  int32_t session_of(int32_t r) const;

  SessionView view_;
  int32_t num_sessions_;
  int32_t num_requests_;
  int32_t concurrency_;
  int32_t next_session_ = 0;     // next session whose first turn is not yet released
  int32_t active_sessions_ = 0;  // closed loop: sessions holding a slot
  int32_t sessions_done_ = 0;
  Ns last_first_arrival_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> followups_;
  std::unique_ptr<DependencyGraph> graph_;
};

}  // namespace dynosim
