// Small trace files written by the tests, one JSON value (or raw text) per line, in a temp folder
// removed after the suite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function traceFiles(prefix: string): { dir: string; file: (lines: (string | object)[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (lines: (string | object)[]): string => {
    const path = join(dir, `t${n++}.jsonl`);
    writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    return path;
  };
  return { dir, file };
}
