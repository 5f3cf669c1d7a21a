// The programmatic entry point: `replay(options)` runs one offline replay and returns its report.
// The CLI is a thin layer over this; nothing here prints or exits.
import * as path from 'node:path';
import { parseEngineArgs, type EngineArgs } from './config/engine-args.js';
import { checkReplayOptions } from './config/replay-options.js';
import { parseRouterConfig, type RouterConfig } from './config/router-config.js';
import { refuseUnmodelledRouterKeys } from './config/router-offline.js';
import { loadRouterPolicyConfig, resolvePolicyProfile, type PolicyProfile } from './config/router-policy.js';
import { validateTopology, type Topology } from './config/topology.js';
import { gpusPerWorker, nativeEngineConfig, nativeRouterConfig, trackedBlockSize, type PoolRole } from './core/engine-config.js';
import type { NativeEngineConfig, NativePoolConfig, NativeSimConfig } from './core/native.js';
import { RequestStatus, type SimResults } from './core/results.js';
import { checkHandoffTime, checkSomeRequestServable, explainDeadEnd, requestName, whyNeverServed } from './core/feasibility.js';
import { countText } from './core/count-text.js';
import { checkFitsInMemory, kvParts, workloadParts, type MemoryPart } from './core/memory.js';
import { runSimulation } from './core/run.js';
import { engineLatencyOracle, runWithPlanner } from './core/planner-loop.js';
import { clearPhaseMarks, markPhase } from './core/phases.js';
import type { PlannerConfig, PlannerSummary, ReplayPlanner, ScalingEvent } from './planner/index.js';
import { PLANNER_INT_KEYS } from './planner/report-json.js';
import type { Workload } from './core/workload.js';
import { ReplayError } from './errors.js';
import { canonicalTraceFormat, type ReplayOptions } from './options.js';
import { resolvePerfModel, type NativePerfConfig, type ResolvedPerfModel } from './perf/resolve.js';
import { checkOutputPath, type OutputSet } from './report/output-set.js';
import { perRequestJsonlChunks } from './report/per-request.js';
import { PLANNER_REPORT_LABEL, planRunOutputs, REPORT_JSON_LABEL, REPORT_JSONL_LABEL, writeRunOutputs } from './report/run-outputs.js';
import { prefixHitRateByTick } from './report/prefix-hits.js';
import type { PyJsonValue } from './report/pyjson.js';
import { buildFlatReport, formatReportJson, type FlatReport } from './report/summary.js';
import { recordTicks, runTransitions, type RunTransitions, type TransitionInputs } from './report/worker-transitions.js';
import { resolveReportJsonPath } from './report/write-file.js';
import { loadMooncakeTrace } from './trace/mooncake.js';

export type { ReplayOptions } from './options.js';
export type { FlatReport } from './report/summary.js';
export type { SimResults } from './core/results.js';
export type { Workload } from './core/workload.js';
export { ReplayError, UsageError } from './errors.js';
export { OutputsInterrupted } from './report/output-set.js';
export type { SweepOptions, SweepSummary, SweepProgress } from './sweep/run.js';
export type { MergeSummary } from './sweep/merge.js';
export type { ComparedRun, ComparisonRow } from './compare/compare.js';

// Studies load their modules on first use, so a plain replay pays nothing for them.

/** Runs a sweep spec (what `dynosim sweep SPEC` does); see src/sweep/run.ts. */
export async function sweep(options: import('./sweep/run.js').SweepOptions): Promise<import('./sweep/run.js').SweepSummary> {
  return (await import('./sweep/run.js')).runSweep(options);
}

/** Merges sweep folders (what `dynosim sweep merge` does). */
export async function mergeSweep(dirs: readonly string[], out: string): Promise<import('./sweep/merge.js').MergeSummary> {
  return (await import('./sweep/merge.js')).mergeSweeps(dirs, out);
}

/** Loads report JSON files and compares them against the first (what `dynosim compare` prints). */
export async function compare(files: readonly string[]): Promise<{ runs: import('./compare/compare.js').ComparedRun[]; rows: import('./compare/compare.js').ComparisonRow[] }> {
  const { compareRuns, loadRun } = await import('./compare/compare.js');
  const runs = files.map((f) => loadRun(f));
  return { runs, rows: compareRuns(runs) };
}

export interface PlannerOutcome {
  summary: PlannerSummary;
  events: readonly ScalingEvent[];
  ticks: number;
  /** The HTML diagnostics report, as the reference prints its path (null when disabled). */
  htmlPath: string | null;
  /** Workers starting and draining per tick, and the GPU-hours split by worker state. */
  transitions: RunTransitions;
}

export interface ReplayResult {
  /** The flat report, as written by `--report-json` (with a `planner` section when planning). */
  report: FlatReport;
  /** Where `reportJson` put the report, as the reference prints it (null when not asked for). */
  reportPath: string | null;
  /** Integer-valued keys of the report beyond the flat ones (for Python-style JSON). */
  reportIntKeys: ReadonlySet<string>;
  /** Per-request arrays and distributions from the core. */
  results: SimResults;
  workload: Workload;
  topology: Topology;
  planner: PlannerOutcome | null;
}

function parseOptionalEngineArgs(
  knob: ReplayOptions['extraEngineArgs'],
  flag: string,
  options: ReplayOptions,
): EngineArgs | null {
  return knob === undefined ? null : parseEngineArgs(knob, flag, { aicSystemsPath: options.aicSystemsPath });
}

/** The router config, refused by key when it sets what the simulation does not model. */
function modelledRouterConfig(knob: NonNullable<ReplayOptions['routerConfig']>): RouterConfig {
  const config = parseRouterConfig(knob);
  refuseUnmodelledRouterKeys(config);
  return config;
}

/** Parses and checks the engine, router and topology knobs, in the reference's order. */
export function resolveTopology(options: ReplayOptions): Topology {
  return validateTopology({
    extraEngineArgs: parseOptionalEngineArgs(options.extraEngineArgs, '--extra-engine-args', options),
    prefillEngineArgs: parseOptionalEngineArgs(options.prefillEngineArgs, '--prefill-engine-args', options),
    decodeEngineArgs: parseOptionalEngineArgs(options.decodeEngineArgs, '--decode-engine-args', options),
    numWorkers: options.numWorkers,
    numPrefillWorkers: options.numPrefillWorkers,
    numDecodeWorkers: options.numDecodeWorkers,
    replayConcurrency: options.replayConcurrency ?? null,
    replayMode: options.replayMode,
    routerMode: options.routerMode,
    routerConfig: options.routerConfig === undefined ? null : modelledRouterConfig(options.routerConfig),
    hasAicPerfConfig: options.aicPerfConfig !== undefined,
    arrivalSpeedupRatio: options.arrivalSpeedupRatio,
    slaTtftMs: options.slaTtftMs ?? null,
    slaItlMs: options.slaItlMs ?? null,
    slaE2eMs: options.slaE2eMs ?? null,
  });
}

// Loaders other than Mooncake's are imported when a run asks for their format (start-up parses
// only the code a run uses).
async function loadWorkload(options: ReplayOptions, blockSize: number): Promise<Workload> {
  if (options.workload) return options.workload;
  const concurrency = options.replayConcurrency ?? 0;
  const files = options.traceFiles ?? [];
  if (files.length > 0 && options.traceFormat === 'dynamo') {
    const { loadDynamoTrace } = await import('./trace/dynamo.js');
    return loadDynamoTrace(files, {
      traceBlockSize: options.traceBlockSize,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      concurrency,
      agenticLanes: options.agenticLanes,
      planner: options.plannerConfig !== undefined,
      onNote: options.onNote,
    });
  }
  const format = canonicalTraceFormat(options.traceFormat ?? 'mooncake');
  if (files.length > 0 && format === 'mooncake-delta') {
    const { loadMooncakeDeltaTrace } = await import('./trace/mooncake-delta.js');
    return loadMooncakeDeltaTrace(files[0]!, {
      traceBlockSize: options.traceBlockSize,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      concurrency,
    });
  }
  if (files.length > 0 && format === 'agentic_mooncake') {
    const { loadAgenticTrace } = await import('./trace/agentic.js');
    return loadAgenticTrace(files[0]!, {
      traceBlockSize: options.traceBlockSize,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      agenticLanes: options.agenticLanes,
    });
  }
  if (files.length > 0 && format === 'applied_compute_agentic') {
    const { loadAppliedComputeTrace } = await import('./trace/applied-compute.js');
    return loadAppliedComputeTrace(files[0]!, {
      traceBlockSize: options.traceBlockSize,
      sharedPrefixRatio: options.traceSharedPrefixRatio,
      numPrefixGroups: options.traceNumPrefixGroups,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      concurrency,
    });
  }
  if (files.length > 0) {
    return loadMooncakeTrace(files[0]!, {
      traceBlockSize: options.traceBlockSize,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      concurrency,
    });
  }
  if (options.inputTokens === undefined || options.outputTokens === undefined || options.requestCount === undefined)
    throw new ReplayError('provide either trace_file or all of --input-tokens/--output-tokens/--request-count');
  const { inputTokens, outputTokens, requestCount } = options;
  const { syntheticWorkload } = await import('./trace/synthetic.js');
  return syntheticWorkload({ ...options, inputTokens, outputTokens, requestCount, blockSize, concurrency });
}


interface ResolvedPool {
  pool: NativePoolConfig;
  perf: ResolvedPerfModel;
}

/**
 * The router-side prefill-time estimator of `router_prefill_load_model: "aic"`: AIC's perf model
 * for the `--aic-*` selection (not the engines'), predicting one request's prefill
 * (lib/mocker/src/replay/offline/extensions/kv_router/mod.rs, prefill_load_hint_for).
 */
async function prefillLoadModel(router: RouterConfig, options: ReplayOptions): Promise<NativePerfConfig | null> {
  const aic = options.aicPerfConfig;
  if (router.router_prefill_load_model !== 'aic' || aic === undefined) return null;
  // Each --aic-* option is the engine key of the same name: modelPath → aic_model_path.
  const keys: Record<string, unknown> = { aic_systems_path: options.aicSystemsPath ?? null };
  for (const [name, value] of Object.entries(aic))
    if (value !== undefined) keys[`aic_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`] = value;
  const selection = parseEngineArgs(keys, '--aic-* flags');
  return (await resolvePerfModel(selection, { warn: options.onNote })).native;
}

/**
 * The router policy profile: `--router-policy-config` (or DYN_ROUTER_POLICY_CONFIG), else the router
 * config's `router_policy_config`, with the `--model-name` profile (RouterPolicyConfig::resolve_profile).
 */
function routerPolicy(options: ReplayOptions): PolicyProfile | null {
  const file = options.routerPolicyConfig ?? parseRouterConfig(options.routerConfig).router_policy_config;
  return file === null ? null : resolvePolicyProfile(loadRouterPolicyConfig(file), options.modelName);
}

async function poolConfig(
  engine: EngineArgs,
  numWorkers: number,
  role: PoolRole,
  topology: Topology,
  options: ReplayOptions,
  policy: PolicyProfile | null,
): Promise<ResolvedPool> {
  const perf = await resolvePerfModel(engine, { warn: options.onNote });
  const router = parseRouterConfig(options.routerConfig);
  const estimator = role === 'decode' ? null : await prefillLoadModel(router, options);
  return {
    pool: {
      engine: nativeEngineConfig(engine, perf),
      router: nativeRouterConfig(topology.routerMode, router, engine, role, estimator, options.routerSeed, policy),
      numWorkers,
      startupTimeS: engine.startup_time ?? 0,
    },
    perf,
  };
}

export async function buildSimConfig(topology: Topology, options: ReplayOptions): Promise<NativeSimConfig> {
  const maxSimTimeMs = options.maxSimTimeSeconds !== undefined ? options.maxSimTimeSeconds * 1000 : Infinity;
  const policy = routerPolicy(options);
  if (topology.kind === 'aggregated') {
    const agg = await poolConfig(topology.engine, topology.numWorkers, 'agg', topology, options, policy);
    return { disaggregated: false, agg: agg.pool, maxSimTimeMs };
  }
  const prefill = await poolConfig(topology.prefill, topology.numPrefillWorkers, 'prefill', topology, options, policy);
  const decode = await poolConfig(topology.decode, topology.numDecodeWorkers, 'decode', topology, options, policy);
  // The source (prefill) worker publishes the transfer timing when its KV is held; without both
  // its kv_bytes_per_token and a positive kv_transfer_bandwidth the hand-off takes no time
  // (aisimulate replay handoff.rs: HandoffCoordinatorCore::advance_active, delay_ms()'s None
  // and the adapter's fallback of 0 ms). Nothing is derived from the model or defaulted.
  const source = topology.prefill;
  const bytes = source.kv_bytes_per_token;
  const gbps = source.kv_transfer_bandwidth;
  if (bytes === null || gbps === null || !(gbps > 0)) {
    options.onNote?.(
      'note: no KV transfer model (kv_bytes_per_token and a positive kv_transfer_bandwidth in --prefill-engine-args): KV hand-offs take no time',
    );
  }
  return {
    disaggregated: true,
    prefill: prefill.pool,
    decode: decode.pool,
    kvBytesPerToken: bytes ?? 0,
    kvTransferGbps: gbps ?? 0,
    kvTransferTiming: source.kv_transfer_timing_mode,
    maxSimTimeMs,
  };
}

function poolGpus(topology: Topology): { prefillGpusPerWorker: number; decodeGpusPerWorker: number } {
  // Aggregated replay has no prefill pool: 0 GPUs per prefill worker (replay/src/agg.rs sets (0, engine's)).
  return topology.kind === 'aggregated'
    ? { prefillGpusPerWorker: 0, decodeGpusPerWorker: gpusPerWorker(topology.engine) }
    : { prefillGpusPerWorker: gpusPerWorker(topology.prefill), decodeGpusPerWorker: gpusPerWorker(topology.decode) };
}

/** The report's gpu_hours: provisioned worker-seconds × GPUs per worker (buildFlatReport's formula). */
function provisionedGpuHours(topology: Topology, results: SimResults): number {
  const g = poolGpus(topology);
  return (results.prefillWorkerSeconds * g.prefillGpusPerWorker + results.decodeWorkerSeconds * g.decodeGpusPerWorker) / 3600;
}

function transitionInputs(topology: Topology, sim: NativeSimConfig, results: SimResults): TransitionInputs {
  const agg = topology.kind === 'aggregated';
  return {
    disaggregated: !agg,
    initialPrefill: agg ? 0 : topology.numPrefillWorkers,
    initialDecode: agg ? topology.numWorkers : topology.numDecodeWorkers,
    startupPrefillS: sim.prefill?.startupTimeS ?? 0,
    startupDecodeS: (agg ? sim.agg : sim.decode)?.startupTimeS ?? 0,
    endMs: results.endTimeMs,
    prefillWorkerSeconds: results.prefillWorkerSeconds,
    decodeWorkerSeconds: results.decodeWorkerSeconds,
    ...poolGpus(topology),
  };
}

interface PreparedPlanner {
  config: PlannerConfig;
  planner: ReplayPlanner;
}

/** The planner's modules (config schema, YAML, predictors, report) load only for planner runs. */
type PlannerModule = typeof import('./planner/index.js');

/** Parses the planner config and checks it against the replay (mode, engine args, topology). */
function checkPlannerConfig(planning: PlannerModule, options: ReplayOptions, topology: Topology): PlannerConfig {
  const parsed = planning.parsePlannerConfig(options.plannerConfig!);
  const warning = planning.ignoredKeysWarning(parsed.ignoredKeys);
  if (warning) options.onNote?.(warning);
  for (const line of parsed.warnings) options.onNote?.(line);
  const config = parsed.config;
  planning.checkReplayPlannerMode(config);
  planning.checkReplayDisaggEngineArgs(config, options.prefillEngineArgs !== undefined, options.decodeEngineArgs !== undefined);
  if ((config.mode === 'agg') !== (topology.kind === 'aggregated'))
    throw new ReplayError(`planner mode '${config.mode}' does not match the replay topology (${topology.kind})`);
  return config;
}

/**
 * Everything `replay` checks before it simulates — options, knobs, topology, perf models, planner
 * config — without running: a sweep checks every point this way before it starts any.
 */
export async function checkReplay(userOptions: ReplayOptions): Promise<void> {
  checkReplayOptions(userOptions);
  const options: ReplayOptions = { ...userOptions, onNote: noteOnce(userOptions.onNote) };
  const topology = resolveTopology(options);
  await buildSimConfig(topology, options);
  if (options.plannerConfig !== undefined) checkPlannerConfig(await import('./planner/index.js'), options, topology);
}

async function preparePlanner(
  planning: PlannerModule,
  options: ReplayOptions,
  topology: Topology,
  simConfig: NativeSimConfig,
): Promise<PreparedPlanner> {
  const { aicForwardPassModels, capabilitiesFromEngineArgs, hasAicIdentity, NO_AIC_IDENTITY_NOTE, loadWarmupTrace, ReplayPlanner } = planning;
  const config = checkPlannerConfig(planning, options, topology);
  const capabilities =
    topology.kind === 'aggregated'
      ? { mode: 'agg' as const, decode: capabilitiesFromEngineArgs(topology.engine, simConfig.agg!.engine) }
      : {
          mode: 'disagg' as const,
          prefill: capabilitiesFromEngineArgs(topology.prefill, simConfig.prefill!.engine),
          decode: capabilitiesFromEngineArgs(topology.decode, simConfig.decode!.engine),
        };
  // The bootstrap sweep needs an AIC identity per role (reference replay/planner.py
  // prepare_planner_replay, `_ais_session_kwargs`): without one the planner scales on load alone.
  const oracleFor = (args: EngineArgs, engine: NativeEngineConfig) => (hasAicIdentity(args) ? engineLatencyOracle(engine) : null);
  const oracles =
    topology.kind === 'aggregated'
      ? oracleFor(topology.engine, simConfig.agg!.engine)
      : { prefill: oracleFor(topology.prefill, simConfig.prefill!.engine), decode: oracleFor(topology.decode, simConfig.decode!.engine) };
  const warmupPath = config.load_predictor_warmup_trace;
  const warmupObservations = warmupPath ? await loadWarmupTrace(warmupPath, config.throughput_adjustment_interval_seconds) : undefined;
  const roleArgs = topology.kind === 'aggregated' ? topology.engine : topology.decode;
  const forwardPassModels = await aicForwardPassModels(config, {
    aicSystemsPath: roleArgs.aic_systems_path ?? options.aicSystemsPath ?? null,
    onNote: options.onNote,
  });
  const planner = new ReplayPlanner(config, capabilities, oracles, {
    benchmarkGranularity: options.benchmarkGranularity,
    warmupObservations,
    forwardPassModels,
  });
  if (planner.bootstrap.status === 'not_configured_load_only') options.onNote?.(NO_AIC_IDENTITY_NOTE);
  return { config, planner };
}

/** The planner report's folder must take new files: checked before the run, not after it. */
function checkPlannerReportDir(config: PlannerConfig, outputs: OutputSet): void {
  const dir = config.report_output_dir === '' ? '.' : config.report_output_dir;
  if (config.report_filename) outputs.plan(PLANNER_REPORT_LABEL, path.join(dir, config.report_filename));
  else checkOutputPath(PLANNER_REPORT_LABEL, path.join(dir, 'planner_report.html'));
}

/** A synthetic workload's size is known before it is made (a trace's once it is read). */
function expectedWorkload(options: ReplayOptions, blockSize: number): { parts: MemoryPart[]; tokens: number } {
  if (options.traceFiles || options.requestCount === undefined || options.inputTokens === undefined) return { parts: [], tokens: 0 };
  const requests = options.requestCount * (options.turnsPerSession ?? 1);
  const ids = requests * Math.ceil(options.inputTokens / blockSize);
  const cause = ids * 16 > requests * 700 ? `--input-tokens ${options.inputTokens} × --request-count ${options.requestCount}` : `--request-count ${options.requestCount}`;
  return { parts: workloadParts(requests, ids, cause), tokens: requests * (options.inputTokens + (options.outputTokens ?? 0)) };
}

/** Rejected requests are excluded from the statistics: say how many, and why, naming the first. */
function noteRejections(results: SimResults, workload: Workload, simConfig: NativeSimConfig, options: ReplayOptions): void {
  const status = results.requests.status;
  let rejected = 0;
  let first = -1;
  for (let r = 0; r < status.length; r++) {
    if (status[r] !== RequestStatus.Rejected) continue;
    rejected += 1;
    if (first < 0) first = r;
  }
  if (rejected === 0) return;
  const why = whyNeverServed(simConfig, workload, first) ?? 'it could not be placed';
  options.onNote?.(
    `note: ${countText(rejected)} of ${countText(status.length)} requests were rejected because they can never fit, ` +
      `first ${requestName(workload, first)}: ${why}; they count in num_requests, not in the statistics`,
  );
}

/** Each distinct note once: both pools of a disaggregated run resolve the same perf model. */
function noteOnce(onNote: ReplayOptions['onNote']): ReplayOptions['onNote'] {
  if (!onNote) return undefined;
  const seen = new Set<string>();
  return (line) => {
    if (seen.has(line)) return;
    seen.add(line);
    onNote(line);
  };
}

export async function replay(userOptions: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  clearPhaseMarks();
  markPhase('start');
  checkReplayOptions(userOptions);
  const options: ReplayOptions = { ...userOptions, onNote: noteOnce(userOptions.onNote) };
  // Output paths first: a report that cannot be written is refused before anything runs.
  const reportPath = options.reportJson === undefined ? null : resolveReportJsonPath(options.reportJson, new Date());
  const outputs = planRunOutputs(options, reportPath);
  const topology = resolveTopology(options);
  const simConfig = await buildSimConfig(topology, options);
  if (options.reportJsonl !== undefined) simConfig.requestDetail = true;
  const planning = options.plannerConfig !== undefined ? await import('./planner/index.js') : null;
  const planned = planning ? await preparePlanner(planning, options, topology, simConfig) : null;
  if (planned && planning!.diagnosticsEnabled(planned.config)) checkPlannerReportDir(planned.config, outputs);
  const tokenEngine = topology.kind === 'aggregated' ? topology.engine : topology.decode;
  const blockSize = trackedBlockSize(tokenEngine);
  const expected = expectedWorkload(options, blockSize);
  checkFitsInMemory([...expected.parts, ...kvParts(simConfig, expected.tokens)]);
  markPhase('configured');
  const workload = await loadWorkload(options, blockSize);
  checkSomeRequestServable(simConfig, workload);
  checkHandoffTime(simConfig, workload);
  if (options.traceFiles) {
    const cause = `the trace's ${countText(workload.inputLength.length)} requests`;
    let tokens = 0;
    for (let i = 0; i < workload.inputLength.length; i++) tokens += workload.inputLength[i]! + workload.outputLength[i]!;
    checkFitsInMemory([...workloadParts(workload.inputLength.length, workload.hashIds.length, cause), ...kvParts(simConfig, tokens)]);
  }
  markPhase('parsed');

  let results: SimResults;
  let plannerOutcome: PlannerOutcome | null = null;
  if (planning && planned) {
    const recorder = recordTicks(planned.planner);
    const run = explainDeadEnd(simConfig, () => runWithPlanner(simConfig, workload, recorder.planner, options.onProgress));
    markPhase('ran', { coreMs: run.coreMs });
    results = run.results;
    const summary = planned.planner.finish();
    const transitions = runTransitions(recorder.ticks, transitionInputs(topology, simConfig, results));
    transitions.prefixHitRate = prefixHitRateByTick(recorder.ticks.map((t) => t.nowMs), results, workload);
    const write = (file: string, data: string | Uint8Array) => outputs.add(PLANNER_REPORT_LABEL, file, data);
    const gpuHours = provisionedGpuHours(topology, results);
    const written = planning.writePlannerReport(summary, planned.config, { write, transitions, gpuHours });
    plannerOutcome = { summary, events: summary.events, ticks: summary.totalTicks, htmlPath: written?.htmlPath ?? null, transitions };
  } else {
    const runStarted = performance.now();
    results = explainDeadEnd(simConfig, () => runSimulation(simConfig, workload, options.onProgress));
    markPhase('ran', { coreMs: performance.now() - runStarted });
  }

  const report = buildFlatReport({
    results,
    workload,
    wallTimeMs: performance.now() - started,
    sla: { ttftMs: options.slaTtftMs, itlMs: options.slaItlMs, e2eMs: options.slaE2eMs },
    ...poolGpus(topology),
  });
  if (planning && plannerOutcome) {
    const section = planning.buildPlannerReportSection(plannerOutcome.summary, plannerOutcome.htmlPath) as { [key: string]: PyJsonValue };
    // dynosim's addition: the provisioned GPU-hours (gpu_hours) split by worker state.
    section.gpu_hours_split = { ...plannerOutcome.transitions.split };
    report.planner = section;
  }
  noteRejections(results, workload, simConfig, options);
  const reportIntKeys = plannerOutcome ? PLANNER_INT_KEYS : new Set<string>();
  if (reportPath !== null) outputs.add(REPORT_JSON_LABEL, reportPath, formatReportJson(report, reportIntKeys));
  if (options.reportJsonl !== undefined)
    outputs.add(REPORT_JSONL_LABEL, options.reportJsonl, () => perRequestJsonlChunks({ results, workload }));
  await writeRunOutputs(outputs);
  markPhase('reported');
  return {
    report,
    reportPath,
    reportIntKeys,
    results,
    workload,
    topology,
    planner: plannerOutcome,
  };
}
