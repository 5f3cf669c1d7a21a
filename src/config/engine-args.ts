// MockEngineArgs: the engine JSON of `--extra-engine-args`, `--prefill-engine-args` and
// `--decode-engine-args` (reference: lib/mocker/src/common/protocols.rs plus the Python pre-pass in
// components/src/dynamo/replay/main.py). Keys are the reference's snake_case names; unknown keys are
// rejected, omitted keys take their defaults, and `null` is accepted only where the reference
// accepts it. The result is fully defaulted and normalised, so later stages never re-derive a
// default (block size per engine, sglang/trtllm sub-configs, dtype spelling, MTP accept rates).

import * as z from 'zod';
import { PARSE_ONCE } from './zod-parse.js';
import { lowerTimingModel } from './timing-model.js';
import { ReplayError } from '../errors.js';
import type { JsonObject } from './knob.js';
import {
  atLeast,
  between,
  bool,
  decodeJsonObject,
  enumString,
  float,
  fmtFloat,
  formatFirstIssue,
  str,
  U16_MAX,
  U32_MAX,
  uint,
} from './knob.js';

export type EngineType = 'vllm' | 'sglang' | 'trtllm';
export type WorkerType = 'aggregated' | 'prefill' | 'decode';
export type PreemptionMode = 'lifo' | 'fifo';
export type KvTransferTimingMode = 'full_prompt' | 'destination_missing';
export type RouterQueuePolicy = 'fcfs' | 'lcfs' | 'wspt';
export type SglangSchedulePolicy = 'fifo' | 'lpm';

export interface SglangArgs {
  schedule_policy: SglangSchedulePolicy;
  /** Radix-cache page size in tokens; equals `block_size` for the sglang engine. */
  page_size: number;
  max_prefill_tokens: number;
  chunked_prefill_size: number;
  clip_max_new_tokens: number;
  schedule_conservativeness: number;
}

export interface TrtllmArgs {
  capacity_scheduler_policy: 'guaranteed_no_evict';
}

export interface ReasoningConfig {
  start_thinking_token_id: number;
  end_thinking_token_id: number;
  thinking_ratio: number;
}

/** Fully defaulted MockEngineArgs. `null` means "unset" exactly where the reference uses `Option`. */
/** The AIC perf-model selection, as engine JSON keys and as the CLI's `--aic-*` flags name it. */
export interface AicSelection {
  aic_backend: string | null;
  aic_system: string | null;
  aic_systems_path: string | null;
  aic_backend_version: string | null;
  aic_tp_size: number | null;
  aic_model_path: string | null;
  aic_moe_tp_size: number | null;
  aic_moe_ep_size: number | null;
  aic_attention_dp_size: number | null;
  /** Quant-mode overrides, normalised: `auto`/`none`/`null`/blank → null, `int4` → `int4_wo`. */
  aic_gemm_dtype: string | null;
  aic_moe_dtype: string | null;
  aic_fmha_dtype: string | null;
  aic_kv_cache_dtype: string | null;
  aic_comm_dtype: string | null;
  /** MTP draft depth 1..5. */
  aic_nextn: number | null;
  /** With `aic_nextn`: exactly nextn comma-separated rates (default `0.85,0.3,0,0,0` cut to nextn). */
  aic_nextn_accept_rates: string | null;
}

export interface EngineArgs extends AicSelection {
  engine_type: EngineType;
  /** KV pool size in blocks (per DP rank). */
  num_gpu_blocks: number;
  /**
   * False when the JSON left `num_gpu_blocks` unset (or null): the value above is then the 16384
   * default, and the reference replaces it with an AIC capacity estimate when `aic_backend` is set.
   */
  num_gpu_blocks_explicit: boolean;
  /** Materialised: vllm 64, sglang `sglang.page_size` or 1, trtllm 32 when the JSON gave 0/nothing. */
  block_size: number;
  max_model_len: number | null;
  /** null = unbounded. */
  max_num_seqs: number | null;
  /** null = unbounded. */
  max_num_batched_tokens: number | null;
  enable_prefix_caching: boolean;
  enable_chunked_prefill: boolean;
  speedup_ratio: number;
  decode_speedup_ratio: number;
  dp_size: number;
  /** Seconds before a scaled-up worker becomes active; null = immediate. */
  startup_time: number | null;
  worker_type: WorkerType;
  planner_profile_data: string | null;
  aic_mtp_seed: number;
  gpu_memory_utilization: number | null;
  mem_fraction_static: number | null;
  free_gpu_memory_fraction: number | null;
  enable_local_indexer: boolean;
  bootstrap_port: number | null;
  handoff_session_timeout_ms: number;
  kv_bytes_per_token: number | null;
  /** GB/s; null or 0 disables the modelled transfer delay. */
  kv_transfer_bandwidth: number | null;
  kv_transfer_timing_mode: KvTransferTimingMode;
  /** KVBM tiers (accepted; 0 is normalised to null). */
  num_g2_blocks: number | null;
  num_g3_blocks: number | null;
  enable_g4_storage: boolean;
  offload_batch_size: number | null;
  bandwidth_g1_to_g2_gbps: number | null;
  bandwidth_g2_to_g1_gbps: number | null;
  bandwidth_g2_to_g3_gbps: number | null;
  bandwidth_g3_to_g2_gbps: number | null;
  bandwidth_g2_to_g4_gbps: number | null;
  bandwidth_g4_to_g2_gbps: number | null;
  reasoning: ReasoningConfig | null;
  response_replay_trace_path: string | null;
  zmq_kv_events_port: number | null;
  zmq_replay_port: number | null;
  preemption_mode: PreemptionMode;
  /** Replay-only override of the router queue policy. */
  router_queue_policy: RouterQueuePolicy | null;
  sglang: SglangArgs;
  trtllm: TrtllmArgs;
}

export interface ParseEngineArgsOptions {
  /**
   * Worker type when the JSON sets none of `worker_type` / `is_prefill` / `is_decode`. Defaults from
   * the flag: `--prefill-engine-args` → prefill, `--decode-engine-args` → decode, else aggregated
   * (the guide's staged commands omit `worker_type`).
   */
  defaultWorkerType?: WorkerType;
  /** `--aic-systems-path`: overrides `aic_systems_path` inside the JSON. */
  aicSystemsPath?: string;
}

export const DEFAULT_NUM_GPU_BLOCKS = 16384;
export const DEFAULT_BLOCK_SIZE: Readonly<Record<EngineType, number>> = { vllm: 64, sglang: 1, trtllm: 32 };
export const DEFAULT_ACCEPT_RATES: readonly number[] = [0.85, 0.3, 0, 0, 0];
const AIC_DTYPE_KEYS = ['aic_gemm_dtype', 'aic_moe_dtype', 'aic_fmha_dtype', 'aic_kv_cache_dtype', 'aic_comm_dtype'] as const;

// ---- schema ---------------------------------------------------------------------------------------

const usize = () => uint();
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const engineTypeSchema = enumString(
  ['vllm', 'sglang', 'trtllm'] as const,
  (raw) => `Invalid engine_type '${raw}'. Must be 'vllm', 'sglang', or 'trtllm'.`,
  { caseInsensitive: true },
);
const preemptionModeSchema = enumString(
  ['lifo', 'fifo'] as const,
  (raw) => `Invalid preemption_mode: '${raw}'. Must be 'lifo' or 'fifo'.`,
  { caseInsensitive: true },
);
const timingModeSchema = enumString(
  ['full_prompt', 'destination_missing'] as const,
  (raw) => `Invalid kv_transfer_timing_mode '${raw}'. Must be 'full_prompt' or 'destination_missing'.`,
  { caseInsensitive: true },
);
export const routerQueuePolicySchema = enumString(
  ['fcfs', 'lcfs', 'wspt'] as const,
  (raw) => `unknown queue policy: ${JSON.stringify(raw)}, expected 'fcfs', 'lcfs', or 'wspt'`,
);

const sglangSchema = z.strictObject({
  schedule_policy: nullable(
    enumString(
      ['fifo', 'lpm'] as const,
      (raw) => `sglang.schedule_policy must be 'fifo' (alias 'fcfs') or 'lpm', got '${raw}'`,
      { aliases: { fcfs: 'fifo' } },
    ),
  ),
  page_size: nullable(atLeast(usize(), 1)),
  max_prefill_tokens: nullable(atLeast(usize(), 1)),
  chunked_prefill_size: nullable(atLeast(usize(), 1)),
  clip_max_new_tokens: nullable(atLeast(usize(), 1)),
  schedule_conservativeness: nullable(between(float(), 0, 1, true)),
});

const trtllmSchema = z.strictObject({
  capacity_scheduler_policy: nullable(str()),
});

const reasoningSchema = z.strictObject({
  start_thinking_token_id: uint(U32_MAX),
  end_thinking_token_id: uint(U32_MAX),
  thinking_ratio: between(float(), 0, 1, true),
});

/** Shape of the accepted JSON (every key optional; `nullable` where the reference takes null). */
export const engineArgsSchema = z.strictObject({
  engine_type: engineTypeSchema.optional(),
  num_gpu_blocks: nullable(atLeast(usize(), 1)),
  block_size: usize().optional(),
  max_model_len: nullable(atLeast(usize(), 1)),
  max_num_seqs: nullable(atLeast(usize(), 1)),
  max_num_batched_tokens: nullable(atLeast(usize(), 1)),
  enable_prefix_caching: bool().optional(),
  enable_chunked_prefill: bool().optional(),
  speedup_ratio: atLeast(float(), 0).optional(),
  decode_speedup_ratio: atLeast(float(), 0).optional(),
  dp_size: atLeast(uint(U32_MAX), 1).optional(),
  startup_time: nullable(atLeast(float(), 0)),
  worker_type: nullable(str()),
  is_prefill: bool().optional(),
  is_decode: bool().optional(),
  planner_profile_data: nullable(str()),
  aic_backend: nullable(str()),
  aic_system: nullable(str()),
  aic_systems_path: nullable(str()),
  aic_backend_version: nullable(str()),
  aic_tp_size: nullable(usize()),
  aic_model_path: nullable(str()),
  aic_moe_tp_size: nullable(usize()),
  aic_moe_ep_size: nullable(usize()),
  aic_attention_dp_size: nullable(usize()),
  aic_gemm_dtype: nullable(str()),
  aic_moe_dtype: nullable(str()),
  aic_fmha_dtype: nullable(str()),
  aic_kv_cache_dtype: nullable(str()),
  aic_comm_dtype: nullable(str()),
  aic_nextn: nullable(between(usize(), 1, 5)),
  aic_nextn_accept_rates: nullable(str()),
  aic_mtp_seed: usize().optional(),
  gpu_memory_utilization: nullable(between(float(), 0, 1, true)),
  mem_fraction_static: nullable(between(float(), 0, 1, true)),
  free_gpu_memory_fraction: nullable(between(float(), 0, 1, true)),
  enable_local_indexer: bool().optional(),
  bootstrap_port: nullable(uint(U16_MAX)),
  handoff_session_timeout_ms: atLeast(usize(), 1).optional(),
  kv_bytes_per_token: nullable(usize()),
  kv_transfer_bandwidth: nullable(atLeast(float(), 0)),
  kv_transfer_timing_mode: timingModeSchema.optional(),
  num_g2_blocks: nullable(usize()),
  num_g3_blocks: nullable(usize()),
  enable_g4_storage: bool().optional(),
  offload_batch_size: nullable(usize()),
  bandwidth_g1_to_g2_gbps: nullable(atLeast(float(), 0)),
  bandwidth_g2_to_g1_gbps: nullable(atLeast(float(), 0)),
  bandwidth_g2_to_g3_gbps: nullable(atLeast(float(), 0)),
  bandwidth_g3_to_g2_gbps: nullable(atLeast(float(), 0)),
  bandwidth_g2_to_g4_gbps: nullable(atLeast(float(), 0)),
  bandwidth_g4_to_g2_gbps: nullable(atLeast(float(), 0)),
  reasoning: nullable(reasoningSchema),
  response_replay_trace_path: nullable(str()),
  zmq_kv_events_port: nullable(uint(U16_MAX)),
  zmq_replay_port: nullable(uint(U16_MAX)),
  preemption_mode: preemptionModeSchema.optional(),
  router_queue_policy: nullable(routerQueuePolicySchema),
  sglang: nullable(sglangSchema),
  trtllm: nullable(trtllmSchema),
  /** Written by the reference's own serialiser; accepted and ignored. */
  has_perf_model: z.unknown().optional(),
});

export type EngineArgsInput = z.input<typeof engineArgsSchema>;

/** Every key the engine JSON accepts, in the reference's order. */
export const ENGINE_ARGS_KEYS: readonly string[] = Object.keys(engineArgsSchema.shape);

function knownKeys(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return ENGINE_ARGS_KEYS;
  if (path.length === 1) {
    if (path[0] === 'sglang') return Object.keys(sglangSchema.shape);
    if (path[0] === 'trtllm') return Object.keys(trtllmSchema.shape);
    if (path[0] === 'reasoning') return Object.keys(reasoningSchema.shape);
  }
  return undefined;
}

// ---- helpers -------------------------------------------------------------------------------------

/** AIC quant-mode spelling: `auto`/`none`/`null`/blank → null (model default), `int4` → `int4_wo`. */
export function normalizeAicDtype(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '' || ['auto', 'none', 'null'].includes(trimmed.toLowerCase())) return null;
  if (trimmed === 'int4') return 'int4_wo';
  return trimmed;
}

function parseRustFloat(text: string): number | undefined {
  if (/^[+-]?(inf|infinity|nan)$/i.test(text)) {
    if (/nan/i.test(text)) return NaN;
    return text.startsWith('-') ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Conditional MTP accept rates for a draft depth: parsed from the comma list (or the default
 * `0.85,0.3,0,0,0`), each checked finite in [0, 1], then padded with zeros or cut to `nextn`.
 * Errors carry the reference's wording (without a flag prefix).
 */
export function normalizeAcceptRates(nextn: number, rates: string | null | undefined): number[] {
  if (!(Number.isInteger(nextn) && nextn >= 1 && nextn <= 5)) {
    throw new Error(`aic_nextn must be in 1..=5, got ${nextn}`);
  }
  const trimmed = rates?.trim() ?? '';
  let parsed: number[];
  if (trimmed === '') {
    parsed = [...DEFAULT_ACCEPT_RATES];
  } else {
    parsed = trimmed.split(',').map((part) => {
      const value = parseRustFloat(part.trim());
      if (value === undefined) {
        throw new Error(`invalid aic_nextn_accept_rates value ${JSON.stringify(part)}: invalid float literal`);
      }
      return value;
    });
  }
  parsed.forEach((rate, index) => {
    if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1)) {
      throw new Error(`aic_nextn_accept_rates[${index}] must be finite and in [0, 1], got ${fmtFloat(rate)}`);
    }
  });
  while (parsed.length < nextn) parsed.push(0);
  return parsed.slice(0, nextn);
}

/** The accept rates of parsed args as numbers (empty when MTP is off). */
export function acceptRates(args: Pick<EngineArgs, 'aic_nextn' | 'aic_nextn_accept_rates'>): number[] {
  if (args.aic_nextn === null) return [];
  return normalizeAcceptRates(args.aic_nextn, args.aic_nextn_accept_rates);
}

/** Rust `{:?}` of the enums, as the reference's messages print them. */
export function debugName(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

function defaultWorkerTypeForFlag(flag: string): WorkerType {
  if (flag.includes('prefill')) return 'prefill';
  if (flag.includes('decode')) return 'decode';
  return 'aggregated';
}

// ---- parse ---------------------------------------------------------------------------------------

/**
 * Parses one engine-args knob into fully defaulted, normalised EngineArgs. Every failure is a
 * one-line `ReplayError` prefixed with `flag`.
 */
export function parseEngineArgs(
  input: string | Record<string, unknown>,
  flag: string,
  options: ParseEngineArgsOptions = {},
): EngineArgs {
  const fail = (message: string): never => {
    throw new ReplayError(`${flag}: ${message}`);
  };
  const raw: JsonObject = decodeJsonObject(input, flag, `${flag}: engine-args must be a JSON object`);
  lowerTimingModel(raw, fail);
  if (options.aicSystemsPath !== undefined) raw.aic_systems_path = options.aicSystemsPath;

  // Python pre-pass: worker_type is a strict lower-case word and excludes the legacy booleans.
  const workerTypeRaw = raw.worker_type;
  let workerType: WorkerType | undefined;
  if (workerTypeRaw !== undefined && workerTypeRaw !== null) {
    if ('is_prefill' in raw || 'is_decode' in raw) fail('worker_type cannot be combined with is_prefill or is_decode');
    if (workerTypeRaw !== 'aggregated' && workerTypeRaw !== 'prefill' && workerTypeRaw !== 'decode') {
      fail("worker_type must be one of 'aggregated', 'prefill', or 'decode'");
    }
    workerType = workerTypeRaw as WorkerType;
  }

  // Python pre-pass: AIC capacity estimation needs a model, and dtypes must be strings.
  const blocksUnset = raw.num_gpu_blocks === undefined || raw.num_gpu_blocks === null;
  if (blocksUnset && raw.aic_backend !== undefined && raw.aic_backend !== null && !raw.aic_model_path) {
    fail('AIC KV cache capacity estimation requires aic_model_path in engine args');
  }
  for (const key of AIC_DTYPE_KEYS) {
    const value = raw[key];
    if (value !== undefined && value !== null && typeof value !== 'string') fail(`${key} must be a string when set`);
  }

  const result = engineArgsSchema.safeParse(raw, PARSE_ONCE);
  if (!result.success) throw new ReplayError(formatFirstIssue(result.error, raw, flag, knownKeys));
  const v = result.data;

  if (workerType === undefined) {
    const isPrefill = v.is_prefill ?? false;
    const isDecode = v.is_decode ?? false;
    if (isPrefill && isDecode) fail('Invalid worker configuration: is_prefill and is_decode cannot both be true.');
    if (isPrefill) workerType = 'prefill';
    else if (isDecode) workerType = 'decode';
    else if ('is_prefill' in raw || 'is_decode' in raw) workerType = 'aggregated';
    else workerType = options.defaultWorkerType ?? defaultWorkerTypeForFlag(flag);
  }

  const engineType: EngineType = v.engine_type ?? 'vllm';
  const sglangIn = v.sglang ?? null;
  const pageSize = sglangIn?.page_size ?? null;
  let blockSize = v.block_size ?? 0;
  if (blockSize === 0) {
    blockSize = engineType === 'sglang' && pageSize !== null ? pageSize : DEFAULT_BLOCK_SIZE[engineType];
  }
  const zeroToNull = (x: number | null | undefined): number | null => (x === undefined || x === null || x === 0 ? null : x);

  const args: EngineArgs = {
    engine_type: engineType,
    num_gpu_blocks: v.num_gpu_blocks ?? DEFAULT_NUM_GPU_BLOCKS,
    num_gpu_blocks_explicit: v.num_gpu_blocks !== undefined && v.num_gpu_blocks !== null,
    block_size: blockSize,
    max_model_len: v.max_model_len ?? null,
    max_num_seqs: v.max_num_seqs === undefined ? 256 : v.max_num_seqs,
    max_num_batched_tokens: v.max_num_batched_tokens === undefined ? 8192 : v.max_num_batched_tokens,
    enable_prefix_caching: v.enable_prefix_caching ?? true,
    enable_chunked_prefill: v.enable_chunked_prefill ?? true,
    speedup_ratio: v.speedup_ratio ?? 1,
    decode_speedup_ratio: v.decode_speedup_ratio ?? 1,
    dp_size: v.dp_size ?? 1,
    startup_time: v.startup_time ?? null,
    worker_type: workerType,
    planner_profile_data: v.planner_profile_data ?? null,
    aic_backend: v.aic_backend ?? null,
    aic_system: v.aic_system ?? null,
    aic_systems_path: v.aic_systems_path ?? null,
    aic_backend_version: v.aic_backend_version ?? null,
    aic_tp_size: v.aic_tp_size ?? null,
    aic_model_path: v.aic_model_path ?? null,
    aic_moe_tp_size: v.aic_moe_tp_size ?? null,
    aic_moe_ep_size: v.aic_moe_ep_size ?? null,
    aic_attention_dp_size: v.aic_attention_dp_size ?? null,
    aic_gemm_dtype: normalizeAicDtype(v.aic_gemm_dtype),
    aic_moe_dtype: normalizeAicDtype(v.aic_moe_dtype),
    aic_fmha_dtype: normalizeAicDtype(v.aic_fmha_dtype),
    aic_kv_cache_dtype: normalizeAicDtype(v.aic_kv_cache_dtype),
    aic_comm_dtype: normalizeAicDtype(v.aic_comm_dtype),
    aic_nextn: v.aic_nextn ?? null,
    aic_nextn_accept_rates: v.aic_nextn_accept_rates ?? null,
    aic_mtp_seed: v.aic_mtp_seed ?? 42,
    gpu_memory_utilization: v.gpu_memory_utilization ?? null,
    mem_fraction_static: v.mem_fraction_static ?? null,
    free_gpu_memory_fraction: v.free_gpu_memory_fraction ?? null,
    enable_local_indexer: v.enable_local_indexer ?? false,
    bootstrap_port: v.bootstrap_port ?? null,
    handoff_session_timeout_ms: v.handoff_session_timeout_ms ?? 300_000,
    kv_bytes_per_token: v.kv_bytes_per_token ?? null,
    kv_transfer_bandwidth: v.kv_transfer_bandwidth ?? null,
    kv_transfer_timing_mode: v.kv_transfer_timing_mode ?? 'full_prompt',
    num_g2_blocks: zeroToNull(v.num_g2_blocks),
    num_g3_blocks: zeroToNull(v.num_g3_blocks),
    enable_g4_storage: v.enable_g4_storage ?? false,
    offload_batch_size: zeroToNull(v.offload_batch_size),
    bandwidth_g1_to_g2_gbps: v.bandwidth_g1_to_g2_gbps ?? null,
    bandwidth_g2_to_g1_gbps: v.bandwidth_g2_to_g1_gbps ?? null,
    bandwidth_g2_to_g3_gbps: v.bandwidth_g2_to_g3_gbps ?? null,
    bandwidth_g3_to_g2_gbps: v.bandwidth_g3_to_g2_gbps ?? null,
    bandwidth_g2_to_g4_gbps: v.bandwidth_g2_to_g4_gbps ?? null,
    bandwidth_g4_to_g2_gbps: v.bandwidth_g4_to_g2_gbps ?? null,
    reasoning: v.reasoning ?? null,
    response_replay_trace_path: v.response_replay_trace_path ?? null,
    zmq_kv_events_port: v.zmq_kv_events_port ?? null,
    zmq_replay_port: v.zmq_replay_port ?? null,
    preemption_mode: v.preemption_mode ?? 'lifo',
    router_queue_policy: v.router_queue_policy ?? null,
    sglang: {
      schedule_policy: sglangIn?.schedule_policy ?? 'fifo',
      page_size: pageSize ?? (engineType === 'sglang' ? blockSize : 1),
      max_prefill_tokens: sglangIn?.max_prefill_tokens ?? 16384,
      chunked_prefill_size: sglangIn?.chunked_prefill_size ?? 8192,
      clip_max_new_tokens: sglangIn?.clip_max_new_tokens ?? 4096,
      schedule_conservativeness: sglangIn?.schedule_conservativeness ?? 1,
    },
    trtllm: { capacity_scheduler_policy: 'guaranteed_no_evict' },
  };

  // Cross-field rules, in the reference's order.
  if (args.num_g3_blocks !== null && args.num_g2_blocks === null) {
    fail('num_g3_blocks requires num_g2_blocks because mocker stages G3 through G2');
  }
  if (args.max_model_len !== null && engineType !== 'vllm') {
    fail(`max_model_len is supported only for engine_type=vllm, got engine_type=${debugName(engineType)}`);
  }
  if (args.enable_g4_storage && args.num_g2_blocks === null) {
    fail('enable_g4_storage requires num_g2_blocks because mocker stages G4 through G2');
  }
  if (args.aic_nextn !== null && args.decode_speedup_ratio !== 1) {
    fail(
      'aic_nextn requires decode_speedup_ratio=1.0 because MTP output acceleration is modeled by burst sampling, ' +
        `got ${fmtFloat(args.decode_speedup_ratio)}`,
    );
  }
  if (args.aic_nextn === null && args.aic_nextn_accept_rates !== null) fail('aic_nextn_accept_rates requires aic_nextn');
  const policy = v.trtllm?.capacity_scheduler_policy;
  if (policy !== undefined && policy !== null && policy !== 'guaranteed_no_evict') {
    fail(`engine_type=trtllm v1 supports only capacity_scheduler_policy='guaranteed_no_evict', got '${policy}'`);
  }
  if (engineType === 'sglang') {
    if (pageSize !== null && args.block_size !== pageSize) {
      fail(
        'engine_type=sglang requires block_size and sglang.page_size to match when both are set, ' +
          `got block_size=${args.block_size} and sglang.page_size=${pageSize}`,
      );
    }
    const chunk = sglangIn?.chunked_prefill_size;
    if (chunk !== undefined && chunk !== null && chunk % args.block_size !== 0) {
      fail(
        'engine_type=sglang requires sglang.chunked_prefill_size to be divisible by block_size, ' +
          `got chunked_prefill_size=${chunk} and block_size=${args.block_size}`,
      );
    }
  }
  if (args.aic_nextn !== null) {
    try {
      args.aic_nextn_accept_rates = normalizeAcceptRates(args.aic_nextn, args.aic_nextn_accept_rates)
        .map(fmtFloat)
        .join(',');
    } catch (error) {
      fail((error as Error).message);
    }
  }
  return args;
}

/** The engine every replay uses when no engine JSON is given (aggregated vLLM, all defaults). */
export function defaultEngineArgs(workerType: WorkerType = 'aggregated'): EngineArgs {
  return parseEngineArgs({}, '--extra-engine-args', { defaultWorkerType: workerType });
}
