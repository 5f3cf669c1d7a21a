// Releases the requests of an agentic workload (agentic_mooncake): each request waits for its
// dependencies — on another request's dispatch or completion, plus a delay — and for its own
// earliest start. Requests form plays (one agent run each, one root request); with lanes, each
// lane runs its plays one after another, a play's root starting when the lane's previous play
// has settled. Follows aisimulate/crates/core/src/replay/loadgen/driver.rs (AgenticState).
#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "../common/types.h"

namespace dynosim {

// The graph as TypeScript hands it over (validated by the binding: in range, same play, acyclic,
// a root in every play, exactly one with lanes). Request r's dependencies are entries dep_offsets[r] .. dep_offsets[r+1]-1.
struct GraphView {
  const uint32_t* dep_offsets = nullptr;  // num_requests + 1; null = no graph
  const uint32_t* dep_source = nullptr;   // the request depended on
  const double* dep_delay_ms = nullptr;   // wait after the trigger
  const uint8_t* dep_on_dispatch = nullptr;  // 1: fires when the source is dispatched; 0: when it completes
  const uint32_t* play_of = nullptr;      // num_requests
  int32_t num_plays = 0;
  int32_t lanes = 0;  // 0 = every root starts at its own earliest start
};

class DependencyGraph {
 public:
  // `not_before` is each request's earliest start (ns).
  DependencyGraph(const GraphView& g, const std::vector<Ns>& not_before, int32_t num_requests);

  Ns next_ready() const { return ready_.empty() ? kNever : ready_.top().at; }
  void release(Ns now, std::vector<int32_t>& out);
  void on_finished(int32_t r, Ns now, bool rejected);
  bool exhausted() const { return settled_plays_ == num_plays_; }
  Ns last_root_start() const { return last_root_start_; }

 private:
  enum class State : uint8_t { Blocked, Ready, Released, Completed, Failed, Skipped };
  struct Edge {
    int32_t target;
    Ns delay;
  };
  struct Pending {
    Ns at;
    int32_t request;
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : request > o.request; }
  };

  void schedule(int32_t r, Ns at);
  void fire(const std::vector<uint32_t>& offsets, const std::vector<Edge>& edges, int32_t source, Ns now);
  void settle_play(int32_t p, Ns now);
  void drop_stale();

  int32_t num_plays_;
  int32_t lanes_;
  std::vector<State> state_;
  std::vector<uint32_t> remaining_;  // unfired dependencies
  std::vector<Ns> ready_after_;
  // Dependents of each request, by trigger (CSR).
  std::vector<uint32_t> on_dispatch_offsets_, on_complete_offsets_;
  std::vector<Edge> on_dispatch_, on_complete_;
  std::vector<int32_t> play_of_;
  std::vector<uint32_t> play_offsets_;  // requests of play p: play_members_[play_offsets_[p] ..]
  std::vector<int32_t> play_members_;
  std::vector<int32_t> root_;  // a play's root (its only one when lanes are used)
  std::vector<int32_t> completed_, in_flight_;
  std::vector<uint8_t> failed_, settled_;
  int32_t settled_plays_ = 0;
  Ns last_root_start_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> ready_;
};

}  // namespace dynosim
