#include "simulation.h"

#include "../common/invariants.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dynosim {

namespace {
constexpr uint8_t kEntry = 0;
}

Simulation::Simulation(const SimConfig& config, const WorkloadView& workload, const SessionView& sessions)
    : cfg_(config),
      requests_(workload, (config.disaggregated ? config.decode : config.agg).engine.block_size,
                (config.disaggregated ? config.prefill : config.agg).engine.enable_prefix_caching),
      collector_(workload.num_requests, config.max_sim_time != kNever),
      driver_(sessions, workload.num_requests) {
  if (cfg_.disaggregated) {
    if (cfg_.prefill.initial_workers < 1 || cfg_.decode.initial_workers < 1)
      throw std::invalid_argument("trace replay requires num_prefill_workers >= 1 and num_decode_workers >= 1");
    cfg_.prefill.engine.role = WorkerRole::Prefill;
    cfg_.decode.engine.role = WorkerRole::Decode;
    pools_.push_back(std::make_unique<Pool>(cfg_.prefill, requests_, collector_, &traffic_));
    pools_.push_back(std::make_unique<Pool>(cfg_.decode, requests_, collector_, nullptr));
    collector_.enable_handoff_timeline(workload.num_requests);
  } else {
    if (cfg_.agg.initial_workers < 1) throw std::invalid_argument("trace replay requires num_workers >= 1");
    cfg_.agg.engine.role = WorkerRole::Aggregated;
    pools_.push_back(std::make_unique<Pool>(cfg_.agg, requests_, collector_, &traffic_));
  }
  pass_logs_.resize(pools_.size());
  recheck_at_.assign(pools_.size(), kNever);
  if (cfg_.request_detail) collector_.enable_detail(workload.num_requests, static_cast<int32_t>(pools_.size()));
}

uint64_t Simulation::forward_passes() const {
  uint64_t total = 0;
  for (const auto& p : pools_) total += p->forward_passes();
  return total;
}

Ns Simulation::next_time() {
  discard_stale_events();
  Ns t = driver_.next_ready(now_);
  if (!events_.empty() && (t == kNever || events_.top().at < t)) t = events_.top().at;
  return t;
}

bool Simulation::done() const { return driver_.exhausted() && events_.empty() && in_flight_ == 0; }

void Simulation::advance_clock(Ns t) {
  if (t <= now_) return;
  for (auto& p : pools_) p->accrue(t - now_);
  now_ = t;
}

bool Simulation::run_until(Ns limit) {
  if (finished_) return true;
  if (!started_) {
    started_ = true;
    drain();
  }
  for (;;) {
    discard_stale_events();
    if (done()) break;
    Ns t = next_time();
    if (t == kNever) throw std::runtime_error("replay reached a dead end: requests remain but nothing can make progress");
    // Simulated time ends once nothing is left before max_sim_time, but not before a caller
    // stepping through time (the planner's ticks) has reached it: its pauses before the end
    // happen, as the reference's tick events do.
    if (cfg_.max_sim_time != kNever && t > cfg_.max_sim_time && limit >= cfg_.max_sim_time) {
      advance_clock(interrupt_all_runs(cfg_.max_sim_time));
      break;
    }
    if (t > limit) {
      // Pause with the clock at the limit: an observer (planner tick) sees time pass, and sees
      // every worker as if its passes had run one by one.
      advance_clock(limit);
      interrupt_all_runs(limit);
      return false;
    }
    // A caller may pause at a limit already passed; the next event never lies in the past.
    DYNOSIM_INVARIANT(t >= now_, "simulated time went backwards");
    advance_clock(t);
    drain();
  }
  finished_ = true;
  // Every arrived request completed or was rejected, or the time cap left it in flight.
  DYNOSIM_INVARIANT(cfg_.max_sim_time != kNever || in_flight_ == 0, "a run ended with requests still in flight");
  return true;
}

// Settles everything that happens at `now_`, until a round changes nothing: pass completions,
// landed transfers and ready workers; then arrivals; then idle workers start passes (prefill
// pool before decode pool).
//
// A round that only scheduled future passes leaves nothing to settle: events and arrivals due now
// were taken before the workers were driven. Another round is needed only when a pass ended at
// once (zero duration) and its effects may have freed work, released turns or queued requests.
void Simulation::drain() {
  bool immediate;
  do {
    apply_events();
    release_arrivals();
    immediate = false;
    for (uint8_t p = 0; p < pools_.size(); ++p) immediate |= drive_pool(p);
    driven_at_ = now_;
  } while (immediate);
}

bool Simulation::apply_events() {
  bool any = false;
  while (!events_.empty() && events_.top().at == now_) {
    Event e = events_.pop();
    any = true;
    switch (e.kind) {
      case EventKind::WorkerCompletion: {
        Worker& w = pools_[e.pool]->worker(e.subject);
        if (e.seq != w.due_seq) break;  // superseded: its decode run was interrupted
        w.due_seq = kNoEvent;
        if (w.in_run) {
          advance_run(e.pool, e.subject, now_);
          w.in_run = false;
        } else {
          for (size_t k = 0; k < w.ranks.size(); ++k)
            if (w.planned[k]) w.ranks[k]->finish_pass(w.pass_start, now_, w.pending);
        }
        apply_pass(e.pool, e.subject);
        break;
      }
      case EventKind::TransferComplete:
        complete_transfer(e.subject);
        break;
      case EventKind::WorkerReady:
        pools_[e.pool]->activate(e.subject);
        pools_[e.pool]->worker(e.subject).activated_at = now_;
        pools_[e.pool]->mark_candidate(e.subject);
        dispatch_queued(e.pool);
        break;
      case EventKind::RouterRecheck:
        recheck_at_[e.pool] = kNever;
        dispatch_queued(e.pool);
        break;
    }
  }
  return any;
}

void Simulation::apply_pass(uint8_t p, int32_t w) {
  Pool& pool = *pools_[p];
  Worker& worker = pool.worker(w);
  worker.busy = false;
  std::fill(worker.planned.begin(), worker.planned.end(), 0);
  pool.mark_candidate(w);
  bool freed = false;
  for (auto [r, signal] : worker.pending.signals) {
    if (signal == Signal::FirstToken) pool.router().on_first_token(r, now_);
    else on_finished(p, r);
    freed = true;
  }
  count_emitted(p, worker.pending);
  if (freed) {
    dispatch_queued(p);
    if (pool.role() == WorkerRole::Decode) retry_reservations();
  }
  pool.retire_if_drained(w);
}

// The planner's traffic window counts tokens as passes end; clears them from `out`.
void Simulation::count_emitted(uint8_t p, PassOutput& out) {
  if (p == pools_.size() - 1) traffic_.on_decode(out.visible_tokens, out.decode_forwards);
  out.clear();
}

void Simulation::on_finished(uint8_t p, int32_t r) {
  Pool& pool = *pools_[p];
  pool.router().on_finished(r, now_);
  const bool rejected = collector_.outcome[r] == Outcome::Rejected;
  if (pool.role() == WorkerRole::Prefill && !rejected) {
    collector_.source_held[r] = now_;
    start_handoff(r);
    return;
  }
  --in_flight_;
  DYNOSIM_INVARIANT(in_flight_ >= 0, "more requests finished than arrived");
  DYNOSIM_INVARIANT(rejected || collector_.tokens[r] <= requests_.max_output(r), "a request emitted more tokens than its output length");
  collector_.on_terminal(r, now_);
  if (!rejected) {
    ++completed_;
    record_completion(r);
  }
  driver_.on_finished(r, now_, rejected);
  requests_.forget(r);
}

void Simulation::record_completion(int32_t r) {
  const uint32_t n = collector_.tokens[r];
  const double ttft = n > 0 ? ns_to_ms(collector_.first_token[r] - collector_.arrival[r]) : 0.0;
  const double itl = n > 1 ? ns_to_ms(collector_.last_token[r] - collector_.first_token[r]) / (n - 1) : 0.0;
  traffic_.on_completion(requests_.input_len(r), n, ttft, itl);
}

// Disaggregated hand-off: the decode router picks a destination, which reserves the prompt's
// blocks; the KV then travels (or not, without a bandwidth) and the decode side takes over.
void Simulation::start_handoff(int32_t r) {
  Pool& decode = *pools_[1];
  const int64_t blocks = (requests_.input_len(r) + decode.engine_config().block_size - 1) / decode.engine_config().block_size;
  if (blocks > decode.engine_config().num_gpu_blocks) {
    // The prompt can never fit a decode worker: reject it, as an engine would.
    pools_[0]->engine_of_target(pools_[0]->state().target[r]).release_held(r);
    collector_.on_reject(r);
    collector_.on_terminal(r, now_);
    --in_flight_;
    driver_.on_finished(r, now_, true);
    requests_.forget(r);
    return;
  }
  const int32_t t = decode.route(r, now_);
  if (t >= 0) {
    dispatch(1, r, t);
  } else {
    collector_.on_route_queued(1, r, now_);
    arm_recheck(1);
  }
}

void Simulation::place_on_decode(int32_t r, int32_t target) {
  Pool& decode = *pools_[1];
  interrupt_run_of_target(1, target);
  uint32_t fresh = 0;
  if (!decode.engine_of_target(target).reserve_prefilled(r, &fresh)) {
    awaiting_reservation_.emplace_back(r, target);
    return;
  }
  collector_.destination_reserved[r] = now_;
  // The destination's resident prompt blocks are what its admission reuses.
  const int64_t B = decode.engine_config().block_size;
  const int64_t whole = (static_cast<int64_t>(requests_.input_len(r)) + B - 1) / B * B;
  collector_.decode_reused[r] = static_cast<uint32_t>(std::max<int64_t>(0, whole - fresh));
  const double tokens = cfg_.transfer_timing == TransferTiming::FullPrompt ? requests_.input_len(r) : fresh;
  Ns delay = 0;
  if (cfg_.kv_bytes_per_token > 0 && cfg_.kv_transfer_gbps > 0)
    delay = to_ns(tokens * cfg_.kv_bytes_per_token / cfg_.kv_transfer_gbps);
  if (delay > 0) events_.push(now_ + delay, EventKind::TransferComplete, 1, r, now_);
  else complete_transfer(r);
}

void Simulation::retry_reservations() {
  if (awaiting_reservation_.empty()) return;
  std::vector<std::pair<int32_t, int32_t>> pending;
  pending.swap(awaiting_reservation_);
  for (auto [r, t] : pending) place_on_decode(r, t);
}

void Simulation::complete_transfer(int32_t r) {
  Pool& decode = *pools_[1];
  Pool& prefill = *pools_[0];
  const int32_t t = decode.state().target[r];
  collector_.destination_activated[r] = now_;
  interrupt_run_of_target(1, t);
  decode.engine_of_target(t).activate_prefilled(r);
  decode.mark_candidate(t / decode.dp());
  const int32_t source = prefill.state().target[r];
  prefill.engine_of_target(source).release_held(r);
  // Freed KV may unblock the source's queue: drive it again even if no new request arrives.
  prefill.mark_candidate(source / prefill.dp());
  prefill.retire_if_drained(source / prefill.dp());
}

void Simulation::dispatch(uint8_t p, int32_t r, int32_t target) {
  Pool& pool = *pools_[p];
  pool.note_dispatch(r, target);
  collector_.on_routed(p, r, now_, pool.router().overlap_tokens(r));
  if (pool.role() == WorkerRole::Decode) {
    place_on_decode(r, target);
    return;
  }
  if (pool.role() == WorkerRole::Prefill) collector_.prefill_worker[r] = target / pool.dp();
  interrupt_run_of_target(p, target);
  pool.engine_of_target(target).enqueue(r);
}

void Simulation::dispatch_queued(uint8_t p) {
  Pool& pool = *pools_[p];
  if (!pool.router().has_queue()) return;
  placements_.clear();
  pool.router().release_queued(placements_, now_);
  std::vector<std::pair<int32_t, int32_t>> placed(placements_);
  for (auto [r, t] : placed) dispatch(p, r, t);
  arm_recheck(p);
}

// A router whose queue may move with time alone (a decaying prefill load) asks to look again.
void Simulation::arm_recheck(uint8_t p) {
  const Ns at = pools_[p]->router().next_recheck(now_);
  if (at == kNever || (recheck_at_[p] != kNever && recheck_at_[p] <= at)) return;
  recheck_at_[p] = at;
  events_.push(at, EventKind::RouterRecheck, p, 0, now_);
}

bool Simulation::release_arrivals() {
  // Most settling rounds have no arrival due: answer that without walking the driver.
  const Ns due = driver_.next_ready(now_);
  if (due == kNever || due > now_) return false;
  arrivals_.clear();
  driver_.release(now_, arrivals_);
  Pool& entry = *pools_[kEntry];
  for (int32_t r : arrivals_) {
    collector_.on_arrival(r, now_);
    traffic_.on_arrival();
    ++in_flight_;
    int32_t t = entry.route(r, now_);
    if (t >= 0) {
      dispatch(kEntry, r, t);
    } else {
      collector_.on_route_queued(kEntry, r, now_);
      arm_recheck(kEntry);
    }
  }
  return !arrivals_.empty();
}

// Idle workers with work start a pass: every rank of the worker plans at once and the worker
// is busy until its slowest rank ends. Returns whether a pass ended at once (effects applied now).
bool Simulation::drive_pool(uint8_t p) {
  Pool& pool = *pools_[p];
  if (!pool.has_candidates()) return false;
  bool immediate = false;
  pool.take_candidates(driving_);
  driving_pool_ = p;
  for (driving_pos_ = 0; driving_pos_ < driving_.size(); ++driving_pos_) {
    const int32_t w = driving_[driving_pos_];
    Worker& worker = pool.worker(w);
    if (worker.busy || (worker.state != WorkerState::Active && worker.state != WorkerState::Draining)) continue;
    if (cfg_.decode_runs && start_decode_run(p, w)) continue;
    Ns group = 0;
    bool progress = false;
    for (size_t k = 0; k < worker.ranks.size(); ++k) {
      Engine& e = *worker.ranks[k];
      worker.planned[k] = e.has_work();
      if (!worker.planned[k]) continue;
      bool rank_progress = false;
      group = std::max(group, e.plan_pass(now_, rank_progress));
      progress |= rank_progress;
    }
    if (group > 0) {
      note_planned(p, w, now_, group);
      worker.busy = true;
      worker.pass_start = now_;
      worker.due_seq = events_.push(now_ + group, EventKind::WorkerCompletion, p, w, now_);
    } else if (progress) {
      note_planned(p, w, now_, 0);
      for (size_t k = 0; k < worker.ranks.size(); ++k)
        if (worker.planned[k]) worker.ranks[k]->finish_pass(now_, now_, worker.pending);
      apply_pass(p, w);
      immediate = true;
    } else {
      for (size_t k = 0; k < worker.ranks.size(); ++k)
        if (worker.planned[k]) worker.ranks[k]->drop_pass();
      std::fill(worker.planned.begin(), worker.planned.end(), 0);
    }
  }
  driving_pool_ = kNotDriving;
  return immediate;
}

// A worker planned a pass of `duration` at `start` on the ranks marked planned: the planner's
// view of when each rank last began a pass, and the every-pass log.
void Simulation::note_planned(uint8_t p, int32_t w, Ns start, Ns duration) {
  Worker& worker = pools_[p]->worker(w);
  worker.rank_pass_start.resize(worker.ranks.size(), 0);
  for (size_t k = 0; k < worker.ranks.size(); ++k) {
    if (!worker.planned[k]) continue;
    worker.rank_pass_start[k] = start;
    if (cfg_.pass_log)
      pass_logs_[p].append(w, static_cast<int32_t>(k), w * pools_[p]->dp() + static_cast<int32_t>(k), start, duration,
                           worker.ranks[k]->last_pass_work());
  }
}

void Simulation::scale(int32_t prefill_target, int32_t decode_target) {
  interrupt_all_runs(now_);
  auto apply = [&](uint8_t p, int32_t target) {
    if (target < 0) return;
    Pool& pool = *pools_[p];
    starting_.clear();
    const int32_t before = pool.num_worker_ids();
    pool.scale_to(target, starting_);
    for (int32_t w = before; w < pool.num_worker_ids(); ++w)
      if (pool.worker(w).state == WorkerState::Active) pool.worker(w).activated_at = now_;
    for (int32_t w : starting_) events_.push(now_ + pool.startup_time(), EventKind::WorkerReady, p, w, now_);
    for (int32_t w = 0; w < pool.num_worker_ids(); ++w) pool.mark_candidate(w);
    dispatch_queued(p);
  };
  if (cfg_.disaggregated) {
    apply(0, prefill_target);
    apply(1, decode_target);
  } else {
    apply(0, decode_target);
  }
  drain();
}

}  // namespace dynosim
