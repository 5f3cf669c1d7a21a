// The module's N-API surface: one class owning a Simulation, and the perf-model evaluator.
// Arguments are validated in binding/; every C++ exception becomes a JS Error.
#include <napi.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "binding/js_fields.h"
#include "binding/results_js.h"
#include "binding/sim_args.h"
#include "perf/forward_pass_latency.h"

namespace {

using namespace dynosim;

template <typename F>
auto guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

class NativeSimulation : public Napi::ObjectWrap<NativeSimulation> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSimulation",
                       {InstanceMethod("runUntil", &NativeSimulation::RunUntil),
                        InstanceMethod("status", &NativeSimulation::Status),
                        InstanceMethod("results", &NativeSimulation::Results),
                        InstanceMethod("drainTraffic", &NativeSimulation::DrainTraffic),
                        InstanceMethod("observe", &NativeSimulation::Observe),
                        InstanceMethod("drainPasses", &NativeSimulation::DrainPasses),
                        InstanceMethod("scale", &NativeSimulation::Scale)});
  }

  explicit NativeSimulation(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSimulation>(info) {
    guarded(info.Env(), [&] {
      if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsObject())
        js::fail("NativeSimulation(config, workload) expects two objects");
      SimConfig config = parse_sim_config(info[0].As<Napi::Object>());
      parse_workload(info[1].As<Napi::Object>(), workload_);
      sim_ = std::make_unique<Simulation>(config, workload_.view, workload_.sessions);
    });
  }

 private:
  Napi::Value RunUntil(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      double limit_ms = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : INFINITY;
      Ns limit = std::isfinite(limit_ms) ? ms_to_ns(limit_ms) : INT64_MAX;
      return Napi::Boolean::New(info.Env(), sim_->run_until(limit));
    });
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

  Napi::Value Results(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return results_to_js(info.Env(), *sim_); });
  }

  Napi::Value DrainTraffic(const Napi::CallbackInfo& info) { return traffic_to_js(info.Env(), sim_->drain_traffic()); }

  // { prefill: PoolObservation | null, decode: PoolObservation } (aggregated replay reports
  // everything through decode).
  Napi::Value Observe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    Pool* prefill = sim_->prefill_pool();
    o.Set("prefill", prefill ? Napi::Value(observe_pool(env, *prefill)) : env.Null());
    o.Set("decode", observe_pool(env, sim_->token_pool()));
    return o;
  }

  // { prefill: PassLog | null, decode: PassLog }: every pass since the previous call (when the
  // config asked for a pass log; empty otherwise).
  Napi::Value DrainPasses(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    Pool* prefill = sim_->prefill_pool();
    o.Set("prefill", prefill ? Napi::Value(pass_log_to_js(env, sim_->pass_log(*prefill))) : env.Null());
    o.Set("decode", pass_log_to_js(env, sim_->pass_log(sim_->token_pool())));
    return o;
  }

  // scale(prefillTarget | null, decodeTarget | null): planner targets, applied at the current time.
  Napi::Value Scale(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto target = [&](size_t i) -> int32_t {
        if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return -1;
        if (!info[i].IsNumber()) js::fail("scale(prefill, decode) takes worker counts or null");
        double d = info[i].As<Napi::Number>().DoubleValue();
        if (!(d >= 0) || d != std::floor(d) || d > 1e6) js::fail("scale(prefill, decode): counts must be integers >= 0");
        return static_cast<int32_t>(d);
      };
      sim_->scale(target(0), target(1));
      return info.Env().Undefined();
    });
  }

  WorkloadArrays workload_;
  std::unique_ptr<Simulation> sim_;
};

// evaluatePerfModel(engine, prefill, decode): raw latencies (ms, before speedup scaling) of the
// engine's perf model at prefill points (batch, isl, prefix triples) and decode points (batch,
// context pairs; active KV = batch × context), for `dynosim perf-model`.
Napi::Value EvaluatePerfModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsTypedArray() || !info[2].IsTypedArray())
      js::fail("evaluatePerfModel(engine, prefillPoints, decodePoints) expects an object and two Float64Arrays");
    EngineConfig c = parse_engine(info[0].As<Napi::Object>());
    auto pre = info[1].As<Napi::Float64Array>();
    auto dec = info[2].As<Napi::Float64Array>();
    if (pre.ElementLength() % 3 != 0 || dec.ElementLength() % 2 != 0)
      js::fail("evaluatePerfModel: prefill points come in triples, decode points in pairs");
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
  });
}

// evaluateForwardPasses(engine, passes): AIC latencies (ms) of observed passes given as rows of
// (prefill requests, prefill tokens, prefill KV tokens, decode requests, decode KV tokens), for the
// planner's native perf model; null when the engine's model is not AIC's database.
Napi::Value EvaluateForwardPasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsTypedArray())
      js::fail("evaluateForwardPasses(engine, passes) expects an object and a Float64Array");
    EngineConfig c = parse_engine(info[0].As<Napi::Object>());
    auto rows = info[1].As<Napi::Float64Array>();
    if (rows.ElementLength() % 5 != 0) js::fail("evaluateForwardPasses: passes come in rows of five");
    if (c.perf.kind != PerfModel::Kind::Aic) return env.Null();
    auto out = Napi::Float64Array::New(env, rows.ElementLength() / 5);
    for (size_t i = 0; i < out.ElementLength(); ++i) {
      PassWork w;
      double v[5];
      for (int f = 0; f < 5; ++f) {
        v[f] = rows[5 * i + f];
        if (!(v[f] >= 0 && v[f] <= 9e15) || v[f] != std::floor(v[f])) js::fail("evaluateForwardPasses: counts must be integers >= 0");
      }
      w.num_prefill_requests = static_cast<int64_t>(v[0]);
      w.sum_prefill_tokens = static_cast<int64_t>(v[1]);
      w.sum_prefill_kv_tokens = static_cast<int64_t>(v[2]);
      w.num_decode_requests = static_cast<int64_t>(v[3]);
      w.sum_decode_kv_tokens = static_cast<int64_t>(v[4]);
      out[i] = aic_forward_pass_ms(*c.perf.aic, w);
    }
    return out;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSimulation", NativeSimulation::Define(env));
  exports.Set("evaluatePerfModel", Napi::Function::New(env, EvaluatePerfModel));
  exports.Set("evaluateForwardPasses", Napi::Function::New(env, EvaluateForwardPasses));
  return exports;
}

}  // namespace

NODE_API_MODULE(dynosim_native, Init)
