// Normalised engine arguments, as validated and defaulted on the TypeScript side.
#pragma once
#include <array>
#include <cstdint>

#include "../perf/perf_model.h"

namespace dynosim {

enum class WorkerRole : uint8_t { Aggregated, Prefill, Decode };
enum class EngineKind : uint8_t { Vllm, Trtllm, Sglang };

struct SglangConfig {
  bool lpm = false;  // schedule_policy lpm (else fifo)
  int64_t max_prefill_tokens = 16384;
  int64_t chunked_prefill_size = 8192;
  int64_t clip_max_new_tokens = 4096;
  double schedule_conservativeness = 1.0;
};

struct EngineConfig {
  EngineKind kind = EngineKind::Vllm;
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
  int32_t dp_size = 1;                    // attention-DP ranks per worker
  WorkerRole role = WorkerRole::Aggregated;
  // Speculative decoding (MTP): draft depth (0 = off) and conditional accept rates.
  int32_t nextn = 0;
  std::array<double, 5> accept_rates{};
  uint64_t mtp_seed = 42;
  SglangConfig sglang;
  PerfModel perf;
};

}  // namespace dynosim
