// Reads the perf-model part of an engine config object handed over from TypeScript.
#pragma once
#include <napi.h>

#include "../perf/perf_model.h"

namespace dynosim {

// `engine.perf` describes the latency model (src/perf/native-types.ts is the TypeScript side):
// { kind: 'polynomial' } | { kind: 'profile', ... } | { kind: 'aic', ... } | { kind: 'analytical', ... }.
// Every field and array length is checked; bad input throws std::invalid_argument with a
// one-line message naming the field.
PerfModel parse_perf_model(const Napi::Object& engine);

}  // namespace dynosim
