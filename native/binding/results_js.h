// Converts what the core produced into plain JS values: final per-request arrays and
// distributions, traffic windows, and per-pool planner observations.
#pragma once
#include <napi.h>

#include "../metrics/traffic.h"
#include "../sim/simulation.h"

namespace dynosim {

Napi::Object results_to_js(Napi::Env env, Simulation& sim);
Napi::Object traffic_to_js(Napi::Env env, const TrafficWindow& w);
// Worker counts, active ids and each (worker, rank)'s latest pass since the previous call.
Napi::Object observe_pool(Napi::Env env, Pool& pool);
// The pool's pass log since the previous call, as segments (see metrics/pass_log.h), and clears it.
Napi::Object pass_log_to_js(Napi::Env env, PassLog& log);

}  // namespace dynosim
