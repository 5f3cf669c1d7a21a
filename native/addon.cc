// The only N-API file: validates what crosses the boundary, owns a Simulation per JS object,
// and copies results back into typed arrays. Every C++ exception becomes a JS Error.
#include <napi.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/perf_args.h"
#include "sim/simulation.h"

namespace {

using namespace dynosim;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

double number_field(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) fail(std::string("native config: ") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t int_field(const Napi::Object& o, const char* key, int64_t fallback, int64_t min, int64_t max) {
  double d = number_field(o, key, static_cast<double>(fallback));
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
    fail(std::string("native config: ") + key + " must be an integer in [" + std::to_string(min) + ", " +
         std::to_string(max) + "], got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

bool bool_field(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) fail(std::string("native config: ") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string string_field(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsString()) fail(std::string("native config: ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::Object object_field(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsObject()) fail(std::string("native config: ") + key + " must be an object");
  return v.As<Napi::Object>();
}

template <typename T, napi_typedarray_type Kind>
std::vector<T> typed_field(const Napi::Object& o, const char* key, size_t expected_len, bool check_len) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind)
    fail(std::string("native workload: ") + key + " must be a typed array of the expected element type");
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (check_len && arr.ElementLength() != expected_len)
    fail(std::string("native workload: ") + key + " has length " + std::to_string(arr.ElementLength()) +
         ", expected " + std::to_string(expected_len));
  return std::vector<T>(arr.Data(), arr.Data() + arr.ElementLength());
}

EngineConfig parse_engine(const Napi::Object& e) {
  EngineConfig c;
  c.block_size = static_cast<int32_t>(int_field(e, "blockSize", 64, 1, 1 << 20));
  c.num_gpu_blocks = static_cast<int32_t>(int_field(e, "numGpuBlocks", 16384, 1, 1LL << 30));
  c.max_num_seqs = int_field(e, "maxNumSeqs", 256, 0, 1LL << 40);
  c.max_num_batched_tokens = int_field(e, "maxNumBatchedTokens", 8192, 0, 1LL << 40);
  c.max_model_len = int_field(e, "maxModelLen", 0, 0, 1LL << 40);
  c.enable_prefix_caching = bool_field(e, "enablePrefixCaching", true);
  c.enable_chunked_prefill = bool_field(e, "enableChunkedPrefill", true);
  c.fifo_preemption = string_field(e, "preemptionMode", "lifo") == "fifo";
  c.speedup_ratio = number_field(e, "speedupRatio", 1.0);
  c.decode_speedup_ratio = number_field(e, "decodeSpeedupRatio", 1.0);
  c.perf = parse_perf_model(e);
  return c;
}

RouterConfig parse_router(const Napi::Object& r) {
  RouterConfig c;
  std::string mode = string_field(r, "mode", "round_robin");
  if (mode != "round_robin" && mode != "kv_router")
    fail("router_mode must be either 'round_robin' or 'kv_router', got '" + mode + "'");
  c.kv_router = mode == "kv_router";
  c.overlap_score_weight = number_field(r, "overlapScoreWeight", 1.0);
  c.temperature = number_field(r, "temperature", 0.0);
  c.queue_threshold = number_field(r, "queueThreshold", 4.0);
  if (std::isnan(c.queue_threshold)) c.queue_threshold = -1;
  std::string policy = string_field(r, "queuePolicy", "fcfs");
  if (policy == "fcfs") c.queue_policy = QueuePolicy::Fcfs;
  else if (policy == "lcfs") c.queue_policy = QueuePolicy::Lcfs;
  else if (policy == "wspt") c.queue_policy = QueuePolicy::Wspt;
  else fail("router_queue_policy must be one of fcfs, lcfs, wspt, got '" + policy + "'");
  c.track_active_blocks = bool_field(r, "trackActiveBlocks", true);
  c.assume_kv_reuse = bool_field(r, "assumeKvReuse", true);
  c.track_prefill_tokens = bool_field(r, "trackPrefillTokens", true);
  c.seed = static_cast<uint64_t>(int_field(r, "seed", 42, 0, 1LL << 52));
  return c;
}

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

class NativeSimulation : public Napi::ObjectWrap<NativeSimulation> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSimulation",
                       {InstanceMethod("runUntil", &NativeSimulation::RunUntil),
                        InstanceMethod("status", &NativeSimulation::Status),
                        InstanceMethod("results", &NativeSimulation::Results),
                        InstanceMethod("drainTraffic", &NativeSimulation::DrainTraffic),
                        InstanceMethod("takeForwardPasses", &NativeSimulation::TakeForwardPasses)});
  }

  explicit NativeSimulation(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSimulation>(info) {
    guard(info.Env(), [&] {
      if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsObject())
        fail("NativeSimulation(config, workload) expects two objects");
      Napi::Object config = info[0].As<Napi::Object>();
      Napi::Object w = info[1].As<Napi::Object>();
      SimConfig sc;
      sc.engine = parse_engine(object_field(config, "engine"));
      sc.router = parse_router(object_field(config, "router"));
      sc.num_workers = static_cast<int32_t>(int_field(config, "numWorkers", 1, 1, 1 << 20));
      double max_ms = number_field(config, "maxSimTimeMs", INFINITY);
      sc.max_sim_time = std::isfinite(max_ms) ? ms_to_ns(max_ms) : kNever;

      input_len_ = typed_field<uint32_t, napi_uint32_array>(w, "inputLength", 0, false);
      const size_t n = input_len_.size();
      output_len_ = typed_field<uint32_t, napi_uint32_array>(w, "outputLength", n, true);
      hash_offsets_ = typed_field<uint32_t, napi_uint32_array>(w, "hashOffsets", n + 1, true);
      hash_ids_ = typed_field<uint32_t, napi_uint32_array>(w, "hashIds", 0, false);
      session_start_ = typed_field<uint32_t, napi_uint32_array>(w, "sessionStart", 0, false);
      const size_t sessions = session_start_.empty() ? 0 : session_start_.size() - 1;
      first_arrival_ = typed_field<double, napi_float64_array>(w, "firstArrivalMs", sessions, true);
      turn_delay_ = typed_field<double, napi_float64_array>(w, "turnDelayMs", n, true);
      validate_workload(n, sessions);

      WorkloadView view;
      view.num_requests = static_cast<int32_t>(n);
      view.input_length = input_len_.data();
      view.output_length = output_len_.data();
      view.hash_offsets = hash_offsets_.data();
      view.hash_ids = hash_ids_.data();
      view.trace_block_size = static_cast<int32_t>(int_field(w, "traceBlockSize", 512, 1, 1 << 24));
      SessionView sv;
      sv.num_sessions = static_cast<int32_t>(sessions);
      sv.session_start = session_start_.data();
      sv.first_arrival_ms = first_arrival_.data();
      sv.turn_delay_ms = turn_delay_.data();
      sv.concurrency = static_cast<int32_t>(int_field(w, "concurrency", 0, 0, 1 << 30));
      sim_ = std::make_unique<Simulation>(sc, view, sv);
    });
  }

 private:
  template <typename F>
  static void guard(Napi::Env env, F&& body) {
    try {
      body();
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
  }

  void validate_workload(size_t n, size_t sessions) {
    if (n == 0) fail("native workload: no requests");
    if (hash_offsets_[0] != 0 || hash_offsets_[n] != hash_ids_.size())
      fail("native workload: hashOffsets must start at 0 and end at hashIds.length");
    for (size_t i = 0; i < n; ++i) {
      if (hash_offsets_[i + 1] < hash_offsets_[i]) fail("native workload: hashOffsets must be non-decreasing");
      if (input_len_[i] == 0) fail("native workload: request " + std::to_string(i) + " has an empty prompt");
      if (static_cast<uint64_t>(hash_offsets_[i + 1] - hash_offsets_[i]) * 1ULL << 0 == 0)
        fail("native workload: request " + std::to_string(i) + " has no hash ids");
      if (!std::isfinite(turn_delay_[i]) || turn_delay_[i] < 0)
        fail("native workload: request " + std::to_string(i) + " has an invalid turn delay");
    }
    if (sessions == 0 || session_start_[0] != 0 || session_start_[sessions] != n)
      fail("native workload: sessionStart must start at 0 and end at the request count");
    for (size_t s = 0; s < sessions; ++s) {
      if (session_start_[s + 1] <= session_start_[s]) fail("native workload: every session needs at least one turn");
      if (!std::isfinite(first_arrival_[s]) || first_arrival_[s] < 0)
        fail("native workload: session " + std::to_string(s) + " has an invalid first arrival");
    }
  }

  Napi::Value RunUntil(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bool ended = false;
    guard(env, [&] {
      double limit_ms = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : INFINITY;
      Ns limit = std::isfinite(limit_ms) ? ms_to_ns(limit_ms) : INT64_MAX;
      ended = sim_->run_until(limit);
    });
    return Napi::Boolean::New(env, ended);
  }

  Napi::Value Status(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("nowMs", ns_to_ms(sim_->now()));
    o.Set("lastArrivalMs", ns_to_ms(sim_->last_first_arrival()));
    o.Set("completed", static_cast<double>(sim_->completed()));
    o.Set("finished", sim_->finished());
    return o;
  }

  Napi::Value DrainTraffic(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    TrafficWindow w = sim_->drain_traffic();
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

  Napi::Value TakeForwardPasses(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int32_t n = sim_->num_workers();
    auto arr = Napi::Array::New(env, n);
    for (int32_t w = 0; w < n; ++w) {
      const ForwardPassSnapshot* f = sim_->take_latest_pass(w);
      if (!f) {
        arr.Set(w, env.Null());
        continue;
      }
      auto o = Napi::Object::New(env);
      o.Set("numPrefillRequests", static_cast<double>(f->num_prefill_requests));
      o.Set("sumPrefillTokens", static_cast<double>(f->sum_prefill_tokens));
      o.Set("varPrefillLength", f->var_prefill_length);
      o.Set("sumPrefillKvTokens", static_cast<double>(f->sum_prefill_kv_tokens));
      o.Set("numDecodeRequests", static_cast<double>(f->num_decode_requests));
      o.Set("sumDecodeKvTokens", static_cast<double>(f->sum_decode_kv_tokens));
      o.Set("varDecodeKvTokens", f->var_decode_kv_tokens);
      o.Set("numQueuedPrefill", static_cast<double>(f->num_queued_prefill));
      o.Set("sumQueuedPrefillTokens", static_cast<double>(f->sum_queued_prefill_tokens));
      o.Set("varQueuedPrefillLength", f->var_queued_prefill_length);
      o.Set("numQueuedDecode", static_cast<double>(f->num_queued_decode));
      o.Set("sumQueuedDecodeKvTokens", static_cast<double>(f->sum_queued_decode_kv_tokens));
      o.Set("varQueuedDecodeKvTokens", f->var_queued_decode_kv_tokens);
      o.Set("wallTimeSecs", f->wall_time_secs);
      o.Set("visibleOutputTokens", static_cast<double>(f->visible_output_tokens));
      o.Set("decodeForwards", static_cast<double>(f->decode_forwards));
      arr.Set(w, o);
    }
    return arr;
  }

  Napi::Value Results(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Collector& c = sim_->collector();
    const RequestTable& rt = sim_->requests();
    auto req = Napi::Object::New(env);
    req.Set("arrivalMs", times_ms(env, c.arrival));
    req.Set("firstAdmitMs", times_ms(env, c.first_admit));
    req.Set("firstTokenMs", times_ms(env, c.first_token));
    req.Set("secondTokenMs", times_ms(env, c.second_token));
    req.Set("lastTokenMs", times_ms(env, c.last_token));
    req.Set("outputTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.tokens));
    req.Set("reusedTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.reused_max));
    req.Set("firstAdmitReusedTokens", copy_out<uint32_t, Napi::Uint32Array>(env, c.first_reused));
    req.Set("workerIdx", copy_out<int32_t, Napi::Int32Array>(env, rt.target));
    auto status = Napi::Uint8Array::New(env, c.outcome.size());
    for (size_t i = 0; i < c.outcome.size(); ++i) status[i] = static_cast<uint8_t>(c.outcome[i]);
    req.Set("status", status);

    Collector::Summaries s = c.summarize_all();
    auto out = Napi::Object::New(env);
    out.Set("requests", req);
    out.Set("ttft", summary_object(env, s.ttft));
    out.Set("ttst", summary_object(env, s.ttst));
    out.Set("tpot", summary_object(env, s.tpot));
    out.Set("itl", summary_object(env, s.itl));
    out.Set("e2eLatency", summary_object(env, s.e2e));
    out.Set("outputTokenThroughputPerUser", summary_object(env, s.otpu));
    out.Set("endTimeMs", ns_to_ms(sim_->now()));
    out.Set("prefillWorkerSeconds", 0.0);
    out.Set("decodeWorkerSeconds", sim_->worker_seconds());
    out.Set("forwardPasses", static_cast<double>(sim_->forward_passes()));
    return out;
  }

  std::vector<uint32_t> input_len_, output_len_, hash_offsets_, hash_ids_, session_start_;
  std::vector<double> first_arrival_, turn_delay_;
  std::unique_ptr<Simulation> sim_;
};

// evaluatePerfModel(engine, prefill, decode): raw latencies (ms, before speedup scaling) of the
// engine's perf model at prefill points (batch, isl, prefix triples) and decode points (batch,
// context pairs; active KV = batch × context), for `dynosim perf-model`.
Napi::Value EvaluatePerfModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsTypedArray() || !info[2].IsTypedArray())
      fail("evaluatePerfModel(engine, prefillPoints, decodePoints) expects an object and two Float64Arrays");
    EngineConfig c = parse_engine(info[0].As<Napi::Object>());
    auto pre = info[1].As<Napi::Float64Array>();
    auto dec = info[2].As<Napi::Float64Array>();
    if (pre.ElementLength() % 3 != 0 || dec.ElementLength() % 2 != 0)
      fail("evaluatePerfModel: prefill points come in triples, decode points in pairs");
    auto pre_out = Napi::Float64Array::New(env, pre.ElementLength() / 3);
    for (size_t i = 0; i < pre_out.ElementLength(); ++i)
      pre_out[i] = c.perf.prefill_ms(static_cast<int64_t>(pre[3 * i]), static_cast<int64_t>(pre[3 * i + 1]),
                                     static_cast<int64_t>(pre[3 * i + 2]));
    auto dec_out = Napi::Float64Array::New(env, dec.ElementLength() / 2);
    const int64_t total_kv = static_cast<int64_t>(c.num_gpu_blocks) * c.block_size;
    for (size_t i = 0; i < dec_out.ElementLength(); ++i) {
      int64_t batch = static_cast<int64_t>(dec[2 * i]), context = static_cast<int64_t>(dec[2 * i + 1]);
      dec_out[i] = c.perf.decode_ms(batch, batch * context, context, total_kv);
    }
    auto out = Napi::Object::New(env);
    out.Set("prefillMs", pre_out);
    out.Set("decodeMs", dec_out);
    return out;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSimulation", NativeSimulation::Define(env));
  exports.Set("evaluatePerfModel", Napi::Function::New(env, EvaluatePerfModel));
  return exports;
}

}  // namespace

NODE_API_MODULE(dynosim_native, Init)
