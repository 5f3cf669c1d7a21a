// Engine capabilities the planner needs, derived from the engine args as the reference's replay
// preparation does (planner.md §11): GPUs per replica, batching limits, context length, KV
// capacity (blocks × block size × data-parallel ranks) and the MTP depth.

import type { EngineArgs } from '../config/engine-args.js';
import { gpusPerWorker } from '../core/engine-config.js';
import type { EngineCapabilities } from './types.js';

/** The mocker's defaults when the args leave a limit unset. */
export const MOCK_DEFAULT_MAX_NUM_SEQS = 256;
export const MOCK_DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;

export function capabilitiesFromEngineArgs(args: EngineArgs): EngineCapabilities {
  const dp = Math.max(1, args.dp_size ?? 1);
  const kv = args.num_gpu_blocks * args.block_size * dp;
  return {
    // The report's count (TP × DP ranks), so planner and report GPU-hours agree.
    num_gpu: gpusPerWorker(args),
    max_num_batched_tokens: args.max_num_batched_tokens ?? MOCK_DEFAULT_MAX_NUM_BATCHED_TOKENS,
    max_num_seqs: args.max_num_seqs ?? MOCK_DEFAULT_MAX_NUM_SEQS,
    context_length: args.max_model_len,
    max_kv_tokens: kv > 0 ? kv : null,
    block_size: args.block_size,
    speculative_nextn: args.aic_nextn ?? 0,
    dp_size: dp,
  };
}
