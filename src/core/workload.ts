// The workload as the native core receives it: flat typed arrays, one entry per request (turn).
// Requests are grouped into sessions; a session's turns are contiguous and in turn order.

export interface Workload {
  /** Prompt length of each request after the `input_length` clamp. */
  inputLength: Uint32Array;
  /** Requested output length of each request. */
  outputLength: Uint32Array;
  /** hashIds[hashOffsets[i] .. hashOffsets[i+1]) are request i's trace hash ids (truncated to u32). */
  hashOffsets: Uint32Array;
  hashIds: Uint32Array;
  /** Tokens per trace hash id (`--trace-block-size`; the engine block size for synthetic workloads). */
  traceBlockSize: number;
  /** Turns of session s are requests sessionStart[s] .. sessionStart[s+1]-1 (length = sessions + 1). */
  sessionStart: Uint32Array;
  /** Arrival of each session's first turn in ms, already normalised (min = 0) and divided by the speedup. */
  firstArrivalMs: Float64Array;
  /** Delay in ms between the previous turn's completion and this turn becoming ready (0 for first turns). */
  turnDelayMs: Float64Array;
  /** Session ids for reports (one per session). */
  sessionIds: string[];
  /** Closed-loop cap on sessions in flight; 0 = open loop (timestamps drive arrivals). */
  concurrency: number;
  /**
   * Tokens of each hash id (parallel to `hashIds`) when they vary, as in mooncake-delta's
   * accumulated prompts; absent = `traceBlockSize` tokens each.
   */
  hashRunTokens?: Uint32Array;
  /**
   * With `hashRunTokens`: the token id each request generates (as many as its output length), so
   * its generated KV blocks have content a later prompt can match (mooncake-delta, where the next
   * turn's prompt holds this turn's output); absent = generated blocks are private.
   */
  outputRunIds?: Uint32Array;
  /** An agentic request graph (agentic_mooncake), when present. */
  graph?: WorkloadGraph;
}

/**
 * Requests released by their dependencies (agentic_mooncake). Every request is its own session,
 * and `firstArrivalMs` holds each request's earliest start. Request r waits for the requests
 * depSources[depOffsets[r] .. depOffsets[r+1]) — on their dispatch (depOnDispatch 1) or completion
 * (0) — plus depDelayMs each. Requests belong to plays (`playOf`, ids in `playIds`).
 */
export interface WorkloadGraph {
  depOffsets: Uint32Array;
  depSources: Uint32Array;
  depDelayMs: Float64Array;
  depOnDispatch: Uint8Array;
  playOf: Uint32Array;
  playIds: string[];
  /** The trace's request ids, for per-request records. */
  requestIds: string[];
  /** `--agentic-lanes`: plays run one after another in this many lanes; 0 = each at its own start. */
  lanes: number;
}

export function requestCount(w: Workload): number {
  return w.inputLength.length;
}

export function sessionCount(w: Workload): number {
  return w.sessionStart.length - 1;
}
