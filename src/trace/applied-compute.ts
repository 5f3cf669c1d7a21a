// Applied Compute agentic traces (`--trace-format applied_compute_agentic`): one JSON object per
// line, each an agent session without timestamps, replayed closed-loop (`--replay-concurrency`).
//
// Follows aisimulate/crates/core/src/replay/loadgen/trace.rs (Trace::from_applied_compute_agentic,
// extend_applied_compute_agentic_hash_ids): a line's `num_turns` model turns and a final answer
// make num_turns + 1 requests; turn t's prompt is the initial prompt plus every earlier response
// and tool output (`assistant_response_length[t]` tokens generated, `tool_call_output_length[t]`
// tokens returned by the tool), so each prompt extends the previous one block by block; the next
// turn waits `tool_call_latency[t]` seconds after turn t completes. With
// `--trace-shared-prefix-ratio` and `--trace-num-prefix-groups`, the first round(ratio × initial
// prompt blocks) blocks are shared by the sessions of group `line index % groups`.

import { SIM_TIME_LIMIT_TEXT, sessionBeyondTimeLimit } from '../core/limits.js';
import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { formatFloat, formatJsonValue } from './fmt.js';
import { GrowableFloat64, GrowableUint32 } from './growable.js';
import { parseObject } from './json-row.js';
import { forEachLine } from './lines.js';
import { DEFAULT_TRACE_BLOCK_SIZE, validateConcurrency, validateSpeedupRatio } from './mooncake.js';

export interface AppliedComputeLoadOptions {
  traceBlockSize?: number;
  /** `--trace-shared-prefix-ratio`: share of the initial prompt's blocks common to a prefix group. */
  sharedPrefixRatio?: number;
  /** `--trace-num-prefix-groups`: prefix groups (0 = none). */
  numPrefixGroups?: number;
  arrivalSpeedupRatio?: number;
  /** Sessions in flight (`--replay-concurrency`): required, the trace has no timestamps. */
  concurrency: number;
}

const BLANK = /^\s*$/;
const ARRAYS = ['assistant_response_length', 'tool_call_output_length', 'tool_call_latency'] as const;

export async function loadAppliedComputeTrace(path: string, opts: AppliedComputeLoadOptions): Promise<Workload> {
  const blockSize = opts.traceBlockSize ?? DEFAULT_TRACE_BLOCK_SIZE;
  const ratio = opts.sharedPrefixRatio ?? 0;
  const groups = opts.numPrefixGroups ?? 0;
  const speedup = opts.arrivalSpeedupRatio ?? 1;
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new ReplayError(`trace_block_size must be greater than 0, got ${formatFloat(blockSize)}`);
  if (!(ratio >= 0 && ratio <= 1)) throw new ReplayError(`shared_prefix_ratio must be between 0.0 and 1.0, got ${formatFloat(ratio)}`);
  if (!Number.isInteger(groups) || groups < 0) throw new ReplayError(`num_prefix_groups must be a non-negative integer, got ${formatFloat(groups)}`);
  validateSpeedupRatio(speedup);
  validateConcurrency(opts.concurrency);
  if (opts.concurrency === 0) {
    throw new ReplayError(
      'applied_compute_agentic trace format requires replay_concurrency because source traces do not contain first-turn timestamps',
    );
  }

  const inputLength = new GrowableUint32();
  const outputLength = new GrowableUint32();
  const hashEnd = new GrowableUint32();
  const hashIds = new GrowableUint32(1 << 16);
  const turnDelayMs = new GrowableFloat64();
  const sessionStart: number[] = [0];
  const sessionIds: string[] = [];
  const sessionLine: number[] = [];
  // Compact ids in order of first use (the reference's HashIdInterner): group-shared blocks by
  // (group, block), the others from one counter across the file.
  const sharedIds = new Map<string, number>();
  let nextId = 0;

  await forEachLine(path, (text, lineNo) => {
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (BLANK.test(text)) return;
    const lineError = (msg: string) => new ReplayError(`${path}:${lineNo}: ${msg}`);
    const parseError = (detail: string) => lineError(`failed to parse line ${lineNo} from ${path} as JSON: ${detail}`);
    const r = parseObject(text, parseError);
    const count = (name: string, v: unknown = r[name]): number => {
      if (v === undefined) throw parseError(`missing field \`${name}\``);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw parseError(`field "${name}" must be a non-negative integer, got ${formatJsonValue(v)}`);
      return v;
    };
    const numTurns = count('num_turns');
    const prompt = count('input_prompt_length');
    const lists: Record<(typeof ARRAYS)[number], unknown[]> = { assistant_response_length: [], tool_call_output_length: [], tool_call_latency: [] };
    for (const name of ARRAYS) {
      const v = r[name];
      if (v === undefined) throw parseError(`missing field \`${name}\``);
      if (!Array.isArray(v)) throw parseError(`field "${name}" must be an array, got ${formatJsonValue(v)}`);
      lists[name] = v;
    }
    const responses = lists.assistant_response_length.map((v) => count('assistant_response_length', v));
    const toolOutputs = lists.tool_call_output_length.map((v) => count('tool_call_output_length', v));
    const latencies = lists.tool_call_latency.map((v) => {
      if (typeof v !== 'number') throw parseError(`field "tool_call_latency" must be an array of numbers, got ${formatJsonValue(v)}`);
      return v;
    });
    const finalResponse = count('final_assistant_response_length');
    for (const name of ARRAYS) {
      if (lists[name].length !== numTurns) {
        throw lineError(`trace line ${lineNo} field ${name} length ${lists[name].length} does not match num_turns ${numTurns}`);
      }
    }
    if (prompt === 0) throw lineError(`trace line ${lineNo} input_prompt_length must be positive`);

    const lineIndex = lineNo - 1;
    const group = ratio > 0 && groups > 0 ? lineIndex % groups : -1;
    const sharedBlocks = Math.round(Math.ceil(prompt / blockSize) * ratio);
    const blocks: number[] = [];
    const extend = (length: number): void => {
      const target = Math.ceil(length / blockSize);
      while (blocks.length < target) {
        const b = blocks.length;
        if (b < sharedBlocks && group >= 0) {
          const key = `${group}:${b}`;
          let id = sharedIds.get(key);
          if (id === undefined) sharedIds.set(key, (id = nextId++));
          blocks.push(id);
        } else {
          blocks.push(nextId++);
        }
      }
      if (nextId > 0xffffffff) throw new ReplayError('trace contains more unique hash IDs than u32 can represent');
    };
    const turn = (input: number, output: number, delayMs: number): void => {
      if (input > 0xffffffff) throw lineError(`trace line ${lineNo} cumulative input length overflow`);
      inputLength.push(input);
      outputLength.push(output);
      for (const id of blocks) hashIds.push(id);
      hashEnd.push(hashIds.length);
      turnDelayMs.push(delayMs / speedup);
    };

    let current = prompt;
    extend(current);
    let delay = 0;
    for (let t = 0; t < numTurns; t++) {
      const latency = latencies[t]!;
      if (!Number.isFinite(latency) || latency < 0) {
        throw lineError(`trace line ${lineNo} tool_call_latency[${t}] must be a finite non-negative number`);
      }
      turn(current, responses[t]!, delay);
      current += responses[t]! + toolOutputs[t]!;
      extend(current);
      delay = latency * 1000;
    }
    turn(current, finalResponse, delay);
    sessionStart.push(inputLength.length);
    sessionIds.push(`applied_compute_agentic_session_${lineNo}`);
    sessionLine.push(lineNo);
  });

  if (sessionIds.length === 0) throw new ReplayError(`trace file ${path} did not contain any requests`);
  const R = inputLength.length;
  const hashOffsets = new Uint32Array(R + 1);
  hashOffsets.set(hashEnd.view(), 1);
  const workload: Workload = {
    inputLength: inputLength.finish(),
    outputLength: outputLength.finish(),
    hashOffsets,
    hashIds: hashIds.finish(),
    traceBlockSize: blockSize,
    sessionStart: Uint32Array.from(sessionStart),
    // Closed loop: sessions are admitted in file order as slots free up.
    firstArrivalMs: new Float64Array(sessionIds.length),
    turnDelayMs: turnDelayMs.finish(),
    sessionIds,
    concurrency: opts.concurrency,
  };
  const late = sessionBeyondTimeLimit(workload.firstArrivalMs, workload.sessionStart, workload.turnDelayMs);
  if (late >= 0) {
    throw new ReplayError(`${path}:${sessionLine[late]}: session ${sessionIds[late]} reaches beyond ${SIM_TIME_LIMIT_TEXT}`);
  }
  return workload;
}
