// Forward-pass latency in milliseconds, before speedup scaling. One concrete type whose kind is
// fixed per engine, so the hot loop pays a predictable branch, not a virtual call.
#pragma once
#include <algorithm>
#include <cstdint>

namespace dynosim {

struct PerfModel {
  enum class Kind : uint8_t { Polynomial };
  Kind kind = Kind::Polynomial;

  // Prefill of `batch` requests with mean prompt length `isl` of which `prefix` is cached.
  double prefill_ms(int64_t batch, int64_t isl, int64_t prefix) const {
    double tokens = static_cast<double>(batch) * static_cast<double>(std::max<int64_t>(0, isl - prefix));
    if (tokens <= 0) return 0.0;
    return std::max(0.0, 4.209989e-07 * tokens * tokens + 1.518344e-02 * tokens + 16.50142);
  }

  // One decode step of `batch` requests; the floor keeps token-emitting steps apart in time.
  double decode_ms(int64_t batch, int64_t active_kv_tokens, int64_t /*context_length*/, int64_t total_kv_tokens) const {
    if (batch <= 0) return 0.0;
    double p = total_kv_tokens > 0 ? static_cast<double>(active_kv_tokens) / static_cast<double>(total_kv_tokens) : 1.0;
    return std::max(1.0, -25.74 * p * p + 54.01 * p + 5.74);
  }
};

}  // namespace dynosim
