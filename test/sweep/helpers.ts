// Small sweep specs on the repository's example trace and synthetic workloads, in temp folders.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const EXAMPLE_TRACE = path.join(ROOT, 'examples', 'trace.jsonl');
export const BIN = path.join(ROOT, 'bin', 'dynosim');

export function tempDir(prefix = 'dynosim-sweep-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a spec (JSON) into `dir` and returns its path. */
export function writeSpec(dir: string, spec: unknown, name = 'spec.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

export const read = (file: string) => fs.readFileSync(file, 'utf8');

/** Report JSON without its wall-clock fields (the only ones that differ between equal runs). */
export function withoutWallClock(report: Record<string, unknown>): Record<string, unknown> {
  const { wall_time_ms: _w, processed_tokens_per_s: _p, processed_output_tokens_per_s: _o, ...rest } = report;
  return rest;
}
