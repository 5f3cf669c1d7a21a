// Loads the compiled addon and types the one class it exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Workload } from './workload.js';
import type { SimResults } from './results.js';
import type { NativePerfConfig } from '../perf/resolve.js';
import { withUserNames } from './native-errors.js';

/** Engine settings as the core takes them (already validated and defaulted). */
export interface NativeEngineConfig {
  kind: 'vllm' | 'trtllm' | 'sglang';
  blockSize: number;
  numGpuBlocks: number;
  /** 0 = unbounded. */
  maxNumSeqs: number;
  /** 0 = unbounded. */
  maxNumBatchedTokens: number;
  /** 0 = no limit. */
  maxModelLen: number;
  enablePrefixCaching: boolean;
  enableChunkedPrefill: boolean;
  preemptionMode: 'lifo' | 'fifo';
  speedupRatio: number;
  decodeSpeedupRatio: number;
  /** Attention-DP ranks per worker. */
  dpSize: number;
  /** Speculative decoding: draft depth (0 = off), conditional accept rates, sampler seed. */
  nextn: number;
  acceptRates: number[];
  mtpSeed: number;
  sglang?: {
    schedulePolicy: 'fifo' | 'lpm';
    maxPrefillTokens: number;
    chunkedPrefillSize: number;
    clipMaxNewTokens: number;
    scheduleConservativeness: number;
  };
  perf: NativePerfConfig;
}

/** One class of a router policy profile; null = not set. */
export interface NativePolicyClass {
  name: string;
  queuePolicy: 'fcfs' | 'wspt';
  quantum: number;
  busyTokens: number | null;
  busyFrac: number | null;
  busyWorkerRatio: number | null;
  requestLimit: number | null;
  rawIslLimit: number | null;
  cachedLimit: number | null;
}

/** A router policy profile: its classes and the default family's class per uncached-ISL bucket. */
export interface NativePolicy {
  classes: NativePolicyClass[];
  bucketMinTokens: number[];
  bucketClass: number[];
}

export interface NativeRouterConfig {
  mode: 'round_robin' | 'kv_router';
  /** Cost = prefillLoadScale × max(0, prefill blocks − overlapScoreCredit × cached blocks) + decode blocks
   * + decodeActiveRequestWeight × live requests. */
  prefillLoadScale?: number;
  overlapScoreCredit?: number;
  /** credit / (1 + decay × excess prefill backlog blocks / request blocks); 0 = off. */
  overlapScoreCreditDecay?: number;
  /** Added cost per request live on the target. */
  decodeActiveRequestWeight?: number;
  /** Deprecated alias of prefillLoadScale (a 0 also zeroes the credit), as KvRouterConfig maps it. */
  overlapScoreWeight?: number;
  temperature: number;
  /** NaN = queueing disabled. */
  queueThreshold: number;
  queuePolicy: 'fcfs' | 'lcfs' | 'wspt';
  trackActiveBlocks: boolean;
  assumeKvReuse: boolean;
  trackPrefillTokens: boolean;
  /** false: no KV events; the router records its own decisions (approximate indexer). Default true. */
  useKvEvents?: boolean;
  /** Approximate indexer: entry lifetime (at most 100 years), size cap and prune target. */
  ttlSecs?: number;
  maxTreeSize?: number;
  pruneTargetRatio?: number;
  /** router_predicted_ttl_secs: the predict-on-route side view's TTL (KV events on); null = off. */
  predictedTtlSecs?: number | null;
  /** --router-policy-config's profile; null = one queue from queueThreshold / queuePolicy. */
  policy?: NativePolicy | null;
  /** router_prefill_load_model "aic": the estimator of each request's prefill time; null = none. */
  prefillLoadModel?: NativePerfConfig | null;
  seed: number;
}

/** One pool of identical workers behind one router. */
export interface NativePoolConfig {
  engine: NativeEngineConfig;
  router: NativeRouterConfig;
  numWorkers: number;
  /** Seconds before a worker added by the planner becomes routable (0 = at once). */
  startupTimeS: number;
}

export interface NativeSimConfig {
  disaggregated: boolean;
  /** Aggregated replay. */
  agg?: NativePoolConfig;
  /** Disaggregated replay. */
  prefill?: NativePoolConfig;
  decode?: NativePoolConfig;
  /** KV hand-off delay = tokens × bytes per token / bandwidth; 0 in either disables it. */
  kvBytesPerToken?: number;
  kvTransferGbps?: number;
  kvTransferTiming?: 'full_prompt' | 'destination_missing';
  /** Infinity = run to the end. */
  maxSimTimeMs: number;
  /**
   * Price runs of plain decode passes in bulk (default true). The results are the same either
   * way; false steps every pass through the event loop, for checking exactly that.
   */
  decodeRuns?: boolean;
  /** Log every pass for `drainPasses` (the planner's every-pass feed); default false. */
  passLog?: boolean;
  /** Record routing, admissions and terminal times per request (per-request records); default false. */
  requestDetail?: boolean;
}

export interface NativeStatus {
  nowMs: number;
  lastArrivalMs: number;
  completed: number;
  finished: boolean;
}

/** The planner's traffic window since the previous drain (reference §9 TrafficAccumulator). */
export interface TrafficWindow {
  durationS: number;
  /** Requests offered (arrived) in the window. */
  numReq: number;
  /** Requests completed (not rejected) in the window; avgIsl/avgOsl are over these. */
  completed: number;
  avgIsl: number;
  avgOsl: number;
  ttftCount: number;
  avgTtftMs: number;
  itlCount: number;
  /** Mean of per-request mean inter-token latency over completions with more than one token. */
  avgItlMs: number;
  kvHitCount: number;
  /** Mean over router admissions of overlap_blocks / isl_blocks (0 when none). */
  avgKvHitRate: number;
  visibleTokens: number;
  decodeForwards: number;
  /** Visible output tokens per decode forward; null without decode forwards. */
  avgAcceptLength: number | null;
}

/** One forward pass as the planner observes it (reference ForwardPassSnapshot). */
export interface ForwardPassSnapshot {
  numPrefillRequests: number;
  sumPrefillTokens: number;
  varPrefillLength: number;
  sumPrefillKvTokens: number;
  numDecodeRequests: number;
  sumDecodeKvTokens: number;
  varDecodeKvTokens: number;
  numQueuedPrefill: number;
  sumQueuedPrefillTokens: number;
  varQueuedPrefillLength: number;
  numQueuedDecode: number;
  sumQueuedDecodeKvTokens: number;
  varQueuedDecodeKvTokens: number;
  wallTimeSecs: number;
  visibleOutputTokens: number;
  decodeForwards: number;
}

/** One pool as the planner sees it at a tick. */
export interface PoolObservation {
  /** Routable workers. */
  active: number;
  /** Workers still starting up (planner scale-ups with a startup time). */
  starting: number;
  /** Provisioned workers: active + starting + draining. */
  total: number;
  activeIds: number[];
  /** When each of `activeIds` became routable (ms; 0 for the initial workers). */
  activatedMs: number[];
  /** Each (worker, rank)'s latest pass since the previous observation, with its start (ms). */
  passes: { workerId: number; dpRank: number; startMs: number; pass: ForwardPassSnapshot }[];
}

/**
 * Every pass a pool ran since the previous drain, in start order (then worker, rank), as segments:
 * segment i is `count[i]` consecutive passes of one engine starting at `startMs[i]`; its first
 * pass's work is `work[5i..5i+4]` = (prefill requests, prefill tokens, prefill KV tokens, decode
 * requests, decode KV tokens), and each later pass adds one KV token per decode request (no
 * prefill). `wallSecs` holds every pass's duration, segment after segment.
 */
export interface PassLogSegments {
  startMs: Float64Array;
  workerId: Int32Array;
  dpRank: Int32Array;
  count: Int32Array;
  work: Float64Array;
  wallSecs: Float64Array;
}

export interface NativeSimulation {
  /** Advances the clock up to `limitMs` (inclusive; the clock then stands there); true once the run has ended. */
  runUntil(limitMs: number): boolean;
  status(): NativeStatus;
  results(): SimResults;
  /** Returns the traffic window ending now and starts the next one. */
  drainTraffic(): TrafficWindow;
  /** Worker counts and latest passes per pool (aggregated replay reports through decode). */
  observe(): { prefill: PoolObservation | null; decode: PoolObservation };
  /** The pass logs since the previous call (empty unless the config set `passLog`). */
  drainPasses(): { prefill: PassLogSegments | null; decode: PassLogSegments };
  /** Planner targets (null = unchanged), applied at the current time. */
  scale(prefillTarget: number | null, decodeTarget: number | null): void;
  /** Frees the core's memory (the simulation, its workload copy); any later call throws. */
  release(): void;
}

/** Raw model latencies (ms, before speedup scaling) at the given points. */
export interface PerfEvaluation {
  prefillMs: Float64Array;
  decodeMs: Float64Array;
  /** With `breakdown` and an AIC model: per point, each context (generation) op's ms, row-major. */
  prefillOps?: Float64Array;
  decodeOps?: Float64Array;
}

/** Rows of a Mooncake trace as the addon's scanner read them (native/trace/mooncake_scanner.h). */
export interface ScannedMooncakeRows {
  line: Uint32Array;
  /** Bit 1 timestamp, 2 delay, 4 input length, 8 output length, 16 hash_ids present. */
  flags: Uint8Array;
  timestamp: Float64Array;
  delay: Float64Array;
  input: Float64Array;
  output: Float64Array;
  /** Index into sessionNames; -1 = no session_id. */
  session: Int32Array;
  hashEnd: Uint32Array;
  hashIds: Uint32Array;
  sessionNames: string[];
}

/** The addon's Mooncake scanner: feed chunks, finish, then take the rows once. A non-zero
 * line number from `feed`/`finish` is where it stopped (the loader reads the file itself then). */
export interface MooncakeScanner {
  feed(bytes: Uint8Array): number;
  /** Reads a plain file itself; -1 when it could not be read. */
  feedFile(path: string): number;
  finish(): number;
  take(): ScannedMooncakeRows;
}

interface Addon {
  MooncakeScanner: new (maxLineBytes: number, expectedBytes?: number) => MooncakeScanner;
  NativeSimulation: new (config: NativeSimConfig, workload: Workload) => NativeSimulation;
  evaluatePerfModel(engine: NativeEngineConfig, prefillPoints: Float64Array, decodePoints: Float64Array, breakdown?: boolean): PerfEvaluation;
  evaluateForwardPasses(engine: NativeEngineConfig, passes: Float64Array): Float64Array | null;
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  // dist/core/native.js and src/core/native.ts both sit two levels below the package root.
  // DYNOSIM_NATIVE names another build of the same sources (the sanitizer job's, from cmake-js).
  const file = process.env.DYNOSIM_NATIVE || path.join(here, '..', '..', 'build', 'Release', 'dynosim_native.node');
  addon = require(file) as Addon;
  return addon;
}

/** Evaluates the engine's perf model: prefill points as (batch, isl, prefix) triples, decode
 * points as (batch, context) pairs; `breakdown` adds each AIC op's share. */
export function evaluatePerfModel(
  engine: NativeEngineConfig,
  prefillPoints: Float64Array,
  decodePoints: Float64Array,
  breakdown = false,
): PerfEvaluation {
  return loadAddon().evaluatePerfModel(engine, prefillPoints, decodePoints, breakdown);
}

/**
 * AIC latencies (ms) of observed forward passes, rows of (prefill requests, prefill tokens, prefill
 * KV tokens, decode requests, decode KV tokens), priced as aiconfigurator prices forward-pass
 * telemetry; null when the engine's perf model is not AIC's database.
 */
export function evaluateForwardPasses(engine: NativeEngineConfig, passes: Float64Array): Float64Array | null {
  return loadAddon().evaluateForwardPasses(engine, passes);
}

export function createSimulation(config: NativeSimConfig, workload: Workload): NativeSimulation {
  // The core reads the graph's arrays beside the others.
  const flat = workload.graph ? { ...workload, ...workload.graph, agenticLanes: workload.graph.lanes } : workload;
  return withUserNames(() => new (loadAddon().NativeSimulation)(config, flat));
}

/** A scanner; `expectedBytes` (a plain file's size) sizes its arrays up front. */
export function createMooncakeScanner(maxLineBytes: number, expectedBytes?: number): MooncakeScanner {
  return new (loadAddon().MooncakeScanner)(maxLineBytes, expectedBytes);
}
