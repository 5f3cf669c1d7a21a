// KvRouterConfig: the JSON of `--router-config`, with the current reference defaults
// (lib/kv-router/src/scheduling/config.rs, `impl Default for KvRouterConfig`: overlap credit 1.0,
// prefill load scale 1.0, temperature 0.0, queue threshold 16.0, fcfs). The deprecated
// `overlap_score_weight` maps as the reference maps it (KvRouterConfigSerde → prefill_load_scale,
// and credit 0 when it is 0). Omitted keys take their defaults, unknown keys are rejected naming
// the key, `null` is accepted only for the Option fields (e.g. `router_queue_threshold: null`
// disables the router queue).

import * as z from 'zod';
import { ReplayError } from '../errors.js';
import { routerQueuePolicySchema } from './engine-args.js';
import type { RouterQueuePolicy } from './engine-args.js';
import { atLeast, between, bool, decodeJsonObject, enumString, float, formatFirstIssue, str, U32_MAX, uint } from './knob.js';

export type RouterPrefillLoadModel = 'none' | 'aic';
export type SharedCacheType = 'none' | 'hicache';

export interface RouterConfig {
  /** Share of a target's cached prefix credited against the request's prefill blocks, in [0, 1]. */
  overlap_score_credit: number;
  /** Scale of the (credited) prefill blocks in the KV-router cost. */
  prefill_load_scale: number;
  /** Shrinks the credit on workers with more prefill backlog than the least loaded (0 = off). */
  overlap_score_credit_decay: number;
  /** Cost per request live on a worker. */
  decode_active_request_weight: number;
  /** Deprecated alias, already applied to the two above; null when not given. */
  overlap_score_weight: number | null;
  /** Credit weights of host- and disk-tier cache hits (no lower tiers are simulated). */
  host_cache_hit_weight: number;
  disk_cache_hit_weight: number;
  /** Weight of shared-cache hits (no shared cache is simulated). */
  shared_cache_multiplier: number;
  /** Which external shared KV cache the router queries ("none" or "hicache"; none is simulated). */
  shared_cache_type: SharedCacheType;
  /**
   * TTL of the predict-on-route side indexer: with KV events on, the router also records its own
   * decisions for this long and takes, per worker, the larger of the two overlaps; null = off.
   */
  router_predicted_ttl_secs: number | null;
  /** Tiered caps of the live scheduler queue (RouterQueueDepthTiers); empty = unbounded. */
  router_queue_by_incoming_missing_isl: unknown[];
  /** 0 = argmin; > 0 = softmax sampling over normalised costs. */
  router_temperature: number;
  use_kv_events: boolean;
  durable_kv_events: boolean;
  router_replica_sync: boolean;
  router_track_active_blocks: boolean;
  router_track_output_blocks: boolean;
  router_assume_kv_reuse: boolean;
  router_track_prefill_tokens: boolean;
  router_prefill_load_model: RouterPrefillLoadModel;
  router_snapshot_threshold: number | null;
  router_reset_states: boolean;
  router_ttl_secs: number;
  router_max_tree_size: number;
  router_prune_target_ratio: number;
  /** Fraction of max_num_batched_tokens above which a worker counts as busy; null disables queueing. */
  router_queue_threshold: number | null;
  router_event_threads: number;
  router_enable_cache_control: boolean;
  skip_initial_worker_wait: boolean;
  min_initial_workers: number;
  router_queue_policy: RouterQueuePolicy;
  remote_indexer_component: string | null;
  use_remote_indexer: boolean;
  serve_indexer: boolean;
  /** Policy-family / cache-bucket YAML path (`--router-policy-config` overrides it). */
  router_policy_config: string | null;
}

export const DEFAULT_ROUTER_CONFIG: Readonly<RouterConfig> = Object.freeze({
  overlap_score_credit: 1.0,
  prefill_load_scale: 1.0,
  overlap_score_credit_decay: 0.0,
  decode_active_request_weight: 0.0,
  overlap_score_weight: null,
  host_cache_hit_weight: 0.75,
  disk_cache_hit_weight: 0.25,
  shared_cache_multiplier: 0.0,
  shared_cache_type: 'none',
  router_predicted_ttl_secs: null,
  router_queue_by_incoming_missing_isl: [],
  router_temperature: 0.0,
  use_kv_events: true,
  durable_kv_events: false,
  router_replica_sync: false,
  router_track_active_blocks: true,
  router_track_output_blocks: false,
  router_assume_kv_reuse: true,
  router_track_prefill_tokens: true,
  router_prefill_load_model: 'none',
  router_snapshot_threshold: 1_000_000,
  router_reset_states: false,
  router_ttl_secs: 120.0,
  router_max_tree_size: 1_048_576,
  router_prune_target_ratio: 0.8,
  router_queue_threshold: 16.0,
  router_event_threads: 4,
  router_enable_cache_control: false,
  skip_initial_worker_wait: false,
  min_initial_workers: 1,
  router_queue_policy: 'fcfs',
  remote_indexer_component: null,
  use_remote_indexer: false,
  serve_indexer: false,
  router_policy_config: null,
});

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const OVERLAP_SCORE_CREDIT_MIGRATION =
  'overlap_score_credit must be between 0.0 and 1.0; values above 1.0 are probably not what you intended. ' +
  'If you want to weigh TTFT/prompt-side prefill load more heavily, keep overlap_score_credit <= 1.0 and use ' +
  'that larger value for prefill_load_scale instead; prefill_load_scale is applied after overlap credits.';

export const routerConfigSchema = z.strictObject({
  overlap_score_credit: float().optional(),
  prefill_load_scale: atLeast(float(), 0).optional(),
  overlap_score_credit_decay: atLeast(float(), 0).optional(),
  decode_active_request_weight: atLeast(float(), 0).optional(),
  overlap_score_weight: nullable(atLeast(float(), 0)),
  host_cache_hit_weight: between(float(), 0, 1, true).optional(),
  disk_cache_hit_weight: between(float(), 0, 1, true).optional(),
  shared_cache_multiplier: between(float(), 0, 1, true).optional(),
  shared_cache_type: enumString(
    ['none', 'hicache'] as const,
    (raw) => `unknown shared cache type: ${JSON.stringify(raw)}, expected 'none' or 'hicache'`,
  ).optional(),
  router_predicted_ttl_secs: nullable(atLeast(float(), 0)),
  router_queue_by_incoming_missing_isl: nullable(z.array(z.unknown())),
  router_temperature: atLeast(float(), 0).optional(),
  use_kv_events: bool().optional(),
  durable_kv_events: bool().optional(),
  router_replica_sync: bool().optional(),
  router_track_active_blocks: bool().optional(),
  router_track_output_blocks: bool().optional(),
  router_assume_kv_reuse: bool().optional(),
  router_track_prefill_tokens: bool().optional(),
  router_prefill_load_model: enumString(
    ['none', 'aic'] as const,
    (raw) => `unknown prefill load model: ${JSON.stringify(raw)}, expected 'none' or 'aic'`,
  ).optional(),
  router_snapshot_threshold: nullable(atLeast(uint(U32_MAX), 1)),
  router_reset_states: bool().optional(),
  router_ttl_secs: atLeast(float(), 0).optional(),
  router_max_tree_size: atLeast(uint(), 1).optional(),
  router_prune_target_ratio: between(float(), 0, 1, true).optional(),
  router_queue_threshold: nullable(atLeast(float(), 0)),
  router_event_threads: atLeast(uint(U32_MAX), 1).optional(),
  router_enable_cache_control: bool().optional(),
  skip_initial_worker_wait: bool().optional(),
  min_initial_workers: uint().optional(),
  router_queue_policy: routerQueuePolicySchema.optional(),
  remote_indexer_component: nullable(str()),
  use_remote_indexer: bool().optional(),
  serve_indexer: bool().optional(),
  router_policy_config: nullable(str()),
});

export const ROUTER_CONFIG_KEYS: readonly string[] = Object.keys(routerConfigSchema.shape);

export interface ParseRouterConfigOptions {
  /** `--router-policy-config` (or env DYN_ROUTER_POLICY_CONFIG): injected as `router_policy_config`. */
  routerPolicyConfig?: string;
}

/**
 * Parses `--router-config` into a fully defaulted RouterConfig; `undefined`/`null` input gives the
 * defaults. Failures are one-line `ReplayError`s naming the flag.
 */
export function parseRouterConfig(
  input: string | Record<string, unknown> | null | undefined,
  flag = '--router-config',
  options: ParseRouterConfigOptions = {},
): RouterConfig {
  const raw = input === undefined || input === null ? {} : decodeJsonObject(input, flag, `${flag} must contain a JSON object`);
  if (options.routerPolicyConfig !== undefined) raw.router_policy_config = options.routerPolicyConfig;

  const result = routerConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ReplayError(formatFirstIssue(result.error, raw, flag, (path) => (path.length === 0 ? ROUTER_CONFIG_KEYS : undefined)));
  }
  const v = result.data;
  const d = DEFAULT_ROUTER_CONFIG;
  const weight = v.overlap_score_weight ?? null;
  const config: RouterConfig = {
    overlap_score_credit: weight === 0 ? 0 : (v.overlap_score_credit ?? d.overlap_score_credit),
    prefill_load_scale: weight ?? v.prefill_load_scale ?? d.prefill_load_scale,
    overlap_score_credit_decay: v.overlap_score_credit_decay ?? d.overlap_score_credit_decay,
    decode_active_request_weight: v.decode_active_request_weight ?? d.decode_active_request_weight,
    overlap_score_weight: weight,
    host_cache_hit_weight: v.host_cache_hit_weight ?? d.host_cache_hit_weight,
    disk_cache_hit_weight: v.disk_cache_hit_weight ?? d.disk_cache_hit_weight,
    shared_cache_multiplier: v.shared_cache_multiplier ?? d.shared_cache_multiplier,
    shared_cache_type: v.shared_cache_type ?? d.shared_cache_type,
    router_predicted_ttl_secs: v.router_predicted_ttl_secs ?? null,
    router_queue_by_incoming_missing_isl: v.router_queue_by_incoming_missing_isl ?? [],
    router_temperature: v.router_temperature ?? d.router_temperature,
    use_kv_events: v.use_kv_events ?? d.use_kv_events,
    durable_kv_events: v.durable_kv_events ?? d.durable_kv_events,
    router_replica_sync: v.router_replica_sync ?? d.router_replica_sync,
    router_track_active_blocks: v.router_track_active_blocks ?? d.router_track_active_blocks,
    router_track_output_blocks: v.router_track_output_blocks ?? d.router_track_output_blocks,
    router_assume_kv_reuse: v.router_assume_kv_reuse ?? d.router_assume_kv_reuse,
    router_track_prefill_tokens: v.router_track_prefill_tokens ?? d.router_track_prefill_tokens,
    router_prefill_load_model: v.router_prefill_load_model ?? d.router_prefill_load_model,
    router_snapshot_threshold: v.router_snapshot_threshold === undefined ? d.router_snapshot_threshold : v.router_snapshot_threshold,
    router_reset_states: v.router_reset_states ?? d.router_reset_states,
    router_ttl_secs: v.router_ttl_secs ?? d.router_ttl_secs,
    router_max_tree_size: v.router_max_tree_size ?? d.router_max_tree_size,
    router_prune_target_ratio: v.router_prune_target_ratio ?? d.router_prune_target_ratio,
    router_queue_threshold: v.router_queue_threshold === undefined ? d.router_queue_threshold : v.router_queue_threshold,
    router_event_threads: v.router_event_threads ?? d.router_event_threads,
    router_enable_cache_control: v.router_enable_cache_control ?? d.router_enable_cache_control,
    skip_initial_worker_wait: v.skip_initial_worker_wait ?? d.skip_initial_worker_wait,
    min_initial_workers: v.min_initial_workers ?? d.min_initial_workers,
    router_queue_policy: v.router_queue_policy ?? d.router_queue_policy,
    remote_indexer_component: v.remote_indexer_component ?? null,
    use_remote_indexer: v.use_remote_indexer ?? d.use_remote_indexer,
    serve_indexer: v.serve_indexer ?? d.serve_indexer,
    router_policy_config: v.router_policy_config ?? null,
  };

  const fail = (message: string): never => {
    throw new ReplayError(`${flag}: ${message}`);
  };
  // overlap_score_credit_error_message: above 1 the reference points at prefill_load_scale.
  if (config.overlap_score_credit > 1) fail(OVERLAP_SCORE_CREDIT_MIGRATION);
  if (config.overlap_score_credit < 0) fail('overlap_score_credit must be between 0.0 and 1.0');
  if (config.durable_kv_events && !config.use_kv_events) fail('durable_kv_events requires use_kv_events=true');
  if (config.router_track_output_blocks && !config.router_track_active_blocks) {
    fail('router_track_output_blocks requires router_track_active_blocks=true');
  }
  if (config.router_prefill_load_model !== 'none' && !config.router_track_prefill_tokens) {
    fail('router_prefill_load_model requires router_track_prefill_tokens=true');
  }
  if (config.router_prefill_load_model !== 'none' && config.router_queue_policy !== 'fcfs') {
    fail("router_prefill_load_model currently requires router_queue_policy='fcfs'");
  }
  if (config.use_remote_indexer && config.serve_indexer) fail('use_remote_indexer and serve_indexer are mutually exclusive');
  if (config.serve_indexer && config.overlap_score_credit === 0) fail('serve_indexer requires overlap_score_credit > 0');
  if (config.router_predicted_ttl_secs !== null && !config.use_kv_events) fail('router_predicted_ttl_secs requires use_kv_events=true');
  return config;
}
