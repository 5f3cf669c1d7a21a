// Pricing shared by the engines' decode runs (see Engine::decode_run_room): a batch of `batch`
// sequences, `total_len` tokens in all, each growing by one token a pass.
#pragma once
#include <cstdint>

#include "../common/types.h"

namespace dynosim {

// Fills `durations` with step_ns(batch, total length at pass m) for the next `passes` passes;
// returns how many were priced before the first of zero duration (a run stops there).
template <class StepNs>
int32_t price_growing_batch(int32_t passes, int64_t batch, int64_t total_len, Ns* durations, const StepNs& step_ns) {
  for (int32_t m = 0; m < passes; ++m) {
    durations[m] = step_ns(batch, total_len + m * batch);
    if (durations[m] <= 0) return m;
  }
  return passes;
}

}  // namespace dynosim
