#include "results_js.h"

#include <cmath>

namespace dynosim {

namespace {

template <typename T, typename Arr>
Arr copy_out(Napi::Env env, const std::vector<T>& src) {
  Arr out = Arr::New(env, src.size());
  for (size_t i = 0; i < src.size(); ++i) out[i] = src[i];
  return out;
}

Napi::Float64Array times_ms(Napi::Env env, const std::vector<Ns>& ns) {
  auto out = Napi::Float64Array::New(env, ns.size());
  double* d = out.Data();
  for (size_t i = 0; i < ns.size(); ++i) d[i] = ns[i] == kNever ? NAN : ns_to_ms(ns[i]);
  return out;
}

Napi::Object summary_object(Napi::Env env, const Summary& s) {
  auto o = Napi::Object::New(env);
  o.Set("count", static_cast<double>(s.count));
  o.Set("mean", s.mean);
  o.Set("min", s.min);
  o.Set("max", s.max);
  o.Set("median", s.median);
  o.Set("p75", s.p75);
  o.Set("p90", s.p90);
  o.Set("p95", s.p95);
  o.Set("p99", s.p99);
  o.Set("std", s.std);
  return o;
}

Napi::Object pass_to_js(Napi::Env env, const ForwardPassSnapshot& f) {
  auto o = Napi::Object::New(env);
  o.Set("numPrefillRequests", static_cast<double>(f.num_prefill_requests));
  o.Set("sumPrefillTokens", static_cast<double>(f.sum_prefill_tokens));
  o.Set("varPrefillLength", f.var_prefill_length);
  o.Set("sumPrefillKvTokens", static_cast<double>(f.sum_prefill_kv_tokens));
  o.Set("numDecodeRequests", static_cast<double>(f.num_decode_requests));
  o.Set("sumDecodeKvTokens", static_cast<double>(f.sum_decode_kv_tokens));
  o.Set("varDecodeKvTokens", f.var_decode_kv_tokens);
  o.Set("numQueuedPrefill", static_cast<double>(f.num_queued_prefill));
  o.Set("sumQueuedPrefillTokens", static_cast<double>(f.sum_queued_prefill_tokens));
  o.Set("varQueuedPrefillLength", f.var_queued_prefill_length);
  o.Set("numQueuedDecode", static_cast<double>(f.num_queued_decode));
  o.Set("sumQueuedDecodeKvTokens", static_cast<double>(f.sum_queued_decode_kv_tokens));
  o.Set("varQueuedDecodeKvTokens", f.var_queued_decode_kv_tokens);
  o.Set("wallTimeSecs", f.wall_time_secs);
  o.Set("visibleOutputTokens", static_cast<double>(f.visible_output_tokens));
  o.Set("decodeForwards", static_cast<double>(f.decode_forwards));
  return o;
}

// Worker id of each request's target in a pool (-1 when never placed there).
Napi::Int32Array workers_of(Napi::Env env, Pool& pool) {
  const auto& target = pool.state().target;
  auto out = Napi::Int32Array::New(env, target.size());
  for (size_t i = 0; i < target.size(); ++i) out[i] = target[i] < 0 ? -1 : target[i] / pool.dp();
  return out;
}

// Per-request detail (routing per pool, admissions in order, terminal times); pools are
// entry-first (aggregated, or prefill then decode) and pool-major arrays index pool × n + r.
Napi::Object detail_to_js(Napi::Env env, Simulation& sim) {
  const Collector& c = sim.collector();
  const size_t n = c.arrival.size();
  Pool* pools[2] = {&sim.entry_pool(), sim.disaggregated() ? &sim.token_pool() : nullptr};
  const size_t num_pools = pools[1] ? 2 : 1;
  auto target = Napi::Int32Array::New(env, num_pools * n);
  auto dp = Napi::Int32Array::New(env, num_pools);
  for (size_t p = 0; p < num_pools; ++p) {
    const auto& t = pools[p]->state().target;
    dp[p] = pools[p]->dp();
    for (size_t r = 0; r < n; ++r) target[p * n + r] = r < t.size() ? t[r] : -1;
  }
  const size_t m = c.admissions.size();
  auto at = Napi::Float64Array::New(env, m);
  auto who = Napi::Int32Array::New(env, m);
  auto reused = Napi::Uint32Array::New(env, m);
  auto pool = Napi::Uint8Array::New(env, m);
  for (size_t i = 0; i < m; ++i) {
    const Collector::Admission& a = c.admissions[i];
    at[i] = ns_to_ms(a.at);
    who[i] = a.r;
    reused[i] = a.reused;
    pool[i] = a.pool;
  }
  auto admissions = Napi::Object::New(env);
  admissions.Set("atMs", at);
  admissions.Set("request", who);
  admissions.Set("reusedTokens", reused);
  admissions.Set("pool", pool);
  auto o = Napi::Object::New(env);
  o.Set("terminalMs", times_ms(env, c.terminal));
  o.Set("routeQueuedMs", times_ms(env, c.route_queued));
  o.Set("routedMs", times_ms(env, c.routed));
  o.Set("routeOverlapTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.route_overlap));
  o.Set("routeTarget", target);
  o.Set("dpSize", dp);
  o.Set("admissions", admissions);
  return o;
}

}  // namespace

Napi::Object traffic_to_js(Napi::Env env, const TrafficWindow& w) {
  auto o = Napi::Object::New(env);
  o.Set("durationS", w.duration_s);
  o.Set("numReq", static_cast<double>(w.num_req));
  o.Set("completed", static_cast<double>(w.shape_count));
  o.Set("avgIsl", w.avg_isl);
  o.Set("avgOsl", w.avg_osl);
  o.Set("ttftCount", static_cast<double>(w.ttft_count));
  o.Set("avgTtftMs", w.avg_ttft_ms);
  o.Set("itlCount", static_cast<double>(w.itl_count));
  o.Set("avgItlMs", w.avg_itl_ms);
  o.Set("kvHitCount", static_cast<double>(w.kv_hit_count));
  o.Set("avgKvHitRate", w.avg_kv_hit_rate);
  o.Set("visibleTokens", static_cast<double>(w.visible_tokens));
  o.Set("decodeForwards", static_cast<double>(w.decode_forwards));
  o.Set("avgAcceptLength", w.avg_accept_length < 0 ? env.Null() : Napi::Number::New(env, w.avg_accept_length));
  return o;
}

Napi::Object observe_pool(Napi::Env env, Pool& pool) {
  auto o = Napi::Object::New(env);
  o.Set("active", pool.count(WorkerState::Active));
  o.Set("starting", pool.count(WorkerState::Starting));
  o.Set("total", pool.provisioned());
  auto ids = Napi::Array::New(env);
  auto activated = Napi::Array::New(env);
  auto passes = Napi::Array::New(env);
  uint32_t n_ids = 0, n_passes = 0;
  for (int32_t w = 0; w < pool.num_worker_ids(); ++w) {
    Worker& worker = pool.worker(w);
    if (worker.state == WorkerState::Removed) continue;
    if (worker.state == WorkerState::Active) {
      activated.Set(n_ids, ns_to_ms(worker.activated_at));
      ids.Set(n_ids++, w);
    }
    for (size_t k = 0; k < worker.ranks.size(); ++k) {
      Engine& e = *worker.ranks[k];
      if (!e.passed_since_mark()) continue;
      e.clear_pass_mark();
      auto entry = Napi::Object::New(env);
      entry.Set("workerId", w);
      entry.Set("dpRank", static_cast<double>(k));
      entry.Set("startMs", k < worker.rank_pass_start.size() ? ns_to_ms(worker.rank_pass_start[k]) : 0.0);
      entry.Set("pass", pass_to_js(env, e.last_pass()));
      passes.Set(n_passes++, entry);
    }
  }
  o.Set("activeIds", ids);
  o.Set("activatedMs", activated);
  o.Set("passes", passes);
  return o;
}

Napi::Object pass_log_to_js(Napi::Env env, PassLog& log) {
  const std::vector<PassSegment> segs = log.sorted_segments();
  const size_t n = segs.size();
  auto start = Napi::Float64Array::New(env, n);
  auto worker = Napi::Int32Array::New(env, n);
  auto rank = Napi::Int32Array::New(env, n);
  auto count = Napi::Int32Array::New(env, n);
  auto work = Napi::Float64Array::New(env, n * 5);
  auto wall = Napi::Float64Array::New(env, log.passes());
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    const PassSegment& s = segs[i];
    start[i] = ns_to_ms(s.start);
    worker[i] = s.worker;
    rank[i] = s.rank;
    count[i] = s.count;
    const double fields[5] = {static_cast<double>(s.first.num_prefill_requests), static_cast<double>(s.first.sum_prefill_tokens),
                              static_cast<double>(s.first.sum_prefill_kv_tokens), static_cast<double>(s.first.num_decode_requests),
                              static_cast<double>(s.first.sum_decode_kv_tokens)};
    for (int f = 0; f < 5; ++f) work[5 * i + f] = fields[f];
    const std::vector<Ns>& d = log.durations_of(s.target);
    for (int32_t j = 0; j < s.count; ++j) wall[at++] = static_cast<double>(d[s.offset + j]) / 1e9;
  }
  log.clear();
  auto o = Napi::Object::New(env);
  o.Set("startMs", start);
  o.Set("workerId", worker);
  o.Set("dpRank", rank);
  o.Set("count", count);
  o.Set("work", work);
  o.Set("wallSecs", wall);
  return o;
}

Napi::Object results_to_js(Napi::Env env, Simulation& sim) {
  const Collector& c = sim.collector();
  // The summaries first: their scratch (a value per completed request and distribution) is freed
  // before the per-request arrays are copied out, so the two never add up at the run's peak.
  Collector::Summaries s = c.summarize_all();
  auto req = Napi::Object::New(env);
  req.Set("arrivalMs", times_ms(env, c.arrival));
  req.Set("firstAdmitMs", times_ms(env, c.first_admit));
  req.Set("firstTokenMs", times_ms(env, c.first_token));
  req.Set("secondTokenMs", times_ms(env, c.second_token));
  req.Set("lastTokenMs", times_ms(env, c.last_token));
  req.Set("outputTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.tokens));
  req.Set("reusedTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.reused_max));
  req.Set("firstAdmitReusedTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.first_reused));
  req.Set("workerIdx", workers_of(env, sim.token_pool()));
  auto status = Napi::Uint8Array::New(env, c.outcome.size());
  for (size_t i = 0; i < c.outcome.size(); ++i) status[i] = static_cast<uint8_t>(c.outcome[i]);
  req.Set("status", status);
  if (sim.disaggregated()) {
    auto d = Napi::Object::New(env);
    d.Set("prefillWorkerIdx", copy_out<int32_t, Napi::Int32Array>(env, c.prefill_worker));
    d.Set("sourceHeldMs", times_ms(env, c.source_held));
    d.Set("destinationReservedMs", times_ms(env, c.destination_reserved));
    d.Set("destinationActivatedMs", times_ms(env, c.destination_activated));
    d.Set("decodeAdmitMs", times_ms(env, c.decode_admit));
    d.Set("decodeReusedTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.decode_reused));
    req.Set("handoff", d);
  }
  if (c.detail()) req.Set("detail", detail_to_js(env, sim));

  auto out = Napi::Object::New(env);
  out.Set("requests", req);
  out.Set("ttft", summary_object(env, s.ttft));
  out.Set("ttst", summary_object(env, s.ttst));
  out.Set("tpot", summary_object(env, s.tpot));
  out.Set("itl", summary_object(env, s.itl));
  out.Set("e2eLatency", summary_object(env, s.e2e));
  out.Set("outputTokenThroughputPerUser", summary_object(env, s.otpu));
  out.Set("endTimeMs", ns_to_ms(sim.now()));
  Pool* prefill = sim.prefill_pool();
  out.Set("prefillWorkerSeconds", prefill ? prefill->worker_seconds() : 0.0);
  out.Set("decodeWorkerSeconds", sim.token_pool().worker_seconds());
  out.Set("forwardPasses", static_cast<double>(sim.forward_passes()));
  out.Set("decodeRunPasses", static_cast<double>(sim.decode_run_passes()));
  return out;
}

}  // namespace dynosim
