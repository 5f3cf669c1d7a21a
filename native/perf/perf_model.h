// Forward-pass latency in milliseconds, before speedup scaling. One concrete type whose kind is
// fixed per engine, so the hot loop pays a predictable branch, not a virtual call. The table-driven
// models are built once when the engine config is parsed and shared (by pointer) between the
// workers of a simulation; the AIC model memoises results internally, so one model must not be
// evaluated from two threads at once.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>

#include "aic_model.h"
#include "analytical_model.h"
#include "profile_model.h"

namespace dynosim {

struct PerfModel {
  enum class Kind : uint8_t { Polynomial, Profile, Aic, Analytical };
  Kind kind = Kind::Polynomial;
  std::shared_ptr<const ProfileModel> profile;
  std::shared_ptr<const AicModel> aic;
  std::shared_ptr<const AnalyticalModel> analytical;

  // Prefill of `batch` requests with mean prompt end position `isl` of which `prefix` tokens are
  // already computed. Never negative.
  double prefill_ms(int64_t batch, int64_t isl, int64_t prefix) const {
    switch (kind) {
      case Kind::Aic: return aic->prefill_ms(batch, isl - prefix, prefix);
      case Kind::Profile: return profile->prefill_ms(batch, isl, prefix);
      case Kind::Analytical: return analytical->prefill_ms(batch, isl - prefix, prefix);
      case Kind::Polynomial: break;
    }
    double tokens = static_cast<double>(batch) * static_cast<double>(std::max<int64_t>(0, isl - prefix));
    if (tokens <= 0) return 0.0;
    return std::max(0.0, 4.209989e-07 * tokens * tokens + 1.518344e-02 * tokens + 16.50142);
  }

  // One decode step of `batch` requests; every model's result is floored at 1 ms so
  // token-emitting steps stay apart in time.
  double decode_ms(int64_t batch, int64_t active_kv_tokens, int64_t context_length, int64_t total_kv_tokens) const {
    if (batch <= 0) return 0.0;
    double ms;
    switch (kind) {
      case Kind::Aic: ms = aic->decode_ms(batch, context_length); break;
      case Kind::Profile: ms = profile->decode_ms(active_kv_tokens, context_length); break;
      case Kind::Analytical: ms = analytical->decode_ms(batch, context_length); break;
      default: {
        // Engines pass logical KV (Σ context), which may exceed the pool: utilisation is capped
        // at 1 (aisimulate engine, common/perf_model.rs, polynomial_decode_time).
        double p = total_kv_tokens > 0 ? std::min(1.0, static_cast<double>(active_kv_tokens) / static_cast<double>(total_kv_tokens)) : 1.0;
        ms = -25.74 * p * p + 54.01 * p + 5.74;
      }
    }
    return std::max(1.0, ms);
  }
};

}  // namespace dynosim
