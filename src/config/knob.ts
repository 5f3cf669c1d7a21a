// Shared plumbing for the JSON knobs (`--extra-engine-args`, `--router-config`, …): decoding the
// string or object a caller hands us, zod field builders with the reference's type vocabulary
// (usize / u32 / u16 / f64 / bool / string), and turning the first zod issue into one line.

import * as fs from 'node:fs';
import * as z from 'zod';
import { ReplayError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

/** Whether a knob's text is meant as inline JSON (valid JSON, or an attempt at an object or array) rather than a file path. */
export function looksLikeInlineJson(text: string): boolean {
  const c = text.trimStart()[0];
  if (c === '{' || c === '[') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The text of a JSON knob given inline or as a file path, the same way for every knob: inline
 * JSON is taken as is, an existing file is read, anything else is "no such file".
 */
export function knobText(input: string, flag: string): { text: string; file: string | null } {
  if (looksLikeInlineJson(input)) return { text: input, file: null };
  let text: string;
  try {
    text = fs.readFileSync(input, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ReplayError(`${flag}: no such file: ${input}`);
    if (code === 'EISDIR') throw new ReplayError(`${flag}: ${input} is a directory, not a JSON file`);
    throw new ReplayError(`${flag}: cannot read ${input}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { text, file: input };
}

/**
 * Decodes a knob: JSON text (inline, or read from the file it names) is parsed (invalid JSON ⇒
 * one line naming the flag), an object is shallow-copied. Anything that is not a plain JSON
 * object ends in `ReplayError(notObjectMessage)`.
 */
export function decodeJsonObject(input: unknown, flag: string, notObjectMessage: string): JsonObject {
  let value: unknown = input;
  if (typeof input === 'string') {
    const { text, file } = knobText(input, flag);
    try {
      value = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ReplayError(file === null ? `${flag}: invalid JSON: ${detail}` : `${flag}: could not parse JSON file '${file}': ${detail}`);
    }
  }
  if (!isPlainObject(value)) throw new ReplayError(notObjectMessage);
  return { ...value };
}

export function isPlainObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Rust's `Display` for f64, which is what the reference puts in its messages (`2`, `1.5`, `inf`, `NaN`). */
export function fmtFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return x.toFixed(0);
  return String(x);
}

/** How a value the user wrote is echoed back in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return fmtFloat(value);
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

// ---- field builders -----------------------------------------------------------------------------

const U64_MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Unsigned integer (Rust usize/u64/u32/u16 by `max`). */
export function uint(max: number = U64_MAX_SAFE) {
  const what = max === 65535 ? 'an integer between 0 and 65535' : 'a non-negative integer';
  return z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(0, { error: `expected ${what}` })
    .max(max, { error: `expected ${what}` });
}
export const U32_MAX = 4294967295;
export const U16_MAX = 65535;

export function float() {
  return z.number({ error: 'expected a number' });
}
export function bool() {
  return z.boolean({ error: 'expected a boolean' });
}
export function str() {
  return z.string({ error: 'expected a string' });
}

/** `.min(n)` with the wording used across our messages. */
export function atLeast<T extends z.ZodNumber>(schema: T, min: number): T {
  return schema.min(min, { error: `must be at least ${fmtFloat(min)}` }) as T;
}
/** Inclusive range; `asFloat` prints the bounds the Python way (`0.0 and 1.0`). */
export function between<T extends z.ZodNumber>(schema: T, min: number, max: number, asFloat = false): T {
  const show = (x: number) => (asFloat && Number.isInteger(x) ? x.toFixed(1) : fmtFloat(x));
  const msg = `must be between ${show(min)} and ${show(max)}`;
  return schema.min(min, { error: msg }).max(max, { error: msg }) as T;
}

/**
 * A case-sensitive or case-insensitive string enum whose failure message is fully spelled out
 * (the reference's `FromStr` messages name the key themselves).
 */
export function enumString<const V extends string>(
  values: readonly V[],
  message: (raw: string) => string,
  options: { caseInsensitive?: boolean; aliases?: Record<string, V> } = {},
) {
  return str().transform((raw, ctx): V => {
    const key = options.caseInsensitive ? raw.toLowerCase() : raw;
    const alias = options.aliases?.[key];
    if (alias !== undefined) return alias;
    if ((values as readonly string[]).includes(key)) return key as V;
    ctx.issues.push({ code: 'custom', message: message(raw), input: raw });
    return z.NEVER;
  });
}

// ---- issue → one line ---------------------------------------------------------------------------

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function hasKeyAt(root: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return true;
  const parent = valueAt(root, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]!);
}

/** Known keys of the (strict) object schema at `path`, for "expected one of" lists. */
export type KnownKeys = (path: readonly PropertyKey[]) => readonly string[] | undefined;

/**
 * The first issue as `<flag>: <key>: <message>` (or `<flag>: <message>` when the message already
 * names its key, as the reference's own messages do).
 */
export function formatFirstIssue(error: z.ZodError, root: unknown, flag: string, knownKeys: KnownKeys): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${flag}: invalid value`;
  const path = issue.path;
  const key = path.map(String).join('.');
  const value = valueAt(root, path);
  let message: string;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const unknown = issue.keys[0] ?? '?';
      const known = knownKeys(path) ?? [];
      const where = key === '' ? '' : `${key}: `;
      const expected = known.length > 0 ? `, expected one of ${known.map((k) => `\`${k}\``).join(', ')}` : '';
      return `${flag}: ${where}unknown field \`${unknown}\`${expected}`;
    }
    case 'invalid_type': {
      if (value === null && hasKeyAt(root, path)) return `${flag}: ${key} must not be null`;
      if (value === undefined && !hasKeyAt(root, path)) {
        return `${flag}: ${parentKey(path)}: missing field \`${String(path[path.length - 1])}\``;
      }
      message = `${issue.message}, got ${describeValue(value)}`;
      break;
    }
    case 'too_small':
    case 'too_big':
      message = `${issue.message}, got ${describeValue(value)}`;
      break;
    default:
      message = issue.message;
  }
  if (key === '') return `${flag}: ${message}`;
  const last = String(path[path.length - 1]);
  if (issue.code === 'custom' && message.includes(last)) return `${flag}: ${message}`;
  return `${flag}: ${key}: ${message}`;
}

function parentKey(path: readonly PropertyKey[]): string {
  const parent = path.slice(0, -1).map(String).join('.');
  return parent === '' ? '(root)' : parent;
}
