// Normalised engine arguments, as validated and defaulted on the TypeScript side.
#pragma once
#include <cstdint>

#include "../perf/perf_model.h"

namespace dynosim {

enum class WorkerRole : uint8_t { Aggregated, Prefill, Decode };

struct EngineConfig {
  int32_t block_size = 64;
  int32_t num_gpu_blocks = 16384;
  int64_t max_num_seqs = 256;             // 0 = unbounded
  int64_t max_num_batched_tokens = 8192;  // 0 = unbounded
  int64_t max_model_len = 0;              // 0 = no limit
  bool enable_prefix_caching = true;
  bool enable_chunked_prefill = true;
  bool fifo_preemption = false;           // default LIFO: evict the newest running request
  double speedup_ratio = 1.0;
  double decode_speedup_ratio = 1.0;
  WorkerRole role = WorkerRole::Aggregated;
  PerfModel perf;
};

}  // namespace dynosim
