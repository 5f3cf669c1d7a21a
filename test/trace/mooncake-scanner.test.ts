// The addon's Mooncake scanner (native/trace/mooncake_scanner.cc) against the JSON.parse reader
// it replaces: every line it reads gives the same workload, every line it cannot read exactly
// stops it at that line (the loader then reads the file with JSON.parse and words the error).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createMooncakeScanner } from '../../src/core/native.js';
import { loadMooncakeTrace, type MooncakeLoadOptions } from '../../src/trace/mooncake.js';

const dir = mkdtempSync(join(tmpdir(), 'dynosim-scanner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(bytes: Buffer | string, gzip = false): string {
  const path = join(dir, `t${counter++}.jsonl${gzip ? '.gz' : ''}`);
  const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  writeFileSync(path, gzip ? gzipSync(buf) : buf);
  return path;
}

/** Where the scanner stops on these bytes fed in chunks of `chunk` bytes (0: it reads them all). */
function stopLine(bytes: Buffer, chunk = 7): number {
  const s = createMooncakeScanner(1 << 20);
  for (let i = 0; i < bytes.length; i += chunk) if (s.feed(bytes.subarray(i, i + chunk)) !== 0) break;
  return s.finish();
}

async function outcome(path: string, opts: MooncakeLoadOptions): Promise<unknown> {
  try {
    const w = await loadMooncakeTrace(path, opts);
    return { ...w, sessionIds: [...w.sessionIds] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function expectSameAsJson(text: string, opts: MooncakeLoadOptions = {}) {
  const path = write(text);
  expect(await outcome(path, opts)).toEqual(await outcome(path, { ...opts, reader: 'json' }));
}

// Lines the scanner reads itself, each exercising a rule JSON.parse and the loader apply.
const readable: [string, string][] = [
  ['aliases and null as absent', '{"timestamp": null, "created_time": 5, "input_length": null, "input_tokens": 700, "output_tokens": 3, "hash_ids": [1, 2]}'],
  ['the name wins over its alias', '{"timestamp": 1.5, "created_time": "x", "output_length": 2, "output_tokens": "y", "hash_ids": [9]}'],
  ['duplicate keys: the last one counts', '{"timestamp": 1, "output_length": 1, "hash_ids": [1], "hash_ids": [7, 8], "output_length": 4}'],
  ['unknown fields of every JSON type', '{"a": {"b": [1, {"c": "d\\"e\\u00e9\\n"}], "e": []}, "f": true, "g": false, "h": null, "i": -0.5e-3, "timestamp": 2, "output_length": 1, "hash_ids": [3]}'],
  ['numbers with fraction and exponent', '{"timestamp": 1.25e3, "delay": 0, "input_length": 1e2, "output_length": 2.0, "hash_ids": [1e1, 2.0, 30]}'],
  ['ids past 32 bits and past 2^53 (plain digits)', '{"timestamp": 0, "output_length": 1, "hash_ids": [4294967296, 4294967297, 9007199254740993, 18446744073709551615]}'],
  ['negative zero', '{"timestamp": -0, "output_length": -0, "hash_ids": [-0, 0]}'],
  ['a UTF-8 session id', '{"session_id": "sess-é-日本", "timestamp": 3, "output_length": 1, "hash_ids": [1]}\n{"session_id": "sess-é-日本", "delay": 5, "output_length": 1, "hash_ids": [1, 2]}'],
  ['whitespace of every kind', ' \t{ "timestamp" :4 ,"output_length":\t1,"hash_ids" : [ 1 ,2 ] } \r'],
  ['blank lines, \\v and \\f included', '\n  \n\u000b\f\n{"timestamp": 0, "output_length": 1, "hash_ids": [5]}\n\r\n'],
  ['sessions with delays inferred from timestamps', '{"session_id": "a", "timestamp": 10, "output_length": 1, "hash_ids": [1]}\n{"session_id": "a", "timestamp": 25, "output_length": 1, "hash_ids": [1, 2]}\n{"timestamp": 5, "output_length": 1, "hash_ids": [3]}'],
  ['an explicit id naming an implicit session', '{"timestamp": 1, "output_length": 1, "hash_ids": [1]}\n{"session_id": "request_1", "delay": 2, "output_length": 1, "hash_ids": [1, 2]}'],
  ['no newline at the end', '{"timestamp": 0, "output_length": 1, "hash_ids": [1]}\n{"timestamp": 1, "output_length": 1, "hash_ids": [2]}'],
  // The scanner's fast lane (1 to 9 plain digits then "," / ", " / "]") hands every other spelling to its general loop.
  ['ids at the fast lane\'s edges', '{"timestamp": 0, "output_length": 1, "hash_ids": [0,999999999, 1000000000 ,4294967295,\t7 , 0.0, 12e0, 123456789]}'],
  ['compact ids, then spaced ones', '{"timestamp": 0, "output_length": 1, "hash_ids":[1,2,3,  4 ,5]}'],
];

// Lines the loader refuses after the scanner read them (its row rules word the message).
const refusedByRules: [string, string][] = [
  ['missing hash_ids', '{"timestamp": 0, "output_length": 1}'],
  ['hash_ids null', '{"timestamp": 0, "output_length": 1, "hash_ids": [1], "hash_ids": null}'],
  ['missing output_length', '{"timestamp": 0, "hash_ids": [1]}'],
  ['empty hash_ids', '{"timestamp": 0, "output_length": 1, "hash_ids": []}'],
  ['delay on a first turn', '{"timestamp": 0, "delay": 3, "output_length": 1, "hash_ids": [1]}'],
  ['no timestamp in trace mode', '{"output_length": 1, "hash_ids": [1]}'],
  ['output past 32 bits', '{"timestamp": 0, "output_length": 4294967296, "hash_ids": [1]}'],
  ['zero input', '{"timestamp": 0, "input_length": 0, "output_length": 1, "hash_ids": [1]}'],
];

// Lines the scanner stops on: the JSON.parse reader words the error, or reads what the scanner cannot.
const stops: [string, string][] = [
  ['not JSON', '{"timestamp": 0,'],
  ['trailing text', '{"timestamp": 0, "output_length": 1, "hash_ids": [1]} x'],
  ['an array', '[1, 2]'],
  ['null', 'null'],
  ['a string timestamp', '{"timestamp": "0", "output_length": 1, "hash_ids": [1]}'],
  ['a fractional count', '{"timestamp": 0, "output_length": 1.5, "hash_ids": [1]}'],
  ['a negative id', '{"timestamp": 0, "output_length": 1, "hash_ids": [-1]}'],
  ['a string id', '{"timestamp": 0, "output_length": 1, "hash_ids": ["1"]}'],
  ['an id past 64 bits', '{"timestamp": 0, "output_length": 1, "hash_ids": [18446744073709551616]}'],
  ['an exact id beside a non-plain one', '{"timestamp": 0, "output_length": 1, "hash_ids": [1.0, 9007199254740993]}'],
  ['a number past double range', '{"timestamp": 1e400, "output_length": 1, "hash_ids": [1]}'],
  ['leading zeros', '{"timestamp": 01, "output_length": 1, "hash_ids": [1]}'],
  ['a leading zero in an id', '{"timestamp": 0, "output_length": 1, "hash_ids": [1, 01]}'],
  ['an id cut short by the line', '{"timestamp": 0, "output_length": 1, "hash_ids": [1, 2'],
  ['an escaped session id', '{"session_id": "a\\u0062", "timestamp": 0, "output_length": 1, "hash_ids": [1]}'],
  ['an escaped key', '{"hash\\u005fids": [1], "timestamp": 0, "output_length": 1}'],
  ['a bad escape', '{"x": "\\q", "timestamp": 0, "output_length": 1, "hash_ids": [1]}'],
  ['a control character in a string', '{"x": "a\tb", "timestamp": 0, "output_length": 1, "hash_ids": [1]}'],
  ['hash_ids an object', '{"timestamp": 0, "output_length": 1, "hash_ids": {"a": 1}}'],
  ['session_id a number', '{"session_id": 5, "timestamp": 0, "output_length": 1, "hash_ids": [1]}'],
];

describe('the addon scanner reads Mooncake rows as JSON.parse does', () => {
  it.each(readable)('%s', async (_name, text) => {
    expect(stopLine(Buffer.from(text + '\n'))).toBe(0);
    await expectSameAsJson(text + '\n');
    await expectSameAsJson(text + '\n', { concurrency: 2, traceBlockSize: 16, arrivalSpeedupRatio: 3 });
  });

  it.each(refusedByRules)('%s: the row rules refuse it with the same message', async (_name, text) => {
    const good = '{"timestamp": 0, "output_length": 1, "hash_ids": [1]}';
    expect(stopLine(Buffer.from(`${good}\n${text}\n`))).toBe(0);
    const path = write(`${good}\n${text}\n`);
    const got = (await outcome(path, {})) as { error?: string };
    expect(got.error).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}:2: `));
    expect(got).toEqual(await outcome(path, { reader: 'json' }));
  });

  it.each(stops)('%s: stops at its line, and the loader answers as JSON.parse does', async (_name, text) => {
    const good = '{"timestamp": 0, "output_length": 1, "hash_ids": [1]}';
    const bytes = Buffer.from(`${good}\n\n${text}\n${good}\n`);
    expect(stopLine(bytes)).toBe(3);
    expect(stopLine(bytes, 1 << 20)).toBe(3);
    const path = write(bytes);
    expect(await outcome(path, {})).toEqual(await outcome(path, { reader: 'json' }));
  });

  it('stops on invalid UTF-8 in a string (overlong, surrogate, truncated)', async () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe6, 0x97]]) {
      const bytes = Buffer.concat([Buffer.from('{"timestamp": 0, "output_length": 1, "hash_ids": [1], "x": "'), Buffer.from(bad), Buffer.from('"}\n')]);
      expect(stopLine(bytes)).toBe(1);
      const path = write(bytes);
      expect(await outcome(path, {})).toEqual({ error: `${path}:1: trace line 1 is not valid UTF-8` });
    }
  });

  it('strips a byte-order mark on line 1 only', async () => {
    const row = '{"timestamp": 0, "output_length": 1, "hash_ids": [1]}';
    expect(stopLine(Buffer.from(`\ufeff${row}\n`))).toBe(0);
    expect(stopLine(Buffer.from(`${row}\n\ufeff${row}\n`))).toBe(2);
    await expectSameAsJson(`\ufeff${row}\n${row}\n`);
  });

  it('reads a gzip stream and lines split across chunks the same way', async () => {
    const text = readable.map(([, t]) => t.replace(/"session_id": "a"/g, '"session_id": "a2"')).filter((t) => !t.includes('request_1')).join('\n') + '\n';
    const plainPath = write(text);
    const gzPath = write(text, true);
    const json = await outcome(plainPath, { reader: 'json' });
    expect(await outcome(gzPath, {})).toEqual(json);
    expect(await outcome(plainPath, {})).toEqual(json);
    for (const chunk of [1, 2, 3, 64]) expect(stopLine(Buffer.from(text), chunk)).toBe(0);
  });

  it('stops on a line longer than its limit', () => {
    const s = createMooncakeScanner(16);
    expect(s.feed(Buffer.from('{"timestamp": 0,'))).toBe(0);
    expect(s.feed(Buffer.from(' "output_length": 1'))).toBe(1);
  });
});
