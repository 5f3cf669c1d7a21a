// Harness for the decode-run tests: run one scenario pass by pass (`decodeRuns: false`) and with
// decode runs, optionally pausing like a planner (observe, drain the every-pass log, then maybe
// scale) at tick limits, and require identical outcomes, pass logs included. Also small builders
// the scenarios share.
import { expect } from 'vitest';
import { createSimulation, type NativeSimConfig, type NativeSimulation, type PassLogSegments, type PoolObservation } from '../../src/core/native.js';
import type { LoggedPass } from '../../src/planner/pass-log.js';
import type { SimResults } from '../../src/core/results.js';
import type { Workload } from '../../src/core/workload.js';
import { pool, type PoolOpts } from './build.js';

/** ns (integer) -> ms, as the core reads it back (ms × 1e6 rounded), and back. */
export const ms = (ns: number) => ns / 1e6;
export const ns = (t: number) => Math.round(t * 1e6);

export const agg = (o: PoolOpts, maxSimTimeMs = Infinity): NativeSimConfig => ({ disaggregated: false, agg: pool(o), maxSimTimeMs });

/** Disaggregated: instantaneous prefill (speedup 1e9) and 1 ns of transfer per token by default. */
export const disagg = (decode: PoolOpts, prefill: PoolOpts = {}, kv: Partial<NativeSimConfig> = {}): NativeSimConfig => ({
  disaggregated: true,
  prefill: pool({ ...prefill, engine: { speedupRatio: 1e9, ...prefill.engine } }),
  decode: pool(decode),
  kvBytesPerToken: 1,
  kvTransferGbps: 1,
  kvTransferTiming: 'full_prompt',
  maxSimTimeMs: Infinity,
  ...kv,
});

/** Hash ids for a prompt of `isl` tokens: `shared` first, then fresh ids from `fresh`. */
export function ids(isl: number, bs: number, fresh: number, shared: number[] = []): number[] {
  const n = Math.ceil(isl / bs);
  return [...shared, ...Array.from({ length: Math.max(0, n - shared.length) }, (_, i) => fresh + i)].slice(0, n);
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Tick {
  status: unknown;
  traffic: unknown;
  observation: ReturnType<NativeSimulation['observe']>;
  /** Every pass since the previous tick (the planner's every-pass feed), as the core's segments. */
  passes: ReturnType<NativeSimulation['drainPasses']>;
}

/** The latest pass of each engine in a pass log (start in ms, work, wall). */
export function latestLogged(log: PassLogSegments | null): Map<string, LoggedPass> {
  const out = new Map<string, LoggedPass>();
  if (!log) return out;
  let at = 0;
  for (let i = 0; i < log.count.length; i++) {
    let startNs = Math.round(log.startMs[i]! * 1e6);
    const n = log.count[i]!;
    for (let j = 0; j + 1 < n; j++) startNs += Math.round(log.wallSecs[at + j]! * 1e9);
    const key = `${log.workerId[i]}/${log.dpRank[i]}`;
    const prev = out.get(key);
    if (!prev || prev.startMs <= startNs / 1e6) {
      const w = log.work.subarray(5 * i, 5 * i + 5);
      out.set(key, {
        workerId: log.workerId[i]!,
        dpRank: log.dpRank[i]!,
        startMs: startNs / 1e6,
        wallSecs: log.wallSecs[at + n - 1]!,
        numPrefillRequests: w[0]!,
        sumPrefillTokens: w[1]!,
        sumPrefillKvTokens: w[2]!,
        numDecodeRequests: w[3]!,
        sumDecodeKvTokens: w[4]! + (n - 1) * w[3]!,
      });
    }
    at += n;
  }
  return out;
}

/**
 * The log must hold, for every engine the observation reports, that engine's latest pass: the same
 * start, work and wall time as the observed snapshot. (With attention DP the log's wall time is the
 * worker's pass, as long as its slowest rank; a snapshot in flight shows its own rank's.)
 */
function expectLatestLogged(config: NativeSimConfig, observation: Tick['observation'], passes: Tick['passes']): void {
  for (const which of ['prefill', 'decode'] as const) {
    const dp = (which === 'prefill' ? config.prefill : (config.decode ?? config.agg))?.engine.dpSize ?? 1;
    const latest = latestLogged(passes[which]);
    for (const e of observation[which]?.passes ?? []) {
      const last = latest.get(`${e.workerId}/${e.dpRank}`);
      expect(last, `log has worker ${e.workerId}/${e.dpRank}`).toBeDefined();
      expect(last!.startMs).toBe(e.startMs);
      if (dp === 1) expect(last!.wallSecs).toBe(e.pass.wallTimeSecs);
      expect([last!.numPrefillRequests, last!.sumPrefillTokens, last!.sumPrefillKvTokens, last!.numDecodeRequests, last!.sumDecodeKvTokens]).toEqual([
        e.pass.numPrefillRequests,
        e.pass.sumPrefillTokens,
        e.pass.sumPrefillKvTokens,
        e.pass.numDecodeRequests,
        e.pass.sumDecodeKvTokens,
      ]);
    }
  }
}

/** What a scenario does with a simulation: by default run to the end. */
export interface Drive {
  /** Pause at each limit (ms) and observe like a planner… */
  ticks?: number[];
  /** …or pause every `every` ms until the run ends. */
  every?: number;
  /** Planner action after tick `tick` (0-based) was observed. */
  scale?: (tick: number, nowMs: number) => [number | null, number | null] | null;
  /** Extra calls after each tick (e.g. a second scale, a repeated runUntil). */
  after?: (sim: NativeSimulation, tick: number) => void;
}

export interface Outcome {
  results: SimResults;
  ticks: Tick[];
  /** Whether runUntil reported the end at each tick. */
  ended: boolean[];
}

export function run(config: NativeSimConfig, w: Workload, decodeRuns: boolean, d: Drive = {}): Outcome {
  const sim = createSimulation({ ...config, decodeRuns, passLog: true }, w);
  const ticks: Tick[] = [];
  const ended: boolean[] = [];
  const limit = (k: number) => (d.every !== undefined ? (k + 1) * d.every : d.ticks?.[k]);
  for (let k = 0; limit(k) !== undefined; k++) {
    const done = sim.runUntil(limit(k)!);
    ended.push(done);
    if (done) break;
    const observation = sim.observe();
    const passes = sim.drainPasses();
    expectLatestLogged(config, observation, passes);
    ticks.push({ status: sim.status(), traffic: sim.drainTraffic(), observation, passes });
    const target = d.scale?.(k, sim.status().nowMs);
    if (target) sim.scale(target[0], target[1]);
    d.after?.(sim, k);
  }
  sim.runUntil(Infinity);
  return { results: sim.results(), ticks, ended };
}

/**
 * Runs both ways and requires identical results (all but decodeRunPasses), tick outcomes and
 * observations, and that runs really carried passes: more than `minRunShare` of them (and some).
 */
export function expectSame(config: NativeSimConfig, w: Workload, d: Drive = {}, minRunShare = 0): { stepped: Outcome; bulk: Outcome } {
  const stepped = run(config, w, false, d);
  const bulk = run(config, w, true, d);
  expect(stepped.results.decodeRunPasses).toBe(0);
  expect(bulk.results.decodeRunPasses).toBeGreaterThan(0);
  expect(bulk.results.decodeRunPasses).toBeGreaterThan(minRunShare * bulk.results.forwardPasses);
  const { decodeRunPasses: _a, ...steppedRest } = stepped.results;
  const { decodeRunPasses: _b, ...bulkRest } = bulk.results;
  expect(bulkRest).toStrictEqual(steppedRest);
  expect(bulk.ended).toStrictEqual(stepped.ended);
  expect(bulk.ticks).toStrictEqual(stepped.ticks);
  return { stepped, bulk };
}

export const stepped = (config: NativeSimConfig, w: Workload): SimResults => run(config, w, false).results;

/** The last instant at or before `atNs` at which a pass-by-pass run settled anything (a pass end,
 * a landed transfer, a ready worker, an arrival): max_sim_time stops the clock there. */
export function settledAt(config: NativeSimConfig, w: Workload, atNs: number): number {
  return ns(stepped({ ...config, maxSimTimeMs: ms(atNs) }, w).endTimeMs);
}

/**
 * When request `i` emits its `n`-th token in a pass-by-pass run (ns): a pass end of its worker. The
 * same run with that request's output cut to `n` tokens ends it there, as nothing before its last
 * token reads its output length. (Decode passes are priced from the batch's growing context
 * sum, so consecutive passes differ in length: token n is not firstToken + (n - 1) × gap.)
 */
export function tokenAt(config: NativeSimConfig, w: Workload, i: number, n: number): number {
  const cut = { ...w, outputLength: Uint32Array.from(w.outputLength, (o, j) => (j === i ? n : o)) };
  return ns(stepped(config, cut).requests.lastTokenMs[i]!);
}

/** Token and arrival instants of a pass-by-pass run (ns) ±1 ns, plus `extra` instants per request
 * extrapolated from its first two tokens (near its pass ends, as passes lengthen slowly as the
 * context grows); at most `cap` of them, evenly thinned. In ns. */
export function boundaryTimes(r: SimResults, extra = 0, cap = Infinity): number[] {
  const out = new Set<number>();
  const q = r.requests;
  for (let i = 0; i < q.arrivalMs.length; i++) {
    const f = q.firstTokenMs[i]!, s = q.secondTokenMs[i]!;
    for (const t of [q.arrivalMs[i]!, f, s, q.lastTokenMs[i]!]) if (Number.isFinite(t)) for (const dt of [-1, 0, 1]) out.add(ns(t) + dt);
    if (Number.isFinite(s)) for (let k = 2; k < 2 + extra; k++) out.add(ns(f) + k * (ns(s) - ns(f)));
  }
  let times = [...out].filter((t) => t > 0).sort((a, b) => a - b);
  if (times.length > cap) {
    const step = times.length / cap;
    times = Array.from({ length: cap }, (_, i) => times[Math.floor(i * step)]!);
  }
  return times;
}

/** Every pass the planner saw in a pool over the ticks. */
export function passesSeen(ticks: Tick[], which: 'prefill' | 'decode' = 'decode'): PoolObservation['passes'] {
  return ticks.flatMap((t) => t.observation[which]?.passes ?? []);
}
