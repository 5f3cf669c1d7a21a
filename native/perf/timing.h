// The reference turns every modelled duration into whole nanoseconds twice — once unscaled, once
// after dividing by the speedup — and its timestamps only match with both roundings.
#pragma once
#include <cmath>

#include "../common/types.h"

namespace dynosim {

inline Ns round_to_ns(double seconds) { return to_ns(seconds * 1e9); }

inline Ns scaled_duration_ns(double ms, double speedup) {
  if (ms <= 0) return 0;
  Ns raw = round_to_ns(ms / 1000.0);
  if (!(speedup > 0) || speedup == 1.0) return raw;
  return round_to_ns(static_cast<double>(raw) / 1e9 / speedup);
}

}  // namespace dynosim
