// The reference's checks after parsing (`python -m dynamo.replay`, replay_cli.md §1.1 items
// 1–13, with the baseline's newer extras), in its order: the parsed command line becomes the
// API's ReplayOptions plus the engine/router JSON loaded where the reference loads them. Check
// failures are `UsageError` (exit 2); engine/router JSON failures `ReplayError` (exit 1).

import { normalizeAicDtype, parseEngineArgs } from '../config/engine-args.js';
import type { EngineArgs } from '../config/engine-args.js';
import { parseRouterConfig } from '../config/router-config.js';
import type { RouterConfig } from '../config/router-config.js';
import { checkReplayOptions } from '../config/replay-options.js';
import { UsageError } from '../errors.js';
import { canonicalTraceFormat, type AicPerfConfig, type ReplayMode, type ReplayOptions, type RouterMode, type TraceFormat } from '../options.js';
import type { CliNamespace } from './args.js';

/** What the checks produce: the API options plus the engine/router JSON they already parsed. */
export interface PreparedReplay {
  options: ReplayOptions;
  extraEngineArgs: EngineArgs | null;
  prefillEngineArgs: EngineArgs | null;
  decodeEngineArgs: EngineArgs | null;
  /** null when `--router-config` (and a router policy config) was not given. */
  routerConfig: RouterConfig | null;
}

const usage = (message: string): never => {
  throw new UsageError(message);
};

function aicPerfConfig(ns: CliNamespace): AicPerfConfig | undefined {
  const values = {
    aic_backend: ns.aic_backend,
    aic_system: ns.aic_system,
    aic_model_path: ns.aic_model_path,
    aic_backend_version: ns.aic_backend_version,
    aic_tp_size: ns.aic_tp_size,
    aic_moe_tp_size: ns.aic_moe_tp_size,
    aic_moe_ep_size: ns.aic_moe_ep_size,
    aic_attention_dp_size: ns.aic_attention_dp_size,
    aic_gemm_dtype: normalizeAicDtype(ns.aic_gemm_dtype),
    aic_moe_dtype: normalizeAicDtype(ns.aic_moe_dtype),
    aic_fmha_dtype: normalizeAicDtype(ns.aic_fmha_dtype),
    aic_kv_cache_dtype: normalizeAicDtype(ns.aic_kv_cache_dtype),
    aic_comm_dtype: normalizeAicDtype(ns.aic_comm_dtype),
    aic_nextn: ns.aic_nextn,
    aic_nextn_accept_rates: ns.aic_nextn_accept_rates,
  };
  if (Object.values(values).every((v) => v === null)) return undefined;
  const missing = (['aic_backend', 'aic_system', 'aic_model_path'] as const).filter((k) => values[k] === null);
  if (missing.length > 0) usage(`AIC replay modeling requires ${missing.map((k) => `--${k.replace(/_/g, '-')}`).join(', ')}`);
  const config: AicPerfConfig = {
    backend: values.aic_backend!,
    system: values.aic_system!,
    modelPath: values.aic_model_path!,
    tpSize: values.aic_tp_size || 1,
  };
  if (ns.aic_systems_path !== null) config.systemsPath = ns.aic_systems_path;
  if (values.aic_backend_version !== null) config.backendVersion = values.aic_backend_version;
  if (values.aic_moe_tp_size !== null) config.moeTpSize = values.aic_moe_tp_size;
  if (values.aic_moe_ep_size !== null) config.moeEpSize = values.aic_moe_ep_size;
  if (values.aic_attention_dp_size !== null) config.attentionDpSize = values.aic_attention_dp_size;
  if (values.aic_gemm_dtype !== null) config.gemmDtype = values.aic_gemm_dtype;
  if (values.aic_moe_dtype !== null) config.moeDtype = values.aic_moe_dtype;
  if (values.aic_fmha_dtype !== null) config.fmhaDtype = values.aic_fmha_dtype;
  if (values.aic_kv_cache_dtype !== null) config.kvCacheDtype = values.aic_kv_cache_dtype;
  if (values.aic_comm_dtype !== null) config.commDtype = values.aic_comm_dtype;
  if (values.aic_nextn !== null) config.nextn = values.aic_nextn;
  if (values.aic_nextn_accept_rates !== null) config.nextnAcceptRates = values.aic_nextn_accept_rates;
  return config;
}

/**
 * Applies the reference's post-parse checks in order (§1.1 items 1–13, with the baseline's newer
 * extras) and maps the namespace onto ReplayOptions. Engine and router JSON are parsed here,
 * between items 9 and 12, exactly where the reference loads them.
 */
export function prepareReplay(ns: CliNamespace): PreparedReplay {
  // 1. Which workload: trace files, or synthetic (any synthetic-shaping flag away from its default).
  const usingTraceFile = ns.trace_files.length > 0;
  const syntheticCore = [ns.input_tokens, ns.output_tokens, ns.request_count];
  const usingSynthetic =
    syntheticCore.some((v) => v !== null) ||
    ns.turns_per_session !== 1 ||
    ns.shared_prefix_ratio !== 0 ||
    ns.num_prefix_groups !== 0 ||
    ns.inter_turn_delay_ms !== 0;

  ns.trace_format = canonicalTraceFormat(ns.trace_format);
  // 2–3. Trace file count per format.
  if (ns.trace_format === 'dynamo' && !usingTraceFile) usage('--trace-format=dynamo requires at least one trace file');
  if (ns.trace_format !== 'dynamo' && ns.trace_files.length > 1) usage(`--trace-format=${ns.trace_format} requires exactly one trace file`);
  // 4–5. Exactly one workload source; synthetic needs all three sizes.
  if (usingTraceFile === usingSynthetic) usage('provide either trace_file or all of --input-tokens/--output-tokens/--request-count');
  if (usingSynthetic && syntheticCore.some((v) => v === null)) {
    usage('synthetic replay requires --input-tokens, --output-tokens, and --request-count');
  }
  // Newer: --request-rate is one of the synthetic load controllers and synthetic-only.
  if (ns.request_rate !== null) {
    if (!usingSynthetic) usage('--request-rate only applies to synthetic replay');
    if (ns.replay_concurrency !== null || ns.arrival_interval_ms !== null) {
      usage('synthetic replay requires exactly one of --replay-concurrency, --request-rate, or --arrival-interval-ms');
    }
  }
  // 6.
  if (usingTraceFile && ns.trace_format === 'applied_compute_agentic' && ns.replay_concurrency === null) {
    usage('--trace-format=applied_compute_agentic requires --replay-concurrency because the source traces do not include first-turn timestamps');
  }
  if (ns.agentic_lanes !== null) {
    if (ns.agentic_lanes <= 0) usage('agentic_lanes must be greater than 0');
    if (ns.trace_format !== 'agentic_mooncake' && ns.trace_format !== 'dynamo') usage('--agentic-lanes applies to --trace-format agentic_mooncake or dynamo (agent sessions) only');
  }
  if (usingTraceFile && ns.trace_format === 'agentic_mooncake' && ns.replay_concurrency !== null) {
    usage('--trace-format=agentic_mooncake replays its request graph open-loop: use --agentic-lanes instead of --replay-concurrency');
  }
  // 7.
  if (ns.report_jsonl !== null) {
    if (ns.replay_mode !== 'offline') usage('--report-jsonl only supports --replay-mode=offline');
    if (ns.planner_config !== null) usage('--report-jsonl is not supported with --planner-config');
    if (!usingTraceFile) usage('--report-jsonl currently only supports trace-file replay');
  }
  // 8.
  if (ns.max_sim_time_seconds !== null) {
    if (ns.planner_config !== null) usage('--max-sim-time-seconds is not supported with --planner-config');
    if (!usingTraceFile) usage('--max-sim-time-seconds currently only supports trace-file replay');
  }
  if (ns.router_seed !== null && !(ns.router_seed >= 0 && ns.router_seed < 2 ** 52)) usage(`argument --router-seed: must be a non-negative integer below 2**52, got ${ns.router_seed}`);
  // 9. Goodput SLA flags are accepted without a planner (newer behaviour).

  // 10–11. Engine and router JSON (ReplayError, exit 1).
  const engineOpts = ns.aic_systems_path === null ? {} : { aicSystemsPath: ns.aic_systems_path };
  const extraEngineArgs = ns.extra_engine_args === null ? null : parseEngineArgs(ns.extra_engine_args, '--extra-engine-args', engineOpts);
  const prefillEngineArgs =
    ns.prefill_engine_args === null
      ? null
      : parseEngineArgs(ns.prefill_engine_args, '--prefill-engine-args', { ...engineOpts, defaultWorkerType: 'prefill' });
  const decodeEngineArgs =
    ns.decode_engine_args === null
      ? null
      : parseEngineArgs(ns.decode_engine_args, '--decode-engine-args', { ...engineOpts, defaultWorkerType: 'decode' });
  const routerConfig =
    ns.router_config === null && ns.router_policy_config === null
      ? null
      : parseRouterConfig(ns.router_config, '--router-config', ns.router_policy_config === null ? {} : { routerPolicyConfig: ns.router_policy_config });

  // 12. Router-side AIC flags need backend, system and model.
  const aic = aicPerfConfig(ns);

  // 13. Planner-in-the-loop.
  if (ns.planner_config !== null) {
    if (ns.replay_mode !== 'offline') usage('--planner-config only supports --replay-mode=offline');
    // Newer reference: the planner takes Mooncake and Dynamo request traces.
    if (usingTraceFile && ns.trace_format !== 'mooncake' && ns.trace_format !== 'dynamo') usage('--planner-config only supports --trace-format=mooncake or --trace-format=dynamo');
  }

  // What this version cannot run (after every check the reference itself makes).
  // (Online disaggregated replay is left to the topology check, which answers with the reference's
  // "disagg replay only supports replay_mode='offline'".)
  if (ns.replay_mode === 'online' && prefillEngineArgs === null && decodeEngineArgs === null) {
    usage('--replay-mode=online needs a live Dynamo runtime and is not supported by dynosim; use --replay-mode=offline');
  }

  const options: ReplayOptions = {
    traceFormat: ns.trace_format as TraceFormat,
    numWorkers: ns.num_workers,
    numPrefillWorkers: ns.num_prefill_workers,
    numDecodeWorkers: ns.num_decode_workers,
    replayMode: ns.replay_mode as ReplayMode,
    routerMode: ns.router_mode as RouterMode,
    arrivalSpeedupRatio: ns.arrival_speedup_ratio,
    benchmarkGranularity: ns.benchmark_granularity,
  };
  const set = <K extends keyof ReplayOptions>(key: K, value: ReplayOptions[K] | null) => {
    if (value !== null && value !== undefined) options[key] = value;
  };
  if (usingTraceFile) {
    options.traceFiles = [...ns.trace_files];
    set('traceBlockSize', ns.trace_block_size);
    // Only applied_compute_agentic reads these; elsewhere a value off its default is refused.
    const agentic = ns.trace_format === 'applied_compute_agentic';
    if (ns.arrival_seed !== 42) set('arrivalSeed', ns.arrival_seed);
    if (agentic || ns.trace_shared_prefix_ratio !== 0) set('traceSharedPrefixRatio', ns.trace_shared_prefix_ratio);
    if (agentic || ns.trace_num_prefix_groups !== 0) set('traceNumPrefixGroups', ns.trace_num_prefix_groups);
    set('agenticLanes', ns.agentic_lanes);
  } else {
    set('inputTokens', ns.input_tokens);
    set('outputTokens', ns.output_tokens);
    set('requestCount', ns.request_count);
    set('requestRate', ns.request_rate);
    set('arrivalSeed', ns.arrival_seed);
    set('arrivalIntervalMs', ns.arrival_interval_ms ?? (ns.request_rate === null ? 1.0 : null));
    options.turnsPerSession = ns.turns_per_session;
    options.sharedPrefixRatio = ns.shared_prefix_ratio;
    options.numPrefixGroups = ns.num_prefix_groups;
    options.interTurnDelayMs = ns.inter_turn_delay_ms;
  }
  set('routerSeed', ns.router_seed);
  if (!usingTraceFile) set('workloadSeed', ns.workload_seed);
  set('extraEngineArgs', ns.extra_engine_args);
  set('prefillEngineArgs', ns.prefill_engine_args);
  set('decodeEngineArgs', ns.decode_engine_args);
  set('routerConfig', ns.router_config);
  set('routerPolicyConfig', ns.router_policy_config);
  set('modelName', ns.model_name);
  set('aicSystemsPath', ns.aic_systems_path);
  set('aicPerfConfig', aic ?? null);
  set('replayConcurrency', ns.replay_concurrency);
  set('maxSimTimeSeconds', ns.max_sim_time_seconds);
  set('reportJson', ns.report_json);
  set('reportJsonl', ns.report_jsonl);
  set('plannerConfig', ns.planner_config);
  set('slaTtftMs', ns.sla_ttft_ms);
  set('slaItlMs', ns.sla_itl_ms);
  set('slaE2eMs', ns.sla_e2e_ms);

  if (!usingTraceFile) delete options.traceFormat;
  // What this version cannot run, and options this run would not use: the API's own check.
  checkReplayOptions(options);
  return { options, extraEngineArgs, prefillEngineArgs, decodeEngineArgs, routerConfig };
}
