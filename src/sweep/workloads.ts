// A sweep parses each trace once. The loader's only per-run inputs are the block size, open or
// closed loop, and the speedup ratio — which merely divides first arrivals and turn delays — so a
// trace loaded at ratio 1 gives every run's workload by dividing two arrays (bit-identical to
// loading it at that ratio: x / 1 === x). The request arrays are shared, never copied.

import { SIM_TIME_LIMIT_TEXT, sessionBeyondTimeLimit } from '../core/limits.js';
import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { formatFloat } from '../trace/fmt.js';
import { DEFAULT_TRACE_BLOCK_SIZE, loadMooncakeTrace, validateSpeedupRatio } from '../trace/mooncake.js';
import { Rng } from '../trace/rng.js';
import type { Jitter } from './points.js';

export interface TraceKey {
  file: string;
  blockSize: number;
  closedLoop: boolean;
}

export function traceKeyString(k: TraceKey): string {
  return `${k.file}\u0000${k.blockSize}\u0000${k.closedLoop ? 'closed' : 'open'}`;
}

/**
 * Which parsed trace a run needs (null for synthetic runs, and for the other trace formats, which
 * each run loads itself: only Mooncake traces are shared).
 */
export function traceKeyOf(options: { traceFiles?: string[]; traceFormat?: string; traceBlockSize?: number; replayConcurrency?: number }): TraceKey | null {
  const file = options.traceFiles?.[0];
  if (file === undefined || (options.traceFormat ?? 'mooncake') !== 'mooncake') return null;
  return { file, blockSize: options.traceBlockSize ?? DEFAULT_TRACE_BLOCK_SIZE, closedLoop: (options.replayConcurrency ?? 0) > 0 };
}

/** Loads a trace at speedup 1, once per key. */
export function loadBaseTrace(key: TraceKey): Promise<Workload> {
  // The closed-loop order does not depend on the concurrency value, only on its being set.
  return loadMooncakeTrace(key.file, { traceBlockSize: key.blockSize, arrivalSpeedupRatio: 1, concurrency: key.closedLoop ? 1 : 0 });
}

/**
 * The run's workload from the shared one: arrivals and turn delays divided by `ratio`, first
 * arrivals jittered by up to ±`jitter.ms` (seeded; order kept, so sessions stay sorted), and the
 * run's closed-loop concurrency.
 */
export function deriveWorkload(base: Workload, ratio: number, concurrency: number, jitter: Jitter | null, file = 'trace'): Workload {
  validateSpeedupRatio(ratio);
  const firstArrivalMs = new Float64Array(base.firstArrivalMs.length);
  for (let s = 0; s < firstArrivalMs.length; s++) firstArrivalMs[s] = base.firstArrivalMs[s]! / ratio;
  const turnDelayMs = new Float64Array(base.turnDelayMs.length);
  for (let r = 0; r < turnDelayMs.length; r++) turnDelayMs[r] = base.turnDelayMs[r]! / ratio;
  if (jitter && concurrency === 0) {
    const rng = new Rng(jitter.seed);
    for (let s = 0; s < firstArrivalMs.length; s++) firstArrivalMs[s] = Math.max(0, firstArrivalMs[s]! + (2 * rng.uniform() - 1) * jitter.ms);
    firstArrivalMs.sort();
    const first = firstArrivalMs[0] ?? 0;
    for (let s = 0; s < firstArrivalMs.length; s++) firstArrivalMs[s] = firstArrivalMs[s]! - first;
  }
  // The loader's bound on simulated time, at this run's ratio (loadMooncakeTrace checks it at 1).
  const late = sessionBeyondTimeLimit(firstArrivalMs, base.sessionStart, turnDelayMs);
  if (late >= 0) throw new ReplayError(`${file}: session ${base.sessionIds[late]} reaches beyond ${SIM_TIME_LIMIT_TEXT} at --arrival-speedup-ratio ${formatFloat(ratio)}`);
  return { ...base, firstArrivalMs, turnDelayMs, concurrency };
}

/** Copies a workload's arrays into shared memory, so worker threads read one copy. */
export function shareWorkload(w: Workload): Workload {
  const share = <T extends Uint32Array | Float64Array>(a: T): T => {
    const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
    const out = new Ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  return {
    ...w,
    inputLength: share(w.inputLength),
    outputLength: share(w.outputLength),
    hashOffsets: share(w.hashOffsets),
    hashIds: share(w.hashIds),
    sessionStart: share(w.sessionStart),
    firstArrivalMs: share(w.firstArrivalMs),
    turnDelayMs: share(w.turnDelayMs),
  };
}
