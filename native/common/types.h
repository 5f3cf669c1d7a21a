// Shared scalar types of the native core.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace dynosim {

// Simulated time is integer nanoseconds: exact sums, no drift over hour-long traces.
using Ns = int64_t;
constexpr Ns kNever = -1;

// Identity of a KV block: a chained content hash for full prompt blocks, a per-request unique id
// for everything else (partial tails, and generated tokens unless the workload gives them content,
// are never shared across requests).
using BlockHash = uint64_t;

// The simulated-time limit, 100 years (3.2e18 ns, inside int64). Inputs are checked against it
// where they enter; every double → ns conversion checks it again, so an extreme speedup ratio or
// bandwidth ends in an error instead of a wrapped int64.
constexpr double kMaxSimMs = 100 * 365.25 * 24 * 3600 * 1000.0;
constexpr Ns kMaxSimNs = static_cast<Ns>(kMaxSimMs * 1e6);

[[noreturn]] inline void time_limit_exceeded() {
  throw std::range_error(
      "a simulated duration passes the 100-year limit (check speedup_ratio, decode_speedup_ratio and kv_transfer_bandwidth)");
}

// `ns` (a double) when it is within the limit; NaN and infinities are not.
inline double within_time_limit(double ns) {
  if (!(ns >= -kMaxSimMs * 1e6 && ns <= kMaxSimMs * 1e6)) time_limit_exceeded();
  return ns;
}

// Rounds half away from zero, as std::llround, for |x| below 2^63 (the time limit guarantees it),
// without the library call that dominated decode pricing. Exact: x minus its truncation loses no
// bits (below 2^52 the two share an exponent range; above, x is whole or half-whole).
inline int64_t round_half_away(double x) {
  const int64_t t = static_cast<int64_t>(x);
  const double frac = x - static_cast<double>(t);
  // Branch-free: which way a duration's fraction falls is anybody's guess.
  return t + static_cast<int64_t>(frac >= 0.5) - static_cast<int64_t>(frac <= -0.5);
}

// A duration or time in ns, given as a double: rounded half away from zero (std::llround).
inline Ns to_ns(double ns) { return round_half_away(within_time_limit(ns)); }

inline Ns ms_to_ns(double ms) { return static_cast<Ns>(within_time_limit(ms * 1e6 + (ms >= 0 ? 0.5 : -0.5))); }
inline double ns_to_ms(Ns ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace dynosim
