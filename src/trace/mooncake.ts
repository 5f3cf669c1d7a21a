// Mooncake JSONL trace loader (`--trace-format mooncake`, the default), plain or gzip-compressed.
//
// One JSON object per line; blank lines are skipped and unknown fields ignored. Fields (aliases in
// parentheses): `timestamp` (`created_time`) ms, `input_length` (`input_tokens`), `output_length`
// (`output_tokens`, required), `hash_ids` (required), `session_id`, `delay` (`delay_ms`).
//
// Rows sharing a `session_id` form one closed-loop session, turns in file order; a row without
// `session_id` is its own session `request_<line>`. The result is a `Workload` whose sessions are
// ordered by first arrival (stable: ties keep file order) in trace mode, and by first appearance in
// the file in concurrency mode (where timestamps are ignored, as the reference's closed-loop driver
// admits sessions in file order).
//
// Error format: every message tied to a line is `<path>:<line>: <reference message>` — e.g.
// `trace.jsonl:12: trace line 12 is missing output_length`; a type problem in a field reads
// `trace.jsonl:3: failed to parse line 3 from trace.jsonl as JSON: field "hash_ids" must be an
// array of non-negative integers, got "x"`. File-level messages (`failed to open trace file P: …`,
// `trace file P did not contain any requests`) already name the file and carry no prefix. All are
// `ReplayError`s with a single-line message.

import { SIM_TIME_LIMIT_TEXT, sessionBeyondTimeLimit } from '../core/limits.js';
import { lazyNames, type Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { formatFloat, formatJsonValue } from './fmt.js';
import { GrowableFloat64, GrowableUint32 } from './growable.js';
import { forEachLine } from './lines.js';
import { scanMooncakeTrace } from './mooncake-native.js';
import { MooncakeRows, U32_MAX, type RowFields } from './mooncake-rows.js';

export interface MooncakeLoadOptions {
  /** Tokens per trace `hash_id` (`--trace-block-size`); default 512. */
  traceBlockSize?: number;
  /** Divides first-arrival offsets and inter-turn delays (`--arrival-speedup-ratio`); default 1. */
  arrivalSpeedupRatio?: number;
  /** Closed-loop cap on sessions in flight (`--replay-concurrency`); 0 (default) = trace timestamps. */
  concurrency?: number;
  /** 'json' reads every line with JSON.parse (the reader the addon's scanner must agree with). */
  reader?: 'scanner' | 'json';
}

export const DEFAULT_TRACE_BLOCK_SIZE = 512;

const U32_SPAN = 4294967296;
const BLANK = /^\s*$/;

/** Throws the reference's message unless `ratio` is a finite positive number. */
export function validateSpeedupRatio(ratio: number): void {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0) {
    throw new ReplayError(`ratio must be a finite positive number, got ${formatFloat(Number(ratio))}`);
  }
}

/** Throws unless `concurrency` is a non-negative integer (0 = open loop). */
export function validateConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 0) {
    throw new ReplayError(`concurrency must be a non-negative integer (0 = open loop), got ${formatFloat(concurrency)}`);
  }
}

/**
 * Exact low 32 bits of every `hash_ids` entry, read from the raw line text. Used only when some id
 * exceeds 2^53 and JSON.parse has already rounded it. Finds the last top-level `"hash_ids"` key (as
 * JSON.parse keeps the last duplicate); returns null when it cannot make sense of the text.
 */
export function exactHashIdsFromText(line: string): bigint[] | null {
  const n = line.length;
  let depth = 0;
  let i = 0;
  let result: bigint[] | null = null;
  const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      const start = ++i;
      while (i < n) {
        const d = line.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      const end = i++;
      if (depth !== 1 || end - start !== 8 || line.slice(start, end) !== 'hash_ids') continue;
      let j = i;
      while (j < n && isWs(line.charCodeAt(j))) j++;
      if (line.charCodeAt(j) !== 0x3a) continue;
      j++;
      while (j < n && isWs(line.charCodeAt(j))) j++;
      if (line.charCodeAt(j) !== 0x5b) return null;
      j++;
      const values: bigint[] = [];
      for (;;) {
        while (j < n && isWs(line.charCodeAt(j))) j++;
        if (j >= n) return null;
        if (line.charCodeAt(j) === 0x5d) break;
        const tokStart = j;
        while (j < n) {
          const d = line.charCodeAt(j);
          if (d === 0x2c || d === 0x5d || isWs(d)) break;
          j++;
        }
        const tok = line.slice(tokStart, j);
        if (!/^[0-9]+$/.test(tok)) return null;
        values.push(BigInt(tok));
        while (j < n && isWs(line.charCodeAt(j))) j++;
        if (line.charCodeAt(j) === 0x2c) j++;
      }
      result = values;
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    i++;
  }
  return result;
}

/**
 * Loads a Mooncake JSONL (or .jsonl.gz) trace into a `Workload`, streaming: the file is never held
 * in memory as text, and per-request data accumulates in typed arrays. The addon's scanner reads
 * the rows; a file it stops on is read with JSON.parse, which words the error (mooncake-native.ts).
 */
export async function loadMooncakeTrace(path: string, opts: MooncakeLoadOptions = {}): Promise<Workload> {
  const traceBlockSize = opts.traceBlockSize ?? DEFAULT_TRACE_BLOCK_SIZE;
  const ratio = opts.arrivalSpeedupRatio ?? 1;
  const concurrency = opts.concurrency ?? 0;
  if (!Number.isInteger(traceBlockSize) || traceBlockSize <= 0) {
    throw new ReplayError(`trace_block_size must be greater than 0, got ${formatFloat(traceBlockSize)}`);
  }
  validateSpeedupRatio(ratio);
  validateConcurrency(concurrency);
  const traceMode = concurrency === 0;

  const freshRows = (expectedRows?: number) => new MooncakeRows(path, traceBlockSize, traceMode, expectedRows);
  const scanned = opts.reader === 'json' ? null : await scanMooncakeTrace(path, freshRows);
  let rows: MooncakeRows;
  let hashIds: Uint32Array;
  if (scanned !== null) ({ rows, hashIds } = scanned);
  else {
    rows = freshRows();
    hashIds = await parseWithJson(path, rows);
  }

  if (rows.inputLength.length === 0) {
    throw new ReplayError(`trace file ${path} did not contain any requests`);
  }

  const workload = assemble({
    inputLength: rows.inputLength,
    outputLength: rows.outputLength,
    hashEnd: rows.hashEnd,
    hashIds,
    reqSession: rows.reqSession,
    reqDelay: rows.reqDelay,
    sessionCount: rows.sessionCount,
    sessionName: rows.namer(),
    sessFirstTs: rows.sessFirstTs,
    sessTurns: rows.sessTurns,
    traceBlockSize,
    ratio,
    concurrency,
  });
  const late = sessionBeyondTimeLimit(workload.firstArrivalMs, workload.sessionStart, workload.turnDelayMs);
  if (late >= 0) {
    const name = workload.sessionIds[late]!;
    let source = 0;
    while (rows.sessionName(source) !== name) source++;
    const line = rows.sessFirstLine.get(source);
    const scaled = ratio === 1 ? '' : ` at --arrival-speedup-ratio ${formatFloat(ratio)}`;
    throw new ReplayError(`${path}:${line}: session ${name} reaches beyond ${SIM_TIME_LIMIT_TEXT}${scaled}`);
  }
  return workload;
}

/** Reads every line with JSON.parse: the field types (1) and hash ids (6) here, the rest in `rows`. */
async function parseWithJson(path: string, rows: MooncakeRows): Promise<Uint32Array> {
  const hashIds = new GrowableUint32(1 << 16);
  const onLine = (text: string, lineNo: number): void => {
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (BLANK.test(text)) return;
    const parseError = (detail: string) =>
      rows.lineError(lineNo, `failed to parse line ${lineNo} from ${path} as JSON: ${detail}`);

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw parseError(err instanceof Error ? err.message : String(err));
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw parseError(`expected a JSON object, got ${formatJsonValue(parsed)}`);
    }
    const row = parsed as Record<string, unknown>;

    // Field lookup with serde-style aliases; null counts as absent.
    const pick = (name: string, alias?: string): [unknown, string] => {
      const v = row[name];
      if (v !== undefined && v !== null) return [v, name];
      if (alias !== undefined) {
        const a = row[alias];
        if (a !== undefined && a !== null) return [a, alias];
      }
      return [undefined, name];
    };
    const optNumber = (name: string, alias?: string): number | undefined => {
      const [v, key] = pick(name, alias);
      if (v === undefined) return undefined;
      if (typeof v !== 'number') throw parseError(`field "${key}" must be a number, got ${formatJsonValue(v)}`);
      return v;
    };
    const optCount = (name: string, alias?: string): number | undefined => {
      const [v, key] = pick(name, alias);
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw parseError(`field "${key}" must be a non-negative integer, got ${formatJsonValue(v)}`);
      }
      return v;
    };

    // 1. Types (as a typed deserialiser would reject them).
    const timestamp = optNumber('timestamp', 'created_time');
    const explicitDelay = optNumber('delay', 'delay_ms');
    const rawInput = optCount('input_length', 'input_tokens');
    const rawOutput = optCount('output_length', 'output_tokens');
    const [sidValue] = pick('session_id');
    if (sidValue !== undefined && typeof sidValue !== 'string') {
      throw parseError(`field "session_id" must be a string, got ${formatJsonValue(sidValue)}`);
    }
    const [hashValue] = pick('hash_ids');
    if (hashValue !== undefined && !Array.isArray(hashValue)) {
      throw parseError(`field "hash_ids" must be an array of non-negative integers, got ${formatJsonValue(hashValue)}`);
    }
    const ids = hashValue as unknown[] | undefined;
    const fields: RowFields = {
      timestamp,
      explicitDelay,
      rawInput,
      rawOutput,
      sessionId: sidValue as string | undefined,
      hashCount: ids?.length,
    };

    // 2.-5. Required fields, session, delay, limits.
    const checked = rows.check(lineNo, fields);

    // 6. Hash ids, truncated to u32 like the reference's token synthesis.
    const hashStart = hashIds.length;
    if (hashStart + ids!.length > U32_MAX) {
      throw rows.lineError(lineNo, `trace has more than ${U32_MAX} hash ids in total`);
    }
    hashIds.reserve(ids!.length);
    let needsExact = false;
    for (let k = 0; k < ids!.length; k++) {
      const v = ids![k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        hashIds.truncate(hashStart);
        throw parseError(`field "hash_ids" must be an array of non-negative integers, got ${formatJsonValue(v)}`);
      }
      if (v < U32_SPAN) hashIds.push(v);
      else if (v <= Number.MAX_SAFE_INTEGER) hashIds.push(Number(BigInt.asUintN(32, BigInt(v))));
      else {
        needsExact = true;
        hashIds.push(0);
      }
    }
    if (needsExact) {
      const exact = exactHashIdsFromText(text);
      if (exact === null || exact.length !== ids!.length) {
        hashIds.truncate(hashStart);
        throw parseError(`field "hash_ids" could not be read exactly`);
      }
      for (let k = 0; k < exact.length; k++) {
        if (exact[k] >= 1n << 64n) {
          hashIds.truncate(hashStart);
          throw parseError(`field "hash_ids" value ${exact[k]} does not fit in 64 bits`);
        }
        hashIds.set(hashStart + k, Number(BigInt.asUintN(32, exact[k])));
      }
    }

    // 7. Commit.
    rows.commit(lineNo, fields, checked, hashIds.length);
  };

  await forEachLine(path, onLine);
  return hashIds.finish();
}

interface Collected {
  inputLength: GrowableUint32;
  outputLength: GrowableUint32;
  hashEnd: GrowableUint32;
  hashIds: Uint32Array;
  reqSession: GrowableUint32;
  reqDelay: GrowableFloat64;
  sessionCount: number;
  sessionName: (s: number) => string;
  sessFirstTs: GrowableFloat64;
  sessTurns: GrowableUint32;
  traceBlockSize: number;
  ratio: number;
  concurrency: number;
}

/** Orders sessions, lays their turns out contiguously, normalises and speeds up the timing. */
function assemble(c: Collected): Workload {
  const S = c.sessionCount;
  const R = c.inputLength.length;
  const traceMode = c.concurrency === 0;
  const firstTs = c.sessFirstTs.view();

  // Session order: by first arrival (stable) in trace mode, file order in concurrency mode.
  let order: Uint32Array | null = null; // null = identity
  if (traceMode) {
    let sorted = true;
    for (let s = 1; s < S; s++) {
      if (firstTs[s] < firstTs[s - 1]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      order = new Uint32Array(S);
      for (let s = 0; s < S; s++) order[s] = s;
      order.sort((a, b) => firstTs[a] - firstTs[b] || a - b);
    }
  }
  const sessionAt = (k: number) => (order === null ? k : order[k]);

  const sessionStart = new Uint32Array(S + 1);
  const turns = c.sessTurns.view();
  for (let k = 0; k < S; k++) sessionStart[k + 1] = sessionStart[k] + turns[sessionAt(k)];

  const firstArrivalMs = new Float64Array(S);
  if (traceMode) {
    const minTs = firstTs[sessionAt(0)];
    for (let k = 0; k < S; k++) firstArrivalMs[k] = (firstTs[sessionAt(k)] - minTs) / c.ratio;
  }
  const sessionIds = lazyNames(S, order === null ? c.sessionName : (k) => c.sessionName(order[k]!));

  // Requests are already in final position when sessions keep file order and turns are contiguous.
  const reqSession = c.reqSession.view();
  let inPlace = order === null;
  for (let r = 1; inPlace && r < R; r++) if (reqSession[r] < reqSession[r - 1]) inPlace = false;

  const delays = c.reqDelay.view();
  // The per-request arrays in final order, with the session layout around them.
  const workload = (
    inputLength: Uint32Array,
    outputLength: Uint32Array,
    hashOffsets: Uint32Array,
    hashIds: Uint32Array,
    turnDelayMs: Float64Array,
  ): Workload => ({
    inputLength,
    outputLength,
    hashOffsets,
    hashIds,
    traceBlockSize: c.traceBlockSize,
    sessionStart,
    firstArrivalMs,
    turnDelayMs,
    sessionIds,
    concurrency: c.concurrency,
  });
  if (inPlace) {
    const hashOffsets = new Uint32Array(R + 1);
    hashOffsets.set(c.hashEnd.view(), 1);
    const turnDelayMs = c.reqDelay.finish();
    if (c.ratio !== 1) for (let r = 0; r < R; r++) turnDelayMs[r] /= c.ratio;
    return workload(c.inputLength.finish(), c.outputLength.finish(), hashOffsets, c.hashIds, turnDelayMs);
  }

  // Destination of each request: its session's slot in output order, turns in file order.
  const rank = new Uint32Array(S);
  for (let k = 0; k < S; k++) rank[sessionAt(k)] = k;
  const cursor = sessionStart.slice(0, S);
  const dest = new Uint32Array(R);
  for (let r = 0; r < R; r++) dest[r] = cursor[rank[reqSession[r]]]++;

  const srcIn = c.inputLength.view();
  const srcOut = c.outputLength.view();
  const srcEnd = c.hashEnd.view();
  const srcIds = c.hashIds;
  const inputLength = new Uint32Array(R);
  const outputLength = new Uint32Array(R);
  const turnDelayMs = new Float64Array(R);
  const hashCount = new Uint32Array(R);
  for (let r = 0; r < R; r++) {
    const d = dest[r];
    inputLength[d] = srcIn[r];
    outputLength[d] = srcOut[r];
    turnDelayMs[d] = delays[r] / c.ratio;
    hashCount[d] = srcEnd[r] - (r === 0 ? 0 : srcEnd[r - 1]);
  }
  const hashOffsets = new Uint32Array(R + 1);
  for (let d = 0; d < R; d++) hashOffsets[d + 1] = hashOffsets[d] + hashCount[d];
  const hashIds = new Uint32Array(srcIds.length);
  for (let r = 0; r < R; r++) {
    const from = r === 0 ? 0 : srcEnd[r - 1];
    hashIds.set(srcIds.subarray(from, srcEnd[r]), hashOffsets[dest[r]]);
  }

  return workload(inputLength, outputLength, hashOffsets, hashIds, turnDelayMs);
}
