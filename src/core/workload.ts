// The workload as the native core receives it: flat typed arrays, one entry per request (turn).
// Requests are grouped into sessions; a session's turns are contiguous and in turn order.

export interface Workload {
  /** Prompt length of each request after the `input_length` clamp. */
  inputLength: Uint32Array;
  /** Requested output length of each request. */
  outputLength: Uint32Array;
  /**
   * hashIds[hashOffsets[i] .. hashOffsets[i+1]) are request i's trace hash ids (truncated to u32).
   * Both are empty when `blockIdPattern` describes the ids instead.
   */
  hashOffsets: Uint32Array;
  hashIds: Uint32Array;
  /** Synthetic workloads: the hash ids as a pattern rather than a list (see BlockIdPattern). */
  blockIdPattern?: BlockIdPattern;
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
 * Hash ids that follow a pattern, as synthetic prompts do: request r has `blocksPerRequest` ids,
 * the first `sharedBlocks` of them sharedFirstId[r], sharedFirstId[r] + 1, … (its prefix group's),
 * the rest fresh: firstPrivateId + r × (blocksPerRequest − sharedBlocks), counting up.
 */
export interface BlockIdPattern {
  sharedFirstId: Uint32Array;
  sharedBlocks: number;
  blocksPerRequest: number;
  firstPrivateId: number;
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

/** Request r's trace hash ids, from the list or the pattern. */
export function requestHashIds(w: Workload, r: number): Uint32Array {
  const p = w.blockIdPattern;
  if (p === undefined) return w.hashIds.subarray(w.hashOffsets[r], w.hashOffsets[r + 1]);
  const ids = new Uint32Array(p.blocksPerRequest);
  const fresh = p.blocksPerRequest - p.sharedBlocks;
  for (let b = 0; b < p.blocksPerRequest; b++)
    ids[b] = b < p.sharedBlocks ? p.sharedFirstId[r]! + b : p.firstPrivateId + r * fresh + (b - p.sharedBlocks);
  return ids;
}

export function sessionCount(w: Workload): number {
  return w.sessionStart.length - 1;
}

/**
 * A read-only array of `count` names made when read by `nameOf`: a run of a million sessions
 * would otherwise hold a million strings it mostly never shows.
 */
export function lazyNames(count: number, nameOf: (i: number) => string): string[] {
  const nameAt = (key: string | symbol): string | undefined => {
    if (typeof key !== 'string') return undefined;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < count && String(i) === key ? nameOf(i) : undefined;
  };
  return new Proxy<string[]>([], {
    get: (target, key, receiver) => (key === 'length' ? count : (nameAt(key) ?? Reflect.get(target, key, receiver))),
    has: (target, key) => nameAt(key) !== undefined || Reflect.has(target, key),
    ownKeys: (target) => [...Array.from({ length: count }, (_, i) => String(i)), ...Reflect.ownKeys(target)],
    getOwnPropertyDescriptor: (target, key) => {
      if (key === 'length') return { value: count, writable: true, enumerable: false, configurable: false };
      const name = nameAt(key);
      return name !== undefined ? { value: name, writable: false, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key);
    },
    set: () => false,
  });
}

/** `${prefix}${first + i}` for i < count, made when read (see lazyNames). */
export function numberedNames(prefix: string, first: number, count: number): string[] {
  return lazyNames(count, (i) => prefix + (first + i));
}

/**
 * The workload with its names as a plain array, for structured cloning (a sweep hands parsed
 * traces to its workers): lazy names cannot be cloned.
 */
export function cloneableWorkload(w: Workload): Workload {
  return { ...w, sessionIds: Array.from(w.sessionIds) };
}
