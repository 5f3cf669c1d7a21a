// The Mooncake loader's fast path: the file's bytes (gunzipped in a stream when compressed) go
// in chunks to the addon's scanner, which reads the rows' fields into typed arrays; the loader's
// row rules (mooncake-rows.ts) then run over them with the same messages as the JSON.parse path.
// Whenever the scanner stops at a line (anything it does not read exactly as JSON.parse would,
// including every malformed line) or the file cannot be read here, this returns null and the
// loader reads the file with JSON.parse, which words the error or accepts the line. Only regular
// files take this path: a pipe cannot be read twice.

import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createMooncakeScanner, type ScannedMooncakeRows } from '../core/native.js';
import { chunksOf, isGzip, MAX_LINE_BYTES } from './lines.js';
import type { MooncakeRows, RowFields } from './mooncake-rows.js';

const HAS_TIMESTAMP = 1;
const HAS_DELAY = 2;
const HAS_INPUT = 4;
const HAS_OUTPUT = 8;
const HAS_HASH_IDS = 16;

/** The file's rows as the scanner read them, or null when the JSON.parse path must read it. */
async function scanFile(path: string): Promise<ScannedMooncakeRows | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  let raw: Readable | undefined;
  let source: Readable | undefined;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return null;
    const gz = await isGzip(handle);
    const scanner = createMooncakeScanner(MAX_LINE_BYTES, gz ? 0 : stat.size);
    if (gz) {
      ({ raw, source } = chunksOf(handle, true));
      for await (const chunk of source as AsyncIterable<Buffer>) if (scanner.feed(chunk) !== 0) return null;
    } else if (scanner.feedFile(path) !== 0) {
      // A plain file is read by the addon itself (a line it stopped on, or a read error: -1).
      return null;
    }
    if (scanner.finish() !== 0) return null;
    return scanner.take();
  } catch {
    return null;
  } finally {
    if (source && source !== raw) source.destroy();
    raw?.destroy();
    await handle.close().catch(() => undefined);
  }
}

/**
 * Reads the trace through the addon's scanner into rows made by `makeRows` (given the row count)
 * and returns them with the hash ids; null when the JSON.parse path must read the file instead.
 * The rows' own errors (missing fields, sessions, delays, limits) are thrown as they are found.
 */
export async function scanMooncakeTrace(
  path: string,
  makeRows: (expectedRows: number) => MooncakeRows,
): Promise<{ rows: MooncakeRows; hashIds: Uint32Array } | null> {
  const s = await scanFile(path);
  if (s === null) return null;
  const n = s.line.length;
  const rows = makeRows(n);
  // One fields object for every row (the rules keep nothing of it).
  const f: RowFields = { timestamp: 0, explicitDelay: 0, rawInput: 0, rawOutput: 0, sessionId: '', hashCount: 0 };
  for (let i = 0; i < n; i++) {
    const flags = s.flags[i]!;
    const session = s.session[i]!;
    f.timestamp = flags & HAS_TIMESTAMP ? s.timestamp[i] : undefined;
    f.explicitDelay = flags & HAS_DELAY ? s.delay[i] : undefined;
    f.rawInput = flags & HAS_INPUT ? s.input[i] : undefined;
    f.rawOutput = flags & HAS_OUTPUT ? s.output[i] : undefined;
    f.sessionId = session >= 0 ? s.sessionNames[session] : undefined;
    f.hashCount = flags & HAS_HASH_IDS ? s.hashEnd[i]! - (i === 0 ? 0 : s.hashEnd[i - 1]!) : undefined;
    const lineNo = s.line[i]!;
    rows.commit(lineNo, f, rows.check(lineNo, f), s.hashEnd[i]!);
  }
  return { rows, hashIds: s.hashIds };
}
