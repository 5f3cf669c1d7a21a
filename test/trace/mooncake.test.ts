import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ReplayError } from '../../src/errors.js';
import { loadMooncakeTrace, type MooncakeLoadOptions } from '../../src/trace/mooncake.js';

const dir = mkdtempSync(join(tmpdir(), 'dynosim-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function traceFile(lines: (string | object)[], opts: { gzip?: boolean; eol?: string; name?: string } = {}): string {
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join(opts.eol ?? '\n') + (opts.eol ?? '\n');
  const path = join(dir, opts.name ?? `t${fileCounter++}.jsonl${opts.gzip ? '.gz' : ''}`);
  writeFileSync(path, opts.gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

async function loadError(path: string, opts?: MooncakeLoadOptions): Promise<ReplayError> {
  try {
    await loadMooncakeTrace(path, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as Error).message).not.toContain('\n');
    return err as ReplayError;
  }
  throw new Error('expected the load to fail');
}

const plain = (w: Awaited<ReturnType<typeof loadMooncakeTrace>>) => ({
  inputLength: Array.from(w.inputLength),
  outputLength: Array.from(w.outputLength),
  hashOffsets: Array.from(w.hashOffsets),
  hashIds: Array.from(w.hashIds),
  sessionStart: Array.from(w.sessionStart),
  firstArrivalMs: Array.from(w.firstArrivalMs),
  turnDelayMs: Array.from(w.turnDelayMs),
  sessionIds: w.sessionIds,
  traceBlockSize: w.traceBlockSize,
  concurrency: w.concurrency,
});

describe('single-turn mooncake rows', () => {
  const rows = [
    '{"timestamp": 100, "input_length": 1000, "output_length": 10, "hash_ids": [1, 2]}',
    '   ',
    '{"created_time": 150, "input_tokens": 5000, "output_tokens": 20, "hash_ids": [3]}',
    '{"timestamp": 120, "output_length": 5, "hash_ids": [4, 5, 6], "unknown_field": {"x": [1]}}',
  ];

  it('reads aliases, clamps input_length, skips blank lines, sorts by arrival', async () => {
    const w = plain(await loadMooncakeTrace(traceFile(rows)));
    expect(w).toEqual({
      // line 1: min(1000, 2*512); line 4: default 3*512; line 3: min(5000, 1*512)
      inputLength: [1000, 1536, 512],
      outputLength: [10, 5, 20],
      hashOffsets: [0, 2, 5, 6],
      hashIds: [1, 2, 4, 5, 6, 3],
      sessionStart: [0, 1, 2, 3],
      firstArrivalMs: [0, 20, 50],
      turnDelayMs: [0, 0, 0],
      sessionIds: ['request_1', 'request_4', 'request_3'],
      traceBlockSize: 512,
      concurrency: 0,
    });
  });

  it('divides normalised arrivals by the speedup ratio', async () => {
    const w = await loadMooncakeTrace(traceFile(rows), { arrivalSpeedupRatio: 2 });
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 10, 25]);
  });

  it('uses the trace block size for the default and the clamp', async () => {
    const w = await loadMooncakeTrace(traceFile(rows), { traceBlockSize: 100 });
    expect(Array.from(w.inputLength)).toEqual([200, 300, 100]);
    expect(w.traceBlockSize).toBe(100);
  });

  it('keeps file order in concurrency mode and zeroes arrivals', async () => {
    const w = await loadMooncakeTrace(traceFile(rows), { concurrency: 2 });
    expect(w.sessionIds).toEqual(['request_1', 'request_3', 'request_4']);
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 0]);
    expect(w.concurrency).toBe(2);
  });

  it('accepts CRLF line endings, a BOM and a missing final newline', async () => {
    const path = join(dir, 'crlf.jsonl');
    writeFileSync(path, '\ufeff' + rows.join('\r\n'));
    expect(plain(await loadMooncakeTrace(path))).toEqual(plain(await loadMooncakeTrace(traceFile(rows))));
  });

  it('truncates u64 hash ids to their low 32 bits, exactly even above 2^53', async () => {
    const big = (BigInt(0xd00d) << 48n) | (7n << 32n) | 5n; // the reference's shared-prefix id shape
    const path = traceFile([
      `{"timestamp": 0, "output_length": 1, "hash_ids": [4294967297, 18446744073709551615, 9007199254740993, ${big}, 4294967295]}`,
    ]);
    const w = await loadMooncakeTrace(path);
    expect(Array.from(w.hashIds)).toEqual([1, 4294967295, 1, 5, 4294967295]);
  });
});

describe('multi-turn sessions', () => {
  const rows = [
    { session_id: 'A', timestamp: 1000, input_length: 100, output_length: 1, hash_ids: [1] },
    { session_id: 'B', timestamp: 500, input_length: 100, output_length: 2, hash_ids: [2] },
    { session_id: 'A', timestamp: 1300, input_length: 900, output_length: 3, hash_ids: [1, 3] }, // 1300-1000
    { session_id: 'A', delay_ms: 50, input_length: 1200, output_length: 4, hash_ids: [1, 3, 4] }, // explicit
    { session_id: 'B', timestamp: 900, delay: 20, input_length: 600, output_length: 5, hash_ids: [2, 5] }, // explicit wins
    { session_id: 'A', timestamp: 2000, input_length: 1600, output_length: 6, hash_ids: [1, 3, 4, 6] }, // 2000-1300
    { timestamp: 500, input_length: 10, output_length: 7, hash_ids: [7] }, // ties with B: file order
  ];

  it('groups turns, derives delays, sorts sessions stably by first arrival', async () => {
    const w = plain(await loadMooncakeTrace(traceFile(rows)));
    expect(w.sessionIds).toEqual(['B', 'request_7', 'A']);
    expect(w.sessionStart).toEqual([0, 2, 3, 7]);
    expect(w.firstArrivalMs).toEqual([0, 0, 500]);
    expect(w.turnDelayMs).toEqual([0, 20, 0, 0, 300, 50, 700]);
    expect(w.outputLength).toEqual([2, 5, 7, 1, 3, 4, 6]);
    expect(w.inputLength).toEqual([100, 600, 10, 100, 900, 1200, 1600]);
    expect(w.hashOffsets).toEqual([0, 1, 3, 4, 5, 7, 10, 14]);
    expect(w.hashIds).toEqual([2, 2, 5, 7, 1, 1, 3, 1, 3, 4, 1, 3, 4, 6]);
  });

  it('divides arrivals and inter-turn delays by the speedup ratio', async () => {
    const w = await loadMooncakeTrace(traceFile(rows), { arrivalSpeedupRatio: 2 });
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 250]);
    expect(Array.from(w.turnDelayMs)).toEqual([0, 10, 0, 0, 150, 25, 350]);
  });

  it('orders sessions by first appearance in concurrency mode', async () => {
    const w = plain(await loadMooncakeTrace(traceFile(rows), { concurrency: 4 }));
    expect(w.sessionIds).toEqual(['A', 'B', 'request_7']);
    expect(w.sessionStart).toEqual([0, 4, 6, 7]);
    expect(w.turnDelayMs).toEqual([0, 300, 50, 700, 0, 20, 0]);
    expect(w.firstArrivalMs).toEqual([0, 0, 0]);
  });

  it('reads gzip input (detected by magic bytes) identically', async () => {
    const gz = traceFile(rows, { gzip: true });
    const renamed = traceFile(rows, { gzip: true, name: 'compressed-without-suffix.jsonl' });
    const expected = plain(await loadMooncakeTrace(traceFile(rows)));
    expect(plain(await loadMooncakeTrace(gz))).toEqual(expected);
    expect(plain(await loadMooncakeTrace(renamed))).toEqual(expected);
  });

  it('allows missing timestamps in concurrency mode', async () => {
    const path = traceFile([
      { session_id: 's', output_length: 1, hash_ids: [1] },
      { session_id: 's', output_length: 1, hash_ids: [1, 2] },
    ]);
    const w = await loadMooncakeTrace(path, { concurrency: 1 });
    expect(Array.from(w.turnDelayMs)).toEqual([0, 0]);
    expect(Array.from(w.firstArrivalMs)).toEqual([0]);
  });

  it('joins an explicit session_id that equals an implicit request_<line> name', async () => {
    const path = traceFile([
      { timestamp: 0, output_length: 1, hash_ids: [1] },
      { session_id: 'request_1', timestamp: 40, output_length: 1, hash_ids: [1, 2] },
      { session_id: 'request_4', timestamp: 10, output_length: 1, hash_ids: [3] },
      { timestamp: 25, output_length: 1, hash_ids: [3, 4] },
    ]);
    const w = plain(await loadMooncakeTrace(path));
    expect(w.sessionIds).toEqual(['request_1', 'request_4']);
    expect(w.sessionStart).toEqual([0, 2, 4]);
    expect(w.turnDelayMs).toEqual([0, 40, 0, 15]);
  });
});

describe('trace errors name the file, line and field', () => {
  const ok = { timestamp: 0, output_length: 1, hash_ids: [1] };

  it('missing output_length / hash_ids', async () => {
    const p1 = traceFile([ok, { timestamp: 1, hash_ids: [1] }]);
    expect((await loadError(p1)).message).toBe(`${p1}:2: trace line 2 is missing output_length`);
    const p2 = traceFile([ok, '', { timestamp: 1, output_length: 3 }]);
    expect((await loadError(p2)).message).toBe(`${p2}:3: trace line 3 is missing hash_ids`);
  });

  it('malformed JSON and wrongly typed fields', async () => {
    const p1 = traceFile([ok, '{"timestamp": 1, "output_length": 1,']);
    expect((await loadError(p1)).message).toMatch(new RegExp(`^${escape(p1)}:2: failed to parse line 2 from ${escape(p1)} as JSON: `));
    const p2 = traceFile([{ timestamp: 0, output_length: 'abc', hash_ids: [1] }]);
    expect((await loadError(p2)).message).toBe(
      `${p2}:1: failed to parse line 1 from ${p2} as JSON: field "output_length" must be a non-negative integer, got "abc"`,
    );
    const p3 = traceFile([{ timestamp: 0, output_tokens: 1, hash_ids: [1, -2] }]);
    expect((await loadError(p3)).message).toContain('field "hash_ids" must be an array of non-negative integers, got -2');
    const p4 = traceFile(['[1, 2]']);
    expect((await loadError(p4)).message).toContain('as JSON: expected a JSON object');
    const p5 = traceFile([{ created_time: '5', output_length: 1, hash_ids: [1] }]);
    expect((await loadError(p5)).message).toContain('field "created_time" must be a number, got "5"');
  });

  it('empty and unreadable files', async () => {
    const p1 = traceFile(['', '  ']);
    expect((await loadError(p1)).message).toBe(`trace file ${p1} did not contain any requests`);
    const p2 = join(dir, 'does-not-exist.jsonl');
    expect((await loadError(p2)).message).toBe(`failed to open trace file ${p2}: no such file or directory`);
    expect((await loadError(dir)).message).toBe(`failed to open trace file ${dir}: is a directory`);
    const p3 = join(dir, 'truncated.jsonl.gz');
    writeFileSync(p3, gzipSync(Buffer.from(JSON.stringify(ok).repeat(1000))).subarray(0, 30));
    expect((await loadError(p3)).message).toMatch(/:1: failed to read line 1 from .*truncated\.jsonl\.gz: /);
  });

  it('delays: first turn, negative, non-derivable', async () => {
    const p1 = traceFile([{ ...ok, session_id: 'a', delay: 5 }]);
    expect((await loadError(p1)).message).toBe(`${p1}:1: trace line 1 sets delay on the first turn of session a`);
    const p2 = traceFile([{ ...ok, session_id: 'a', delay: 0 }, { ...ok, session_id: 'a', delay: -3 }]);
    expect((await loadError(p2)).message).toBe(`${p2}:2: trace line 2 has invalid delay -3`);
    const p3 = traceFile([{ ...ok, session_id: 'a', timestamp: 100 }, { ...ok, session_id: 'a', timestamp: 50 }]);
    expect((await loadError(p3)).message).toBe(`${p3}:2: trace line 2 has invalid delay -50`);
    const p4 = traceFile([
      { output_length: 1, hash_ids: [1], session_id: 'a' },
      { output_length: 1, hash_ids: [1], session_id: 'a', timestamp: 7 },
    ]);
    expect((await loadError(p4, { concurrency: 1 })).message).toBe(
      `${p4}:2: trace line 2 for session a cannot infer delay without a previous timestamp`,
    );
  });

  it('trace mode needs first-turn timestamps', async () => {
    const p = traceFile([ok, { output_length: 1, hash_ids: [1] }]);
    expect((await loadError(p)).message).toBe(`${p}:2: trace mode requires first_arrival_timestamp_ms for session request_2`);
  });

  it('empty hash_ids and zero input_length', async () => {
    const p1 = traceFile([{ ...ok, hash_ids: [] }]);
    expect((await loadError(p1)).message).toBe(`${p1}:1: session request_1 turn 0 must contain at least one hash id`);
    const p2 = traceFile([{ ...ok, session_id: 's' }, { ...ok, session_id: 's', input_length: 0 }]);
    expect((await loadError(p2)).message).toBe(`${p2}:2: session s turn 1 must have a positive input_length`);
  });

  it('speedup ratio must be finite and positive', async () => {
    const p = traceFile([ok]);
    expect((await loadError(p, { arrivalSpeedupRatio: 0 })).message).toBe('ratio must be a finite positive number, got 0');
    expect((await loadError(p, { arrivalSpeedupRatio: Infinity })).message).toBe(
      'ratio must be a finite positive number, got inf',
    );
    expect((await loadError(p, { arrivalSpeedupRatio: -1.5 })).message).toBe(
      'ratio must be a finite positive number, got -1.5',
    );
  });
});

describe('streaming over chunk boundaries', () => {
  it('reads a multi-megabyte trace with long and non-ASCII lines', async () => {
    const lines: string[] = [];
    let expectedHashes = 0;
    let expectedHashSum = 0;
    for (let i = 0; i < 4000; i++) {
      const n = 1 + ((i * 37) % 300);
      const ids = Array.from({ length: n }, (_, k) => i * 1000 + k);
      expectedHashes += n;
      expectedHashSum += ids.reduce((a, b) => a + b, 0);
      lines.push(JSON.stringify({ session_id: `sé-ssion-€-${i % 500}`, timestamp: i, output_length: i % 7, hash_ids: ids }));
    }
    for (const gzip of [false, true]) {
      const w = await loadMooncakeTrace(traceFile(lines, { gzip }));
      expect(w.inputLength.length).toBe(4000);
      expect(w.sessionIds.length).toBe(500);
      expect(w.sessionIds[0]).toBe('sé-ssion-€-0');
      expect(new Set(w.sessionIds).size).toBe(500);
      expect(w.hashIds.length).toBe(expectedHashes);
      expect(w.hashIds.reduce((a, b) => a + b, 0)).toBe(expectedHashSum);
      expect(Array.from(w.turnDelayMs).every((d) => d === 0 || d === 500)).toBe(true);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
