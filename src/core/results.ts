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
  };
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
