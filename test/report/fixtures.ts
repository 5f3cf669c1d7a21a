// Hand-built SimResults / Workload for the report tests.
import type { Distribution, RequestDetail, SimResults } from "../../src/core/results.js";
import type { Workload } from "../../src/core/workload.js";

export const EMPTY_DIST: Distribution = {
  count: 0,
  mean: 0,
  min: 0,
  max: 0,
  median: 0,
  p75: 0,
  p90: 0,
  p95: 0,
  p99: 0,
  std: 0,
};

/** A distribution where every percentile equals `max` (two samples, nearest-rank percentiles). */
export function twoSampleDist(lo: number, hi: number, mean: number, std: number): Distribution {
  return { count: 2, mean, min: lo, max: hi, median: hi, p75: hi, p90: hi, p95: hi, p99: hi, std };
}

export interface RequestSpec {
  arrival: number;
  admit?: number;
  first?: number;
  second?: number;
  last?: number;
  out: number;
  reused?: number;
  firstReused?: number;
  worker?: number;
  status: 0 | 1 | 2;
  isl: number;
  osl: number;
  /** Completion or rejection time (default: the last token, or the arrival for a rejection). */
  terminal?: number;
  /** When the router queued it (default: placed at once on arrival). */
  queued?: number;
}

/** Aggregated-run detail: one routing per placed request, one admission per admitted one. */
function makeDetail(specs: RequestSpec[]): RequestDetail {
  const admitted = specs.map((s, r) => [s, r] as const).filter(([s]) => s.admit !== undefined);
  admitted.sort((a, b) => a[0].admit! - b[0].admit! || a[1] - b[1]);
  const terminal = (s: RequestSpec): number =>
    s.terminal ?? (s.status === 1 ? (s.last ?? NaN) : s.status === 2 ? s.arrival : NaN);
  return {
    terminalMs: Float64Array.from(specs, terminal),
    routeQueuedMs: Float64Array.from(specs, (s) => s.queued ?? NaN),
    routedMs: Float64Array.from(specs, (s) => (s.worker !== undefined ? (s.admit ?? s.arrival) : NaN)),
    routeOverlapTokens: Uint32Array.from(specs, (s) => s.firstReused ?? s.reused ?? 0),
    routeTarget: Int32Array.from(specs, (s) => s.worker ?? -1),
    dpSize: Int32Array.of(1),
    admissions: {
      atMs: Float64Array.from(admitted, ([s]) => s.admit!),
      request: Int32Array.from(admitted, ([, r]) => r),
      reusedTokens: Uint32Array.from(admitted, ([s]) => s.firstReused ?? s.reused ?? 0),
      pool: new Uint8Array(admitted.length),
    },
  };
}

export function makeRun(
  specs: RequestSpec[],
  opts: { sessions?: number[]; sessionIds?: string[]; prefillWs?: number; decodeWs?: number } = {},
): { results: SimResults; workload: Workload } {
  const n = specs.length;
  const f = (pick: (s: RequestSpec) => number | undefined): Float64Array =>
    Float64Array.from(specs, (s) => pick(s) ?? NaN);
  const results: SimResults = {
    requests: {
      arrivalMs: f((s) => s.arrival),
      firstAdmitMs: f((s) => s.admit),
      firstTokenMs: f((s) => s.first),
      secondTokenMs: f((s) => s.second),
      lastTokenMs: f((s) => s.last),
      outputTokens: Uint32Array.from(specs, (s) => s.out),
      reusedTokens: Uint32Array.from(specs, (s) => s.reused ?? 0),
      firstAdmitReusedTokens: Uint32Array.from(specs, (s) => s.firstReused ?? s.reused ?? 0),
      workerIdx: Int32Array.from(specs, (s) => s.worker ?? -1),
      status: Uint8Array.from(specs, (s) => s.status),
      detail: makeDetail(specs),
    },
    ttft: EMPTY_DIST,
    ttst: EMPTY_DIST,
    tpot: EMPTY_DIST,
    itl: EMPTY_DIST,
    e2eLatency: EMPTY_DIST,
    outputTokenThroughputPerUser: EMPTY_DIST,
    endTimeMs: 0,
    prefillWorkerSeconds: opts.prefillWs ?? 0,
    decodeWorkerSeconds: opts.decodeWs ?? 0,
    forwardPasses: 0,
    decodeRunPasses: 0,
  };
  const sessionStart = opts.sessions ?? [...Array(n + 1).keys()];
  const workload: Workload = {
    inputLength: Uint32Array.from(specs, (s) => s.isl),
    outputLength: Uint32Array.from(specs, (s) => s.osl),
    hashOffsets: new Uint32Array(n + 1),
    hashIds: new Uint32Array(0),
    traceBlockSize: 4,
    sessionStart: Uint32Array.from(sessionStart),
    firstArrivalMs: new Float64Array(sessionStart.length - 1),
    turnDelayMs: new Float64Array(n),
    sessionIds: opts.sessionIds ?? Array.from({ length: sessionStart.length - 1 }, (_, s) => `request_${s + 1}`),
    concurrency: 0,
  };
  return { results, workload };
}

/**
 * The reference's 2-request parity scenario (agg, KV router, one worker): 8-token prompts, the second
 * reuses 4 tokens; outputs 3 and 2; arrivals 0 and 0.5 ms.
 */
export function parityRun(): { results: SimResults; workload: Workload } {
  const run = makeRun(
    [
      {
        arrival: 0,
        admit: 0,
        first: 0.016631999999999997,
        second: 0.016642999999999998,
        last: 0.016654,
        out: 3,
        reused: 0,
        worker: 0,
        status: 1,
        isl: 8,
        osl: 3,
      },
      {
        arrival: 0.5,
        admit: 0.5,
        first: 0.516571,
        second: 0.516582,
        last: 0.516582,
        out: 2,
        reused: 4,
        worker: 0,
        status: 1,
        isl: 8,
        osl: 2,
      },
    ],
    { decodeWs: 0.0005165819999999999, sessionIds: ["a", "b"] },
  );
  run.results.ttft = twoSampleDist(0.016571000000000002, 0.016631999999999997, 0.016601499999999998, 0.000030499999999997543);
  run.results.ttst = twoSampleDist(0.000010999999999983245, 0.000011000000000000593, 0.000010999999999991919, 8.673617379884035e-18);
  run.results.tpot = twoSampleDist(0.000010999999999983245, 0.000011000000000000593, 0.000010999999999991919, 8.673617379884035e-18);
  run.results.itl = { ...twoSampleDist(0.000010999999999983245, 0.000011000000000000593, 0.00001099999999999481, 8.17756490847483e-18), count: 3 };
  run.results.e2eLatency = twoSampleDist(0.016581999999999986, 0.016654, 0.016617999999999994, 0.00003600000000000651);
  run.results.outputTokenThroughputPerUser = {
    ...twoSampleDist(90909090.909086, 90909090.90922938, 90909090.90913379, 0.00006758949624448117),
    count: 3,
    median: 90909090.909086,
  };
  return run;
}
