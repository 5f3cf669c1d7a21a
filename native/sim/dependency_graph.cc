#include "dependency_graph.h"

#include <algorithm>

#include "../common/invariants.h"

namespace dynosim {

DependencyGraph::DependencyGraph(const GraphView& g, const std::vector<Ns>& not_before, int32_t n)
    : num_plays_(g.num_plays),
      lanes_(g.lanes),
      state_(n, State::Blocked),
      remaining_(n),
      ready_after_(not_before),
      on_dispatch_offsets_(n + 1, 0),
      on_complete_offsets_(n + 1, 0),
      play_of_(g.play_of, g.play_of + n),
      play_offsets_(g.num_plays + 1, 0),
      root_(g.num_plays, -1),
      completed_(g.num_plays, 0),
      in_flight_(g.num_plays, 0),
      failed_(g.num_plays, 0),
      settled_(g.num_plays, 0) {
  // Dependents lists, grouped by source request (counting pass, then fill).
  for (int32_t r = 0; r < n; ++r) {
    remaining_[r] = g.dep_offsets[r + 1] - g.dep_offsets[r];
    for (uint32_t d = g.dep_offsets[r]; d < g.dep_offsets[r + 1]; ++d)
      ++(g.dep_on_dispatch[d] ? on_dispatch_offsets_ : on_complete_offsets_)[g.dep_source[d] + 1];
  }
  for (int32_t r = 0; r < n; ++r) {
    on_dispatch_offsets_[r + 1] += on_dispatch_offsets_[r];
    on_complete_offsets_[r + 1] += on_complete_offsets_[r];
  }
  on_dispatch_.resize(on_dispatch_offsets_[n]);
  on_complete_.resize(on_complete_offsets_[n]);
  std::vector<uint32_t> fill_d(on_dispatch_offsets_.begin(), on_dispatch_offsets_.end() - 1);
  std::vector<uint32_t> fill_c(on_complete_offsets_.begin(), on_complete_offsets_.end() - 1);
  for (int32_t r = 0; r < n; ++r) {
    for (uint32_t d = g.dep_offsets[r]; d < g.dep_offsets[r + 1]; ++d) {
      const uint32_t s = g.dep_source[d];
      const Edge e{r, ms_to_ns(g.dep_delay_ms[d])};
      if (g.dep_on_dispatch[d]) on_dispatch_[fill_d[s]++] = e;
      else on_complete_[fill_c[s]++] = e;
    }
  }

  for (int32_t r = 0; r < n; ++r) ++play_offsets_[play_of_[r] + 1];
  for (int32_t p = 0; p < num_plays_; ++p) play_offsets_[p + 1] += play_offsets_[p];
  play_members_.resize(n);
  std::vector<uint32_t> fill_p(play_offsets_.begin(), play_offsets_.end() - 1);
  for (int32_t r = 0; r < n; ++r) {
    play_members_[fill_p[play_of_[r]]++] = r;
    if (remaining_[r] == 0) root_[play_of_[r]] = r;
  }

  // Without lanes every request without dependencies starts at its earliest start; with lanes
  // (one root per play), each lane's first play starts at once and the rest wait for the lane.
  if (lanes_ == 0) {
    for (int32_t r = 0; r < n; ++r) {
      if (remaining_[r] != 0) continue;
      last_root_start_ = std::max(last_root_start_, ready_after_[r]);
      schedule(r, ready_after_[r]);
    }
  } else {
    for (int32_t p = 0; p < std::min(lanes_, num_plays_); ++p) schedule(root_[p], 0);
  }
}

void DependencyGraph::schedule(int32_t r, Ns at) {
  if (state_[r] != State::Blocked) return;
  state_[r] = State::Ready;
  ready_.push(Pending{at, r});
}

void DependencyGraph::fire(const std::vector<uint32_t>& offsets, const std::vector<Edge>& edges, int32_t source, Ns now) {
  for (uint32_t i = offsets[source]; i < offsets[source + 1]; ++i) {
    const Edge& e = edges[i];
    if (state_[e.target] != State::Blocked) continue;
    ready_after_[e.target] = std::max(ready_after_[e.target], now + e.delay);
    DYNOSIM_INVARIANT(remaining_[e.target] > 0, "a dependency fired twice");
    if (--remaining_[e.target] == 0) schedule(e.target, ready_after_[e.target]);
  }
}

// Requests of a failed play may still sit in the heap: they are dropped when they surface.
void DependencyGraph::drop_stale() {
  while (!ready_.empty() && state_[ready_.top().request] != State::Ready) ready_.pop();
}

void DependencyGraph::release(Ns now, std::vector<int32_t>& out) {
  drop_stale();
  while (!ready_.empty() && ready_.top().at <= now) {
    const int32_t r = ready_.top().request;
    ready_.pop();
    state_[r] = State::Released;
    ++in_flight_[play_of_[r]];
    out.push_back(r);
    fire(on_dispatch_offsets_, on_dispatch_, r, now);
    drop_stale();
  }
}

void DependencyGraph::on_finished(int32_t r, Ns now, bool rejected) {
  const int32_t p = play_of_[r];
  DYNOSIM_INVARIANT(state_[r] == State::Released, "a request finished that the graph never released");
  --in_flight_[p];
  DYNOSIM_INVARIANT(in_flight_[p] >= 0, "a play finished more requests than it released");
  if (!rejected) {
    state_[r] = State::Completed;
    ++completed_[p];
    // A failed play starts nothing new.
    if (!failed_[p]) fire(on_complete_offsets_, on_complete_, r, now);
  } else {
    state_[r] = State::Failed;
    if (!failed_[p]) {
      failed_[p] = 1;
      for (uint32_t i = play_offsets_[p]; i < play_offsets_[p + 1]; ++i) {
        State& s = state_[play_members_[i]];
        if (s == State::Blocked || s == State::Ready) s = State::Skipped;
      }
    }
  }
  drop_stale();
  const int32_t size = static_cast<int32_t>(play_offsets_[p + 1] - play_offsets_[p]);
  if (in_flight_[p] == 0 && (failed_[p] || completed_[p] == size)) settle_play(p, now);
}

void DependencyGraph::settle_play(int32_t p, Ns now) {
  if (settled_[p]) return;
  settled_[p] = 1;
  ++settled_plays_;
  DYNOSIM_INVARIANT(settled_plays_ <= num_plays_, "more plays settled than exist");
  if (lanes_ > 0 && p + lanes_ < num_plays_) schedule(root_[p + lanes_], now);
}

}  // namespace dynosim
