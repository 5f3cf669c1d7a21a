#include "pool.h"

#include <algorithm>

#include "../engine/make_engine.h"
#include "../router/kv_router.h"
#include "../router/round_robin.h"

namespace dynosim {

Pool::Pool(const PoolConfig& config, const RequestTable& requests, Collector& collector, TrafficAccumulator* admissions)
    : cfg_(config), requests_(requests), collector_(collector), state_(requests.size()) {
  // Per thread: sweeps run simulations on several worker threads at once.
  thread_local TrafficAccumulator unused_traffic;
  const int32_t targets = config.initial_workers * dp();
  if (cfg_.router.kv_router) {
    index_ = std::make_unique<OverlapIndex>(targets);
    router_ = std::make_unique<KvRouter>(cfg_.router, targets, cfg_.engine.block_size,
                                         cfg_.engine.max_num_batched_tokens, requests_, *index_,
                                         admissions ? *admissions : unused_traffic);
  } else {
    router_ = std::make_unique<RoundRobinRouter>(targets);
  }
  for (int32_t w = 0; w < config.initial_workers; ++w) add_worker(WorkerState::Active);
}

int32_t Pool::add_worker(WorkerState state) {
  const int32_t w = static_cast<int32_t>(workers_.size());
  workers_.emplace_back();
  Worker& worker = workers_.back();
  worker.state = state;
  ++counts_[static_cast<int>(state)];
  worker.planned.assign(dp(), 0);
  for (int32_t k = 0; k < dp(); ++k) {
    const int32_t target = w * dp() + k;
    std::unique_ptr<Engine> engine = make_engine(cfg_.engine, requests_, state_, collector_, static_cast<uint64_t>(target));
    if (index_) {
      if (target >= index_->num_targets()) index_->add_target();
      // Without KV events the engines publish nothing; the router records its own decisions.
      if (cfg_.router.use_kv_events) engine->attach_index(index_.get(), target);
    }
    worker.ranks.push_back(std::move(engine));
  }
  is_candidate_.push_back(0);
  return w;
}

void Pool::set_routable(int32_t w, bool routable) {
  for (int32_t k = 0; k < dp(); ++k) router_->set_eligible(w * dp() + k, routable);
}

int32_t Pool::route(int32_t r, Ns now) { return router_->route(r, now); }

void Pool::note_dispatch(int32_t r, int32_t target) {
  state_.target[r] = target;
  mark_candidate(target / dp());
}

void Pool::mark_candidate(int32_t w) {
  if (is_candidate_[w]) return;
  is_candidate_[w] = 1;
  candidates_.push_back(w);
}

void Pool::take_candidates(std::vector<int32_t>& out) {
  out.swap(candidates_);
  candidates_.clear();
  if (out.size() > 1) std::sort(out.begin(), out.end());
  for (int32_t w : out) is_candidate_[w] = 0;
}

void Pool::set_state(int32_t w, WorkerState s) {
  --counts_[static_cast<int>(workers_[w].state)];
  ++counts_[static_cast<int>(s)];
  workers_[w].state = s;
}

uint64_t Pool::forward_passes() const {
  uint64_t total = 0;
  for (const Worker& w : workers_)
    for (const auto& e : w.ranks) total += e->passes();
  return total;
}

// Up: new workers (routable at once, or after their startup time). Down: cancel starting
// workers first, then drain the highest-id active ones — they take no new requests and leave
// once their in-flight work is done.
void Pool::scale_to(int32_t target, std::vector<int32_t>& starting) {
  int32_t effective = count(WorkerState::Active) + count(WorkerState::Starting);
  for (; effective < target; ++effective) {
    const bool delayed = cfg_.startup_time > 0;
    const int32_t w = add_worker(delayed ? WorkerState::Starting : WorkerState::Active);
    for (int32_t k = 0; k < dp(); ++k) router_->add_target();
    if (delayed) starting.push_back(w);
    else set_routable(w, true);
  }
  for (int32_t w = num_worker_ids() - 1; w >= 0 && effective > target; --w) {
    if (workers_[w].state != WorkerState::Starting) continue;
    set_state(w, WorkerState::Removed);  // its WorkerReady event is now stale
    --effective;
  }
  for (int32_t w = num_worker_ids() - 1; w >= 0 && effective > target; --w) {
    if (workers_[w].state != WorkerState::Active) continue;
    set_state(w, WorkerState::Draining);
    set_routable(w, false);
    --effective;
    retire_if_drained(w);
  }
}

void Pool::activate(int32_t w) {
  if (workers_[w].state != WorkerState::Starting) return;
  set_state(w, WorkerState::Active);
  set_routable(w, true);
}

bool Pool::retire_if_drained(int32_t w) {
  Worker& worker = workers_[w];
  if (worker.state != WorkerState::Draining || worker.busy) return false;
  for (const auto& e : worker.ranks)
    if (e->load() > 0) return false;
  set_state(w, WorkerState::Removed);
  for (int32_t k = 0; k < dp(); ++k) router_->remove_target(w * dp() + k);
  return true;
}

}  // namespace dynosim
