// The core's pass log (every pass a pool ran since the previous drain, as segments: see
// PassLogSegments) read back pass by pass, for the planner's every-pass feed.
import type { ForwardPassSnapshot, PassLogSegments } from '../core/native.js';
import { emptyPass } from './types.js';

/** One logged pass: the scheduled work the regression reads, its start and its wall time. */
export interface LoggedPass {
  workerId: number;
  dpRank: number;
  startMs: number;
  wallSecs: number;
  numPrefillRequests: number;
  sumPrefillTokens: number;
  sumPrefillKvTokens: number;
  numDecodeRequests: number;
  sumDecodeKvTokens: number;
}

/** Calls `visit` for every pass in start order (ties: worker, then rank), reusing one object. */
export function forEachLoggedPass(log: PassLogSegments, visit: (pass: Readonly<LoggedPass>, index: number) => void): void {
  const n = log.count.length;
  // Segments are sorted by their first pass; later passes of a segment interleave with other
  // segments, so merge the segments' pass streams by start time.
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offset[i + 1] = offset[i]! + log.count[i]!;
  const next = new Int32Array(n);
  // Start times in integer ns (exact in a double), so equal starts compare equal.
  const startOf = new Float64Array(n);
  for (let i = 0; i < n; i++) startOf[i] = Math.round(log.startMs[i]! * 1e6);
  const heap: number[] = [];
  const before = (a: number, b: number) =>
    startOf[a]! !== startOf[b]! ? startOf[a]! < startOf[b]! : log.workerId[a]! !== log.workerId[b]! ? log.workerId[a]! < log.workerId[b]! : log.dpRank[a]! !== log.dpRank[b]! ? log.dpRank[a]! < log.dpRank[b]! : a < b;
  const push = (s: number) => {
    heap.push(s);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) push(i);
  const pass: LoggedPass = {
    workerId: 0,
    dpRank: 0,
    startMs: 0,
    wallSecs: 0,
    numPrefillRequests: 0,
    sumPrefillTokens: 0,
    sumPrefillKvTokens: 0,
    numDecodeRequests: 0,
    sumDecodeKvTokens: 0,
  };
  let index = 0;
  while (heap.length > 0) {
    const s = pop();
    const j = next[s]!;
    const w = log.work;
    pass.workerId = log.workerId[s]!;
    pass.dpRank = log.dpRank[s]!;
    pass.startMs = startOf[s]! / 1e6;
    pass.wallSecs = log.wallSecs[offset[s]! + j]!;
    pass.numPrefillRequests = w[5 * s]!;
    pass.sumPrefillTokens = w[5 * s + 1]!;
    pass.sumPrefillKvTokens = w[5 * s + 2]!;
    pass.numDecodeRequests = w[5 * s + 3]!;
    pass.sumDecodeKvTokens = w[5 * s + 4]! + j * w[5 * s + 3]!;
    visit(pass, index++);
    if (j + 1 < log.count[s]!) {
      next[s] = j + 1;
      startOf[s] = startOf[s]! + Math.round(pass.wallSecs * 1e9);
      push(s);
    }
  }
}

/** A logged pass as the snapshot the perf models tune with (no queue fields: the log has none). */
export function loggedPassSnapshot(p: Readonly<LoggedPass>): ForwardPassSnapshot {
  const s = emptyPass();
  s.numPrefillRequests = p.numPrefillRequests;
  s.sumPrefillTokens = p.sumPrefillTokens;
  s.sumPrefillKvTokens = p.sumPrefillKvTokens;
  s.numDecodeRequests = p.numDecodeRequests;
  s.sumDecodeKvTokens = p.sumDecodeKvTokens;
  s.wallTimeSecs = p.wallSecs;
  return s;
}
