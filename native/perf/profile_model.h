// Latency interpolated from a planner profile (`planner_profile_data`, an .npz of profiled TTFT and
// ITL): prefill is piecewise linear in the pass's new tokens with linear extrapolation past both
// ends; decode is bilinear over (active KV tokens, context length), also extrapolating.
#pragma once
#include <cstdint>
#include <vector>

namespace dynosim {

struct ProfileModel {
  std::vector<double> prefill_tokens, prefill_latency;   // strictly increasing x, >= 2 points
  std::vector<double> decode_kv, decode_context;         // strictly increasing axes, >= 2 points each
  std::vector<double> decode_itl;                        // row-major [kv][context]

  double prefill_ms(int64_t batch, int64_t isl, int64_t prefix) const;
  double decode_ms(int64_t active_kv_tokens, int64_t context_length) const;
};

}  // namespace dynosim
