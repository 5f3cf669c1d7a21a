// `--planner-config`: the reference PlannerConfig (current-main generation), read from inline JSON
// or a .json/.yaml/.yml file. Field types follow pydantic's lax coercion (integral floats and
// numeric strings for ints, "true"/"false" for bools); old field names are accepted as aliases;
// unknown top-level keys are accepted, as the reference does, and listed in `ignoredKeys`.
// Validation order: the "before" step (scale interval = gcd of the loop intervals), field checks,
// then the reference's after-validator in its order (planner.md §1.2).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARSE_ONCE } from '../config/zod-parse.js';
import { ReplayError, UsageError } from '../errors.js';
import { looksLikeInlineJson } from '../config/knob.js';
import { parseYamlText } from '../config/yaml.js';
import { pyFloatRepr } from '../report/pyjson.js';
import type { PlannerMode, Role } from './types.js';
import { MAX_SIM_TIME_MS } from '../core/limits.js';
import { PLANNER_CONFIG_ALIASES, PLANNER_CONFIG_KEYS, laxFloat, plannerConfigSchema } from './config-schema.js';

export type OptimizationTarget = 'throughput' | 'latency' | 'load' | 'sla';
export type SweepMode = 'none' | 'rapid' | 'thorough';
export type LoadPredictorName = 'constant' | 'arima' | 'kalman' | 'prophet';

export interface PickedParallelConfig {
  tp: number;
  pp: number;
  dp: number;
  moe_tp: number;
  moe_ep: number;
}

export interface AicPerfModelSpec {
  hf_id: string;
  system: string;
  backend: 'trtllm' | 'vllm' | 'sglang';
  backend_version: string | null;
  prefill_pick: PickedParallelConfig | null;
  decode_pick: PickedParallelConfig | null;
  model_arch: string | null;
  weight_dtype: string | null;
  moe_dtype: string | null;
  activation_dtype: string | null;
  kv_cache_dtype: string | null;
}

export interface SchedulingConfig {
  scale_interval_seconds: number;
  tick_max_duration_seconds: number;
  external_plugins: unknown[];
  gateway: Record<string, unknown>;
}

/** The validated, defaulted planner configuration (reference field names). */
export interface PlannerConfig {
  mode: PlannerMode;
  optimization_target: OptimizationTarget;
  backend: 'vllm' | 'sglang' | 'trtllm' | 'mocker';
  environment: 'kubernetes' | 'virtual' | 'global-planner';
  namespace: string;
  model_name: string | null;
  global_planner_namespace: string | null;
  log_dir: string | null;
  advisory: boolean;

  ttft_ms: number;
  itl_ms: number;
  enable_throughput_scaling: boolean;
  enable_load_scaling: boolean;
  throughput_adjustment_interval_seconds: number;
  max_throughput_scaling_replicas: number;
  pre_deployment_sweeping_mode: SweepMode | null;
  profile_results_dir: string;
  aic_interpolation: Record<string, unknown> | null;
  aic_perf_model: AicPerfModelSpec | null;
  speculative_nextn: number;

  load_adjustment_interval_seconds: number;
  max_num_fpm_samples: number;
  fpm_sample_bucket_size: number;
  load_scaling_down_sensitivity: number;
  load_min_observations: number;
  /**
   * Feed the perf model every forward pass of each load tick, not only each engine's latest (the
   * guide-era replay adapter's `_feed_extra_fpm_to_regression`). Replay-only extension; default off.
   */
  feed_extra_fpm_to_regression: boolean;
  prefill_scale_up_queue_tokens: number | null;
  prefill_scale_down_queue_tokens: number | null;
  decode_scale_up_kv_rate: number | null;
  decode_scale_down_kv_rate: number | null;

  min_endpoint: number;
  prefill_min_endpoint: number | null;
  decode_min_endpoint: number | null;
  max_gpu_budget: number;
  min_gpu_budget: number;
  prefill_engine_num_gpu: number | null;
  decode_engine_num_gpu: number | null;
  enable_power_awareness: boolean;
  total_gpu_power_limit: number | null;
  control_api_port: number;

  load_predictor: LoadPredictorName;
  load_predictor_log1p: boolean;
  prophet_window_size: number;
  load_predictor_warmup_trace: string | null;
  kalman_q_level: number;
  kalman_q_trend: number;
  kalman_r: number;
  kalman_min_points: number;

  report_interval_hours: number | null;
  report_output_dir: string;
  report_filename: string | null;
  report_write_gzip_log: boolean;
  live_dashboard_port: number;

  metric_pulling_prometheus_endpoint: string | null;
  metric_reporting_prometheus_port: number;
  throughput_metrics_source: 'frontend' | 'router';

  scheduling: SchedulingConfig;
}

export interface ParsedPlannerConfig {
  config: PlannerConfig;
  /** Top-level keys the reference accepts and ignores (unknown or legacy names), in input order. */
  ignoredKeys: string[];
  /** The reference's validation-time warnings (logged, not fatal), one line each. */
  warnings: string[];
  /** Where the config came from: 'inline' or the file path. */
  source: string;
}

export interface ParsePlannerConfigOptions {
  /** Base directory for a relative file path (default `process.cwd()`). */
  cwd?: string;
  /** Flag named in messages (default `--planner-config`). */
  flag?: string;
  /** `DYN_NAMESPACE` for the `namespace` default (default `process.env.DYN_NAMESPACE`). */
  namespace?: string;
}

export const DEFAULT_TTFT_MS = 500.0;
export const DEFAULT_ITL_MS = 50.0;


// ---- loading -------------------------------------------------------------------------------------

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function loadData(input: string, flag: string, cwd: string): { data: unknown; source: string } {
  const resolved = path.resolve(cwd, input);
  if (input.length < 4096 && isFile(resolved)) {
    const text = fs.readFileSync(resolved, 'utf8');
    const suffix = path.extname(input).toLowerCase();
    const fromYaml = (): unknown => {
      try {
        return parseYamlText(text, '1.1');
      } catch (error) {
        throw new ReplayError(`${flag}: could not parse YAML file '${input}': ${firstLine(error)}`);
      }
    };
    const fromJson = (): unknown => {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new ReplayError(`${flag}: could not parse JSON file '${input}': ${firstLine(error)}`);
      }
    };
    if (suffix === '.yaml' || suffix === '.yml') return { data: fromYaml(), source: input };
    if (suffix === '.json') return { data: fromJson(), source: input };
    try {
      return { data: JSON.parse(text), source: input };
    } catch {
      return { data: fromYaml(), source: input };
    }
  }
  // A value that is neither inline JSON nor an existing file is a missing file, as for every knob.
  if (!looksLikeInlineJson(input)) throw new ReplayError(`${flag}: no such file: ${input}`);
  try {
    return { data: JSON.parse(input), source: 'inline' };
  } catch (error) {
    throw new ReplayError(`${flag} value is neither a valid file path nor valid JSON: ${firstLine(error)}`);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---- times within the simulation's range ----------------------------------------------------------

/** Planner intervals the replay's clock must reach: each within the simulated-time limit. */
const PLANNER_TIME_KEYS = ['throughput_adjustment_interval_seconds', 'load_adjustment_interval_seconds', 'tick_max_duration_seconds'] as const;

function checkPlannerTimes(v: { [K in (typeof PLANNER_TIME_KEYS)[number]]?: number } & { scheduling?: { scale_interval_seconds?: number } }, flag: string): void {
  const limitS = MAX_SIM_TIME_MS / 1000;
  const check = (key: string, value: number | undefined) => {
    if (value !== undefined && !(value <= limitS))
      throw new ReplayError(`${flag}: ${key} must be at most ${limitS} (100 years of simulated time), got ${value}`);
  };
  for (const key of PLANNER_TIME_KEYS) check(key, v[key]);
  check('scheduling.scale_interval_seconds', v.scheduling?.scale_interval_seconds);
}

// ---- the "before" validator: default scale interval ---------------------------------------------

/** Millisecond-resolution gcd of second-based intervals (reference `_gcd_seconds`). */
export function gcdSeconds(values: readonly number[]): number {
  const gcd = (a: number, b: number): number => {
    a = Math.abs(a);
    b = Math.abs(b);
    while (b) [a, b] = [b, a % b];
    return a;
  };
  const millis = values.map((v) => pyRound(v * 1000));
  let g = millis[0] ?? 0;
  for (const m of millis.slice(1)) g = gcd(g, m);
  return g / 1000;
}

/** Python's round() (half to even). */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function defaultScaleInterval(data: Record<string, unknown>): void {
  const scheduling = data.scheduling;
  if (isPlainObject(scheduling) && 'scale_interval_seconds' in scheduling) return;
  if (scheduling !== undefined && scheduling !== null && !isPlainObject(scheduling)) return;
  const loadRaw = data.load_adjustment_interval_seconds ?? 5;
  if (loadRaw === null) return;
  const rawTput = 'enable_throughput_scaling' in data ? data.enable_throughput_scaling : true;
  let tputEnabled: boolean;
  if (typeof rawTput === 'string') tputEnabled = ['1', 'true', 'yes', 'on'].includes(rawTput.toLowerCase());
  else tputEnabled = Boolean(rawTput);
  tputEnabled = tputEnabled && (data.optimization_target ?? 'throughput') === 'sla';
  const load = laxFloat(loadRaw);
  if (load === undefined || !Number.isFinite(load)) return;
  const intervals = [load];
  if (tputEnabled) {
    const tputRaw = data.throughput_adjustment_interval_seconds ?? 180;
    if (tputRaw === null) return;
    const tput = laxFloat(tputRaw);
    if (tput === undefined || !Number.isFinite(tput)) return;
    intervals.push(tput);
  }
  data.scheduling = { ...(isPlainObject(scheduling) ? scheduling : {}), scale_interval_seconds: gcdSeconds(intervals) };
}

function isMultipleOf(value: number, base: number): boolean {
  if (base <= 0) return false;
  const ratio = value / base;
  const r = Math.round(ratio);
  return Math.abs(ratio - r) <= Math.max(1e-9 * Math.max(Math.abs(ratio), Math.abs(r)), 1e-9);
}

function isqrt(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (r * r > n) r--;
  while ((r + 1) * (r + 1) <= n) r++;
  return r;
}

// ---- parse ---------------------------------------------------------------------------------------

/**
 * Parses `--planner-config` (inline JSON, or a path to a .json/.yaml/.yml file; another suffix is
 * tried as JSON, then YAML). Returns the defaulted config, the ignored keys and the reference's
 * warnings. Failures are one-line `ReplayError`s naming the flag.
 */
export function parsePlannerConfig(input: string | Record<string, unknown>, opts: ParsePlannerConfigOptions = {}): ParsedPlannerConfig {
  const flag = opts.flag ?? '--planner-config';
  const loaded = typeof input === 'string' ? loadData(input, flag, opts.cwd ?? process.cwd()) : { data: input, source: 'inline' };
  if (!isPlainObject(loaded.data)) throw new ReplayError(`${flag}: Input should be a valid dictionary (the config must be a JSON/YAML object)`);
  const raw = loaded.data;

  // Aliases: the current name wins; an alias is used only when the current name is absent.
  const data: Record<string, unknown> = {};
  const ignoredKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const target = PLANNER_CONFIG_ALIASES[key];
    if (target !== undefined) {
      if (!(target in raw)) data[target] = value;
      continue;
    }
    if (PLANNER_CONFIG_KEYS.includes(key)) data[key] = value;
    else ignoredKeys.push(key);
  }

  defaultScaleInterval(data);

  const result = plannerConfigSchema.safeParse(data, PARSE_ONCE);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? issue.path.map(String).join('.') : '';
    const message = issue?.message ?? 'invalid value';
    throw new ReplayError(`${flag}: ${where === '' ? '' : `${where}: `}${message}`);
  }
  const v = result.data;
  checkPlannerTimes(v, flag);
  const warnings: string[] = [];

  const optTarget = v.optimization_target ?? 'throughput';
  const config: PlannerConfig = {
    mode: v.mode ?? 'disagg',
    optimization_target: optTarget,
    backend: v.backend ?? 'vllm',
    environment: v.environment ?? 'kubernetes',
    namespace: v.namespace ?? opts.namespace ?? process.env.DYN_NAMESPACE ?? 'dynamo',
    model_name: v.model_name ?? null,
    global_planner_namespace: v.global_planner_namespace ?? null,
    log_dir: v.log_dir ?? null,
    advisory: v.advisory ?? false,
    ttft_ms: v.ttft_ms ?? DEFAULT_TTFT_MS,
    itl_ms: v.itl_ms ?? DEFAULT_ITL_MS,
    enable_throughput_scaling: v.enable_throughput_scaling ?? true,
    enable_load_scaling: v.enable_load_scaling ?? false,
    throughput_adjustment_interval_seconds: v.throughput_adjustment_interval_seconds ?? 180,
    max_throughput_scaling_replicas: v.max_throughput_scaling_replicas ?? 8,
    pre_deployment_sweeping_mode: v.pre_deployment_sweeping_mode === undefined ? 'rapid' : v.pre_deployment_sweeping_mode,
    profile_results_dir: v.profile_results_dir ?? 'profiling_results',
    aic_interpolation: (v.aic_interpolation as Record<string, unknown> | null | undefined) ?? null,
    aic_perf_model: v.aic_perf_model ? normalizeAicPerfModel(v.aic_perf_model as Record<string, unknown>) : null,
    speculative_nextn: v.speculative_nextn ?? 0,
    load_adjustment_interval_seconds: v.load_adjustment_interval_seconds ?? 5,
    max_num_fpm_samples: v.max_num_fpm_samples ?? 64,
    fpm_sample_bucket_size: v.fpm_sample_bucket_size ?? 16,
    load_scaling_down_sensitivity: v.load_scaling_down_sensitivity ?? 80,
    load_min_observations: v.load_min_observations ?? 5,
    feed_extra_fpm_to_regression: v.feed_extra_fpm_to_regression ?? false,
    prefill_scale_up_queue_tokens: v.prefill_scale_up_queue_tokens ?? null,
    prefill_scale_down_queue_tokens: v.prefill_scale_down_queue_tokens ?? null,
    decode_scale_up_kv_rate: v.decode_scale_up_kv_rate ?? null,
    decode_scale_down_kv_rate: v.decode_scale_down_kv_rate ?? null,
    min_endpoint: v.min_endpoint ?? 1,
    prefill_min_endpoint: v.prefill_min_endpoint ?? null,
    decode_min_endpoint: v.decode_min_endpoint ?? null,
    max_gpu_budget: v.max_gpu_budget ?? 8,
    min_gpu_budget: v.min_gpu_budget ?? -1,
    prefill_engine_num_gpu: v.prefill_engine_num_gpu ?? null,
    decode_engine_num_gpu: v.decode_engine_num_gpu ?? null,
    enable_power_awareness: v.enable_power_awareness ?? false,
    total_gpu_power_limit: v.total_gpu_power_limit ?? null,
    control_api_port: v.control_api_port ?? 9086,
    load_predictor: (v.load_predictor ?? 'arima') as LoadPredictorName,
    load_predictor_log1p: v.load_predictor_log1p ?? false,
    prophet_window_size: v.prophet_window_size ?? 50,
    load_predictor_warmup_trace: v.load_predictor_warmup_trace ?? null,
    kalman_q_level: v.kalman_q_level ?? 1.0,
    kalman_q_trend: v.kalman_q_trend ?? 0.1,
    kalman_r: v.kalman_r ?? 10.0,
    kalman_min_points: v.kalman_min_points ?? 5,
    report_interval_hours: v.report_interval_hours === undefined ? 24.0 : v.report_interval_hours,
    report_output_dir: v.report_output_dir ?? './planner_reports',
    report_filename: v.report_filename ?? null,
    report_write_gzip_log: v.report_write_gzip_log ?? true,
    live_dashboard_port: v.live_dashboard_port ?? 8080,
    metric_pulling_prometheus_endpoint: v.metric_pulling_prometheus_endpoint ?? null,
    metric_reporting_prometheus_port: v.metric_reporting_prometheus_port ?? 0,
    throughput_metrics_source: v.throughput_metrics_source ?? 'frontend',
    scheduling: {
      scale_interval_seconds: v.scheduling?.scale_interval_seconds ?? 5.0,
      tick_max_duration_seconds: v.scheduling?.tick_max_duration_seconds ?? 30.0,
      external_plugins: v.scheduling?.external_plugins ?? [],
      gateway: v.scheduling?.gateway ?? {},
    },
  };

  validateAfter(config, warnings, (m) => {
    throw new ReplayError(`${flag}: ${m}`);
  });
  return { config, ignoredKeys, warnings, source: loaded.source };
}

function normalizeAicPerfModel(spec: Record<string, unknown>): AicPerfModelSpec {
  const pick = (p: unknown): PickedParallelConfig | null => {
    if (!isPlainObject(p)) return null;
    const n = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : 1);
    return { tp: n('tp'), pp: n('pp'), dp: n('dp'), moe_tp: n('moe_tp'), moe_ep: n('moe_ep') };
  };
  const s = (k: string) => (typeof spec[k] === 'string' ? (spec[k] as string) : null);
  return {
    hf_id: String(spec.hf_id),
    system: String(spec.system),
    backend: spec.backend as AicPerfModelSpec['backend'],
    backend_version: s('backend_version'),
    prefill_pick: pick(spec.prefill_pick),
    decode_pick: pick(spec.decode_pick),
    model_arch: s('model_arch'),
    weight_dtype: s('weight_dtype'),
    moe_dtype: s('moe_dtype'),
    activation_dtype: s('activation_dtype'),
    kv_cache_dtype: s('kv_cache_dtype'),
  };
}

/** The reference's after-validator, in its order (mutates the easy-mode scaling flags). */
function validateAfter(c: PlannerConfig, warnings: string[], error: (message: string) => never): void {
  if (!(c.ttft_ms > 0)) error(`ttft_ms must be > 0, got ${pyFloatRepr(c.ttft_ms)}`);

  if (c.mode === 'prefill' && c.decode_min_endpoint !== null) error("decode_min_endpoint is not supported when mode='prefill'");
  if (c.mode === 'decode' && c.prefill_min_endpoint !== null) error("prefill_min_endpoint is not supported when mode='decode'");
  if (c.mode === 'agg' && (c.prefill_min_endpoint !== null || c.decode_min_endpoint !== null)) {
    error("prefill_min_endpoint and decode_min_endpoint are not supported when mode='agg'; use min_endpoint");
  }

  if (c.report_interval_hours !== null && (!Number.isFinite(c.report_interval_hours) || c.report_interval_hours <= 0)) {
    error('report_interval_hours must be a positive finite number or None');
  }

  if (c.fpm_sample_bucket_size < 0) error('isqrt() argument must be nonnegative');
  const root = isqrt(c.fpm_sample_bucket_size);
  if (root * root !== c.fpm_sample_bucket_size) error(`fpm_sample_bucket_size must be a perfect square, got ${c.fpm_sample_bucket_size}`);

  if (c.enable_power_awareness) {
    if (c.total_gpu_power_limit === null) {
      error('total_gpu_power_limit is required when enable_power_awareness=True.');
    }
    if (c.environment !== 'kubernetes') error("enable_power_awareness=True requires environment='kubernetes'.");
    if (c.mode === 'agg') error("enable_power_awareness=True is not supported with mode='agg'.");
  }

  if (c.environment === 'global-planner' && !c.global_planner_namespace) {
    error("global_planner_namespace is required when environment='global-planner'. Please specify the namespace where GlobalPlanner is running.");
  }

  if (c.optimization_target === 'load') {
    if (c.mode === 'disagg' || c.mode === 'prefill') {
      if (c.prefill_scale_up_queue_tokens === null || c.prefill_scale_down_queue_tokens === null) {
        error("optimization_target='load' requires prefill_scale_up_queue_tokens and prefill_scale_down_queue_tokens for prefill scaling");
      }
      if (c.prefill_scale_up_queue_tokens <= c.prefill_scale_down_queue_tokens) {
        error('prefill_scale_up_queue_tokens must be greater than prefill_scale_down_queue_tokens');
      }
    }
    if (c.mode === 'disagg' || c.mode === 'decode' || c.mode === 'agg') {
      if (c.decode_scale_up_kv_rate === null || c.decode_scale_down_kv_rate === null) {
        error("optimization_target='load' requires decode_scale_up_kv_rate and decode_scale_down_kv_rate for decode scaling");
      }
      if (c.decode_scale_up_kv_rate <= c.decode_scale_down_kv_rate) {
        error('decode_scale_up_kv_rate must be greater than decode_scale_down_kv_rate');
      }
    }
  }

  if (c.optimization_target !== 'sla') {
    if (c.optimization_target === 'load' && c.enable_throughput_scaling) {
      warnings.push("optimization_target='load' disables throughput-based scaling; using reactive load-based scaling only");
    }
    c.enable_load_scaling = true;
    c.enable_throughput_scaling = false;
    if (c.ttft_ms !== DEFAULT_TTFT_MS || c.itl_ms !== DEFAULT_ITL_MS) {
      warnings.push(`optimization_target=${c.optimization_target} ignores ttft_ms/itl_ms values; set optimization_target='sla' to use SLA-based scaling`);
    }
  }

  if (!c.enable_throughput_scaling && !c.enable_load_scaling) {
    error('At least one scaling mode must be enabled (enable_throughput_scaling or enable_load_scaling)');
  }

  if (c.enable_throughput_scaling) {
    if (c.pre_deployment_sweeping_mode === null || c.pre_deployment_sweeping_mode === 'none') {
      warnings.push(
        "pre_deployment_sweeping_mode is 'none' or unset while throughput scaling is enabled; the performance model will start from live FPM regression after enough observations.",
      );
    }
  }

  if (c.aic_perf_model !== null) {
    if ((c.mode === 'disagg' || c.mode === 'prefill') && c.aic_perf_model.prefill_pick === null) {
      error(`aic_perf_model.prefill_pick is required for prefill perf queries in mode='${c.mode}'`);
    }
    if ((c.mode === 'disagg' || c.mode === 'decode' || c.mode === 'agg') && c.aic_perf_model.decode_pick === null) {
      error(`aic_perf_model.decode_pick is required for decode/agg perf queries in mode='${c.mode}'`);
    }
  }

  const intervals = [c.load_adjustment_interval_seconds];
  if (c.enable_throughput_scaling) {
    if (c.throughput_adjustment_interval_seconds <= 0) {
      error('throughput_adjustment_interval_seconds must be > 0 when throughput scaling is enabled');
    }
    intervals.push(c.throughput_adjustment_interval_seconds);
  }
  for (const interval of intervals) {
    if (!isMultipleOf(interval, c.scheduling.scale_interval_seconds)) {
      error(
        'scheduling.scale_interval_seconds must evenly divide load_adjustment_interval_seconds and, when throughput scaling is enabled, throughput_adjustment_interval_seconds',
      );
    }
  }

  if (c.enable_load_scaling && c.enable_throughput_scaling && c.load_adjustment_interval_seconds >= c.throughput_adjustment_interval_seconds) {
    error(
      `load_adjustment_interval_seconds (${c.load_adjustment_interval_seconds}s) must be shorter than throughput_adjustment_interval_seconds (${c.throughput_adjustment_interval_seconds}s). Load-based scaling is the fast reactive loop; throughput-based is the slow predictive loop.`,
    );
  }

  if (!['constant', 'arima', 'kalman', 'prophet'].includes(c.load_predictor) && c.enable_throughput_scaling) {
    error(`unknown load_predictor '${c.load_predictor}' (expected 'constant', 'arima', 'kalman' or 'prophet')`);
  }
}

// ---- helpers the rest of the planner uses --------------------------------------------------------

/** Effective minimum endpoints of one role (role value if set, else `min_endpoint`). */
export function resolveMinEndpoint(config: Pick<PlannerConfig, 'min_endpoint' | 'prefill_min_endpoint' | 'decode_min_endpoint'>, role: Role): number {
  const v = role === 'prefill' ? config.prefill_min_endpoint : config.decode_min_endpoint;
  return v ?? config.min_endpoint;
}

/** True when the diagnostics recorder runs (reference: report interval set or dashboard port ≠ 0). */
export function diagnosticsEnabled(config: Pick<PlannerConfig, 'report_interval_hours' | 'live_dashboard_port'>): boolean {
  return (config.report_interval_hours !== null && config.report_interval_hours > 0) || config.live_dashboard_port !== 0;
}

// ---- replay-specific checks ----------------------------------------------------------------------

/** Planner-in-the-loop replay runs agg or disagg only. */
export function checkReplayPlannerMode(config: Pick<PlannerConfig, 'mode'>): void {
  if (config.mode !== 'agg' && config.mode !== 'disagg') {
    throw new UsageError(`planner-in-the-loop replay supports mode='agg' or 'disagg', got '${config.mode}'`);
  }
}

/** Disagg planner replay needs the staged engine args. */
export function checkReplayDisaggEngineArgs(config: Pick<PlannerConfig, 'mode'>, hasPrefillArgs: boolean, hasDecodeArgs: boolean): void {
  if (config.mode === 'disagg' && !(hasPrefillArgs && hasDecodeArgs)) {
    throw new UsageError('disagg planner replay requires --prefill-engine-args and --decode-engine-args');
  }
}

/** One stderr line naming the keys the planner config ignores (null when there are none). */
export function ignoredKeysWarning(ignoredKeys: readonly string[], flag = '--planner-config'): string | null {
  if (ignoredKeys.length === 0) return null;
  return `warning: ${flag}: ignoring unknown key${ignoredKeys.length === 1 ? '' : 's'} ${ignoredKeys.map((k) => `'${k}'`).join(', ')} (accepted and unused by the reference planner)`;
}
