#include "sim_args.h"

#include <algorithm>

#include "js_fields.h"
#include "perf_args.h"

namespace dynosim {

using js::Field;

namespace {

EngineConfig read_engine(const Field& e) {
  EngineConfig c;
  const std::string kind = e.string_or("kind", "vllm");
  if (kind == "vllm") c.kind = EngineKind::Vllm;
  else if (kind == "trtllm") c.kind = EngineKind::Trtllm;
  else if (kind == "sglang") c.kind = EngineKind::Sglang;
  else e.fail("kind", "is unknown: '" + kind + "'");
  c.block_size = static_cast<int32_t>(e.integer_or("blockSize", 64, 1, 1 << 20));
  c.num_gpu_blocks = static_cast<int32_t>(e.integer_or("numGpuBlocks", 16384, 1, 1LL << 30));
  c.max_num_seqs = e.integer_or("maxNumSeqs", 256, 0, 1LL << 40);
  c.max_num_batched_tokens = e.integer_or("maxNumBatchedTokens", 8192, 0, 1LL << 40);
  c.max_model_len = e.integer_or("maxModelLen", 0, 0, 1LL << 40);
  c.enable_prefix_caching = e.boolean_or("enablePrefixCaching", true);
  c.enable_chunked_prefill = e.boolean_or("enableChunkedPrefill", true);
  c.fifo_preemption = e.string_or("preemptionMode", "lifo") == "fifo";
  c.speedup_ratio = e.number_or("speedupRatio", 1.0, 1e-9, 1e9);
  c.decode_speedup_ratio = e.number_or("decodeSpeedupRatio", 1.0, 1e-9, 1e9);
  c.dp_size = static_cast<int32_t>(e.integer_or("dpSize", 1, 1, 1024));
  c.nextn = static_cast<int32_t>(e.integer_or("nextn", 0, 0, 5));
  if (!e.is_null("acceptRates")) {
    std::vector<double> rates = e.numbers("acceptRates");
    for (size_t i = 0; i < rates.size() && i < c.accept_rates.size(); ++i) {
      if (!(rates[i] >= 0 && rates[i] <= 1)) e.fail("acceptRates", "must hold numbers in [0, 1]");
      c.accept_rates[i] = rates[i];
    }
  }
  c.mtp_seed = static_cast<uint64_t>(e.integer_or("mtpSeed", 42, 0, 1LL << 52));
  if (!e.is_null("sglang")) {
    Field s = e.object("sglang");
    c.sglang.lpm = s.string_or("schedulePolicy", "fifo") == "lpm";
    c.sglang.max_prefill_tokens = s.integer_or("maxPrefillTokens", 16384, 1, 1LL << 40);
    c.sglang.chunked_prefill_size = s.integer_or("chunkedPrefillSize", 8192, 1, 1LL << 40);
    c.sglang.clip_max_new_tokens = s.integer_or("clipMaxNewTokens", 4096, 0, 1LL << 40);
    c.sglang.schedule_conservativeness = s.number_or("scheduleConservativeness", 1.0, 0, 1e9);
  }
  c.perf = parse_perf_model(e.obj);
  return c;
}

// A policy profile (--router-policy-config), validated again here: no input reaches UB.
RouterPolicy read_policy(const Field& p) {
  RouterPolicy policy;
  constexpr int64_t kMaxCount = 1LL << 40;  // tokens, requests and quanta: far past any trace
  for (const Field& c : p.objects("classes")) {
    PolicyClass k;
    k.name = c.string_or("name", "default");
    const std::string q = c.string_or("queuePolicy", "fcfs");
    if (q == "fcfs") k.policy = QueuePolicy::Fcfs;
    else if (q == "wspt") k.policy = QueuePolicy::Wspt;
    else c.fail("queuePolicy", "must be fcfs or wspt, got '" + q + "'");
    k.quantum = c.integer("quantum", 1, kMaxCount);
    k.busy_tokens = c.integer_or("busyTokens", -1, 0, kMaxCount);
    k.busy_frac = c.number_or("busyFrac", -1, 0, 1e12);
    k.busy_worker_ratio = c.is_null("busyWorkerRatio") ? -1 : c.number("busyWorkerRatio", 1e-12, 1);
    k.request_limit = c.integer_or("requestLimit", -1, 0, kMaxCount);
    k.raw_isl_limit = c.integer_or("rawIslLimit", -1, 0, kMaxCount);
    k.cached_limit = c.integer_or("cachedLimit", -1, 0, kMaxCount);
    policy.classes.push_back(k);
  }
  if (policy.classes.empty()) p.fail("classes", "must not be empty");
  const std::vector<double> mins = p.numbers("bucketMinTokens");
  const std::vector<double> cls = p.numbers("bucketClass");
  p.expect_length("bucketClass", cls.size(), mins.size());
  if (mins.empty() || mins[0] != 0) p.fail("bucketMinTokens", "must start at 0");
  for (size_t i = 0; i < mins.size(); ++i) {
    if (!(mins[i] >= 0 && mins[i] <= kMaxCount && mins[i] == std::floor(mins[i])) || (i > 0 && mins[i] <= mins[i - 1]))
      p.fail("bucketMinTokens", "must be strictly increasing whole numbers");
    if (!(cls[i] >= 0 && cls[i] < static_cast<double>(policy.classes.size()) && cls[i] == std::floor(cls[i])))
      p.fail("bucketClass", "must hold class indices");
    policy.bucket_min_tokens.push_back(static_cast<int64_t>(mins[i]));
    policy.bucket_class.push_back(static_cast<int32_t>(cls[i]));
  }
  return policy;
}

RouterConfig read_router(const Field& r) {
  RouterConfig c;
  const std::string mode = r.string_or("mode", "round_robin");
  if (mode != "round_robin" && mode != "kv_router")
    js::fail("router_mode must be either 'round_robin' or 'kv_router', got '" + mode + "'");
  c.kv_router = mode == "kv_router";
  c.prefill_load_scale = r.number_or("prefillLoadScale", 1.0, 0, 1e9);
  c.overlap_score_credit = r.number_or("overlapScoreCredit", 1.0, 0, 1);
  if (!r.is_null("overlapScoreWeight")) {
    // The deprecated weight, as KvRouterConfig maps it: the prefill scale (and no credit at 0).
    c.prefill_load_scale = r.number("overlapScoreWeight", 0, 1e9);
    if (c.prefill_load_scale == 0) c.overlap_score_credit = 0;
  }
  c.overlap_score_credit_decay = r.number_or("overlapScoreCreditDecay", 0.0, 0, 1e9);
  c.decode_active_request_weight = r.number_or("decodeActiveRequestWeight", 0.0, 0, 1e9);
  c.temperature = r.number_or("temperature", 0.0, 0, 1e9);
  // NaN is how the caller says "no threshold" (router_queue_threshold: null).
  const Napi::Value threshold = r.get("queueThreshold");
  const bool no_threshold = threshold.IsNumber() && std::isnan(threshold.As<Napi::Number>().DoubleValue());
  c.queue_threshold = no_threshold ? -1 : r.number_or("queueThreshold", 16.0, 0, 1e12);
  const std::string policy = r.string_or("queuePolicy", "fcfs");
  if (policy == "fcfs") c.queue_policy = QueuePolicy::Fcfs;
  else if (policy == "lcfs") c.queue_policy = QueuePolicy::Lcfs;
  else if (policy == "wspt") c.queue_policy = QueuePolicy::Wspt;
  else js::fail("router_queue_policy must be one of fcfs, lcfs, wspt, got '" + policy + "'");
  c.track_active_blocks = r.boolean_or("trackActiveBlocks", true);
  c.assume_kv_reuse = r.boolean_or("assumeKvReuse", true);
  c.track_prefill_tokens = r.boolean_or("trackPrefillTokens", true);
  c.seed = static_cast<uint64_t>(r.integer_or("seed", 42, 0, 1LL << 52));
  c.use_kv_events = r.boolean_or("useKvEvents", true);
  c.ttl = ms_to_ns(r.number_or("ttlSecs", 120.0, 0, kMaxSimMs / 1000) * 1000.0);
  c.max_tree_size = r.integer_or("maxTreeSize", 1 << 20, 1, 1LL << 53);
  c.prune_target_ratio = r.number_or("pruneTargetRatio", 0.8, 0, 1);
  if (!r.is_null("policy")) c.policy = read_policy(r.object("policy"));
  if (!r.is_null("predictedTtlSecs")) c.predicted_ttl = ms_to_ns(r.number("predictedTtlSecs", 0, kMaxSimMs / 1000) * 1000.0);
  if (!r.is_null("prefillLoadModel")) {
    // The estimator's perf model, in the engine's perf format.
    Napi::Object holder = Napi::Object::New(r.obj.Env());
    holder.Set("perf", r.get("prefillLoadModel"));
    c.prefill_load_model = parse_perf_model(holder);
  }
  return c;
}

PoolConfig read_pool(const Field& p) {
  PoolConfig c;
  c.engine = read_engine(p.object("engine"));
  c.router = read_router(p.object("router"));
  c.initial_workers = static_cast<int32_t>(p.integer_or("numWorkers", 1, 0, 1 << 20));
  const double startup_s = p.is_null("startupTimeS") ? 0.0 : p.number("startupTimeS", 0, kMaxSimMs / 1000);
  c.startup_time = ms_to_ns(startup_s * 1000.0);
  return c;
}

// The agentic dependency graph: every request its own session, each dependency inside its play,
// one root per play, no cycle, and every request's latest possible start within the time limit.
void parse_graph(const Field& w, WorkloadArrays& a) {
  const size_t n = a.input_len.size();
  if (a.session_start.size() != n + 1) w.fail("sessionStart", "must hold one session per request with depOffsets");
  if (a.sessions.concurrency != 0) w.fail("concurrency", "must be 0 with depOffsets");
  a.dep_offsets = w.u32("depOffsets");
  a.dep_source = w.u32("depSources");
  a.dep_delay = w.f64("depDelayMs");
  a.dep_on_dispatch = w.u8("depOnDispatch");
  a.play_of = w.u32("playOf");
  w.expect_length("depOffsets", a.dep_offsets.size(), n + 1);
  w.expect_length("playOf", a.play_of.size(), n);
  const size_t deps = a.dep_source.size();
  w.expect_length("depDelayMs", a.dep_delay.size(), deps);
  w.expect_length("depOnDispatch", a.dep_on_dispatch.size(), deps);
  if (a.dep_offsets[0] != 0 || a.dep_offsets[n] != deps) w.fail("depOffsets", "must start at 0 and end at depSources.length");
  for (size_t r = 0; r < n; ++r)
    if (a.dep_offsets[r + 1] < a.dep_offsets[r]) w.fail("depOffsets", "decreases at request " + std::to_string(r));
  uint32_t plays = 0;
  for (size_t r = 0; r < n; ++r) {
    if (a.play_of[r] >= n) w.fail("playOf", "names a play past the request count for request " + std::to_string(r));
    plays = std::max(plays, a.play_of[r] + 1);
  }
  std::vector<int32_t> roots(plays, 0);
  std::vector<uint32_t> indegree(n), dependents_offsets(n + 1, 0);
  for (size_t r = 0; r < n; ++r) {
    indegree[r] = a.dep_offsets[r + 1] - a.dep_offsets[r];
    if (indegree[r] == 0) ++roots[a.play_of[r]];
    for (uint32_t d = a.dep_offsets[r]; d < a.dep_offsets[r + 1]; ++d) {
      const uint32_t s = a.dep_source[d];
      if (s >= n || s == r || a.play_of[s] != a.play_of[r])
        w.fail("depSources", "must name another request of the same play, for request " + std::to_string(r));
      if (!(a.dep_delay[d] >= 0 && a.dep_delay[d] <= kMaxSimMs)) w.fail("depDelayMs", "is outside [0, 100 years] for request " + std::to_string(r));
      if (a.dep_on_dispatch[d] > 1) w.fail("depOnDispatch", "must hold 0 or 1");
      ++dependents_offsets[s + 1];
    }
  }
  const int64_t lanes = w.integer_or("agenticLanes", 0, 0, 1 << 30);
  for (uint32_t p = 0; p < plays; ++p) {
    if (roots[p] == 0) w.fail("depOffsets", "must give play " + std::to_string(p) + " a request without dependencies");
    if (lanes > 0 && roots[p] != 1) w.fail("depOffsets", "must give play " + std::to_string(p) + " exactly one request without dependencies with agenticLanes");
  }
  for (size_t r = 0; r < n; ++r) dependents_offsets[r + 1] += dependents_offsets[r];
  std::vector<uint32_t> dependents(deps), target_of(deps), fill(dependents_offsets.begin(), dependents_offsets.end() - 1);
  std::vector<double> bound_ms(n);
  for (size_t r = 0; r < n; ++r) {
    bound_ms[r] = a.first_arrival[r];
    for (uint32_t d = a.dep_offsets[r]; d < a.dep_offsets[r + 1]; ++d) {
      dependents[fill[a.dep_source[d]]++] = d;
      target_of[d] = static_cast<uint32_t>(r);
    }
  }
  // Kahn's order; each request's bound is the latest its dependencies' delays can push it.
  std::vector<uint32_t> order;
  order.reserve(n);
  for (size_t r = 0; r < n; ++r)
    if (indegree[r] == 0) order.push_back(static_cast<uint32_t>(r));
  for (size_t i = 0; i < order.size(); ++i) {
    const uint32_t s = order[i];
    if (!(bound_ms[s] <= kMaxSimMs)) w.fail("depDelayMs", "puts request " + std::to_string(s) + " past 100 years");
    for (uint32_t j = dependents_offsets[s]; j < dependents_offsets[s + 1]; ++j) {
      const uint32_t d = dependents[j];
      const uint32_t target = target_of[d];
      bound_ms[target] = std::max(bound_ms[target], bound_ms[s] + a.dep_delay[d]);
      if (--indegree[target] == 0) order.push_back(target);
    }
  }
  if (order.size() != n) w.fail("depSources", "form a cycle");
  a.sessions.graph.dep_offsets = a.dep_offsets.data();
  a.sessions.graph.dep_source = a.dep_source.data();
  a.sessions.graph.dep_delay_ms = a.dep_delay.data();
  a.sessions.graph.dep_on_dispatch = a.dep_on_dispatch.data();
  a.sessions.graph.play_of = a.play_of.data();
  a.sessions.graph.num_plays = static_cast<int32_t>(plays);
  a.sessions.graph.lanes = static_cast<int32_t>(lanes);
}

}  // namespace

EngineConfig parse_engine(const Napi::Object& engine) { return read_engine(Field{engine, "engine"}); }

SimConfig parse_sim_config(const Napi::Object& config) {
  const Field f{config, "config"};
  SimConfig sc;
  sc.disaggregated = f.boolean_or("disaggregated", false);
  if (sc.disaggregated) {
    sc.prefill = read_pool(f.object("prefill"));
    sc.decode = read_pool(f.object("decode"));
    if (sc.prefill.engine.block_size != sc.decode.engine.block_size)
      js::fail("trace replay requires matching prefill/decode block_size, got " + std::to_string(sc.prefill.engine.block_size) +
               " and " + std::to_string(sc.decode.engine.block_size));
  } else {
    sc.agg = read_pool(f.object("agg"));
  }
  sc.kv_bytes_per_token = f.is_null("kvBytesPerToken") ? 0.0 : f.number("kvBytesPerToken", 0, 1e18);
  sc.kv_transfer_gbps = f.is_null("kvTransferGbps") ? 0.0 : f.number("kvTransferGbps", 0, 1e18);
  const std::string timing = f.string_or("kvTransferTiming", "full_prompt");
  if (timing == "full_prompt") sc.transfer_timing = TransferTiming::FullPrompt;
  else if (timing == "destination_missing") sc.transfer_timing = TransferTiming::DestinationMissing;
  else js::fail("kv_transfer_timing_mode must be full_prompt or destination_missing, got '" + timing + "'");
  const Napi::Value max_ms = f.get("maxSimTimeMs");
  const bool unbounded = max_ms.IsNumber() && max_ms.As<Napi::Number>().DoubleValue() == INFINITY;
  sc.max_sim_time = f.is_null("maxSimTimeMs") || unbounded ? kNever : ms_to_ns(f.number("maxSimTimeMs", 0, kMaxSimMs));
  sc.decode_runs = f.boolean_or("decodeRuns", true);
  sc.pass_log = f.boolean_or("passLog", false);
  sc.request_detail = f.boolean_or("requestDetail", false);
  return sc;
}

// The listed hash ids: request i's are hashIds[hashOffsets[i] .. hashOffsets[i+1]), covering its
// prompt (trace_bs tokens each, or their hashRunTokens).
static void parse_hash_ids(const Field& w, int64_t trace_bs, WorkloadArrays& a) {
  const size_t n = a.input_len.size();
  a.hash_offsets = w.u32("hashOffsets");
  const Napi::Uint32Array ids = w.u32_array("hashIds");
  a.hash_ids_len = ids.ElementLength();
  w.expect_length("hashOffsets", a.hash_offsets.size(), n + 1);
  if (a.hash_offsets[0] != 0 || a.hash_offsets[n] != a.hash_ids_len)
    w.fail("hashOffsets", "must start at 0 and end at hashIds.length");
  const bool runs = !w.is_null("hashRunTokens");
  if (runs) {
    a.run_tokens = w.u32("hashRunTokens");
    w.expect_length("hashRunTokens", a.run_tokens.size(), a.hash_ids_len);
  }
  for (size_t i = 0; i < n; ++i) {
    if (a.hash_offsets[i + 1] <= a.hash_offsets[i]) w.fail("hashIds", "has no ids for request " + std::to_string(i));
    // Offsets rise request by request; one past hashIds here would fall again later, too late for
    // the runs read below.
    if (a.hash_offsets[i + 1] > a.hash_ids_len) w.fail("hashOffsets", "runs past hashIds at request " + std::to_string(i));
    // Each hash id stands for trace_bs tokens (or its run's): a longer prompt would read past its ids.
    int64_t covered = static_cast<int64_t>(a.hash_offsets[i + 1] - a.hash_offsets[i]) * trace_bs;
    if (runs) {
      covered = 0;
      for (uint32_t k = a.hash_offsets[i]; k < a.hash_offsets[i + 1]; ++k) {
        if (a.run_tokens[k] == 0) w.fail("hashRunTokens", "has an empty run for request " + std::to_string(i));
        covered += a.run_tokens[k];
      }
    }
    if (static_cast<int64_t>(a.input_len[i]) > covered)
      w.fail("inputLength", "exceeds what its hash ids cover for request " + std::to_string(i));
  }
  a.view.hash_offsets = a.hash_offsets.data();
  a.hash_ids_js = Napi::Reference<Napi::Uint32Array>::New(ids, 1);
  a.view.hash_ids = ids.Data();
  a.view.run_tokens = runs ? a.run_tokens.data() : nullptr;
}

// Hash ids described by a pattern (synthetic workloads), with hashOffsets and hashIds empty: every
// id it makes must fit in 32 bits and every prompt within its blocks.
static void parse_block_id_pattern(const Field& w, int64_t trace_bs, WorkloadArrays& a) {
  const size_t n = a.input_len.size();
  const Field p = w.object("blockIdPattern");
  if (!w.is_null("hashRunTokens")) w.fail("hashRunTokens", "cannot go with blockIdPattern");
  if (w.u32("hashOffsets").size() != 0 || w.u32("hashIds").size() != 0)
    w.fail("hashIds", "must be empty with blockIdPattern (the pattern gives the ids)");
  a.shared_first_id = p.u32("sharedFirstId");
  p.expect_length("sharedFirstId", a.shared_first_id.size(), n);
  const int64_t per_request = p.integer("blocksPerRequest", 1, INT32_MAX);
  const int64_t shared = p.integer("sharedBlocks", 0, per_request);
  const int64_t first_private = p.integer("firstPrivateId", 0, UINT32_MAX);
  if (first_private + static_cast<int64_t>(n) * (per_request - shared) - 1 > UINT32_MAX)
    p.fail("firstPrivateId", "puts the last private id past 2^32 - 1");
  for (size_t i = 0; i < n; ++i) {
    if (shared > 0 && a.shared_first_id[i] + shared - 1 > UINT32_MAX)
      p.fail("sharedFirstId", "puts a shared id past 2^32 - 1 for request " + std::to_string(i));
    if (static_cast<int64_t>(a.input_len[i]) > per_request * trace_bs)
      w.fail("inputLength", "exceeds what its hash ids cover for request " + std::to_string(i));
  }
  BlockIdPatternView& v = a.view.pattern;
  v.shared_first_id = a.shared_first_id.data();
  v.shared_blocks = static_cast<uint32_t>(shared);
  v.blocks_per_request = static_cast<uint32_t>(per_request);
  v.first_private_id = static_cast<uint32_t>(first_private);
}

void WorkloadArrays::check_held() const {
  if (hash_ids_js.IsEmpty()) return;
  const Napi::Uint32Array ids = hash_ids_js.Value();
  if (ids.ArrayBuffer().IsDetached() || ids.ElementLength() != hash_ids_len || ids.Data() != view.hash_ids)
    js::fail("native config: workload.hashIds was detached or replaced after the simulation was made");
}

void parse_workload(const Napi::Object& workload, WorkloadArrays& a) {
  const Field w{workload, "workload"};
  a.input_len = w.u32("inputLength");
  const size_t n = a.input_len.size();
  a.output_len = w.u32("outputLength");
  a.session_start = w.u32("sessionStart");
  const size_t sessions = a.session_start.empty() ? 0 : a.session_start.size() - 1;
  a.first_arrival = w.f64("firstArrivalMs");
  a.turn_delay = w.f64("turnDelayMs");
  w.expect_length("outputLength", a.output_len.size(), n);
  w.expect_length("firstArrivalMs", a.first_arrival.size(), sessions);
  w.expect_length("turnDelayMs", a.turn_delay.size(), n);

  if (n == 0) w.fail("inputLength", "is empty: no requests");
  if (n > static_cast<size_t>(INT32_MAX)) w.fail("inputLength", "holds more than 2^31 - 1 requests");
  const int64_t trace_bs = w.integer_or("traceBlockSize", 512, 1, 1 << 24);
  const bool pattern = !w.is_null("blockIdPattern");
  if (pattern) parse_block_id_pattern(w, trace_bs, a);
  else parse_hash_ids(w, trace_bs, a);
  for (size_t i = 0; i < n; ++i) {
    if (a.input_len[i] == 0) w.fail("inputLength", "is 0 for request " + std::to_string(i));
    if (!(a.turn_delay[i] >= 0 && a.turn_delay[i] <= kMaxSimMs))
      w.fail("turnDelayMs", "is outside [0, 100 years] for request " + std::to_string(i));
  }
  if (sessions == 0 || a.session_start[0] != 0 || a.session_start[sessions] != n)
    w.fail("sessionStart", "must start at 0 and end at the request count");
  for (size_t s = 0; s < sessions; ++s)
    if (a.session_start[s + 1] <= a.session_start[s]) w.fail("sessionStart", "has an empty session " + std::to_string(s));
  // Now every session's turns lie inside [0, n).
  for (size_t s = 0; s < sessions; ++s) {
    double t = a.first_arrival[s];
    for (uint32_t r = a.session_start[s]; r < a.session_start[s + 1]; ++r) t += a.turn_delay[r];
    if (!(a.first_arrival[s] >= 0 && t <= kMaxSimMs))
      w.fail("firstArrivalMs", "puts session " + std::to_string(s) + " outside [0, 100 years]");
  }

  a.view.num_requests = static_cast<int32_t>(n);
  a.view.input_length = a.input_len.data();
  a.view.output_length = a.output_len.data();
  a.view.trace_block_size = static_cast<int32_t>(trace_bs);
  if (!w.is_null("outputRunIds")) {
    if (a.view.run_tokens == nullptr) w.fail("outputRunIds", "needs hashRunTokens");
    a.output_run_ids = w.u32("outputRunIds");
    w.expect_length("outputRunIds", a.output_run_ids.size(), n);
    a.view.output_run_ids = a.output_run_ids.data();
  }
  a.sessions.num_sessions = static_cast<int32_t>(sessions);
  a.sessions.session_start = a.session_start.data();
  a.sessions.first_arrival_ms = a.first_arrival.data();
  a.sessions.turn_delay_ms = a.turn_delay.data();
  a.sessions.concurrency = static_cast<int32_t>(w.integer_or("concurrency", 0, 0, 1 << 30));
  if (!w.is_null("depOffsets")) parse_graph(w, a);
}

}  // namespace dynosim
