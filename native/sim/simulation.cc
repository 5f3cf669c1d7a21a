#include "simulation.h"

#include <algorithm>
#include <stdexcept>

#include "../router/kv_router.h"
#include "../router/round_robin.h"

namespace dynosim {

namespace {
constexpr uint8_t kCompletionPriority = 3;
}

Simulation::Simulation(const SimConfig& config, const WorkloadView& workload, const SessionView& sessions)
    : cfg_(config),
      requests_(workload, config.engine.block_size, config.engine.enable_prefix_caching),
      collector_(workload.num_requests, config.max_sim_time != kNever),
      driver_(sessions, workload.num_requests) {
  const int32_t n = cfg_.num_workers;
  if (n < 1) throw std::invalid_argument("trace replay requires num_workers >= 1");
  for (int32_t w = 0; w < n; ++w) engines_.push_back(std::make_unique<VllmEngine>(cfg_.engine, requests_, collector_));
  busy_.assign(n, 0);
  is_candidate_.assign(n, 0);
  pending_.resize(n);
  if (cfg_.router.kv_router) {
    index_ = std::make_unique<OverlapIndex>(n);
    for (int32_t w = 0; w < n; ++w) engines_[w]->pool().attach_index(index_.get(), w);
    router_ = std::make_unique<KvRouter>(cfg_.router, n, cfg_.engine.block_size, cfg_.engine.max_num_batched_tokens,
                                         requests_, *index_, traffic_);
  } else {
    router_ = std::make_unique<RoundRobinRouter>(n);
  }
}

uint64_t Simulation::forward_passes() const {
  uint64_t total = 0;
  for (const auto& e : engines_) total += e->passes();
  return total;
}

Ns Simulation::next_time() const {
  Ns t = driver_.next_ready(now_);
  if (!events_.empty() && (t == kNever || events_.top().at < t)) t = events_.top().at;
  return t;
}

bool Simulation::done() const { return driver_.exhausted() && events_.empty() && in_flight_ == 0; }

bool Simulation::run_until(Ns limit) {
  if (finished_) return true;
  if (!started_) {
    started_ = true;
    drain();
  }
  while (!done()) {
    Ns t = next_time();
    if (t == kNever) throw std::runtime_error("replay reached a dead end: requests remain but nothing can make progress");
    if (cfg_.max_sim_time != kNever && t > cfg_.max_sim_time) break;
    if (t > limit) {
      // Pause with the clock at the limit: an observer (planner tick) sees time pass.
      advance_clock(limit);
      return false;
    }
    advance_clock(t);
    drain();
  }
  finished_ = true;
  return true;
}

void Simulation::advance_clock(Ns t) {
  if (t <= now_) return;
  worker_ns_ += static_cast<double>(cfg_.num_workers) * static_cast<double>(t - now_);
  now_ = t;
}

// Settles everything that happens at `now_`, until a round changes nothing.
void Simulation::drain() {
  for (;;) {
    bool changed = apply_completions();
    changed |= release_arrivals();
    changed |= drive_workers();
    if (!changed) return;
  }
}

bool Simulation::apply_completions() {
  bool any = false;
  while (!events_.empty() && events_.top().at == now_) {
    Event e = events_.pop();
    apply_pass(e.subject);
    any = true;
  }
  return any;
}

void Simulation::mark_candidate(int32_t w) {
  if (is_candidate_[w]) return;
  is_candidate_[w] = 1;
  candidates_.push_back(w);
}

void Simulation::apply_pass(int32_t w) {
  busy_[w] = 0;
  mark_candidate(w);
  bool freed = false;
  for (auto [r, signal] : pending_[w].signals) {
    if (signal == Signal::FirstToken) {
      router_->on_first_token(r);
      freed = true;
      continue;
    }
    router_->on_finished(r);
    --in_flight_;
    if (collector_.outcome[r] == Outcome::Completed) {
      ++completed_;
      record_completion(r);
    }
    driver_.on_finished(r, now_);
    freed = true;
  }
  traffic_.on_decode(pending_[w].visible_tokens, pending_[w].decode_forwards);
  pending_[w].clear();
  if (freed) dispatch_queued();
}

void Simulation::record_completion(int32_t r) {
  const uint32_t n = collector_.tokens[r];
  const double ttft = n > 0 ? ns_to_ms(collector_.first_token[r] - collector_.arrival[r]) : 0.0;
  const double itl = n > 1 ? ns_to_ms(collector_.last_token[r] - collector_.first_token[r]) / (n - 1) : 0.0;
  traffic_.on_completion(requests_.input_len(r), n, ttft, itl);
}

void Simulation::dispatch(int32_t r, int32_t target) {
  requests_.target[r] = target;
  engines_[target]->enqueue(r);
  mark_candidate(target);
}

void Simulation::dispatch_queued() {
  if (router_->queued() == 0) return;
  placements_.clear();
  router_->release_queued(placements_);
  for (auto [r, t] : placements_) dispatch(r, t);
}

bool Simulation::release_arrivals() {
  arrivals_.clear();
  driver_.release(now_, arrivals_);
  for (int32_t r : arrivals_) {
    collector_.on_arrival(r, now_);
    traffic_.on_arrival();
    ++in_flight_;
    int32_t t = router_->route(r, now_);
    if (t >= 0) dispatch(r, t);
  }
  return !arrivals_.empty();
}

bool Simulation::drive_workers() {
  bool any = false;
  driving_.swap(candidates_);
  candidates_.clear();
  // Ascending worker id, as the reference iterates its workers.
  if (driving_.size() > 1) std::sort(driving_.begin(), driving_.end());
  for (int32_t w : driving_) is_candidate_[w] = 0;
  for (int32_t w : driving_) {
    if (busy_[w] || !engines_[w]->has_work()) continue;
    bool progress = false;
    Ns end = engines_[w]->execute_pass(now_, pending_[w], progress);
    if (end > now_) {
      busy_[w] = 1;
      events_.push(end, EventKind::WorkerCompletion, w, kCompletionPriority);
      any = true;
    } else if (progress) {
      apply_pass(w);
      any = true;
    }
  }
  return any;
}

}  // namespace dynosim
