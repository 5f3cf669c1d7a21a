// The programmatic entry point: `replay(options)` runs one offline replay and returns its report.
// The CLI is a thin layer over this; nothing here prints or exits.
import { parseEngineArgs, type EngineArgs } from './config/engine-args.js';
import { parseRouterConfig } from './config/router-config.js';
import { validateTopology, type Topology } from './config/topology.js';
import { gpusPerWorker, nativeEngineConfig, nativeRouterConfig, type PoolRole } from './core/engine-config.js';
import type { NativePoolConfig, NativeSimConfig } from './core/native.js';
import type { SimResults } from './core/results.js';
import { runSimulation } from './core/run.js';
import type { Workload } from './core/workload.js';
import { ReplayError } from './errors.js';
import type { ReplayOptions } from './options.js';
import { resolvePerfModel } from './perf/resolve.js';
import { buildFlatReport, type FlatReport } from './report/summary.js';
import { loadMooncakeTrace } from './trace/mooncake.js';
import { syntheticWorkload } from './trace/synthetic.js';

export type { ReplayOptions } from './options.js';
export type { FlatReport } from './report/summary.js';
export type { SimResults } from './core/results.js';
export type { Workload } from './core/workload.js';
export { ReplayError, UsageError } from './errors.js';

export interface ReplayResult {
  /** The flat report, as written by `--report-json`. */
  report: FlatReport;
  /** Per-request arrays and distributions from the core. */
  results: SimResults;
  workload: Workload;
  topology: Topology;
}

/** KV transfer bandwidth when the engine args leave it unset (the reference CLI's default), GB/s. */
const DEFAULT_KV_TRANSFER_GBPS = 64;

function parseOptionalEngineArgs(
  knob: ReplayOptions['extraEngineArgs'],
  flag: string,
  options: ReplayOptions,
): EngineArgs | null {
  return knob === undefined ? null : parseEngineArgs(knob, flag, { aicSystemsPath: options.aicSystemsPath });
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
    routerConfig: options.routerConfig === undefined ? null : parseRouterConfig(options.routerConfig),
    arrivalSpeedupRatio: options.arrivalSpeedupRatio,
    slaTtftMs: options.slaTtftMs ?? null,
    slaItlMs: options.slaItlMs ?? null,
    slaE2eMs: options.slaE2eMs ?? null,
  });
}

function loadWorkload(options: ReplayOptions, blockSize: number): Promise<Workload> | Workload {
  const concurrency = options.replayConcurrency ?? 0;
  const files = options.traceFiles ?? [];
  if (files.length > 0) {
    return loadMooncakeTrace(files[0]!, {
      traceBlockSize: options.traceBlockSize,
      arrivalSpeedupRatio: options.arrivalSpeedupRatio,
      concurrency,
    });
  }
  if (options.inputTokens === undefined || options.outputTokens === undefined || options.requestCount === undefined)
    throw new ReplayError('provide either trace_file or all of --input-tokens/--output-tokens/--request-count');
  return syntheticWorkload({
    inputTokens: options.inputTokens,
    outputTokens: options.outputTokens,
    requestCount: options.requestCount,
    arrivalIntervalMs: options.arrivalIntervalMs,
    requestRate: options.requestRate,
    arrivalSeed: options.arrivalSeed,
    turnsPerSession: options.turnsPerSession,
    sharedPrefixRatio: options.sharedPrefixRatio,
    numPrefixGroups: options.numPrefixGroups,
    interTurnDelayMs: options.interTurnDelayMs,
    blockSize,
    arrivalSpeedupRatio: options.arrivalSpeedupRatio,
    concurrency,
  });
}

function unsupported(message: string): never {
  throw new ReplayError(message);
}

function checkSupported(engine: EngineArgs): void {
  if (engine.engine_type === 'sglang') unsupported("engine_type 'sglang' is not available in this version yet; use vllm or trtllm");
}

async function poolConfig(
  engine: EngineArgs,
  numWorkers: number,
  role: PoolRole,
  topology: Topology,
  options: ReplayOptions,
): Promise<NativePoolConfig> {
  checkSupported(engine);
  const perf = await resolvePerfModel(engine, { warn: options.onNote });
  const router = parseRouterConfig(options.routerConfig);
  return {
    engine: nativeEngineConfig(engine, perf),
    router: nativeRouterConfig(topology.routerMode, router, engine, role),
    numWorkers,
    startupTimeS: engine.startup_time ?? 0,
  };
}

export async function buildSimConfig(topology: Topology, options: ReplayOptions): Promise<NativeSimConfig> {
  const maxSimTimeMs = options.maxSimTimeSeconds !== undefined ? options.maxSimTimeSeconds * 1000 : Infinity;
  if (topology.kind === 'aggregated') {
    return { disaggregated: false, agg: await poolConfig(topology.engine, topology.numWorkers, 'agg', topology, options), maxSimTimeMs };
  }
  const transfer = topology.decode;
  return {
    disaggregated: true,
    prefill: await poolConfig(topology.prefill, topology.numPrefillWorkers, 'prefill', topology, options),
    decode: await poolConfig(topology.decode, topology.numDecodeWorkers, 'decode', topology, options),
    kvBytesPerToken: transfer.kv_bytes_per_token ?? 0,
    kvTransferGbps: transfer.kv_transfer_bandwidth ?? DEFAULT_KV_TRANSFER_GBPS,
    kvTransferTiming: transfer.kv_transfer_timing_mode,
    maxSimTimeMs,
  };
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const topology = resolveTopology(options);
  const simConfig = await buildSimConfig(topology, options);
  const tokenEngine = topology.kind === 'aggregated' ? topology.engine : topology.decode;
  const workload = await loadWorkload(options, tokenEngine.block_size);
  const results = runSimulation(simConfig, workload, options.onProgress);
  const report = buildFlatReport({
    results,
    workload,
    wallTimeMs: performance.now() - started,
    sla: { ttftMs: options.slaTtftMs, itlMs: options.slaItlMs, e2eMs: options.slaE2eMs },
    prefillGpusPerWorker: topology.kind === 'aggregated' ? gpusPerWorker(topology.engine) : gpusPerWorker(topology.prefill),
    decodeGpusPerWorker: gpusPerWorker(tokenEngine),
  });
  return { report, results, workload, topology };
}
