// Maps validated reference-style arguments (snake_case JSON knobs) onto the core's config.
import type { EngineArgs } from '../config/engine-args.js';
import type { RouterConfig } from '../config/router-config.js';
import type { ResolvedPerfModel } from '../perf/resolve.js';
import type { NativeEngineConfig, NativeRouterConfig } from './native.js';

export function nativeEngineConfig(args: EngineArgs, perf: ResolvedPerfModel): NativeEngineConfig {
  return {
    blockSize: args.block_size,
    // Unset num_gpu_blocks takes the perf model's capacity estimate when it has one (AIC).
    numGpuBlocks: !args.num_gpu_blocks_explicit && perf.numGpuBlocks !== undefined ? perf.numGpuBlocks : args.num_gpu_blocks,
    maxNumSeqs: args.max_num_seqs ?? 0,
    maxNumBatchedTokens: args.max_num_batched_tokens ?? 0,
    maxModelLen: args.max_model_len ?? 0,
    enablePrefixCaching: args.enable_prefix_caching,
    enableChunkedPrefill: args.enable_chunked_prefill,
    preemptionMode: args.preemption_mode,
    speedupRatio: args.speedup_ratio,
    decodeSpeedupRatio: args.decode_speedup_ratio,
    perf: perf.native,
  };
}

/** The router's queue policy: the engine args' replay-only override wins over --router-config. */
export function nativeRouterConfig(mode: 'round_robin' | 'kv_router', router: RouterConfig, engine: EngineArgs): NativeRouterConfig {
  return {
    mode,
    overlapScoreWeight: router.overlap_score_weight,
    temperature: router.router_temperature,
    queueThreshold: router.router_queue_threshold ?? Number.NaN,
    queuePolicy: engine.router_queue_policy ?? router.router_queue_policy,
    trackActiveBlocks: router.router_track_active_blocks,
    assumeKvReuse: router.router_assume_kv_reuse,
    trackPrefillTokens: router.router_track_prefill_tokens,
    seed: 42,
  };
}

/** GPUs behind one worker for GPU-hours: TP × attention DP (1 when unset). */
export function gpusPerWorker(args: EngineArgs): number {
  return (args.aic_tp_size ?? 1) * (args.aic_attention_dp_size ?? 1);
}
