// Small hand-made workloads for core scenarios.
import type { Workload } from '../../src/core/workload.js';
import { createSimulation, type NativeEngineConfig, type NativeRouterConfig } from '../../src/core/native.js';
import type { SimResults } from '../../src/core/results.js';

export interface Turn {
  isl: number;
  osl: number;
  ids: number[];
  /** First-turn arrival (ms); ignored for later turns. */
  at?: number;
  /** Delay after the previous turn (later turns only). */
  delay?: number;
}

/** One session per inner array; turns in order. */
export function workload(sessions: Turn[][], traceBlockSize: number, concurrency = 0): Workload {
  const turns = sessions.flat();
  const hashIds: number[] = [];
  const offsets = [0];
  for (const t of turns) {
    hashIds.push(...t.ids);
    offsets.push(hashIds.length);
  }
  const starts = [0];
  for (const s of sessions) starts.push(starts[starts.length - 1]! + s.length);
  return {
    inputLength: Uint32Array.from(turns.map((t) => t.isl)),
    outputLength: Uint32Array.from(turns.map((t) => t.osl)),
    hashOffsets: Uint32Array.from(offsets),
    hashIds: Uint32Array.from(hashIds),
    traceBlockSize,
    sessionStart: Uint32Array.from(starts),
    firstArrivalMs: Float64Array.from(sessions.map((s) => s[0]!.at ?? 0)),
    turnDelayMs: Float64Array.from(sessions.flatMap((s) => s.map((t, i) => (i === 0 ? 0 : t.delay ?? 0)))),
    sessionIds: sessions.map((_, i) => `session_${i}`),
    concurrency,
  };
}

export const engine = (over: Partial<NativeEngineConfig> = {}): NativeEngineConfig => ({
  kind: 'vllm',
  dpSize: 1,
  nextn: 0,
  acceptRates: [],
  mtpSeed: 42,
  blockSize: 64,
  numGpuBlocks: 16384,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  maxModelLen: 0,
  enablePrefixCaching: true,
  enableChunkedPrefill: true,
  preemptionMode: 'lifo',
  speedupRatio: 1,
  decodeSpeedupRatio: 1,
  perf: { kind: 'polynomial' },
  ...over,
});

export type SglangPolicy = NonNullable<NativeEngineConfig['sglang']>;

/** An SGLang engine (the reference's policy defaults), with overrides. */
export const sglangEngine = (over: Partial<NativeEngineConfig> = {}, policy: Partial<SglangPolicy> = {}): Partial<NativeEngineConfig> => ({
  kind: 'sglang',
  sglang: {
    schedulePolicy: 'fifo',
    maxPrefillTokens: 16384,
    chunkedPrefillSize: 8192,
    clipMaxNewTokens: 4096,
    scheduleConservativeness: 1,
    ...policy,
  },
  ...over,
});

export const router = (over: Partial<NativeRouterConfig> = {}): NativeRouterConfig => ({
  mode: 'round_robin',
  prefillLoadScale: 1,
  overlapScoreCredit: 1,
  temperature: 0,
  queueThreshold: 4,
  queuePolicy: 'fcfs',
  trackActiveBlocks: true,
  assumeKvReuse: true,
  trackPrefillTokens: true,
  seed: 42,
  ...over,
});

export type PoolOpts = { engine?: Partial<NativeEngineConfig>; router?: Partial<NativeRouterConfig>; numWorkers?: number; startupTimeS?: number };

export const pool = (o: PoolOpts = {}) => ({
  engine: engine(o.engine),
  router: router(o.router),
  numWorkers: o.numWorkers ?? 1,
  startupTimeS: o.startupTimeS ?? 0,
});

/** A disaggregated run: prefill and decode pools, optional KV transfer parameters. */
export function startDisagg(
  w: Workload,
  opts: { prefill?: PoolOpts; decode?: PoolOpts; kvBytesPerToken?: number; kvTransferGbps?: number; kvTransferTiming?: 'full_prompt' | 'destination_missing' } = {},
) {
  return createSimulation(
    {
      disaggregated: true,
      prefill: pool(opts.prefill),
      decode: pool(opts.decode),
      kvBytesPerToken: opts.kvBytesPerToken ?? 0,
      kvTransferGbps: opts.kvTransferGbps ?? 0,
      kvTransferTiming: opts.kvTransferTiming ?? 'full_prompt',
      maxSimTimeMs: Infinity,
    },
    w,
  );
}

/** An aggregated run whose workers start up after `startupTimeS` when the test scales up. */
export function startScalable(w: Workload, opts: PoolOpts = {}) {
  return createSimulation({ disaggregated: false, agg: pool(opts), maxSimTimeMs: Infinity }, w);
}

export function start(
  w: Workload,
  opts: { engine?: Partial<NativeEngineConfig>; router?: Partial<NativeRouterConfig>; numWorkers?: number } = {},
) {
  return createSimulation(
    {
      disaggregated: false,
      agg: { engine: engine(opts.engine), router: router(opts.router), numWorkers: opts.numWorkers ?? 1, startupTimeS: 0 },
      maxSimTimeMs: Infinity,
    },
    w,
  );
}

export function simulate(
  w: Workload,
  opts: { engine?: Partial<NativeEngineConfig>; router?: Partial<NativeRouterConfig>; numWorkers?: number; maxSimTimeMs?: number } = {},
): SimResults {
  const sim = createSimulation(
    {
      disaggregated: false,
      agg: { engine: engine(opts.engine), router: router(opts.router), numWorkers: opts.numWorkers ?? 1, startupTimeS: 0 },
      maxSimTimeMs: opts.maxSimTimeMs ?? Infinity,
    },
    w,
  );
  sim.runUntil(Infinity);
  return sim.results();
}

/** One-turn sessions (trace block 64) run to the end with each request's routing detail recorded. */
export function routeDetail(
  turns: Turn[],
  opts: { engine?: Partial<NativeEngineConfig>; router?: Partial<NativeRouterConfig>; numWorkers?: number } = {},
) {
  const sim = createSimulation(
    {
      disaggregated: false,
      agg: { engine: engine(opts.engine), router: router(opts.router), numWorkers: opts.numWorkers ?? 1, startupTimeS: 0 },
      maxSimTimeMs: Infinity,
      requestDetail: true,
    },
    workload(
      turns.map((t) => [t]),
      64,
    ),
  );
  sim.runUntil(Infinity);
  return sim.results().requests.detail!;
}
