// Compiles an agentic trace's requests into the workload's request graph, with the reference's
// checks (aisimulate/crates/core/src/replay/loadgen/trace.rs: AgenticTraceBuilder::finish,
// validate_agentic_trace_is_acyclic, AgenticTrace::normalize_starts / speed_up_timing; the driver's
// hash-id interning in WorkloadDriver::new_agentic_trace_with_options).
//
// v2 requests are ordered by request_id and plays by play_id (byte order, as Rust sorts Strings);
// v1 keeps file order, and its plays are the connected parts of the wait_for graph (a request that
// fails stops the rest of its part, as a failed v2 play does).

import { SIM_TIME_LIMIT_TEXT, isSimTimeMs } from '../core/limits.js';
import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { formatFloat } from './fmt.js';

export interface AgenticDependency {
  requestId: string;
  delayMs: number;
  /** Fires when the source is dispatched (v2 `trigger: dispatch`) rather than when it completes. */
  onDispatch: boolean;
  relation?: string;
}

export interface AgenticNode {
  line: number;
  /** `<file>:<line>` of the row, when it is not `<AssembleOptions.path>:<line>` (several shards). */
  where?: string;
  requestId: string;
  /** v2's play; '' for v1 (plays are derived). */
  playId: string;
  sessionId: string;
  inputLength: number;
  outputLength: number;
  /** Hash ids as interning keys (exact decimal text past 2^53). */
  hashKeys: (number | string)[];
  /** Earliest start in trace ms; NaN for v1 rows that wait (they start when released). */
  notBeforeMs: number;
  deps: AgenticDependency[];
}

export interface AssembleOptions {
  path: string;
  version: 1 | 2;
  blockSize: number;
  speedup: number;
  lanes: number;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
/** Byte order of the UTF-8 texts, as Rust orders Strings. */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogates, UTF-16 units order as code points, and so as UTF-8 bytes.
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(utf8(a), utf8(b));
  }
  return a.length - b.length;
}

/** A v2 row as AgenticTraceBuilder::push checks it, after its fields were read. */
export interface AgenticRowCheck {
  requestId: string;
  playId: string;
  sessionId: string;
  model: string;
  inputLength: number | undefined;
  outputLength: number | undefined;
  /** Length of `output_token_ids` when the row gives them. */
  outputTokenIdCount: number | undefined;
  hashKeys: unknown[] | undefined;
  notBeforeMs: number;
  deps: AgenticDependency[];
}

const debugName = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The builder's row checks, in its order; `at` is "trace line N", `fail` adds the location. */
export function checkAgenticRow(row: AgenticRowCheck, blockSize: number, at: string, fail: (m: string) => ReplayError): void {
  const { requestId, playId, sessionId, model, inputLength, outputLength, hashKeys, notBeforeMs, deps } = row;
  if (requestId.trim() === '') throw fail(`${at} has empty request_id`);
  if (playId.trim() === '') throw fail(`${at} has empty play_id`);
  if (sessionId.trim() === '') throw fail(`${at} has empty session_id`);
  if (hashKeys === undefined) throw fail(`${at} is missing hash_ids`);
  if (hashKeys.length === 0) throw fail(`${at} has empty hash_ids`);
  if (inputLength === undefined) throw fail(`${at} is missing input_length`);
  if (inputLength === 0) throw fail(`${at} has zero input_length`);
  const expected = Math.ceil(inputLength / blockSize);
  if (hashKeys.length !== expected) {
    throw fail(`${at} has input_length ${inputLength} at block_size ${blockSize} and requires exactly ${expected} hash_ids, got ${hashKeys.length}`);
  }
  if (model.trim() === '') throw fail(`${at} has an empty model`);
  if (outputLength === undefined) throw fail(`${at} is missing output_length`);
  if (row.outputTokenIdCount !== undefined && row.outputTokenIdCount !== outputLength) {
    throw fail(`${at} output_length ${outputLength} does not match output_token_ids length ${row.outputTokenIdCount}`);
  }
  if (!(Number.isFinite(notBeforeMs) && notBeforeMs >= 0)) throw fail(`${at} has invalid not_before_ms ${formatFloat(notBeforeMs)}`);
  for (const d of deps) {
    if (d.requestId.trim() === '') throw fail(`${at} has a dependency with an empty request_id`);
    if (!(Number.isFinite(d.delayMs) && d.delayMs >= 0)) throw fail(`${at} has invalid dependency delay ${formatFloat(d.delayMs)}`);
    if (d.onDispatch && d.relation !== 'spawn') throw fail(`${at} has invalid ${debugName(d.relation!)} dependency with Dispatch trigger`);
  }
}

const U32_SPAN = 4294967296;

/** The core keeps lengths (and a prompt's hash-block capacity) in 32 bits. */
export function checkFitsU32(node: AgenticNode, blockSize: number, at: string, fail: (m: string) => ReplayError): void {
  if (node.hashKeys.length * blockSize > U32_SPAN || node.inputLength >= U32_SPAN || node.outputLength >= U32_SPAN) {
    throw fail(`${at} input_length or output_length exceeds the supported maximum ${U32_SPAN - 1}`);
  }
}

export function assembleAgenticGraph(input: AgenticNode[], o: AssembleOptions): Workload {
  const nodes = o.version === 2 ? [...input].sort((a, b) => byteOrder(a.requestId, b.requestId)) : input;
  const R = nodes.length;
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(n.requestId, i));
  const lineError = (n: AgenticNode, msg: string) => new ReplayError(`${n.where ?? `${o.path}:${n.line}`}: ${msg}`);

  // Dependencies, checked as the reference checks them.
  const depOffsets = new Uint32Array(R + 1);
  const sources: number[] = [];
  for (let i = 0; i < R; i++) {
    const n = nodes[i]!;
    for (const d of n.deps) {
      const s = index.get(d.requestId);
      if (s === undefined) throw lineError(n, `request ${n.requestId} references unknown request_id ${d.requestId}`);
      if (s === i) throw lineError(n, `request ${n.requestId} cannot depend on itself`);
      const src = nodes[s]!;
      if (o.version === 2 && src.playId !== n.playId) {
        throw lineError(n, `request ${n.requestId} in play ${n.playId} depends on request ${d.requestId} in play ${src.playId}`);
      }
      sources.push(s);
    }
    depOffsets[i + 1] = sources.length;
  }
  const order = topologicalOrder(depOffsets, sources, R);
  if (order.length !== R) throw new ReplayError(`cycle detected among ${R - order.length} agentic requests`);

  const { playOf, playIds } = o.version === 2 ? playsById(nodes) : connectedPlays(depOffsets, sources, R);
  const roots = new Uint32Array(playIds.length);
  for (let i = 0; i < R; i++) if (depOffsets[i + 1] === depOffsets[i]) roots[playOf[i]!]++;
  if (o.version === 2) {
    for (let p = 0; p < playIds.length; p++) {
      if (roots[p] !== 1) throw new ReplayError(`play ${playIds[p]} must have exactly one root request, found ${roots[p]}`);
    }
  }

  // Starts relative to the earliest, then sped up with every dependency delay.
  let min = Infinity;
  for (const n of nodes) if (n.notBeforeMs < min) min = n.notBeforeMs;
  const firstArrivalMs = new Float64Array(R);
  const depDelayMs = new Float64Array(sources.length);
  const depOnDispatch = new Uint8Array(sources.length);
  for (let i = 0; i < R; i++) {
    const n = nodes[i]!;
    firstArrivalMs[i] = Number.isNaN(n.notBeforeMs) ? 0 : (n.notBeforeMs - min) / o.speedup;
    n.deps.forEach((d, k) => {
      depDelayMs[depOffsets[i]! + k] = d.delayMs / o.speedup;
      depOnDispatch[depOffsets[i]! + k] = d.onDispatch ? 1 : 0;
    });
  }
  // The earliest each request can start must lie within the simulated-time limit.
  const bound = Float64Array.from(firstArrivalMs);
  for (const i of order) {
    for (let d = depOffsets[i]!; d < depOffsets[i + 1]!; d++) bound[i] = Math.max(bound[i]!, bound[sources[d]!]! + depDelayMs[d]!);
    if (!isSimTimeMs(bound[i]!)) {
      const scaled = o.speedup === 1 ? '' : ` at --arrival-speedup-ratio ${formatFloat(o.speedup)}`;
      throw lineError(nodes[i]!, `request ${nodes[i]!.requestId} reaches beyond ${SIM_TIME_LIMIT_TEXT}${scaled}`);
    }
  }

  // Hash ids interned to compact u32s in request order.
  const interned = new Map<number | string, number>();
  const hashOffsets = new Uint32Array(R + 1);
  let total = 0;
  for (let i = 0; i < R; i++) hashOffsets[i + 1] = total += nodes[i]!.hashKeys.length;
  const hashIds = new Uint32Array(total);
  for (let i = 0, k = 0; i < R; i++) {
    for (const key of nodes[i]!.hashKeys) {
      let id = interned.get(key);
      if (id === undefined) interned.set(key, (id = interned.size));
      hashIds[k++] = id;
    }
  }
  if (interned.size > 0x100000000) throw new ReplayError('trace contains more unique hash IDs than u32 can represent');

  return {
    inputLength: Uint32Array.from(nodes, (n) => n.inputLength),
    outputLength: Uint32Array.from(nodes, (n) => n.outputLength),
    hashOffsets,
    hashIds,
    traceBlockSize: o.blockSize,
    sessionStart: Uint32Array.from({ length: R + 1 }, (_, i) => i),
    firstArrivalMs,
    turnDelayMs: new Float64Array(R),
    sessionIds: nodes.map((n) => n.sessionId),
    concurrency: 0,
    graph: {
      depOffsets,
      depSources: Uint32Array.from(sources),
      depDelayMs,
      depOnDispatch,
      playOf,
      playIds,
      requestIds: nodes.map((n) => n.requestId),
      lanes: o.lanes,
    },
  };
}

/** Kahn's order over the dependency edges; shorter than `n` when there is a cycle. */
function topologicalOrder(depOffsets: Uint32Array, sources: number[], n: number): number[] {
  const indegree = new Uint32Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    indegree[i] = depOffsets[i + 1]! - depOffsets[i]!;
    for (let d = depOffsets[i]!; d < depOffsets[i + 1]!; d++) dependents[sources[d]!]!.push(i);
  }
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const t of dependents[order[k]!]!) if (--indegree[t] === 0) order.push(t);
  }
  return order;
}

/** v2 plays, numbered in play_id order. */
function playsById(nodes: AgenticNode[]): { playOf: Uint32Array; playIds: string[] } {
  const playIds = [...new Set(nodes.map((n) => n.playId))].sort(byteOrder);
  const number = new Map(playIds.map((p, i) => [p, i]));
  return { playOf: Uint32Array.from(nodes, (n) => number.get(n.playId)!), playIds };
}

/** v1 plays: the connected parts of the dependency graph, numbered by their first request. */
function connectedPlays(depOffsets: Uint32Array, sources: number[], n: number): { playOf: Uint32Array; playIds: string[] } {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (let i = 0; i < n; i++) {
    for (let d = depOffsets[i]!; d < depOffsets[i + 1]!; d++) {
      const a = find(i);
      const b = find(sources[d]!);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const playOf = new Uint32Array(n);
  const number = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let p = number.get(root);
    if (p === undefined) number.set(root, (p = number.size));
    playOf[i] = p;
  }
  return { playOf, playIds: Array.from({ length: number.size }, (_, p) => `play_${p}`) };
}
