// planner_profile_data: the .npz reader and the profile interpolation (prefill 1-D linear with
// linear extrapolation, decode bilinear with extrapolation, floors), on small archives written here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpz } from '../../src/perf/npz.js';
import { evaluate } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dynosim-npz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One .npy (format 1.0) of float64 values, C order unless `fortran`. */
function npy(shape: number[], values: number[], dtype = '<f8', fortran = false): Buffer {
  let header = `{'descr': '${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const size = dtype.endsWith('8') ? 8 : 4;
  const body = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (dtype === '<f8') body.writeDoubleLE(v, i * 8);
    else if (dtype === '<f4') body.writeFloatLE(v, i * 4);
    else if (dtype === '<i8') body.writeBigInt64LE(BigInt(v), i * 8);
    else throw new Error(dtype);
  });
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

/** A zip archive of the given entries (stored, or deflated when `deflate`). */
function zip(entries: [string, Buffer][], deflate = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const body = deflate ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

interface Profile {
  isl: number[];
  ttft: number[];
  kv: number[];
  ctx: number[];
  itl: number[][];
}

function writeProfile(name: string, p: Profile, options: { deflate?: boolean; fortran?: boolean } = {}): string {
  const rows = p.itl.length;
  const cols = p.itl[0]!.length;
  const itl = options.fortran ? p.ctx.flatMap((_, j) => p.itl.map((r) => r[j]!)) : p.itl.flat();
  const file = path.join(tmp, name);
  writeFileSync(
    file,
    zip(
      [
        ['prefill_isl.npy', npy([p.isl.length], p.isl)],
        ['prefill_ttft_ms.npy', npy([p.ttft.length], p.ttft)],
        ['decode_active_kv_tokens.npy', npy([p.kv.length], p.kv, '<i8')],
        ['decode_context_length.npy', npy([p.ctx.length], p.ctx, '<f4')],
        ['decode_itl.npy', npy([rows, cols], itl, '<f8', options.fortran)],
      ],
      options.deflate,
    ),
  );
  return file;
}

// Prefill: TTFT 2 ms at 0 tokens, 12 at 100, 22 at 300. Decode: ITL over KV tokens {0, 1000,
// 3000} × context {10, 110}.
const PROFILE: Profile = {
  isl: [0, 100, 300],
  ttft: [2, 12, 22],
  kv: [0, 1000, 3000],
  ctx: [10, 110],
  itl: [
    [1.5, 2.5],
    [3.5, 5.5],
    [7.5, 9.5],
  ],
};

const profileArgs = (file: string) => ({ planner_profile_data: file, num_gpu_blocks: 1000 });

describe('planner_profile_data interpolation', () => {
  const file = writeProfile('profile.npz', PROFILE);

  it('reads the archive (int64, float32 and float64 arrays)', () => {
    const arrays = readNpz(file);
    expect([...arrays.keys()].sort()).toEqual(['decode_active_kv_tokens', 'decode_context_length', 'decode_itl', 'prefill_isl', 'prefill_ttft_ms']);
    expect(arrays.get('decode_itl')!.shape).toEqual([3, 2]);
    expect([...arrays.get('decode_active_kv_tokens')!.data]).toEqual([0, 1000, 3000]);
  });

  it('prefill: linear inside, linearly extrapolated outside, at x = batch × (isl − prefix)', async () => {
    // (batch, new tokens, prefix): x = 50 → 7; 150 → 14.5; 400 → 27 (last segment, slope 0.05).
    const r = await evaluate(profileArgs(file), [[1, 50, 0], [1, 150, 0], [2, 200, 0], [1, 400, 0], [3, 50, 7]]);
    expect(r.prefill[0]).toBeCloseTo(7, 12);
    expect(r.prefill[1]).toBeCloseTo(14.5, 12);
    expect(r.prefill[2]).toBeCloseTo(27, 12);
    expect(r.prefill[3]).toBeCloseTo(27, 12);
    expect(r.prefill[4]).toBeCloseTo(14.5, 12); // x = 150 whatever the prefix
    expect(r.perf.info.model).toBe('profile');
  });

  it('decode: bilinear inside, extrapolated outside (active KV tokens, context)', async () => {
    const r = await evaluate(profileArgs(file), [], [
      [10, 50], // (500, 50): rows 1.5→3.5 at 0.5, cols at 0.4 → 2.5 + 0.4 × 1.5 = 3.1
      [20, 200], // (4000, 200): last cells, tx 1.5, ty 1.9 → 9.5 + 1.9 × 2 = 13.3
    ]);
    expect(r.decode[0]).toBeCloseTo(3.1, 12);
    expect(r.decode[1]).toBeCloseTo(13.3, 12);
  });

  it("the reference's input averaging: prompts [8, 13] with prefixes [4, 5], contexts [9, 14]", async () => {
    // The engine averages per pass: batch 2, isl 10, prefix 4 → x = 2 × 6 = 12; context 11.
    const r = await evaluate(profileArgs(file), [[2, 10 - 4, 4]], [[2, 11]]);
    expect(r.prefill[0]).toBeCloseTo(2 + 0.1 * 12, 12); // 3.2
    // (active 22, context 11): 1.5 + 2 × 0.022 = 1.544 and 2.5 + 3 × 0.022 = 2.566, at ty 0.01.
    expect(r.decode[0]).toBeCloseTo(1.544 + (2.566 - 1.544) * 0.01, 12);
  });

  it('floors: prefill ≥ 0, decode ≥ 1 ms', async () => {
    const low = writeProfile('low.npz', { isl: [10, 20], ttft: [5, 1], kv: [0, 100], ctx: [0, 100], itl: [[0.2, 0.3], [0.4, 0.5]] });
    const r = await evaluate(profileArgs(low), [[1, 40, 0]], [[1, 10]]);
    expect(r.prefill[0]).toBe(0);
    expect(r.decode[0]).toBe(1);
  });

  it('deflated members and Fortran-order arrays read the same', async () => {
    const other = writeProfile('fortran.npz', PROFILE, { deflate: true, fortran: true });
    const a = await evaluate(profileArgs(file), [[1, 150, 0]], [[10, 50], [20, 200]]);
    const b = await evaluate(profileArgs(other), [[1, 150, 0]], [[10, 50], [20, 200]]);
    expect(b.prefill).toEqual(a.prefill);
    expect(b.decode).toEqual(a.decode);
  });

  it(".npz files the mocker cannot load leave it on the polynomial model, with a note", async () => {
    // Reference: the mocker's MockEngineArgs from JSON logs "Failed to load performance model from
    // …: …. Falling back to polynomial model." and keeps PerfModel::default().
    const missing = path.join(tmp, 'missing.npz');
    const notZip = path.join(tmp, 'not-a-zip.npz');
    writeFileSync(notZip, 'hello');
    const noItl = path.join(tmp, 'no-itl.npz');
    writeFileSync(noItl, zip([['prefill_isl.npy', npy([2], [1, 2])]]));
    const unsorted = writeProfile('unsorted.npz', { ...PROFILE, isl: [0, 300, 100] });
    const badShape = writeProfile('bad-shape.npz', { ...PROFILE, kv: [0, 1000] });
    const cases: [string, RegExp][] = [
      [missing, /planner_profile_data: '.*missing\.npz' does not exist/],
      [notZip, /not a zip archive/],
      [noItl, /missing array 'prefill_ttft_ms'/],
      [unsorted, /prefill_isl must be strictly increasing \(index 2\)/],
      [badShape, /decode_itl shape \(3, 2\) does not match decode_active_kv_tokens 2/],
    ];
    for (const [f, message] of cases) {
      const r = await evaluate(profileArgs(f));
      expect(r.perf.info.model, f).toBe('polynomial');
      expect(r.notes).toHaveLength(1);
      expect(r.notes[0]).toMatch(message);
      expect(r.notes[0]).toMatch(/falling back to the polynomial model, as the reference's mocker does$/);
    }
  });

  it('a path that is neither an .npz nor a profiler results directory is refused in one line', async () => {
    const err = await evaluate(profileArgs(tmp)).catch((e: Error) => e);
    expect((err as Error).name).toBe('ReplayError');
    expect((err as Error).message).toMatch(/is neither a mocker-format NPZ file nor a valid profiler results directory; expected/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('planner_profile_data: a profiler results directory', () => {
  // components/src/dynamo/mocker/utils/planner_profiler_perf_data_converter.py
  // (convert_profile_results_to_npz): the points become forward passes
  // (planner/monitoring/perf_metrics.py _convert_prefill_profiling / _convert_decode_profiling),
  // the planner's regressions fit them, and the fits fill 100-point grids. Points on exact lines
  // make the fits exact, so every grid value is known by hand.
  const dir = mkdtempSync(path.join(tmp, 'results-'));
  const isls = [100, 500, 1000, 2000, 4000, 8000];
  writeFileSync(path.join(dir, 'prefill_raw_data.json'), JSON.stringify({ prefill_isl: isls, prefill_ttft: isls.map((x) => 5 + 0.01 * x) }));
  // Decode points (KV usage of 10000 tokens, context): batch = round(kv / context).
  const points = [
    [0.1, 100], [0.2, 100], [0.4, 200], [0.5, 1000], [0.8, 400], [1.0, 2500],
  ];
  const itl = (batch: number, kv: number) => 2 + 0.5 * batch + 0.0001 * kv;
  writeFileSync(
    path.join(dir, 'decode_raw_data.json'),
    JSON.stringify({
      x_kv_usage: points.map((p) => p[0]),
      y_context_length: points.map((p) => p[1]),
      z_itl: points.map(([u, c]) => itl(Math.round((u! * 10000) / c!), u! * 10000)),
      max_kv_tokens: 10000,
    }),
  );

  it('converts to grids over the profiled ranges, evaluating the fits', async () => {
    const { convertProfileResults } = await import('../../src/perf/profile-results.js');
    const g = convertProfileResults(dir);
    expect(g.prefillTokens).toHaveLength(100);
    expect(g.prefillTokens[0]).toBe(100);
    expect(g.prefillTokens[99]).toBe(8000);
    for (let k = 0; k < 100; k += 33) expect(g.prefillMs[k]).toBeCloseTo(5 + 0.01 * g.prefillTokens[k]!, 9);
    // KV tokens 0 … 10000; contexts 1 … the largest kv / batch (10000 / 4 = 2500).
    expect(g.decodeKvTokens[0]).toBe(0);
    expect(g.decodeKvTokens[99]).toBe(10000);
    expect(g.decodeContext[0]).toBe(1);
    expect(g.decodeContext[99]).toBe(2500);
    for (const [i, j] of [[0, 0], [50, 10], [99, 99], [99, 0]] as const) {
      const kv = g.decodeKvTokens[i]!;
      expect(g.decodeItlMs[i * 100 + j]).toBeCloseTo(itl(Math.max(1, kv / g.decodeContext[j]!), kv), 9);
    }
    const r = await evaluate(profileArgs(dir), [[1, 1000, 0]]);
    expect(r.perf.info.model).toBe('profile');
    expect(r.prefill[0]).toBeCloseTo(15, 9);
  });

  it('names the missing file of a half-written directory', async () => {
    const half = mkdtempSync(path.join(tmp, 'half-'));
    writeFileSync(path.join(half, 'prefill_raw_data.json'), JSON.stringify({ prefill_isl: [1, 2], prefill_ttft: [1] }));
    writeFileSync(path.join(half, 'decode_raw_data.json'), '{}');
    const err = await evaluate(profileArgs(half)).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/No prefill profiling data found in/);
  });
});
