#include "simulation.h"

#include <algorithm>

namespace dynosim {

// Decode runs. A worker whose next passes are plain decode steps (Engine::decode_run_room) prices
// them all at once and schedules one event, at the end of the last; its passes complete in bulk
// when that event fires. Anything that would make a pass of the run go differently first
// interrupts it at the present: a request routed to the worker, a planner observation or action,
// the end of simulated time. Passes that have ended by then are completed, and the one in flight
// becomes an ordinary planned pass, so every result is what pass-by-pass stepping gives.

namespace {
constexpr int32_t kMaxRunPasses = 1024;  // bounds the pricing wasted when a run is interrupted
}

// The ranks of an attention-DP worker step together: every rank with work must be able to run,
// and each pass lasts as long as its slowest rank's (ranks without work stay idle throughout).
bool Simulation::start_decode_run(uint8_t p, int32_t w) {
  Worker& worker = pools_[p]->worker(w);
  int32_t room = kMaxRunPasses;
  bool any = false;
  for (const auto& rank : worker.ranks) {
    if (!rank->has_work()) continue;
    room = std::min(room, rank->decode_run_room());
    if (room < 2) return false;
    any = true;
  }
  if (!any) return false;
  if (worker.run_ends.size() < static_cast<size_t>(room)) worker.run_ends.resize(room);
  Ns* durations = worker.run_ends.data();
  int32_t n = -1;
  for (const auto& rank : worker.ranks) {
    if (!rank->has_work()) continue;
    if (n < 0) {
      n = rank->price_decode_run(room, durations);
      continue;
    }
    run_scratch_.resize(room);
    n = std::min(n, rank->price_decode_run(n, run_scratch_.data()));
    for (int32_t m = 0; m < n; ++m) durations[m] = std::max(durations[m], run_scratch_[m]);
  }
  // A run stops before a pass that would end past the time limit; stepping then reports it.
  Ns t = now_;
  for (int32_t m = 0; m < n; ++m) {
    if (durations[m] > kMaxSimNs - t) {
      n = m;
      break;
    }
    worker.run_ends[m] = t += durations[m];
  }
  if (n < 2) return false;
  for (size_t k = 0; k < worker.ranks.size(); ++k) worker.planned[k] = worker.ranks[k]->has_work();
  if (cfg_.pass_log) {
    worker.run_work.resize(worker.ranks.size());
    for (size_t k = 0; k < worker.ranks.size(); ++k)
      if (worker.planned[k]) worker.run_work[k] = worker.ranks[k]->decode_run_work();
  }
  worker.in_run = true;
  worker.run_length = n;
  worker.run_done = 0;
  worker.run_start = now_;
  worker.busy = true;
  worker.pass_start = worker.run_ends[n - 2];  // the last pass ranks as if planned when it began
  worker.due_seq = events_.push(worker.run_ends[n - 1], EventKind::WorkerCompletion, p, w, worker.pass_start);
  return true;
}

// Logs passes [from, to) of the worker's run, as stepping would have logged them one by one.
void Simulation::log_run_passes(uint8_t p, Worker& worker, int32_t w, int32_t from, int32_t to) {
  const int32_t dp = pools_[p]->dp();
  for (size_t k = 0; k < worker.ranks.size(); ++k) {
    if (!worker.planned[k]) continue;
    PassWork work = worker.run_work[k];
    for (int32_t j = from; j < to; ++j) {
      const Ns start = j == 0 ? worker.run_start : worker.run_ends[j - 1];
      work.sum_decode_kv_tokens = worker.run_work[k].sum_decode_kv_tokens + static_cast<int64_t>(j) * work.num_decode_requests;
      pass_logs_[p].append(w, static_cast<int32_t>(k), w * dp + static_cast<int32_t>(k), start, worker.run_ends[j] - start, work);
    }
  }
}

// Completes the run's passes that end at or before t.
void Simulation::advance_run(uint8_t p, int32_t w, Ns t) {
  Worker& worker = pools_[p]->worker(w);
  int32_t m = worker.run_done;
  while (m < worker.run_length && worker.run_ends[m] <= t) ++m;
  if (cfg_.pass_log) log_run_passes(p, worker, w, worker.run_done, m);
  for (size_t k = 0; k < worker.ranks.size(); ++k) {
    if (!worker.planned[k]) continue;
    worker.ranks[k]->complete_decode_run(worker.run_ends.data() + worker.run_done, m - worker.run_done, worker.pending);
    decode_run_passes_ += static_cast<uint64_t>(m - worker.run_done);
  }
  worker.run_done = m;
}

// `boundary_pass_started`: when a pass of the run ended exactly at `at`, whether stepping pass by
// pass would already have planned the next one (idle workers were driven at `at`), or the worker
// is between passes and the change reaches its next pass.
void Simulation::interrupt_run(uint8_t p, int32_t w, Ns at, bool boundary_pass_started) {
  Worker& worker = pools_[p]->worker(w);
  if (!worker.in_run) return;
  advance_run(p, w, at);
  worker.in_run = false;
  const int32_t m = worker.run_done;
  const Ns start = m == 0 ? worker.run_start : worker.run_ends[m - 1];
  if (m == worker.run_length || (m > 0 && start == at && !boundary_pass_started)) {
    worker.due_seq = kNoEvent;
    apply_pass(p, w);
    return;
  }
  count_emitted(p, worker.pending);  // runs signal nothing, only tokens
  Ns group = 0;
  for (size_t k = 0; k < worker.ranks.size(); ++k) {
    if (!worker.planned[k]) continue;
    bool progress = false;
    group = std::max(group, worker.ranks[k]->plan_pass(start, progress));
  }
  note_planned(p, w, start, group);
  worker.pass_start = start;
  worker.due_seq = events_.push(start + group, EventKind::WorkerCompletion, p, w, start);
}

// A change is about to reach this routing target's engine at now_. Whether stepping would already
// have planned the worker's pass starting now depends on where the drive of idle workers stands:
// done for this instant, under way (pools in order, each pool's workers in ascending id), or not
// begun. A worker not yet reached is added to the drive under way, where stepping would have it.
void Simulation::interrupt_run_of_target(uint8_t p, int32_t target) {
  const int32_t w = target / pools_[p]->dp();
  Worker& worker = pools_[p]->worker(w);
  if (!worker.in_run) return;
  bool started = driven_at_ == now_;
  const bool driving = !started && driving_pool_ != kNotDriving;
  if (driving) started = p != driving_pool_ ? p < driving_pool_ : w < driving_[driving_pos_];
  interrupt_run(p, w, now_, started);
  if (driving && p == driving_pool_ && !started && !worker.busy) {
    auto rest = driving_.begin() + static_cast<std::ptrdiff_t>(driving_pos_) + 1;
    auto at = std::lower_bound(rest, driving_.end(), w);
    if (at == driving_.end() || *at != w) driving_.insert(at, w);
  }
}

// The whole state is about to be looked at or acted on, as it stands at `at` once every event up
// to `at` has been applied. Returns the end of the latest pass completed here (or now_): the time
// of the last event that stepping pass by pass would have seen.
Ns Simulation::interrupt_all_runs(Ns at) {
  Ns latest = now_;
  for (uint8_t p = 0; p < pools_.size(); ++p) {
    for (int32_t w = 0; w < pools_[p]->num_worker_ids(); ++w) {
      const Worker& worker = pools_[p]->worker(w);
      if (!worker.in_run) continue;
      for (int32_t m = worker.run_length - 1; m >= worker.run_done; --m)
        if (worker.run_ends[m] <= at) {
          latest = std::max(latest, worker.run_ends[m]);
          break;
        }
      interrupt_run(p, w, at, true);
    }
  }
  return latest;
}

// Drops completion events of interrupted runs (and rechecks of emptied router queues) from the
// top of the queue, so they never move the clock.
void Simulation::discard_stale_events() {
  while (!events_.empty()) {
    const Event& e = events_.top();
    if (e.kind == EventKind::RouterRecheck) {
      // A recheck of a queue that emptied meanwhile must not move the clock either.
      if (pools_[e.pool]->router().has_queue()) return;
      recheck_at_[e.pool] = kNever;
    } else if (e.kind != EventKind::WorkerCompletion || pools_[e.pool]->worker(e.subject).due_seq == e.seq) {
      return;
    }
    events_.pop();
  }
}

}  // namespace dynosim
