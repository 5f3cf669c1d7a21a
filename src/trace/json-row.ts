// Typed reads of one JSON trace row, failing as the reference's typed deserialisers (serde) do:
// a missing field, a value of the wrong type, a line that is not a JSON object — each one line,
// worded by the caller's `bad` (which adds the file and line).

import type { ReplayError } from '../errors.js';
import { formatJsonValue } from './fmt.js';
import { exactHashIdsFromText } from './mooncake.js';

/** Typed reads of one JSON row, failing as a typed deserialiser would (`bad` words the error). */
export class RowFields {
  constructor(
    private readonly row: Record<string, unknown>,
    private readonly bad: (detail: string) => ReplayError,
  ) {}

  fail(detail: string): ReplayError {
    return this.bad(detail);
  }

  /** Reads a nested object, failing the same way. */
  child(v: unknown, name: string): RowFields {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw this.bad(`field "${name}" must hold objects, got ${formatJsonValue(v)}`);
    return new RowFields(v as Record<string, unknown>, this.bad);
  }

  /** The value under `name` (or `alias`); null counts as absent. */
  value(name: string, alias?: string): [unknown, string] {
    const v = this.row[name];
    if (v !== undefined && v !== null) return [v, name];
    const a = alias === undefined ? undefined : this.row[alias];
    return a !== undefined && a !== null ? [a, alias!] : [undefined, name];
  }

  string(name: string): string {
    const v = this.row[name];
    if (v === undefined) throw this.bad(`missing field \`${name}\``);
    if (typeof v !== 'string') throw this.bad(`field "${name}" must be a string, got ${formatJsonValue(v)}`);
    return v;
  }

  optString(name: string): string | undefined {
    const [v] = this.value(name);
    if (v !== undefined && typeof v !== 'string') throw this.bad(`field "${name}" must be a string, got ${formatJsonValue(v)}`);
    return v as string | undefined;
  }

  number(name: string): number {
    const v = this.row[name];
    if (v === undefined) throw this.bad(`missing field \`${name}\``);
    if (typeof v !== 'number') throw this.bad(`field "${name}" must be a number, got ${formatJsonValue(v)}`);
    return v;
  }

  optNumber(name: string, alias?: string): number | undefined {
    const [v, key] = this.value(name, alias);
    if (v !== undefined && typeof v !== 'number') throw this.bad(`field "${key}" must be a number, got ${formatJsonValue(v)}`);
    return v as number | undefined;
  }

  optCount(name: string, alias?: string): number | undefined {
    const [v, key] = this.value(name, alias);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw this.bad(`field "${key}" must be a non-negative integer, got ${formatJsonValue(v)}`);
    }
    return v;
  }

  optBool(name: string): boolean | undefined {
    const [v] = this.value(name);
    if (v !== undefined && typeof v !== 'boolean') throw this.bad(`field "${name}" must be a boolean, got ${formatJsonValue(v)}`);
    return v as boolean | undefined;
  }

  /** An array field that defaults to empty. */
  list(name: string): unknown[] {
    const [v] = this.value(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.bad(`field "${name}" must be an array, got ${formatJsonValue(v)}`);
    return v;
  }

  strings(name: string): string[] {
    return this.list(name).map((e) => {
      if (typeof e !== 'string') throw this.bad(`field "${name}" must be an array of strings, got ${formatJsonValue(e)}`);
      return e;
    });
  }

  /** `hash_ids` as interning keys: the id itself, or its exact decimal text past 2^53. */
  hashIds(text: string): (number | string)[] | undefined {
    const [v] = this.value('hash_ids');
    if (v === undefined) return undefined;
    const fail = (e: unknown) => this.bad(`field "hash_ids" must be an array of non-negative integers, got ${formatJsonValue(e)}`);
    if (!Array.isArray(v)) throw fail(v);
    let exact: bigint[] | null = null;
    return v.map((e, k) => {
      if (typeof e !== 'number' || !Number.isInteger(e) || e < 0) throw fail(e);
      if (e <= Number.MAX_SAFE_INTEGER) return e;
      exact ??= exactHashIdsFromText(text);
      const big = exact?.[k];
      if (exact === null || exact.length !== v.length || big === undefined) throw this.bad('field "hash_ids" could not be read exactly');
      if (big >= 1n << 64n) throw this.bad(`field "hash_ids" value ${big} does not fit in 64 bits`);
      return big.toString();
    });
  }
}

export function parseObject(text: string, bad: (detail: string) => ReplayError): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad(`expected a JSON object, got ${formatJsonValue(parsed)}`);
  return parsed as Record<string, unknown>;
}
