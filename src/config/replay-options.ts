// The programmatic API's boundary check: `replay(options)` takes a plain object, so every field is
// checked for its type, unknown fields are refused (a typo must not be ignored), and options that
// this kind of run would not use are refused by name instead of silently dropped. Range checks
// name the CLI flag, since each option is a flag (`maxSimTimeSeconds` ↔ `--max-sim-time-seconds`).

import * as z from 'zod';
import { PARSE_ONCE } from './zod-parse.js';
import { MAX_SIM_TIME_MS } from '../core/limits.js';
import { UsageError } from '../errors.js';
import { TRACE_FORMATS, canonicalTraceFormat, type ReplayOptions } from '../options.js';
import { describeValue, isPlainObject } from './knob.js';

const knob = z.union([z.string(), z.custom<Record<string, unknown>>(isPlainObject)], { error: 'must be a JSON string or a plain object' });
const count = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, { error: 'must not be negative' });
// Any JS number, NaN and ±Infinity included: the range checks downstream name those.
const num = z.custom<number>((v) => typeof v === 'number', { error: 'must be a number' });
const text = z.string({ error: 'must be a string' });
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { error: 'must be a function' });

const optionsSchema = z.strictObject({
  traceFiles: z.array(text, { error: 'must be an array of file paths' }).min(1, { error: 'must name at least one file' }),
  traceFormat: text,
  traceBlockSize: count,
  extraEngineArgs: knob,
  prefillEngineArgs: knob,
  decodeEngineArgs: knob,
  routerConfig: knob,
  routerPolicyConfig: text,
  modelName: text,
  aicSystemsPath: text,
  aicPerfConfig: z.custom<Record<string, unknown>>(isPlainObject, { error: 'must be an object' }),
  traceSharedPrefixRatio: num,
  traceNumPrefixGroups: count,
  agenticLanes: count,
  plannerConfig: knob,
  benchmarkGranularity: count,
  numWorkers: count,
  numPrefillWorkers: count,
  numDecodeWorkers: count,
  replayConcurrency: count,
  replayMode: text,
  routerMode: text,
  arrivalSpeedupRatio: num,
  maxSimTimeSeconds: num,
  reportJson: text,
  reportJsonl: text,
  slaTtftMs: num,
  slaItlMs: num,
  slaE2eMs: num,
  onNote: fn,
  onProgress: fn,
  inputTokens: count,
  outputTokens: count,
  requestCount: count,
  arrivalIntervalMs: num,
  requestRate: num,
  arrivalSeed: count,
  workloadSeed: count,
  routerSeed: count,
  workload: z.custom<Record<string, unknown>>((v) => isPlainObject(v) && ArrayBuffer.isView((v as Record<string, unknown>).inputLength), { error: 'must be a loaded workload' }),
  turnsPerSession: count,
  sharedPrefixRatio: num,
  numPrefixGroups: count,
  interTurnDelayMs: num,
}).partial();

const SYNTHETIC_KEYS = [
  'inputTokens',
  'outputTokens',
  'requestCount',
  'arrivalIntervalMs',
  'requestRate',
  'arrivalSeed',
  'workloadSeed',
  'turnsPerSession',
  'sharedPrefixRatio',
  'numPrefixGroups',
  'interTurnDelayMs',
] as const;
const TRACE_KEYS = ['traceBlockSize', 'traceSharedPrefixRatio', 'traceNumPrefixGroups', 'agenticLanes', 'maxSimTimeSeconds', 'reportJsonl'] as const;

/** `maxSimTimeSeconds` → `--max-sim-time-seconds`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Checks what a caller hands `replay()`: a plain object of known options with the right types,
 * nothing a run of this kind would ignore, and times within what the simulation represents.
 * Throws `UsageError` (the CLI's exit 2) naming the option.
 */
export function checkReplayOptions(options: unknown): asserts options is ReplayOptions {
  if (!isPlainObject(options)) throw new UsageError(`replay options must be a plain object, got ${options === null ? 'null' : describeValue(options)}`);
  const parsed = optionsSchema.safeParse(options, PARSE_ONCE);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new UsageError(`replay options: unknown option \`${issue.keys[0]}\``);
    const key = issue.path.map(String).join('.');
    throw new UsageError(`replay options: ${key} ${issue.message}, got ${describeValue(issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], options))}`);
  }
  const o = parsed.data;
  const given = (key: keyof ReplayOptions) => o[key] !== undefined;
  if (o.traceFiles !== undefined) {
    const format = canonicalTraceFormat(o.traceFormat ?? 'mooncake');
    if (!(TRACE_FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--trace-format must be one of ${TRACE_FORMATS.join(', ')}, got ${describeValue(o.traceFormat)}`);
    if (format === 'agentic_mooncake' && o.replayConcurrency !== undefined)
      throw new UsageError('--trace-format=agentic_mooncake replays its request graph open-loop: use --agentic-lanes instead of --replay-concurrency');
    if (o.agenticLanes !== undefined && format !== 'agentic_mooncake' && format !== 'dynamo')
      throw new UsageError('--agentic-lanes applies to --trace-format agentic_mooncake or dynamo (agent sessions) only');
    if (o.agenticLanes === 0) throw new UsageError('agentic_lanes must be greater than 0');
    if (format === 'applied_compute_agentic' && o.replayConcurrency === undefined)
      throw new UsageError('--trace-format=applied_compute_agentic requires --replay-concurrency because the source traces do not include first-turn timestamps');
    if (format !== 'dynamo' && o.traceFiles.length > 1) throw new UsageError(`--trace-format=${format} requires exactly one trace file`);
    const synthetic = SYNTHETIC_KEYS.find(given);
    if (synthetic) throw new UsageError(`${flagOf(synthetic)} applies to synthetic workloads only; provide either trace_file or all of --input-tokens/--output-tokens/--request-count`);
  } else {
    const traceOnly = TRACE_KEYS.find(given);
    if (traceOnly) throw new UsageError(`${flagOf(traceOnly)} applies to trace-file replay only`);
  }
  if ((given('traceSharedPrefixRatio') || given('traceNumPrefixGroups')) && o.traceFormat !== 'applied_compute_agentic')
    throw new UsageError(`${flagOf(given('traceSharedPrefixRatio') ? 'traceSharedPrefixRatio' : 'traceNumPrefixGroups')} applies to --trace-format applied_compute_agentic only`);
  if (o.maxSimTimeSeconds !== undefined) {
    const limitS = MAX_SIM_TIME_MS / 1000;
    if (!(o.maxSimTimeSeconds > 0 && o.maxSimTimeSeconds <= limitS))
      throw new UsageError(`--max-sim-time-seconds must be greater than 0 and at most ${limitS.toExponential()} (100 years), got ${describeValue(o.maxSimTimeSeconds)}`);
    if (o.plannerConfig !== undefined) throw new UsageError('--max-sim-time-seconds is not supported with --planner-config');
  }
  if (o.reportJsonl !== undefined && o.plannerConfig !== undefined) throw new UsageError('--report-jsonl is not supported with --planner-config');
}

