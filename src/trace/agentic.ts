// Agentic Mooncake traces (`--trace-format agentic_mooncake`): Mooncake request rows plus the
// workflow that orders them. Two versions, told apart by the first non-blank line:
//
// - v2 (aisimulate/crates/core/src/replay/loadgen/trace.rs, AgenticTraceBuilder and
//   AgenticTrace::from_agentic_mooncake): a header `{"schema": "dynamo.agentic_mooncake",
//   "version": 2, "block_size", "hash_id_scope": "local", "source": {"format", "digest"}}`, then
//   rows with `request_id`, `play_id`, `session_id`, `model`, `input_length`, `output_length`,
//   `hash_ids` (exactly ceil(input_length / block_size)), `not_before_ms` and typed
//   `dependencies` ({request_id, trigger: dispatch|completion, delay_ms, relation:
//   sequence|spawn|join}). A request starts once every dependency has fired (its source
//   dispatched or completed) plus that dependency's delay, and not before its `not_before_ms`.
//   Each play (one agent run) has exactly one root; `--agentic-lanes N` runs the plays, ordered by
//   play_id, in N lanes one after another.
// - v1 (dynamo-mocker 1.3's AgenticMooncakeRow): Mooncake rows (`input_length` clamped to what
//   `hash_ids` cover at --trace-block-size, as for mooncake) with a required `request_id`,
//   `wait_for` (request ids whose completions it waits for), then `delay` + `tool_wait_ms`; rows
//   without `wait_for` start at their `timestamp`. `branches`, `prefix_reset` and `tool_events`
//   are read for their types only: they describe the workflow and change no timing.
//
// Messages are the reference's (v2), prefixed with `<path>:<line>:` when tied to a line.

import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { assembleAgenticGraph, checkAgenticRow, checkFitsU32, type AgenticDependency, type AgenticNode } from './agentic-graph.js';
import { formatFloat } from './fmt.js';
import { parseObject, RowFields } from './json-row.js';
import { forEachLine } from './lines.js';
import { DEFAULT_TRACE_BLOCK_SIZE, validateSpeedupRatio } from './mooncake.js';

export interface AgenticLoadOptions {
  /** `--trace-block-size`: v1's tokens per hash id; checked against a v2 header's block_size. */
  traceBlockSize?: number;
  arrivalSpeedupRatio?: number;
  /** `--agentic-lanes` (v2 only); 0 or absent = every play at its own start. */
  agenticLanes?: number;
}

export const AGENTIC_MOONCAKE_SCHEMA = 'dynamo.agentic_mooncake';
const BLANK = /^\s*$/;

interface Header {
  blockSize: number;
}

function readHeader(row: Record<string, unknown>, bad: (d: string) => ReplayError, lineError: (m: string) => ReplayError): Header {
  const f = new RowFields(row, bad);
  const schema = f.string('schema');
  const version = f.number('version');
  const blockSize = f.optCount('block_size');
  if (blockSize === undefined) f.number('block_size');
  const scope = f.string('hash_id_scope');
  if (row.source === undefined) throw bad('missing field `source`');
  const provenance = f.child(row.source, 'source');
  const format = provenance.string('format');
  const digest = provenance.string('digest');
  if (scope !== 'local') throw bad(`unknown variant \`${scope}\`, expected \`local\``);
  if (schema !== AGENTIC_MOONCAKE_SCHEMA) {
    throw lineError(`unsupported agentic Mooncake schema ${JSON.stringify(schema)}; expected ${JSON.stringify(AGENTIC_MOONCAKE_SCHEMA)}`);
  }
  if (version !== 2) throw lineError(`unsupported agentic Mooncake version ${formatFloat(version)}; expected 2`);
  if (blockSize === 0) throw lineError('agentic Mooncake block_size must be greater than 0');
  if (format.trim() === '' || digest.trim() === '') throw lineError('agentic Mooncake source provenance requires nonempty format and digest');
  return { blockSize: blockSize! };
}

const TRIGGERS = ['dispatch', 'completion'];
const RELATIONS = ['sequence', 'spawn', 'join'];

/** A v2 row (AgenticTraceBuilder::push). */
function readV2Row(f: RowFields, text: string, lineNo: number, blockSize: number, lineError: (m: string) => ReplayError): AgenticNode {
  const requestId = f.string('request_id');
  const playId = f.string('play_id');
  const sessionId = f.string('session_id');
  const model = f.string('model');
  const inputLength = f.optCount('input_length', 'input_tokens');
  const outputLength = f.optCount('output_length', 'output_tokens');
  const outputTokenIds = f.list('output_token_ids');
  const hashKeys = f.hashIds(text);
  const notBefore = f.number('not_before_ms');
  f.optNumber('priority');
  f.optCount('strict_priority');
  f.optString('policy_class');
  const deps: AgenticDependency[] = f.list('dependencies').map((d) => {
    const g = f.child(d, 'dependencies');
    const dep = { requestId: g.string('request_id'), trigger: g.string('trigger'), delayMs: g.number('delay_ms'), relation: g.string('relation') };
    if (!TRIGGERS.includes(dep.trigger)) throw f.fail(`unknown variant \`${dep.trigger}\`, expected \`dispatch\` or \`completion\``);
    if (!RELATIONS.includes(dep.relation)) throw f.fail(`unknown variant \`${dep.relation}\`, expected one of \`sequence\`, \`spawn\`, \`join\``);
    return { requestId: dep.requestId, delayMs: dep.delayMs, onDispatch: dep.trigger === 'dispatch', relation: dep.relation };
  });

  const outputTokenIdCount = f.value('output_token_ids')[0] !== undefined ? outputTokenIds.length : undefined;
  const row = { requestId, playId, sessionId, model, inputLength, outputLength, outputTokenIdCount, hashKeys, notBeforeMs: notBefore, deps };
  checkAgenticRow(row, blockSize, `trace line ${lineNo}`, lineError);
  return { line: lineNo, requestId, playId, sessionId, inputLength: inputLength!, outputLength: outputLength!, hashKeys: hashKeys!, notBeforeMs: notBefore, deps };
}

/** A v1 row: a Mooncake row with request_id, wait_for and its waits. */
function readV1Row(f: RowFields, text: string, lineNo: number, blockSize: number, lineError: (m: string) => ReplayError): AgenticNode {
  const requestId = f.string('request_id');
  const sessionId = f.optString('session_id');
  const rawInput = f.optCount('input_length', 'input_tokens');
  const outputLength = f.optCount('output_length', 'output_tokens');
  const hashKeys = f.hashIds(text);
  const timestamp = f.optNumber('timestamp', 'created_time');
  const delay = f.optNumber('delay', 'delay_ms') ?? 0;
  const waitFor = f.strings('wait_for');
  f.strings('branches');
  f.optBool('prefix_reset');
  const toolWait = f.optNumber('tool_wait_ms') ?? 0;
  f.list('tool_events');

  const at = `trace line ${lineNo}`;
  if (requestId.trim() === '') throw lineError(`${at} has empty request_id`);
  if (hashKeys === undefined) throw lineError(`${at} is missing hash_ids`);
  if (hashKeys.length === 0) throw lineError(`${at} has empty hash_ids`);
  if (outputLength === undefined) throw lineError(`${at} is missing output_length`);
  const capacity = hashKeys.length * blockSize;
  const inputLength = Math.min(rawInput ?? capacity, capacity);
  if (inputLength === 0) throw lineError(`${at} has zero input_length`);
  if (!(Number.isFinite(delay) && delay >= 0)) throw lineError(`${at} has invalid delay ${formatFloat(delay)}`);
  if (!(Number.isFinite(toolWait) && toolWait >= 0)) throw lineError(`${at} has invalid tool_wait_ms ${formatFloat(toolWait)}`);
  if (waitFor.length === 0 && timestamp === undefined) throw lineError(`${at} has neither wait_for nor a timestamp to start at`);
  if (timestamp !== undefined && !(Number.isFinite(timestamp) && timestamp >= 0)) {
    throw lineError(`${at} has invalid timestamp ${formatFloat(timestamp)}`);
  }
  for (const id of waitFor) if (id.trim() === '') throw lineError(`${at} has a dependency with an empty request_id`);
  const wait = delay + toolWait;
  return {
    line: lineNo,
    requestId,
    playId: '',
    sessionId: sessionId ?? requestId,
    inputLength,
    outputLength,
    hashKeys,
    // Rows that wait start when their dependencies let them.
    notBeforeMs: waitFor.length === 0 ? timestamp! : NaN,
    deps: waitFor.map((id) => ({ requestId: id, delayMs: wait, onDispatch: false })),
  };
}

export async function loadAgenticTrace(path: string, opts: AgenticLoadOptions = {}): Promise<Workload> {
  const speedup = opts.arrivalSpeedupRatio ?? 1;
  validateSpeedupRatio(speedup);
  const lanes = opts.agenticLanes ?? 0;
  if (!Number.isInteger(lanes) || lanes < 0) throw new ReplayError(`agentic_lanes must be greater than 0, got ${formatFloat(lanes)}`);
  let version: 1 | 2 | undefined;
  let blockSize = opts.traceBlockSize ?? DEFAULT_TRACE_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new ReplayError(`trace_block_size must be greater than 0, got ${formatFloat(blockSize)}`);
  const nodes: AgenticNode[] = [];
  const seen = new Set<string>();

  await forEachLine(path, (text, lineNo) => {
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (BLANK.test(text)) return;
    const lineError = (msg: string) => new ReplayError(`${path}:${lineNo}: ${msg}`);
    if (version === undefined) {
      const headerError = (d: string) => lineError(`failed to parse line ${lineNo} from ${path} as the agentic Mooncake v2 header: ${d}`);
      const first = parseObject(text, headerError);
      if (first.schema === undefined) {
        version = 1;
      } else {
        const header = readHeader(first, headerError, lineError);
        if (opts.traceBlockSize !== undefined && opts.traceBlockSize !== header.blockSize) {
          throw lineError(`trace_block_size ${formatFloat(opts.traceBlockSize)} does not match the agentic Mooncake block_size ${header.blockSize}`);
        }
        blockSize = header.blockSize;
        version = 2;
        return;
      }
    }
    const what = version === 2 ? 'an agentic Mooncake v2 request' : 'JSON';
    const bad = (d: string) => lineError(`failed to parse line ${lineNo} from ${path} as ${what}: ${d}`);
    const f = new RowFields(parseObject(text, bad), bad);
    const node = version === 2 ? readV2Row(f, text, lineNo, blockSize, lineError) : readV1Row(f, text, lineNo, blockSize, lineError);
    if (seen.has(node.requestId)) throw lineError(`trace line ${lineNo} duplicates request_id ${node.requestId}`);
    seen.add(node.requestId);
    checkFitsU32(node, blockSize, `trace line ${lineNo}`, lineError);
    nodes.push(node);
  });

  if (version === undefined) throw new ReplayError(`agentic trace file ${path} is missing its v2 header`);
  if (nodes.length === 0) throw new ReplayError(`agentic trace file ${path} did not contain any requests`);
  if (version === 1 && lanes > 0) {
    throw new ReplayError(`--agentic-lanes needs plays: ${path} is an agentic Mooncake v1 trace (rows without a v2 header)`);
  }
  return assembleAgenticGraph(nodes, { path, version, blockSize, speedup, lanes });
}
