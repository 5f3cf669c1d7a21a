// Maps validated reference-style arguments (snake_case JSON knobs) onto the core's config.
import { acceptRates, type EngineArgs } from '../config/engine-args.js';
import type { RouterConfig } from '../config/router-config.js';
import type { PolicyProfile } from '../config/router-policy.js';
import type { NativePerfConfig, ResolvedPerfModel } from '../perf/resolve.js';
import { MAX_SIM_TIME_MS } from './limits.js';
import type { NativeEngineConfig, NativePolicy, NativeRouterConfig } from './native.js';

/** Attention-DP ranks per worker: `dp_size`, or AIC's attention DP when only that is set. */
export function attentionDp(args: EngineArgs): number {
  return args.dp_size > 1 ? args.dp_size : Math.max(1, args.aic_attention_dp_size ?? 1);
}

/**
 * The core tracks KV identity per block; SGLang's default page of 1 token would mean one identity
 * per prompt token (over a GB for an hour-long trace). Pages below 16 tokens are tracked as
 * 16-token blocks with the same token capacity: measured on the conversation trace, results match
 * page size 1 to within one request in a thousand while running ~13× faster.
 */
const MIN_TRACKED_BLOCK = 16;

export function trackedBlockSize(args: EngineArgs): number {
  return args.engine_type === 'sglang' ? Math.max(args.block_size, MIN_TRACKED_BLOCK) : args.block_size;
}

export function nativeEngineConfig(args: EngineArgs, perf: ResolvedPerfModel): NativeEngineConfig {
  const sglang = args.sglang;
  const blockSize = trackedBlockSize(args);
  // Unset num_gpu_blocks takes the perf model's capacity estimate when it has one (AIC). That
  // estimate is per GPU times aic_attention_dp_size (as Dynamo's replay reports it); each rank
  // engine here is one GPU and holds one GPU's blocks.
  const blocks =
    !args.num_gpu_blocks_explicit && perf.numGpuBlocks !== undefined
      ? Math.floor(perf.numGpuBlocks / Math.max(1, args.aic_attention_dp_size ?? 1))
      : args.num_gpu_blocks;
  return {
    kind: args.engine_type,
    blockSize,
    numGpuBlocks: Math.ceil((blocks * args.block_size) / blockSize),
    maxNumSeqs: args.max_num_seqs ?? 0,
    maxNumBatchedTokens: args.max_num_batched_tokens ?? 0,
    maxModelLen: args.max_model_len ?? 0,
    enablePrefixCaching: args.enable_prefix_caching,
    enableChunkedPrefill: args.enable_chunked_prefill,
    preemptionMode: args.preemption_mode,
    speedupRatio: args.speedup_ratio,
    decodeSpeedupRatio: args.decode_speedup_ratio,
    dpSize: attentionDp(args),
    nextn: args.aic_nextn ?? 0,
    acceptRates: args.aic_nextn ? acceptRates(args) : [],
    mtpSeed: args.aic_mtp_seed,
    sglang: {
      schedulePolicy: sglang.schedule_policy,
      maxPrefillTokens: sglang.max_prefill_tokens,
      chunkedPrefillSize: sglang.chunked_prefill_size,
      clipMaxNewTokens: sglang.clip_max_new_tokens,
      scheduleConservativeness: sglang.schedule_conservativeness,
    },
    perf: perf.native,
  };
}

export type PoolRole = 'agg' | 'prefill' | 'decode';

/**
 * The router of one pool. The engine args' replay-only queue policy wins over --router-config.
 * Disaggregated pools use the reference's per-pool settings (derive_prefill_router_config,
 * derive_decode_router_config): the prefill router does not track active blocks; the decode
 * router gives no overlap credit, assumes no KV reuse, tracks no prefill tokens and has no
 * prefill-load model — so it never counts a target busy and never queues.
 * `prefillLoadModel`: the router-side estimator (`router_prefill_load_model: "aic"`), if any.
 */
export function nativeRouterConfig(
  mode: 'round_robin' | 'kv_router',
  router: RouterConfig,
  engine: EngineArgs,
  role: PoolRole = 'agg',
  prefillLoadModel: NativePerfConfig | null = null,
  seed = 42,
  policy: PolicyProfile | null = null,
): NativeRouterConfig {
  const decode = role === 'decode';
  return {
    mode,
    prefillLoadScale: router.prefill_load_scale,
    overlapScoreCredit: decode ? 0 : router.overlap_score_credit,
    overlapScoreCreditDecay: router.overlap_score_credit_decay,
    decodeActiveRequestWeight: router.decode_active_request_weight,
    temperature: router.router_temperature,
    queueThreshold: router.router_queue_threshold ?? Number.NaN,
    queuePolicy: engine.router_queue_policy ?? router.router_queue_policy,
    trackActiveBlocks: role === 'prefill' ? false : router.router_track_active_blocks,
    assumeKvReuse: decode ? false : router.router_assume_kv_reuse,
    trackPrefillTokens: decode ? false : router.router_track_prefill_tokens,
    useKvEvents: router.use_kv_events,
    // A TTL past the 100-year simulated-time limit never expires within a run.
    ttlSecs: Math.min(router.router_ttl_secs, MAX_SIM_TIME_MS / 1000),
    maxTreeSize: router.router_max_tree_size,
    pruneTargetRatio: router.router_prune_target_ratio,
    predictedTtlSecs: router.router_predicted_ttl_secs === null ? null : Math.min(router.router_predicted_ttl_secs, MAX_SIM_TIME_MS / 1000),
    prefillLoadModel: decode ? null : prefillLoadModel,
    seed: decode ? seed + 1 : seed,
    policy: policy === null ? null : nativePolicy(policy),
  };
}

/** A router policy profile for the core. */
export function nativePolicy(profile: PolicyProfile): NativePolicy {
  return {
    classes: profile.classes.map((c) => ({
      name: c.name,
      queuePolicy: c.queue_policy,
      quantum: c.quantum,
      busyTokens: c.prefill_busy_threshold,
      busyFrac: c.prefill_busy_threshold_frac,
      busyWorkerRatio: c.busy_worker_ratio,
      requestLimit: c.request_queue_limit_per_worker,
      rawIslLimit: c.raw_isl_token_queue_limit_per_worker,
      cachedLimit: c.cached_token_queue_limit_per_worker,
    })),
    bucketMinTokens: profile.bucketMinTokens,
    bucketClass: profile.bucketClass,
  };
}

/**
 * GPUs behind one worker for GPU-hours: tensor parallelism × the DP ranks the worker runs
 * (`aic_gpus_per_worker` = `aic_tp_size` × materialised `dp_size`, engine common/protocols.rs;
 * replay/src/report.rs). The report and the planner both count this.
 */
export function gpusPerWorker(args: EngineArgs): number {
  return (args.aic_tp_size ?? 1) * attentionDp(args);
}
