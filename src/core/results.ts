// What the native core hands back after a run: per-request arrays and distribution summaries.

/** Summary of one distribution, computed natively (nearest-rank percentiles, population std). */
export interface Distribution {
  count: number;
  mean: number;
  min: number;
  max: number;
  median: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  std: number;
}

export const enum RequestStatus {
  Incomplete = 0,
  Completed = 1,
  Rejected = 2,
}

export interface RequestResults {
  /** Per request (same indexing as the workload). Times are simulated ms; NaN where it never happened. */
  arrivalMs: Float64Array;
  firstAdmitMs: Float64Array;
  firstTokenMs: Float64Array;
  secondTokenMs: Float64Array;
  lastTokenMs: Float64Array;
  /** Emitted output tokens. */
  outputTokens: Uint32Array;
  /** Max reused (prefix-cached) prompt tokens over the request's admissions. */
  reusedTokens: Uint32Array;
  /** Reused prompt tokens at the first admission. */
  firstAdmitReusedTokens: Uint32Array;
  /** Worker the request was routed to (-1 = never routed). */
  workerIdx: Int32Array;
  /** RequestStatus per request. */
  status: Uint8Array;
  /** Disaggregated replay: the prefill side and the KV hand-off milestones (ms; NaN = never). */
  handoff?: {
    prefillWorkerIdx: Int32Array;
    sourceHeldMs: Float64Array;
    destinationReservedMs: Float64Array;
    destinationActivatedMs: Float64Array;
    decodeAdmitMs: Float64Array;
    /** Prompt tokens the decode worker already held when it took the request over. */
    decodeReusedTokens?: Uint32Array;
  };
  /** Routing, admissions and terminal times, recorded when the config asks (`requestDetail`). */
  detail?: RequestDetail;
}

/** Request pools as the per-request records name them. */
export const enum DetailPool {
  Agg = 0,
  Prefill = 1,
  Decode = 2,
}

/**
 * Per-request detail. Routing arrays are pool-major (index pool × requests + request) over the
 * pools in entry order: the aggregated pool, or the prefill then the decode pool.
 */
export interface RequestDetail {
  /** When the request completed or was rejected (NaN: never, e.g. cut off by the time limit). */
  terminalMs: Float64Array;
  /** When the pool's router queued the request (NaN: routed at once, or never reached it). */
  routeQueuedMs: Float64Array;
  /** When the pool's router placed it (NaN: never). */
  routedMs: Float64Array;
  /** Prompt tokens the router saw cached on the chosen target (0 without a cache view). */
  routeOverlapTokens: Uint32Array;
  /** Target (worker × dp_size + rank) in each pool, -1 when never placed. */
  routeTarget: Int32Array;
  /** Attention-DP ranks per worker of each pool. */
  dpSize: Int32Array;
  /** Every admission in simulated-time order: request, pool (DetailPool), time, reused prompt tokens. */
  admissions: { atMs: Float64Array; request: Int32Array; reusedTokens: Uint32Array; pool: Uint8Array };
}

export interface SimResults {
  requests: RequestResults;
  /** Distributions over completed requests, all in ms except outputTokenThroughputPerUser (tokens/s). */
  ttft: Distribution;
  ttst: Distribution;
  tpot: Distribution;
  itl: Distribution;
  e2eLatency: Distribution;
  outputTokenThroughputPerUser: Distribution;
  /** Simulated time when the run stopped, ms. */
  endTimeMs: number;
  /** Worker-seconds per pool (aggregated replay reports through decode). */
  prefillWorkerSeconds: number;
  decodeWorkerSeconds: number;
  /** Forward passes executed (all workers). */
  forwardPasses: number;
  /** Of those, passes completed in bulk as parts of decode runs (an implementation statistic). */
  decodeRunPasses: number;
}
