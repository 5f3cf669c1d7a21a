// Reads NumPy .npz archives (a zip of .npy files) without Python: stored or deflated entries,
// zip64 size fields, little- or big-endian numeric arrays in C or Fortran order.
import fs from 'node:fs';
import zlib from 'node:zlib';

export class NpzError extends Error {
  override readonly name = 'NpzError';
}

export interface NpyArray {
  shape: number[];
  /** Values in C (row-major) order, converted to float64. */
  data: Float64Array;
}

function zip64Extra(extra: Buffer, want: { size: boolean; csize: boolean; offset: boolean }): { size?: number; csize?: number; offset?: number } {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const out: { size?: number; csize?: number; offset?: number } = {};
      const next = () => {
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (want.size) out.size = next();
      if (want.csize) out.csize = next();
      if (want.offset) out.offset = next();
      return out;
    }
    p += 4 + len;
  }
  return {};
}

/** The entries of a zip archive, name → uncompressed bytes. */
export function readZip(buf: Buffer): Map<string, Buffer> {
  // End of central directory: last 22+ bytes, signature 0x06054b50.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new NpzError('not a zip archive (no end-of-central-directory record)');
  let entries = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || entries === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new NpzError('corrupt zip64 archive');
    const rec = Number(buf.readBigUInt64LE(loc + 8));
    if (buf.readUInt32LE(rec) !== 0x06064b50) throw new NpzError('corrupt zip64 archive');
    entries = Number(buf.readBigUInt64LE(rec + 32));
    cdOffset = Number(buf.readBigUInt64LE(rec + 48));
  }
  const out = new Map<string, Buffer>();
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new NpzError('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    let csize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const extra = buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    if (size === 0xffffffff || csize === 0xffffffff || offset === 0xffffffff) {
      const z = zip64Extra(extra, { size: size === 0xffffffff, csize: csize === 0xffffffff, offset: offset === 0xffffffff });
      size = z.size ?? size;
      csize = z.csize ?? csize;
      offset = z.offset ?? offset;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (offset + 30 > buf.length || buf.readUInt32LE(offset) !== 0x04034b50) throw new NpzError(`corrupt zip entry '${name}'`);
    const dataStart = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
    const raw = buf.subarray(dataStart, dataStart + csize);
    if (raw.length !== csize) throw new NpzError(`truncated zip entry '${name}'`);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (error) {
        throw new NpzError(`cannot inflate zip entry '${name}': ${(error as Error).message}`);
      }
    } else throw new NpzError(`zip entry '${name}' uses unsupported compression method ${method}`);
    if (data.length !== size) throw new NpzError(`zip entry '${name}' has the wrong size`);
    out.set(name, data);
  }
  return out;
}

const ELEMENT: Record<string, { bytes: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  f8: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  f4: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f2: { bytes: 2, read: (v, o, le) => halfToFloat(v.getUint16(o, le)) },
  i8: { bytes: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  i4: { bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  i2: { bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
  u8: { bytes: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  u4: { bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  u2: { bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Parses one .npy file into float64 values in C order. */
export function readNpy(buf: Buffer, name = 'array'): NpyArray {
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new NpzError(`${name}: not a .npy array`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw new NpzError(`${name}: unreadable .npy header`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpzError(`${name}: bad shape (${shapeText})`);
  const order = descr[0]!;
  const el = ELEMENT[descr.slice(1)];
  if (!el || !'<>|='.includes(order)) throw new NpzError(`${name}: unsupported dtype '${descr}'`);
  const le = order !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  if (buf.length < start + count * el.bytes) throw new NpzError(`${name}: truncated data`);
  const view = new DataView(buf.buffer, buf.byteOffset + start, count * el.bytes);
  const flat = new Float64Array(count);
  for (let i = 0; i < count; i++) flat[i] = el.read(view, i * el.bytes, le);
  if (!fortran || shape.length < 2) return { shape, data: flat };
  // Fortran order: the first index varies fastest; reorder to C order.
  const data = new Float64Array(count);
  const strides = shape.map((_, i) => shape.slice(0, i).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < count; c++) {
    let f = 0;
    for (let d = 0; d < shape.length; d++) f += idx[d]! * strides[d]!;
    data[c] = flat[f]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { shape, data };
}

/** Reads every array of an .npz file (names without the `.npy` suffix). */
export function readNpz(file: string): Map<string, NpyArray> {
  const entries = readZip(fs.readFileSync(file));
  const out = new Map<string, NpyArray>();
  for (const [name, data] of entries) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out.set(key, readNpy(data, key));
  }
  return out;
}
