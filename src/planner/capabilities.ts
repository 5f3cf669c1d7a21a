// Engine capabilities the planner needs, as the reference's replay preparation derives them from
// the mock engine args (components/src/dynamo/replay/planner.py `_engine_caps`): GPUs per worker,
// batching limits, context length, KV capacity (blocks × block size × DP ranks) and the MTP depth.
// The engine args it reads are the lowered ones (replay config `load_engine_args` →
// aisimulate `materialize_aic_num_gpu_blocks`): an unset num_gpu_blocks is already AIC's per-rank
// estimate and dp_size is aic_attention_dp_size, so the planner sees the capacity the engines use.

import type { EngineArgs } from '../config/engine-args.js';
import { gpusPerWorker } from '../core/engine-config.js';
import type { NativeEngineConfig } from '../core/native.js';
import type { EngineCapabilities } from './types.js';

/** The mocker's defaults when the args leave a limit unset. */
export const MOCK_DEFAULT_MAX_NUM_SEQS = 256;
export const MOCK_DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;

/**
 * Capabilities of one role's workers. `engine`, the core's resolved engine, gives the KV capacity
 * (its per-rank blocks, the AIC estimate when the args leave num_gpu_blocks unset, times its
 * attention-DP ranks); without it the args' own blocks and dp_size are used.
 */
export function capabilitiesFromEngineArgs(args: EngineArgs, engine?: Pick<NativeEngineConfig, 'numGpuBlocks' | 'blockSize' | 'dpSize'>): EngineCapabilities {
  const dp = Math.max(1, engine?.dpSize ?? args.dp_size ?? 1);
  const kv = engine ? engine.numGpuBlocks * engine.blockSize * dp : args.num_gpu_blocks * args.block_size * dp;
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
