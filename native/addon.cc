// The module's N-API surface: one class owning a Simulation, and the perf-model evaluator.
// Arguments are validated in binding/; every C++ exception becomes a JS Error.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/js_fields.h"
#include "binding/results_js.h"
#include "binding/scanner_js.h"
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
                        InstanceMethod("scale", &NativeSimulation::Scale),
                        InstanceMethod("release", &NativeSimulation::Release)});
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
      if (std::isnan(limit_ms)) js::fail("runUntil(limitMs) needs a number, got NaN");
      // Past the simulated-time limit means "to the end"; nothing in a run can reach it.
      Ns limit = limit_ms > kMaxSimMs ? INT64_MAX : ms_to_ns(std::max(limit_ms, 0.0));
      workload_.check_held();
      return Napi::Boolean::New(info.Env(), live(info.Env()).run_until(limit));
    });
  }

  Napi::Value Status(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    Simulation& sim = live(env);
    o.Set("nowMs", ns_to_ms(sim.now()));
    o.Set("lastArrivalMs", ns_to_ms(sim.last_first_arrival()));
    o.Set("completed", static_cast<double>(sim.completed()));
    o.Set("finished", sim.finished());
    return o;
  }

  Napi::Value Results(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return results_to_js(info.Env(), live(info.Env())); });
  }

  Napi::Value DrainTraffic(const Napi::CallbackInfo& info) { return traffic_to_js(info.Env(), live(info.Env()).drain_traffic()); }

  // { prefill: PoolObservation | null, decode: PoolObservation } (aggregated replay reports
  // everything through decode).
  Napi::Value Observe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    Simulation& sim = live(env);
    Pool* prefill = sim.prefill_pool();
    o.Set("prefill", prefill ? Napi::Value(observe_pool(env, *prefill)) : env.Null());
    o.Set("decode", observe_pool(env, sim.token_pool()));
    return o;
  }

  // { prefill: PassLog | null, decode: PassLog }: every pass since the previous call (when the
  // config asked for a pass log; empty otherwise).
  Napi::Value DrainPasses(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    Simulation& sim = live(env);
    Pool* prefill = sim.prefill_pool();
    o.Set("prefill", prefill ? Napi::Value(pass_log_to_js(env, sim.pass_log(*prefill))) : env.Null());
    o.Set("decode", pass_log_to_js(env, sim.pass_log(sim.token_pool())));
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
      Simulation& sim = live(info.Env());
      workload_.check_held();
      sim.scale(target(0), target(1));
      return info.Env().Undefined();
    });
  }

  // Frees the simulation and its copy of the workload once the caller has read what it needs
  // (hundreds of MB at a million requests, which the garbage collector, unaware of them, would
  // otherwise keep through the reports); any later call is refused.
  Napi::Value Release(const Napi::CallbackInfo& info) {
    sim_.reset();
    workload_ = WorkloadArrays{};
    return info.Env().Undefined();
  }

  Simulation& live(Napi::Env env) {
    if (!sim_) throw Napi::Error::New(env, "NativeSimulation: released (its results were already read)");
    return *sim_;
  }

  WorkloadArrays workload_;
  std::unique_ptr<Simulation> sim_;
};

// Token and request counts handed to the perf model: a Float64Array of whole numbers in
// [0, 2^31], in groups of `group` (products of two stay inside int64).
std::vector<int64_t> counts_of(const Napi::Value& v, const char* what, size_t group) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    js::fail(std::string(what) + " must be a Float64Array");
  auto arr = v.As<Napi::Float64Array>();
  if (arr.ElementLength() % group != 0) js::fail(std::string(what) + " must come in groups of " + std::to_string(group));
  std::vector<int64_t> out(arr.ElementLength());
  for (size_t i = 0; i < out.size(); ++i) {
    const double d = arr[i];
    if (!(d >= 0 && d <= 2147483648.0) || d != std::floor(d))
      js::fail(std::string(what) + " must hold whole numbers in [0, 2^31], got " + js::num_text(d) + " at " + std::to_string(i));
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

// evaluatePerfModel(engine, prefill, decode): raw latencies (ms, before speedup scaling) of the
// engine's perf model at prefill points (batch, isl, prefix triples) and decode points (batch,
// context pairs; active KV = batch × context), for `dynosim perf-model`. With a fourth argument
// `true` and an AIC model, also each op's share: `prefillOps` (points × context ops) and `decodeOps`
// (points × generation ops), before the 1 ms decode floor.
Napi::Value EvaluatePerfModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 3 || !info[0].IsObject())
      js::fail("evaluatePerfModel(engine, prefillPoints, decodePoints) expects an object and two Float64Arrays");
    EngineConfig c = parse_engine(info[0].As<Napi::Object>());
    const std::vector<int64_t> pre = counts_of(info[1], "evaluatePerfModel: prefill points (batch, isl, prefix)", 3);
    const std::vector<int64_t> dec = counts_of(info[2], "evaluatePerfModel: decode points (batch, context)", 2);
    auto pre_out = Napi::Float64Array::New(env, pre.size() / 3);
    for (size_t i = 0; i < pre_out.ElementLength(); ++i) pre_out[i] = c.perf.prefill_ms(pre[3 * i], pre[3 * i + 1], pre[3 * i + 2]);
    auto dec_out = Napi::Float64Array::New(env, dec.size() / 2);
    const int64_t total_kv = static_cast<int64_t>(c.num_gpu_blocks) * c.block_size;
    for (size_t i = 0; i < dec_out.ElementLength(); ++i) {
      const int64_t batch = dec[2 * i], context = dec[2 * i + 1];
      dec_out[i] = c.perf.decode_ms(batch, batch * context, context, total_kv);
    }
    auto out = Napi::Object::New(env);
    out.Set("prefillMs", pre_out);
    out.Set("decodeMs", dec_out);
    if (info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value() && c.perf.kind == PerfModel::Kind::Aic) {
      const AicModel& m = *c.perf.aic;
      const size_t np = pre_out.ElementLength(), nd = dec_out.ElementLength();
      auto pre_ops = Napi::Float64Array::New(env, np * static_cast<size_t>(m.ctx.ops));
      auto dec_ops = Napi::Float64Array::New(env, nd * static_cast<size_t>(m.gen.ops));
      for (size_t i = 0; i < np; ++i) {
        const int64_t batch = static_cast<int64_t>(pre[3 * i]), isl = static_cast<int64_t>(pre[3 * i + 1]);
        const int64_t prefix = static_cast<int64_t>(pre[3 * i + 2]);
        m.prefill_breakdown(batch, isl - prefix, prefix, pre_ops.Data() + i * m.ctx.ops);
      }
      for (size_t i = 0; i < nd; ++i)
        m.decode_breakdown(static_cast<int64_t>(dec[2 * i]), static_cast<int64_t>(dec[2 * i + 1]), dec_ops.Data() + i * m.gen.ops);
      out.Set("prefillOps", pre_ops);
      out.Set("decodeOps", dec_ops);
    }
    return out;
  });
}

// evaluateForwardPasses(engine, passes): AIC latencies (ms) of observed passes given as rows of
// (prefill requests, prefill tokens, prefill KV tokens, decode requests, decode KV tokens), for the
// planner's native perf model; null when the engine's model is not AIC's database.
Napi::Value EvaluateForwardPasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsObject())
      js::fail("evaluateForwardPasses(engine, passes) expects an object and a Float64Array");
    EngineConfig c = parse_engine(info[0].As<Napi::Object>());
    const std::vector<int64_t> rows = counts_of(info[1], "evaluateForwardPasses: passes", 5);
    if (c.perf.kind != PerfModel::Kind::Aic) return env.Null();
    auto out = Napi::Float64Array::New(env, rows.size() / 5);
    for (size_t i = 0; i < out.ElementLength(); ++i) {
      PassWork w;
      w.num_prefill_requests = rows[5 * i];
      w.sum_prefill_tokens = rows[5 * i + 1];
      w.sum_prefill_kv_tokens = rows[5 * i + 2];
      w.num_decode_requests = rows[5 * i + 3];
      w.sum_decode_kv_tokens = rows[5 * i + 4];
      out[i] = aic_forward_pass_ms(*c.perf.aic, w);
    }
    return out;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSimulation", NativeSimulation::Define(env));
  exports.Set("evaluatePerfModel", Napi::Function::New(env, EvaluatePerfModel));
  exports.Set("evaluateForwardPasses", Napi::Function::New(env, EvaluateForwardPasses));
  exports.Set("MooncakeScanner", define_mooncake_scanner(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(dynosim_native, Init)
