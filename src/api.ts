// The programmatic entry point: `replay(options)` runs one offline replay and returns its report.
// The CLI is a thin layer over this; nothing here prints or exits.
import { parseEngineArgs, type EngineArgs } from './config/engine-args.js';
import { parseRouterConfig } from './config/router-config.js';
import { gpusPerWorker, nativeEngineConfig, nativeRouterConfig } from './core/engine-config.js';
import { runSimulation } from './core/run.js';
import { resolvePerfModel } from './perf/resolve.js';
import type { SimResults } from './core/results.js';
import type { Workload } from './core/workload.js';
import { ReplayError } from './errors.js';
import type { ReplayOptions } from './options.js';
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
  engineArgs: EngineArgs;
}

function loadWorkload(options: ReplayOptions, engine: EngineArgs): Promise<Workload> | Workload {
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
    blockSize: engine.block_size,
    arrivalSpeedupRatio: options.arrivalSpeedupRatio,
    concurrency,
  });
}

function unsupported(message: string): never {
  throw new ReplayError(message);
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  if (options.prefillEngineArgs !== undefined || options.decodeEngineArgs !== undefined)
    unsupported('disaggregated replay (--prefill-engine-args/--decode-engine-args) is not available in this version yet');
  const engine = parseEngineArgs(options.extraEngineArgs ?? {}, '--extra-engine-args', {
    aicSystemsPath: options.aicSystemsPath,
  });
  if (engine.engine_type !== 'vllm')
    unsupported(`engine_type '${engine.engine_type}' is not available in this version yet; use vllm`);
  if (engine.dp_size !== 1) unsupported('dp_size > 1 (attention data parallelism) is not available in this version yet');
  if (engine.aic_nextn !== null) unsupported('speculative decoding (aic_nextn) is not available in this version yet');
  const router = parseRouterConfig(options.routerConfig);
  const numWorkers = options.numWorkers ?? 1;
  if (!Number.isInteger(numWorkers) || numWorkers < 1) {
    const prefix = (options.replayConcurrency ?? 0) > 0 ? 'concurrency replay' : 'trace replay';
    throw new ReplayError(`${prefix} requires num_workers >= 1`);
  }

  const perf = await resolvePerfModel(engine, { warn: options.onNote });
  const workload = await loadWorkload(options, engine);
  const results = runSimulation(
    {
      engine: nativeEngineConfig(engine, perf),
      router: nativeRouterConfig(options.routerMode ?? 'round_robin', router, engine),
      numWorkers,
      maxSimTimeMs: options.maxSimTimeSeconds !== undefined ? options.maxSimTimeSeconds * 1000 : Infinity,
    },
    workload,
    options.onProgress,
  );
  const gpus = gpusPerWorker(engine);
  const report = buildFlatReport({
    results,
    workload,
    wallTimeMs: performance.now() - started,
    sla: { ttftMs: options.slaTtftMs, itlMs: options.slaItlMs, e2eMs: options.slaE2eMs },
    prefillGpusPerWorker: gpus,
    decodeGpusPerWorker: gpus,
  });
  return { report, results, workload, engineArgs: engine };
}
