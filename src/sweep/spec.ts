// The sweep spec: a YAML or JSON file naming the base run (trace or synthetic workload, flags,
// engine args, router config, planner config), the axes to vary, how to combine them, repeats and
// the seeded perturbation of trace arrivals. Loading validates its shape with zod and reports the
// first problem as one line naming the key (`sweep spec s.yaml: axes.startup_time: ...`); whether
// each point is a run the replay accepts is checked later, point by point (validate.ts).
//
// `--set key=value` overrides work as in AIConfigurator's generator (generator/api.py
// `parse_cli_params`, rendering/engine.py `_cast_literal`): a dotted key path assigned into the
// spec, the value read as YAML (so numbers, booleans and lists keep their types), intermediate
// mappings created. Axis names contain dots themselves, so everything after `axes.` is one name.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { isPlainObject, type JsonObject } from '../config/knob.js';

export const KNOBS = ['extra-engine-args', 'prefill-engine-args', 'decode-engine-args', 'router-config', 'planner-config'] as const;
export type KnobName = (typeof KNOBS)[number];

/** Where an axis writes its value in the base run. */
export type AxisTarget =
  | { kind: 'flag'; flag: string }
  | { kind: 'knob'; knob: KnobName; field: string }
  /** `engine-args.K`: key K of every engine-args knob the base run has (agg, or prefill and decode). */
  | { kind: 'engine-args'; field: string }
  | { kind: 'trace' };

export type AxisValue = string | number | boolean | null | JsonObject | unknown[];

export interface Axis {
  /** As written in the spec (`extra-engine-args.startup_time`); also the table column. */
  name: string;
  target: AxisTarget;
  values: AxisValue[];
}

export type Perturbation = { kind: 'stretch'; spread: number } | { kind: 'jitter'; ms: number };

export interface BaseRun {
  /** Absolute trace paths (null for a synthetic workload). */
  trace: string[] | null;
  /** Replay flags without the leading dashes, values as written. */
  flags: Record<string, string | number | boolean>;
  knobs: Partial<Record<KnobName, JsonObject>>;
}

export interface SweepSpec {
  name: string;
  /** The spec file and its folder (relative paths in the spec resolve against the folder). */
  file: string;
  dir: string;
  base: BaseRun;
  axes: Axis[];
  combine: 'cartesian' | 'zip';
  repeats: number;
  /** Seed from which repeats ≥ 1 draw their seeds and perturbation. */
  seed: number;
  perturbation: Perturbation | null;
  plot: { x: string | null; metrics: string[] | null };
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const knobValue = z.union([z.string(), z.record(z.string(), z.unknown())]);
const range = z.strictObject({
  from: z.number(),
  to: z.number(),
  step: z.number().positive('step must be greater than 0'),
});
const axisSchema = z.union([z.array(z.unknown()).min(1, 'an axis needs at least one value'), range]);

const specSchema = z.strictObject({
  name: z.string().min(1).optional(),
  base: z.strictObject({
    trace: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    flags: z.record(z.string(), scalar).optional(),
    'extra-engine-args': knobValue.optional(),
    'prefill-engine-args': knobValue.optional(),
    'decode-engine-args': knobValue.optional(),
    'router-config': knobValue.optional(),
    'planner-config': knobValue.optional(),
  }),
  axes: z.record(z.string(), axisSchema).optional(),
  combine: z.enum(['cartesian', 'zip']).optional(),
  repeats: z.number().int('repeats must be a whole number').min(1, 'repeats must be at least 1').max(10_000).optional(),
  seed: z.number().int().min(0).optional(),
  perturbation: z
    .union([
      z.strictObject({ stretch: z.number().gt(0, 'stretch must be greater than 0').lt(1, 'stretch must be below 1 (a fraction, e.g. 0.05)') }),
      z.strictObject({ jitter_ms: z.number().gt(0, 'jitter_ms must be greater than 0') }),
    ])
    .optional(),
  plot: z
    .strictObject({
      x: z.string().optional(),
      metrics: z.array(z.string()).min(1).optional(),
    })
    .optional(),
});

type RawSpec = z.infer<typeof specSchema>;

/** Flags the sweep owns (or that the spec says elsewhere); setting them in `flags` is an error. */
const RESERVED_FLAGS: Readonly<Record<string, string>> = {
  'report-json': 'the sweep writes each point\'s report to points/<point>/report.json',
  'report-jsonl': 'per-request output is not collected by sweeps',
  'per-request-jsonl': 'per-request output is not collected by sweeps',
  'extra-engine-args': 'use base.extra-engine-args',
  'prefill-engine-args': 'use base.prefill-engine-args',
  'decode-engine-args': 'use base.decode-engine-args',
  'router-config': 'use base.router-config',
  'planner-config': 'use base.planner-config',
};

export function specError(file: string, key: string, message: string): UsageError {
  return new UsageError(`sweep spec ${file}: ${key ? `${key}: ` : ''}${message}`);
}

/** The zod issue as `key.path: message`, with the unknown key named. */
function describeIssue(error: z.ZodError): { key: string; message: string } {
  const issue = error.issues[0]!;
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return { key: [...at, keys[0]!].join('.'), message: `unknown key${keys.length > 1 ? ` (also ${keys.slice(1).join(', ')})` : ''}` };
  }
  if (issue.code === 'invalid_union' && at[0] === 'axes')
    return { key: at.join('.'), message: 'an axis is a list of values or a range {from, to, step}' };
  if (issue.code === 'invalid_union' && at[0] === 'perturbation')
    return { key: at.join('.'), message: 'expected {stretch: fraction} or {jitter_ms: milliseconds}' };
  return { key: at.join('.'), message: issue.message };
}

/** Reads the spec file (YAML or JSON) as plain data. */
export function readSpecData(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read sweep spec ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`sweep spec ${file}: not valid ${file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${detail}`);
  }
}

/** YAML reading of a `--set` value (AIC's `_cast_literal`: falls back to the raw string). */
function castLiteral(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

const BASE_SECTIONS = new Set(['trace', 'flags', ...KNOBS]);

/**
 * Applies `--set key=value` overrides to the raw spec data. `axes.<name>` sets one axis; a key that
 * starts with a base section (`flags.num-workers`, `planner-config.ttft_ms`) is short for `base.…`.
 */
export function applySetOverrides(data: unknown, sets: readonly string[]): unknown {
  if (sets.length === 0) return data;
  const root: JsonObject = isPlainObject(data) ? structuredClone(data) : {};
  for (const item of sets) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: expected KEY=VALUE, got '${item}'`);
    const key = item.slice(0, eq).trim();
    const value = castLiteral(item.slice(eq + 1));
    let parts = key.split('.').filter((p) => p !== '');
    if (parts[0] === 'axes' && parts.length > 1) parts = ['axes', parts.slice(1).join('.')];
    else if (BASE_SECTIONS.has(parts[0]!)) parts = ['base', ...parts];
    if (parts.length === 0) throw new UsageError(`--set: empty key in '${item}'`);
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (!isPlainObject(next)) node[part] = {};
      node = node[part] as JsonObject;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

/** Inclusive range values, rounded to 12 significant digits so 0.1 steps stay 0.3, not 0.30000000000000004. */
export function rangeValues(from: number, to: number, step: number): number[] {
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (!(count >= 1)) return [];
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(Number((from + k * step).toPrecision(12)));
  return out;
}

/** A knob given as a string: a path to a JSON/YAML file (relative to the spec) or inline JSON. */
function loadKnob(value: string | JsonObject, key: string, spec: { file: string; dir: string }): JsonObject {
  if (typeof value !== 'string') return { ...value };
  const trimmed = value.trim();
  let data: unknown;
  if (trimmed.startsWith('{')) {
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw specError(spec.file, `base.${key}`, `invalid JSON: ${(error as Error).message}`);
    }
  } else {
    const file = path.resolve(spec.dir, trimmed);
    data = readSpecDataAt(file, `base.${key}`, spec.file);
  }
  if (!isPlainObject(data)) throw specError(spec.file, `base.${key}`, 'expected a mapping of keys to values');
  return data;
}

function readSpecDataAt(file: string, key: string, specFile: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw specError(specFile, key, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw specError(specFile, key, `${file} is not valid JSON/YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Path-valued keys inside the knobs, resolved against the spec's folder like the trace. */
const KNOB_PATH_KEYS: Readonly<Record<string, readonly string[]>> = {
  'extra-engine-args': ['aic_systems_path', 'planner_profile_data'],
  'prefill-engine-args': ['aic_systems_path', 'planner_profile_data'],
  'decode-engine-args': ['aic_systems_path', 'planner_profile_data'],
  'planner-config': ['load_predictor_warmup_trace'],
};
const FLAG_PATH_KEYS = ['aic-systems-path'];

/** A relative path in the spec, resolved against the spec's folder. */
export function resolveSpecPath(dir: string, p: string): string {
  return path.resolve(dir, p);
}

/** Resolves the path-valued keys of one knob in place. */
export function resolveKnobPaths(knob: KnobName, value: JsonObject, dir: string): void {
  for (const key of KNOB_PATH_KEYS[knob] ?? []) {
    const v = value[key];
    if (typeof v === 'string' && v !== '') value[key] = resolveSpecPath(dir, v);
  }
}

export function resolveFlagPaths(flags: Record<string, string | number | boolean>, dir: string): void {
  for (const key of FLAG_PATH_KEYS) {
    const v = flags[key];
    if (typeof v === 'string' && v !== '') flags[key] = resolveSpecPath(dir, v);
  }
}

function axisTarget(name: string, file: string, isFlag: (flag: string) => boolean): AxisTarget {
  if (name === 'trace') return { kind: 'trace' };
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const field = dot < 0 ? '' : name.slice(dot + 1);
  if ((KNOBS as readonly string[]).includes(head)) {
    if (!field) throw specError(file, `axes.${name}`, `name a key of ${head} (e.g. ${head}.startup_time)`);
    return { kind: 'knob', knob: head as KnobName, field };
  }
  if (head === 'engine-args') {
    if (!field) throw specError(file, `axes.${name}`, 'name an engine-args key (e.g. engine-args.startup_time)');
    return { kind: 'engine-args', field };
  }
  const flag = (head === 'flags' ? field : name).replace(/^--/, '');
  if (!isFlag(flag)) throw specError(file, `axes.${name}`, 'unknown axis: not a replay flag, nor <knob>.<key> with knob one of ' + [...KNOBS, 'engine-args'].join(', '));
  if (RESERVED_FLAGS[flag]) throw specError(file, `axes.${name}`, `cannot be swept: ${RESERVED_FLAGS[flag]}`);
  return { kind: 'flag', flag };
}

export interface LoadSpecOptions {
  sets?: readonly string[];
  /** Whether a name is a replay flag (without dashes); the CLI's flag table. */
  isFlag: (flag: string) => boolean;
}

/** Parses and shape-checks the spec data; throws a one-line UsageError naming the key. */
export function buildSpec(data: unknown, file: string, options: LoadSpecOptions): SweepSpec {
  const dir = path.dirname(path.resolve(file));
  const withSets = applySetOverrides(data, options.sets ?? []);
  if (!isPlainObject(withSets)) throw specError(file, '', 'expected a mapping with base and axes');
  const parsed = specSchema.safeParse(withSets);
  if (!parsed.success) {
    const { key, message } = describeIssue(parsed.error);
    throw specError(file, key, message);
  }
  const raw: RawSpec = parsed.data;
  const ctx = { file, dir };

  const flags: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(raw.base.flags ?? {})) {
    const flag = k.replace(/^--/, '');
    if (RESERVED_FLAGS[flag]) throw specError(file, `base.flags.${k}`, `not allowed here: ${RESERVED_FLAGS[flag]}`);
    if (!options.isFlag(flag)) throw specError(file, `base.flags.${k}`, 'unknown flag (see dynosim --help)');
    flags[flag] = v;
  }
  resolveFlagPaths(flags, dir);
  const knobs: Partial<Record<KnobName, JsonObject>> = {};
  for (const knob of KNOBS) {
    const value = raw.base[knob];
    if (value === undefined) continue;
    const loaded = loadKnob(value, knob, ctx);
    resolveKnobPaths(knob, loaded, dir);
    knobs[knob] = loaded;
  }
  const trace = raw.base.trace === undefined ? null : (Array.isArray(raw.base.trace) ? raw.base.trace : [raw.base.trace]).map((t) => resolveSpecPath(dir, t));

  const axes: Axis[] = [];
  for (const [name, def] of Object.entries(raw.axes ?? {})) {
    const target = axisTarget(name, file, options.isFlag);
    const values = Array.isArray(def) ? (def as AxisValue[]) : rangeValues(def.from, def.to, def.step);
    if (values.length === 0) throw specError(file, `axes.${name}`, `empty range (from ${def && !Array.isArray(def) ? def.from : ''} is past to)`);
    if (target.kind === 'engine-args' && !knobs['extra-engine-args'] && !knobs['prefill-engine-args'] && !knobs['decode-engine-args'])
      throw specError(file, `axes.${name}`, 'the base run has no engine args (base.extra-engine-args, or prefill and decode)');
    axes.push({ name, target, values });
  }
  const combine = raw.combine ?? 'cartesian';
  if (combine === 'zip' && axes.length > 1) {
    const n = axes[0]!.values.length;
    const odd = axes.find((a) => a.values.length !== n);
    if (odd) throw specError(file, `axes.${odd.name}`, `zip needs axes of equal length: ${odd.values.length} values, ${axes[0]!.name} has ${n}`);
  }
  const perturbation: Perturbation | null = raw.perturbation
    ? 'stretch' in raw.perturbation
      ? { kind: 'stretch', spread: raw.perturbation.stretch }
      : { kind: 'jitter', ms: raw.perturbation.jitter_ms }
    : null;
  if (perturbation && !trace && !axes.some((a) => a.target.kind === 'trace'))
    throw specError(file, 'perturbation', 'applies to trace replays only (synthetic repeats draw new arrival seeds)');
  const plot = { x: raw.plot?.x ?? null, metrics: raw.plot?.metrics ?? null };
  if (plot.x !== null && !axes.some((a) => a.name === plot.x))
    throw specError(file, 'plot.x', `'${plot.x}' is not an axis (axes: ${axes.map((a) => a.name).join(', ') || 'none'})`);

  return {
    name: raw.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, ''),
    file,
    dir,
    base: { trace, flags, knobs },
    axes,
    combine,
    repeats: raw.repeats ?? 1,
    seed: raw.seed ?? 0,
    perturbation,
    plot,
  };
}

export function loadSpec(file: string, options: LoadSpecOptions): SweepSpec {
  return buildSpec(readSpecData(file), file, options);
}
