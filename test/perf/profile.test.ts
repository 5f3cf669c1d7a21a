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

  it('bad profiles fail with one line', async () => {
    const missing = path.join(tmp, 'missing.npz');
    const notZip = path.join(tmp, 'not-a-zip.npz');
    writeFileSync(notZip, 'hello');
    const noItl = path.join(tmp, 'no-itl.npz');
    writeFileSync(noItl, zip([['prefill_isl.npy', npy([2], [1, 2])]]));
    const unsorted = writeProfile('unsorted.npz', { ...PROFILE, isl: [0, 300, 100] });
    const badShape = writeProfile('bad-shape.npz', { ...PROFILE, kv: [0, 1000] });
    const cases: [string, RegExp][] = [
      [missing, /planner_profile_data: '.*missing\.npz' does not exist/],
      [tmp, /is a directory/],
      [notZip, /not a zip archive/],
      [noItl, /missing array 'prefill_ttft_ms'/],
      [unsorted, /prefill_isl must be strictly increasing \(index 2\)/],
      [badShape, /decode_itl shape \(3, 2\) does not match decode_active_kv_tokens 2/],
    ];
    for (const [f, message] of cases) {
      const err = await evaluate(profileArgs(f)).catch((e: Error) => e);
      expect((err as Error).name, f).toBe('ReplayError');
      expect((err as Error).message).toMatch(message);
    }
  });
});
