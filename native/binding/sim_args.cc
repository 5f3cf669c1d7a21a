#include "sim_args.h"

#include "js_fields.h"
#include "perf_args.h"

namespace dynosim {

using namespace js;

EngineConfig parse_engine(const Napi::Object& e) {
  EngineConfig c;
  const std::string kind = string(e, "kind", "vllm");
  if (kind == "vllm") c.kind = EngineKind::Vllm;
  else if (kind == "trtllm") c.kind = EngineKind::Trtllm;
  else if (kind == "sglang") c.kind = EngineKind::Sglang;
  else fail("native config: unknown engine kind '" + kind + "'");
  c.block_size = static_cast<int32_t>(integer(e, "blockSize", 64, 1, 1 << 20));
  c.num_gpu_blocks = static_cast<int32_t>(integer(e, "numGpuBlocks", 16384, 1, 1LL << 30));
  c.max_num_seqs = integer(e, "maxNumSeqs", 256, 0, 1LL << 40);
  c.max_num_batched_tokens = integer(e, "maxNumBatchedTokens", 8192, 0, 1LL << 40);
  c.max_model_len = integer(e, "maxModelLen", 0, 0, 1LL << 40);
  c.enable_prefix_caching = boolean(e, "enablePrefixCaching", true);
  c.enable_chunked_prefill = boolean(e, "enableChunkedPrefill", true);
  c.fifo_preemption = string(e, "preemptionMode", "lifo") == "fifo";
  c.speedup_ratio = number(e, "speedupRatio", 1.0);
  c.decode_speedup_ratio = number(e, "decodeSpeedupRatio", 1.0);
  c.dp_size = static_cast<int32_t>(integer(e, "dpSize", 1, 1, 1024));
  c.nextn = static_cast<int32_t>(integer(e, "nextn", 0, 0, 5));
  if (present(e, "acceptRates")) {
    Napi::Value v = e.Get("acceptRates");
    if (!v.IsArray()) fail("native config: acceptRates must be an array of numbers");
    auto arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length() && i < c.accept_rates.size(); ++i) {
      Napi::Value x = arr.Get(i);
      double p = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
      if (!(p >= 0 && p <= 1)) fail("native config: acceptRates must hold numbers in [0, 1]");
      c.accept_rates[i] = p;
    }
  }
  c.mtp_seed = static_cast<uint64_t>(integer(e, "mtpSeed", 42, 0, 1LL << 52));
  if (present(e, "sglang")) {
    Napi::Object s = object(e, "sglang");
    c.sglang.lpm = string(s, "schedulePolicy", "fifo") == "lpm";
    c.sglang.max_prefill_tokens = integer(s, "maxPrefillTokens", 16384, 1, 1LL << 40);
    c.sglang.chunked_prefill_size = integer(s, "chunkedPrefillSize", 8192, 1, 1LL << 40);
    c.sglang.clip_max_new_tokens = integer(s, "clipMaxNewTokens", 4096, 0, 1LL << 40);
    c.sglang.schedule_conservativeness = number(s, "scheduleConservativeness", 1.0);
  }
  c.perf = parse_perf_model(e);
  return c;
}

RouterConfig parse_router(const Napi::Object& r) {
  RouterConfig c;
  const std::string mode = string(r, "mode", "round_robin");
  if (mode != "round_robin" && mode != "kv_router")
    fail("router_mode must be either 'round_robin' or 'kv_router', got '" + mode + "'");
  c.kv_router = mode == "kv_router";
  c.overlap_score_weight = number(r, "overlapScoreWeight", 1.0);
  c.temperature = number(r, "temperature", 0.0);
  c.queue_threshold = number(r, "queueThreshold", 4.0);
  if (std::isnan(c.queue_threshold)) c.queue_threshold = -1;
  const std::string policy = string(r, "queuePolicy", "fcfs");
  if (policy == "fcfs") c.queue_policy = QueuePolicy::Fcfs;
  else if (policy == "lcfs") c.queue_policy = QueuePolicy::Lcfs;
  else if (policy == "wspt") c.queue_policy = QueuePolicy::Wspt;
  else fail("router_queue_policy must be one of fcfs, lcfs, wspt, got '" + policy + "'");
  c.track_active_blocks = boolean(r, "trackActiveBlocks", true);
  c.assume_kv_reuse = boolean(r, "assumeKvReuse", true);
  c.track_prefill_tokens = boolean(r, "trackPrefillTokens", true);
  c.seed = static_cast<uint64_t>(integer(r, "seed", 42, 0, 1LL << 52));
  return c;
}

static PoolConfig parse_pool(const Napi::Object& p) {
  PoolConfig c;
  c.engine = parse_engine(object(p, "engine"));
  c.router = parse_router(object(p, "router"));
  c.initial_workers = static_cast<int32_t>(integer(p, "numWorkers", 1, 0, 1 << 20));
  const double startup_s = number(p, "startupTimeS", 0.0);
  if (!(startup_s >= 0) || !std::isfinite(startup_s)) fail("native config: startupTimeS must be finite and >= 0");
  c.startup_time = ms_to_ns(startup_s * 1000.0);
  return c;
}

SimConfig parse_sim_config(const Napi::Object& config) {
  SimConfig sc;
  sc.disaggregated = boolean(config, "disaggregated", false);
  if (sc.disaggregated) {
    sc.prefill = parse_pool(object(config, "prefill"));
    sc.decode = parse_pool(object(config, "decode"));
    if (sc.prefill.engine.block_size != sc.decode.engine.block_size)
      fail("trace replay requires matching prefill/decode block_size, got " + std::to_string(sc.prefill.engine.block_size) +
           " and " + std::to_string(sc.decode.engine.block_size));
  } else {
    sc.agg = parse_pool(object(config, "agg"));
  }
  sc.kv_bytes_per_token = number(config, "kvBytesPerToken", 0.0);
  sc.kv_transfer_gbps = number(config, "kvTransferGbps", 0.0);
  if (!(sc.kv_bytes_per_token >= 0) || !(sc.kv_transfer_gbps >= 0))
    fail("native config: kvBytesPerToken and kvTransferGbps must be >= 0");
  const std::string timing = string(config, "kvTransferTiming", "full_prompt");
  if (timing == "full_prompt") sc.transfer_timing = TransferTiming::FullPrompt;
  else if (timing == "destination_missing") sc.transfer_timing = TransferTiming::DestinationMissing;
  else fail("kv_transfer_timing_mode must be full_prompt or destination_missing, got '" + timing + "'");
  const double max_ms = number(config, "maxSimTimeMs", INFINITY);
  sc.max_sim_time = std::isfinite(max_ms) ? ms_to_ns(max_ms) : kNever;
  return sc;
}

void parse_workload(const Napi::Object& w, WorkloadArrays& a) {
  a.input_len = typed_array<uint32_t, napi_uint32_array>(w, "inputLength", 0, false);
  const size_t n = a.input_len.size();
  a.output_len = typed_array<uint32_t, napi_uint32_array>(w, "outputLength", n, true);
  a.hash_offsets = typed_array<uint32_t, napi_uint32_array>(w, "hashOffsets", n + 1, true);
  a.hash_ids = typed_array<uint32_t, napi_uint32_array>(w, "hashIds", 0, false);
  a.session_start = typed_array<uint32_t, napi_uint32_array>(w, "sessionStart", 0, false);
  const size_t sessions = a.session_start.empty() ? 0 : a.session_start.size() - 1;
  a.first_arrival = typed_array<double, napi_float64_array>(w, "firstArrivalMs", sessions, true);
  a.turn_delay = typed_array<double, napi_float64_array>(w, "turnDelayMs", n, true);

  if (n == 0) fail("native workload: no requests");
  if (a.hash_offsets[0] != 0 || a.hash_offsets[n] != a.hash_ids.size())
    fail("native workload: hashOffsets must start at 0 and end at hashIds.length");
  for (size_t i = 0; i < n; ++i) {
    if (a.hash_offsets[i + 1] <= a.hash_offsets[i])
      fail("native workload: request " + std::to_string(i) + " has no hash ids");
    if (a.input_len[i] == 0) fail("native workload: request " + std::to_string(i) + " has an empty prompt");
    if (!std::isfinite(a.turn_delay[i]) || a.turn_delay[i] < 0)
      fail("native workload: request " + std::to_string(i) + " has an invalid turn delay");
  }
  if (sessions == 0 || a.session_start[0] != 0 || a.session_start[sessions] != n)
    fail("native workload: sessionStart must start at 0 and end at the request count");
  for (size_t s = 0; s < sessions; ++s) {
    if (a.session_start[s + 1] <= a.session_start[s]) fail("native workload: every session needs at least one turn");
    if (!std::isfinite(a.first_arrival[s]) || a.first_arrival[s] < 0)
      fail("native workload: session " + std::to_string(s) + " has an invalid first arrival");
  }

  a.view.num_requests = static_cast<int32_t>(n);
  a.view.input_length = a.input_len.data();
  a.view.output_length = a.output_len.data();
  a.view.hash_offsets = a.hash_offsets.data();
  a.view.hash_ids = a.hash_ids.data();
  a.view.trace_block_size = static_cast<int32_t>(integer(w, "traceBlockSize", 512, 1, 1 << 24));
  a.sessions.num_sessions = static_cast<int32_t>(sessions);
  a.sessions.session_start = a.session_start.data();
  a.sessions.first_arrival_ms = a.first_arrival.data();
  a.sessions.turn_delay_ms = a.turn_delay.data();
  a.sessions.concurrency = static_cast<int32_t>(integer(w, "concurrency", 0, 0, 1 << 30));
}

}  // namespace dynosim
