// Reads the perf-model part of an engine config object handed over from TypeScript.
#pragma once
#include <napi.h>

#include "../perf/perf_model.h"

namespace dynosim {

// `engine.perf` describes the latency model: { kind: 'polynomial' } and, later, the tables of
// profile and AIC models. Throws std::invalid_argument with a one-line message on bad input.
PerfModel parse_perf_model(const Napi::Object& engine);

}  // namespace dynosim
