// Dynamo request-trace loader (`--trace-format dynamo`): `dynamo.request.trace.v1` JSONL or
// JSONL.GZ shards as Dynamo's request tracing writes them, read directly (no Mooncake file).
//
// Follows lib/data-gen/src/request_trace/load.rs (load_request_trace_records, request_entry,
// request_times) and mooncake.rs (lower_mooncake_rows): every `request_end` row (bare, or wrapped
// as `{"event": {...}}`) is one request; `request_payload` rows are skipped and `tool_*` rows carry
// nothing for the standard model. A request arrives at `request_received_ms` (relative to the
// earliest), alone in its session, with `request.replay.input_length` prompt tokens whose blocks
// are the trace's sequence hashes (`input_sequence_hashes`, one per `trace_block_size` tokens;
// equal hashes are equal prefixes). Rows are ordered by (start, end, request_id) as the lowering
// does. The block size comes from the trace, is the same on every row of every shard, and must
// equal `--trace-block-size` when that is given (lib/mocker/src/loadgen/dynamo.rs,
// validate_dynamo_trace_block_size).
//
// Traces whose rows all carry `agent_context` are agent sessions: they replay as a request graph
// (src/trace/dynamo-agentic.ts); mixing rows with and without it is refused, as the reference does
// (LoadedAgentTrace::mode). Terminal tool events (`tool_end` / `tool_error`) feed that graph.
//
// Not modelled: `completion_sequence_hashes` (the generated tokens' identities, which let a later
// prompt hit the blocks a response wrote) are used only to complete a partial last prompt block,
// since dynosim's engines give generated blocks no shared identity.

import { countText } from '../core/count-text.js';
import { SIM_TIME_LIMIT_TEXT, sessionBeyondTimeLimit } from '../core/limits.js';
import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { loadAgenticDynamoTrace } from './dynamo-agentic.js';
import { formatFloat, formatJsonValue } from './fmt.js';
import { RowFields } from './json-row.js';
import { forEachLine } from './lines.js';
import { U32_MAX } from './mooncake-rows.js';
import { validateConcurrency, validateSpeedupRatio } from './mooncake.js';

export const DYNAMO_TRACE_SCHEMA = 'dynamo.request.trace.v1';

export interface DynamoLoadOptions {
  /** `--trace-block-size`: checked against the block size the trace carries. */
  traceBlockSize?: number;
  arrivalSpeedupRatio?: number;
  concurrency?: number;
  /** `--agentic-lanes`: agent-session traces only. */
  agenticLanes?: number;
  /** A planner runs (agent-session traces refuse it, as the reference does). */
  planner?: boolean;
  /** Notes for stderr (e.g. what the trace holds that is not modelled). */
  onNote?: (line: string) => void;
}

/** A request_end row's `agent_context`: the agent session it belongs to. */
export interface AgentContext {
  sessionId: string;
  parentSessionId: string | null;
}

export interface RequestRow {
  requestId: string;
  startMs: number;
  endMs: number;
  inputLength: number;
  outputLength: number;
  blockSize: number;
  /** Sequence hashes as decimal text (they are u64: exact, never rounded through a double). */
  inputHashes: string[];
  completionHashes: string[] | null;
  model: string | null;
  context: AgentContext | null;
  line: number;
  where: string;
}

/**
 * A terminal tool event (`tool_end` / `tool_error`) of an agent session (load.rs, tool_entry); the
 * optional `claude` block links the tool call to the requests that issued and consumed it and the
 * sub-agent session it launched.
 */
export interface ToolRow {
  sessionId: string;
  toolCallId: string;
  claude: {
    sourceRequestId: string;
    consumerRequestId: string | null;
    childSessionId: string | null;
    executionMode: string;
  } | null;
  where: string;
}

const BLANK = /^\s*$/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The decimal texts of the last `"<key>": [ ... ]` integer array in a JSON line. The arrays this
 * reads hold u64 hashes beyond 2^53, which JSON.parse would round; the parsed value only checks
 * the shape. A key inside a string value cannot match (its quotes would be escaped).
 */
function integerArrayText(line: string, key: string): string[] | null {
  const pattern = new RegExp(`"${key}"\\s*:\\s*\\[([^\\]]*)\\]`, 'g');
  let last: string | null = null;
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) last = m[1]!;
  if (last === null) return null;
  const body = last.trim();
  return body === '' ? [] : body.split(',').map((t) => t.trim());
}

const U64_MAX_TEXT = ((1n << 64n) - 1n).toString();

/** Whether `t` is a u64 in decimal (JSON numbers have no leading zeros, so each value has one text). */
function isU64Text(t: string): boolean {
  if (!/^[0-9]+$/.test(t)) return false;
  // Equal-length digit strings compare as their numbers.
  return t.length < U64_MAX_TEXT.length || (t.length === U64_MAX_TEXT.length && t <= U64_MAX_TEXT);
}

/** Exact u64 decimal texts of `key`'s array, checked against the parsed array; throws `fail(reason)`. */
function sequenceHashes(line: string, key: string, parsed: unknown, fail: (reason: string) => Error): string[] {
  if (!Array.isArray(parsed)) throw fail(`field "${key}" must be an array of u64 hashes, got ${formatJsonValue(parsed)}`);
  const texts = integerArrayText(line, key);
  if (texts === null || texts.length !== parsed.length) throw fail(`field "${key}" could not be read exactly`);
  for (const t of texts) if (!isU64Text(t)) throw fail(`field "${key}" must be an array of u64 hashes, got ${t}`);
  return texts;
}

function count(v: unknown, name: string, fail: (reason: string) => Error): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(`field "${name}" must be a non-negative integer, got ${formatJsonValue(v)}`);
  return v;
}

function finite(v: unknown, name: string, fail: (reason: string) => Error): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`field "${name}" must be a number, got ${formatJsonValue(v)}`);
  return v;
}

/** request_times: start = request_received_ms; end = start + total_time_ms, else the event time. */
function requestTimes(eventMs: number, receivedMs: number, totalMs: number | undefined): [number, number] {
  const total = totalMs !== undefined ? Math.round(Math.max(totalMs, 0)) : Math.max(eventMs - receivedMs, 0);
  return [receivedMs, receivedMs + total];
}

/** `agent_context` as the loader's AgentContextFields reads it; null when absent. */
function agentContext(v: unknown, fail: (reason: string) => ReplayError): AgentContext | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw fail(`field "agent_context" must be an object, got ${formatJsonValue(v)}`);
  const f = new RowFields(v, fail);
  return { sessionId: f.string('session_id'), parentSessionId: f.optString('parent_session_id') ?? null };
}

/** A terminal tool event's `tool` block (RequestTraceToolEventMetrics), as a ToolRow of `context`'s session. */
function toolRow(
  record: Obj,
  eventMs: number,
  context: AgentContext | null,
  fail: (reason: string) => ReplayError,
  where: string,
): ToolRow | null {
  if (record.tool === undefined || record.tool === null) return null;
  if (!isObject(record.tool)) throw fail(`field "tool" must be an object, got ${formatJsonValue(record.tool)}`);
  const f = new RowFields(record.tool, fail);
  const toolCallId = f.string('tool_call_id');
  f.string('tool_class');
  let claude: ToolRow['claude'] = null;
  if (record.tool.claude !== undefined && record.tool.claude !== null) {
    const c = f.child(record.tool.claude, 'claude');
    claude = {
      sourceRequestId: c.string('source_request_id'),
      consumerRequestId: c.optString('consumer_request_id') ?? null,
      childSessionId: c.optString('child_session_id') ?? null,
      executionMode: c.string('execution_mode'),
    };
  }
  const started = count(record.tool.started_at_unix_ms, 'started_at_unix_ms', fail);
  const ended = count(record.tool.ended_at_unix_ms, 'ended_at_unix_ms', fail);
  const duration = finite(record.tool.duration_ms, 'duration_ms', fail);
  f.optString('status');
  count(record.tool.output_bytes, 'output_bytes', fail);
  count(record.tool.output_tokens, 'output_tokens', fail);
  f.optString('error_type');
  if (context === null) return null; // a tool event outside any agent session is not kept
  // A span that ends before it starts is dropped (its links with it).
  const endMs = ended ?? eventMs;
  const startMs = started ?? (duration !== undefined ? endMs - Math.round(Math.max(duration, 0)) : endMs);
  if (endMs < startMs) return null;
  return { sessionId: context.sessionId, toolCallId, claude, where };
}

/** Reads the `request_end` rows and terminal tool events of every shard, in shard and line order. */
async function readRows(paths: readonly string[]): Promise<{ rows: RequestRow[]; tools: ToolRow[]; agentic: number }> {
  const rows: RequestRow[] = [];
  const tools: ToolRow[] = [];
  const seen = new Set<string>();
  let agentic = 0;
  for (const path of paths) {
    await forEachLine(path, (text, lineNo) => {
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (BLANK.test(text)) return;
      const where = `${path}:${lineNo}`;
      const parseFail = (reason: string) => new ReplayError(`${where}: failed to parse ${where}: ${reason}`);
      const invalid = (reason: string) => new ReplayError(`${where}: invalid request_end at ${where}: ${reason}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw parseFail(err instanceof Error ? err.message : String(err));
      }
      if (!isObject(parsed)) return; // not an object: skipped, as the loader's envelope does
      let record: Obj = parsed;
      if (parsed.event !== undefined && parsed.event !== null) {
        if (!isObject(parsed.event)) return;
        record = parsed.event;
      }
      if (record.event_type === 'request_payload') return;
      if (record.schema !== DYNAMO_TRACE_SCHEMA) {
        throw parseFail(`unknown variant ${formatJsonValue(record.schema)}, expected \`${DYNAMO_TRACE_SCHEMA}\``);
      }
      if (typeof record.event_type !== 'string') throw parseFail(`field "event_type" must be a string, got ${formatJsonValue(record.event_type)}`);
      const eventMs = count(record.event_time_unix_ms, 'event_time_unix_ms', parseFail);
      if (eventMs === undefined) throw parseFail('missing field `event_time_unix_ms`');
      // The whole record is typed before its event type is looked at.
      const context = agentContext(record.agent_context, parseFail);
      const tool = toolRow(record, eventMs, context, parseFail, where);
      const type = record.event_type;
      if (!['request_end', 'tool_start', 'tool_end', 'tool_error'].includes(type)) {
        throw new ReplayError(`${where}: request trace schema only supports request_end/tool_* and request_payload events, got ${type} at ${where}`);
      }
      // Only terminal tool events are kept (load_request_trace_records).
      if (tool && (type === 'tool_end' || type === 'tool_error')) tools.push(tool);
      if (type !== 'request_end') return;
      if (context !== null) agentic += 1;
      const request = record.request;
      if (!isObject(request)) throw invalid('request_end record is missing request payload');
      if (typeof request.request_id !== 'string') throw parseFail(`field "request_id" must be a string, got ${formatJsonValue(request.request_id)}`);
      const replay = request.replay;
      if (!isObject(replay)) throw invalid('request payload is missing replay metrics');
      const blockSize = count(replay.trace_block_size, 'trace_block_size', parseFail);
      const inputLength = count(replay.input_length, 'input_length', parseFail);
      if (blockSize === undefined || inputLength === undefined) throw parseFail('replay metrics need trace_block_size and input_length');
      if (blockSize === 0) throw invalid('request replay trace_block_size must be greater than 0');
      const inputHashes = sequenceHashes(text, 'input_sequence_hashes', replay.input_sequence_hashes, parseFail);
      const expected = Math.ceil(inputLength / blockSize);
      if (inputHashes.length !== expected) {
        throw invalid(
          `input_length ${inputLength} with trace_block_size ${blockSize} requires exactly ${expected} replay hashes, got ${inputHashes.length}`,
        );
      }
      if (request.model !== undefined && request.model !== null && typeof request.model !== 'string') {
        throw parseFail(`field "model" must be a string, got ${formatJsonValue(request.model)}`);
      }
      const model = typeof request.model === 'string' ? request.model : null;
      const receivedMs = count(request.request_received_ms, 'request_received_ms', parseFail);
      if (receivedMs === undefined) throw invalid('request trace is missing request_received_ms');
      const outputLength = count(request.output_tokens, 'output_tokens', parseFail);
      if (outputLength === undefined) throw invalid('request trace is missing output_tokens');
      // The core keeps lengths in 32 bits: refused rather than wrapped.
      if (inputLength > U32_MAX || outputLength > U32_MAX) {
        throw invalid(`input_length or output_tokens exceeds the supported maximum ${U32_MAX}`);
      }
      let completionHashes: string[] | null = null;
      if (replay.completion_sequence_hashes !== undefined && replay.completion_sequence_hashes !== null) {
        completionHashes = sequenceHashes(text, 'completion_sequence_hashes', replay.completion_sequence_hashes, parseFail);
        const needed = Math.ceil((inputLength + outputLength) / blockSize);
        if (completionHashes.length !== needed) {
          throw invalid(
            `completion length ${inputLength + outputLength} with trace_block_size ${blockSize} requires exactly ${needed} replay hashes, got ${completionHashes.length}`,
          );
        }
        const full = Math.floor(inputLength / blockSize);
        for (let i = 0; i < full; i++) {
          if (completionHashes[i] !== inputHashes[i]) throw invalid('completion replay hashes do not preserve the full input-block prefix');
        }
      }
      if (seen.has(request.request_id)) throw new ReplayError(`${where}: duplicate request_id ${request.request_id} at ${where}`);
      seen.add(request.request_id);
      const totalMs = finite(request.total_time_ms, 'total_time_ms', parseFail);
      const [startMs, endMs] = requestTimes(eventMs, receivedMs, totalMs);
      rows.push({ requestId: request.request_id, startMs, endMs, inputLength, outputLength, blockSize, inputHashes, completionHashes, model, context, line: lineNo, where });
    });
  }
  return { rows, tools, agentic };
}

/** Loads one or more Dynamo request-trace shards into a `Workload` (standard request model). */
export async function loadDynamoTrace(paths: readonly string[], opts: DynamoLoadOptions = {}): Promise<Workload> {
  const ratio = opts.arrivalSpeedupRatio ?? 1;
  const concurrency = opts.concurrency ?? 0;
  validateSpeedupRatio(ratio);
  validateConcurrency(concurrency);
  if (paths.length === 0) throw new ReplayError('trace replay requires at least one trace file');
  const { rows, tools, agentic } = await readRows(paths);
  if (rows.length === 0) throw new ReplayError('no request_end records with replay fields found');
  if (agentic > 0 && agentic < rows.length) throw new ReplayError('Dynamo request trace cannot mix requests with and without agent_context');
  const blockSize = rows[0]!.blockSize;
  for (const row of rows) {
    if (row.blockSize !== blockSize) {
      throw new ReplayError(`${row.where}: mixed replay trace_block_size values are not supported: ${blockSize} and ${row.blockSize}`);
    }
  }
  if (opts.traceBlockSize !== undefined && opts.traceBlockSize !== blockSize) {
    throw new ReplayError(`trace_block_size ${formatFloat(opts.traceBlockSize)} does not match embedded Dynamo request trace block size ${blockSize}`);
  }
  if (agentic > 0) return loadAgenticDynamoTrace(rows, tools, { blockSize, speedup: ratio, concurrency, lanes: opts.agenticLanes ?? 0, planner: opts.planner ?? false });
  // (The reference's replay binding, run_trace_replay: lanes order the plays of agent sessions.)
  if (opts.agenticLanes !== undefined) throw new ReplayError('agentic_lanes requires an agentic Dynamo request trace');

  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || byText(a.requestId, b.requestId));
  // Compact ids: input hashes first, in row order, then completion hashes (lower_mooncake_rows
  // seeds the mapper with every input before any completion).
  const ids = new Map<string, number>();
  const idOf = (hash: string): number => {
    let id = ids.get(hash);
    if (id === undefined) {
      id = ids.size;
      if (id > 0xffffffff) throw new ReplayError('trace contains more unique hash IDs than u32 can represent');
      ids.set(hash, id);
    }
    return id;
  };
  for (const row of rows) for (const h of row.inputHashes) idOf(h);

  const R = rows.length;
  const inputLength = new Uint32Array(R);
  const outputLength = new Uint32Array(R);
  const hashOffsets = new Uint32Array(R + 1);
  for (let r = 0; r < R; r++) hashOffsets[r + 1] = hashOffsets[r]! + rows[r]!.inputHashes.length;
  const hashIds = new Uint32Array(hashOffsets[R]!);
  const firstArrivalMs = new Float64Array(R);
  const sessionStart = new Uint32Array(R + 1);
  const globalStart = rows[0]!.startMs;
  let completions = 0;
  for (let r = 0; r < R; r++) {
    const row = rows[r]!;
    inputLength[r] = row.inputLength;
    outputLength[r] = row.outputLength;
    const at = hashOffsets[r]!;
    row.inputHashes.forEach((h, i) => (hashIds[at + i] = ids.get(h)!));
    // A partial last prompt block is completed by the first generated tokens
    // (replay_hash_ids_and_output_tokens).
    if (row.completionHashes) {
      completions += 1;
      const partial = row.inputLength % blockSize !== 0;
      if (partial && row.outputLength > 0) {
        const block = Math.floor(row.inputLength / blockSize);
        hashIds[at + block] = idOf(row.completionHashes[block]!);
      }
    }
    sessionStart[r + 1] = r + 1;
    if (concurrency === 0) firstArrivalMs[r] = (row.startMs - globalStart) / ratio;
  }
  if (completions > 0) {
    opts.onNote?.(
      `note: ${countText(completions)} requests carry completion_sequence_hashes; generated tokens get no shared block identity in dynosim, so a later prompt that repeats a response does not hit the blocks that response wrote`,
    );
  }
  const workload: Workload = {
    inputLength,
    outputLength,
    hashOffsets,
    hashIds,
    traceBlockSize: blockSize,
    sessionStart,
    firstArrivalMs,
    turnDelayMs: new Float64Array(R),
    sessionIds: Array.from({ length: R }, (_, r) => `request_${r + 1}`),
    concurrency,
  };
  const late = sessionBeyondTimeLimit(workload.firstArrivalMs, workload.sessionStart, workload.turnDelayMs);
  if (late >= 0) {
    const scaled = ratio === 1 ? '' : ` at --arrival-speedup-ratio ${formatFloat(ratio)}`;
    throw new ReplayError(`${rows[late]!.where}: request ${rows[late]!.requestId} reaches beyond ${SIM_TIME_LIMIT_TEXT}${scaled}`);
  }
  return workload;
}
