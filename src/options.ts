// Options of one replay, as the programmatic API takes them. The CLI maps its flags onto these
// one-to-one (flag `--num-workers` → `numWorkers`); JSON knobs may be given as strings or objects.

import type { SyntheticKnobs } from './trace/synthetic.js';

/** Every `--trace-format` the reference reads. */
export const TRACE_FORMATS = ['mooncake', 'mooncake-delta', 'agentic_mooncake', 'applied_compute_agentic', 'dynamo'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];
/** Other spellings the reference's CLI accepts, and the format each names. */
export const TRACE_FORMAT_ALIASES: Readonly<Record<string, TraceFormat>> = { mooncake_delta: 'mooncake-delta' };
/** A format name or alias as the format it names (unknown names unchanged). */
export function canonicalTraceFormat(name: string): string {
  return TRACE_FORMAT_ALIASES[name] ?? name;
}
export type RouterMode = 'round_robin' | 'kv_router';
export type ReplayMode = 'offline' | 'online';

export type JsonKnob = string | Record<string, unknown>;

/**
 * Router-side AIC prefill-load estimator, from the top-level `--aic-*` flags (independent of the
 * `aic_*` keys inside engine JSON). Dtypes are already normalised (`auto` → unset, `int4` → `int4_wo`).
 */
export interface AicPerfConfig {
  backend: string;
  system: string;
  modelPath: string;
  systemsPath?: string;
  backendVersion?: string;
  /** `--aic-tp-size`, 1 when not given. */
  tpSize: number;
  moeTpSize?: number;
  moeEpSize?: number;
  attentionDpSize?: number;
  gemmDtype?: string;
  moeDtype?: string;
  fmhaDtype?: string;
  kvCacheDtype?: string;
  commDtype?: string;
  nextn?: number;
  nextnAcceptRates?: string;
}

/** Synthetic workloads take the knobs of `SyntheticKnobs` (all optional here). */
export interface ReplayOptions extends Partial<SyntheticKnobs> {
  traceFiles?: string[];
  traceFormat?: TraceFormat;
  traceBlockSize?: number;
  extraEngineArgs?: JsonKnob;
  prefillEngineArgs?: JsonKnob;
  decodeEngineArgs?: JsonKnob;
  routerConfig?: JsonKnob;
  /** `--router-policy-config` / env DYN_ROUTER_POLICY_CONFIG: injected into the router config. */
  routerPolicyConfig?: string;
  /** `--model-name`: profile selected from the router policy YAML. */
  modelName?: string;
  /** `--aic-systems-path`: also overrides `aic_systems_path` in every engine JSON. */
  aicSystemsPath?: string;
  /** `--aic-backend` … `--aic-nextn-accept-rates` (router prefill-load model); absent when none given. */
  aicPerfConfig?: AicPerfConfig;
  /** applied_compute_agentic only: `--trace-shared-prefix-ratio` / `--trace-num-prefix-groups`. */
  traceSharedPrefixRatio?: number;
  traceNumPrefixGroups?: number;
  /** agentic_mooncake v2 only: `--agentic-lanes`, plays run one after another in this many lanes. */
  agenticLanes?: number;
  /** `--planner-config` (path or inline JSON) and `--benchmark-granularity` (default 8). */
  plannerConfig?: string;
  benchmarkGranularity?: number;
  // topology and timing
  numWorkers?: number;
  numPrefillWorkers?: number;
  numDecodeWorkers?: number;
  replayConcurrency?: number;
  replayMode?: ReplayMode;
  routerMode?: RouterMode;
  arrivalSpeedupRatio?: number;
  maxSimTimeSeconds?: number;
  // outputs: written after the run as one set (all or none), every path checked before it
  /** The report JSON's path; an existing directory gets a timestamped file inside. */
  reportJson?: string;
  /** One JSON line per request. */
  reportJsonl?: string;
  slaTtftMs?: number;
  slaItlMs?: number;
  slaE2eMs?: number;
  /** Seed of the routers' random choices (tie-breaks, softmax sampling); default 42, decode pool + 1. */
  routerSeed?: number;
  /**
   * A workload already in memory (a sweep parses its trace once and shares it): used instead of
   * loading `traceFiles` or generating the synthetic workload; the other options still describe it.
   */
  workload?: import('./core/workload.js').Workload;
  /** Receives one-line notes for the user (the CLI prints them on stderr). */
  onNote?: (line: string) => void;
  /** Called with simulated progress (0..1) while running; the CLI draws a bar on a terminal. */
  onProgress?: (fraction: number) => void;
}
