// Which replay a set of options describes (aggregated or disaggregated, trace-timed or closed-loop)
// and whether the reference would accept it: the checks its Rust binding runs before simulating
// (replay_cli.md §1.1 item 14), in the same order and with the same messages. Pure: no I/O.

import { ReplayError } from '../errors.js';
import type { RouterMode } from '../options.js';
import type { EngineArgs } from './engine-args.js';
import { debugName, defaultEngineArgs } from './engine-args.js';
import { fmtFloat } from './knob.js';
import type { RouterConfig } from './router-config.js';

export interface SyntheticWorkloadInput {
  inputTokens: number;
  outputTokens: number;
  requestCount: number;
  /** Fixed open-loop spacing (0 = burst); ignored in closed-loop mode. */
  arrivalIntervalMs?: number | null;
  /** Poisson open-loop rate (req/s); exclusive with `arrivalIntervalMs` and concurrency. */
  requestRate?: number | null;
  turnsPerSession?: number;
  sharedPrefixRatio?: number;
  numPrefixGroups?: number;
  interTurnDelayMs?: number;
}

export interface TopologyInput {
  /** Parsed engine JSON of each flag; `undefined`/`null` when the flag was not given. */
  extraEngineArgs?: EngineArgs | null;
  prefillEngineArgs?: EngineArgs | null;
  decodeEngineArgs?: EngineArgs | null;
  numWorkers?: number;
  numPrefillWorkers?: number;
  numDecodeWorkers?: number;
  replayConcurrency?: number | null;
  replayMode?: string;
  routerMode?: string;
  /** Parsed `--router-config`; `undefined`/`null` when not given. */
  routerConfig?: RouterConfig | null;
  /** Whether a router-side AIC perf config (`--aic-*` flags) was given. */
  hasAicPerfConfig?: boolean;
  arrivalSpeedupRatio?: number;
  /** Present for synthetic replay. */
  synthetic?: SyntheticWorkloadInput | null;
  slaTtftMs?: number | null;
  slaItlMs?: number | null;
  slaE2eMs?: number | null;
}

interface TopologyCommon {
  routerMode: RouterMode;
  /** Closed-loop in-flight cap; null = open loop (arrival timestamps drive the run). */
  replayConcurrency: number | null;
  /** How the reference names this run in its messages. */
  label: 'trace replay' | 'concurrency replay';
}

export interface AggregatedTopology extends TopologyCommon {
  kind: 'aggregated';
  /** The engine of every worker (defaults when `--extra-engine-args` was not given). */
  engine: EngineArgs;
  numWorkers: number;
}

export interface DisaggTopology extends TopologyCommon {
  kind: 'disagg';
  prefill: EngineArgs;
  decode: EngineArgs;
  numPrefillWorkers: number;
  numDecodeWorkers: number;
}

export type Topology = AggregatedTopology | DisaggTopology;

const fail = (message: string): never => {
  throw new ReplayError(message);
};

function count(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) fail(`${name} must be a non-negative integer, got ${fmtFloat(v)}`);
  return v;
}

/** Validates a synthetic workload description (the binding's generator checks). */
export function validateSyntheticWorkload(w: SyntheticWorkloadInput, replayConcurrency: number | null = null): void {
  const rate = w.requestRate ?? null;
  const interval = w.arrivalIntervalMs ?? null;
  if (rate !== null && (interval !== null || replayConcurrency !== null)) {
    fail('synthetic replay requires exactly one of replay_concurrency, request_rate, or arrival_interval_ms');
  }
  const turns = w.turnsPerSession ?? 1;
  const ratio = w.sharedPrefixRatio ?? 0;
  const groups = w.numPrefixGroups ?? 0;
  const delay = w.interTurnDelayMs ?? 0;
  const atLeastOne = (name: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1)) fail(`${name} must be at least 1`);
  };
  atLeastOne('input_tokens', w.inputTokens);
  atLeastOne('output_tokens', w.outputTokens);
  atLeastOne('request_count', w.requestCount);
  atLeastOne('turns_per_session', turns);
  const usesWorkloadGenerator = turns > 1 || ratio > 0 || groups > 0 || delay > 0;
  if (rate !== null) {
    if (!(Number.isFinite(rate) && rate > 0)) fail(`request_rate must be a finite positive number, got ${fmtFloat(rate)}`);
  } else if (replayConcurrency === null && interval !== null && !(Number.isFinite(interval) && interval >= 0)) {
    fail(
      usesWorkloadGenerator
        ? 'arrival_interval_ms must be a finite non-negative number'
        : `arrival_interval_ms must be a finite non-negative number, got ${fmtFloat(interval)}`,
    );
  }
  if (!(Number.isFinite(delay) && delay >= 0)) fail('inter_turn_delay_ms must be a finite non-negative number');
  if (!(Number.isInteger(groups) && groups >= 0)) fail(`num_prefix_groups must be a non-negative integer, got ${fmtFloat(groups)}`);
  if (!(ratio >= 0 && ratio <= 1)) fail(`shared_prefix_ratio must be between 0.0 and 1.0, got ${fmtFloat(ratio)}`);
}

/** `--arrival-speedup-ratio` (applied to trace timestamps and inter-turn delays in open-loop runs). */
export function validateArrivalSpeedupRatio(ratio: number): void {
  if (!(Number.isFinite(ratio) && ratio > 0)) fail(`ratio must be a finite positive number, got ${fmtFloat(ratio)}`);
}

/** Goodput SLA thresholds: finite and non-negative when set. */
export function validateSla(input: Pick<TopologyInput, 'slaTtftMs' | 'slaItlMs' | 'slaE2eMs'>): void {
  const check = (name: string, v: number | null | undefined) => {
    if (v !== null && v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      fail(`${name} must be a finite, non-negative value, got ${fmtFloat(v)}`);
    }
  };
  check('sla_ttft_ms', input.slaTtftMs);
  check('sla_itl_ms', input.slaItlMs);
  check('sla_e2e_ms', input.slaE2eMs);
}

/**
 * Decides the replay topology and applies the reference's pre-simulation checks, in its order:
 * engine-args combination → router mode → router AIC estimator → concurrency → SLA → synthetic
 * workload → arrival speedup → replay mode → per-topology engine checks. Throws `ReplayError`.
 */
export function validateTopology(input: TopologyInput): Topology {
  const numWorkers = count('num_workers', input.numWorkers, 1);
  const numPrefillWorkers = count('num_prefill_workers', input.numPrefillWorkers, 1);
  const numDecodeWorkers = count('num_decode_workers', input.numDecodeWorkers, 1);
  const extra = input.extraEngineArgs ?? null;
  const prefill = input.prefillEngineArgs ?? null;
  const decode = input.decodeEngineArgs ?? null;

  if (extra !== null && (prefill !== null || decode !== null)) {
    fail('extra_engine_args cannot be combined with prefill_engine_args/decode_engine_args');
  }
  let kind: 'aggregated' | 'disagg';
  if (prefill === null && decode === null) {
    if (numPrefillWorkers !== 1 || numDecodeWorkers !== 1) {
      fail('num_prefill_workers and num_decode_workers are only used for disagg replay; use num_workers for aggregated replay');
    }
    kind = 'aggregated';
  } else if (prefill !== null && decode !== null) {
    if (numWorkers !== 1) {
      fail('num_workers is only used for aggregated replay; use num_prefill_workers and num_decode_workers for disagg replay');
    }
    kind = 'disagg';
  } else {
    return fail('prefill_engine_args and decode_engine_args must be provided together');
  }

  const routerModeRaw = input.routerMode ?? 'round_robin';
  if (routerModeRaw !== 'round_robin' && routerModeRaw !== 'kv_router') {
    fail(`router_mode must be either 'round_robin' or 'kv_router', got '${routerModeRaw}'`);
  }
  const routerMode = routerModeRaw as RouterMode;

  const hasAic = input.hasAicPerfConfig ?? false;
  const routerConfig = input.routerConfig ?? null;
  if (routerMode !== 'kv_router') {
    if (hasAic) fail("aic_perf_config requires router_mode='kv_router'");
  } else if (routerConfig === null) {
    if (hasAic) fail("aic_perf_config requires router_config with router_prefill_load_model='aic'");
  } else if (routerConfig.router_prefill_load_model === 'none') {
    if (hasAic) fail("aic_perf_config requires router_prefill_load_model='aic'");
  } else if (!hasAic) {
    fail("router_prefill_load_model='aic' requires aic_perf_config");
  }

  const concurrency = input.replayConcurrency ?? null;
  if (concurrency !== null && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    fail('replay_concurrency must be at least 1');
  }

  validateSla(input);
  if (input.synthetic) validateSyntheticWorkload(input.synthetic, concurrency);
  if (concurrency === null) validateArrivalSpeedupRatio(input.arrivalSpeedupRatio ?? 1);

  const replayMode = input.replayMode ?? 'offline';
  if (replayMode !== 'offline' && replayMode !== 'online') {
    fail(`replay_mode must be either 'offline' or 'online', got '${replayMode}'`);
  }
  if (replayMode === 'online') {
    if (kind === 'disagg') fail("disagg replay only supports replay_mode='offline'");
    fail('online replay needs a live Dynamo runtime and is not supported by dynosim; use replay_mode=offline');
  }

  const label = concurrency === null ? 'trace replay' : 'concurrency replay';
  const common: TopologyCommon = { routerMode, replayConcurrency: concurrency, label };

  if (kind === 'aggregated') {
    const engine = extra ?? defaultEngineArgs();
    // The KV router needs a choice to make: more than one worker or DP-rank target.
    if (routerMode === 'kv_router' && numWorkers * Math.max(engine.dp_size, 1) <= 1) {
      fail('offline replay only supports router_mode=kv_router with more than one worker/DP-rank target');
    }
    if (numWorkers === 0) fail(`${label} requires num_workers >= 1`);
    if (engine.worker_type !== 'aggregated') fail(`${label} only supports aggregated workers, got ${debugName(engine.worker_type)}`);
    return { kind, ...common, engine, numWorkers };
  }

  const p = prefill!;
  const d = decode!;
  if (p.engine_type === 'trtllm' || d.engine_type === 'trtllm') fail(`${label} disaggregation does not support TRT-LLM`);
  if (p.engine_type !== d.engine_type) {
    fail(
      `${label} disaggregation requires matching prefill/decode engine_type, got ` +
        `${debugName(p.engine_type)} and ${debugName(d.engine_type)}`,
    );
  }
  if (numPrefillWorkers === 0) fail(`${label} requires num_prefill_workers >= 1`);
  if (numDecodeWorkers === 0) fail(`${label} requires num_decode_workers >= 1`);
  if (p.worker_type !== 'prefill') fail(`${label} requires prefill_engine_args.worker_type=prefill, got ${debugName(p.worker_type)}`);
  if (d.worker_type !== 'decode') fail(`${label} requires decode_engine_args.worker_type=decode, got ${debugName(d.worker_type)}`);
  if (p.dp_size !== 1 || d.dp_size !== 1) {
    fail(
      'offline disaggregated replay does not support attention DP; prefill/decode dp_size must both be 1 ' +
        `(got prefill_dp_size=${p.dp_size}, decode_dp_size=${d.dp_size})`,
    );
  }
  if (p.block_size !== d.block_size) {
    fail(`${label} requires matching prefill/decode block_size, got ${p.block_size} and ${d.block_size}`);
  }
  return { kind, ...common, prefill: p, decode: d, numPrefillWorkers, numDecodeWorkers };
}
