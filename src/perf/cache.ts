// On-disk cache of built perf models. Parsing AIC's parquet tables costs a few hundred
// milliseconds per configuration; the built model (a few thousand numbers) is stored under a key
// covering every input, including the identity (path, size, mtime) of each table file, so a
// changed database is never served stale. Location: $DYNOSIM_CACHE_DIR, else
// $XDG_CACHE_HOME/dynosim, else ~/.cache/dynosim; DYNOSIM_CACHE_DIR=off disables it. Any failure
// to read or write the cache is ignored (the model is then simply built).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDirsSync } from '../report/write-file.js';

const MAGIC = 'DYNOSIM1';
/** Bump when the cached structures or the way they are built change. */
const FORMAT = 2;

export function cacheDir(env: Record<string, string | undefined>): string | undefined {
  const explicit = env.DYNOSIM_CACHE_DIR;
  if (explicit !== undefined) return explicit.trim() === '' || explicit === 'off' ? undefined : explicit;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'dynosim');
}

/** Identity of a file for cache keys (missing files are part of the identity too). */
export function fileIdentity(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${path.resolve(file)}:${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return `${path.resolve(file)}:missing`;
  }
}

// The modules that build cached models: a rebuilt dynosim never reads an older build's entries.
// In the CLI bundle they are not files of their own, so the bundle's files stand in for them.
// Their identities are taken once per process (the code a process runs cannot change under it),
// not once per key: a run makes a key per YAML file read.
let buildersIdentity: string[] | undefined;
const builders = (): string[] => (buildersIdentity ??= builderFiles().map(fileIdentity));

function builderFiles(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const modules = ['aic', 'aic-ops', 'aic-gemm', 'aic-attention', 'aic-moe', 'aic-loader', 'parallel', 'tables', 'database', 'models'].map((m) => {
    const js = path.join(here, `${m}.js`);
    return fs.existsSync(js) ? js : js.replace(/\.js$/, '.ts');
  });
  if (modules.every((f) => fs.existsSync(f))) return modules;
  return fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => path.join(here, f));
}

export function cacheKey(parts: unknown): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([FORMAT, builders(), parts]))
    .digest('hex')
    .slice(0, 40);
}

interface TypedRef {
  $typed: 'f64' | 'i32';
  offset: number;
  length: number;
}

function encode(value: unknown): Buffer {
  const blobs: Buffer[] = [];
  let offset = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Float64Array || v instanceof Int32Array) {
      const pad = (8 - (offset % 8)) % 8;
      if (pad > 0) {
        blobs.push(Buffer.alloc(pad));
        offset += pad;
      }
      const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      const ref: TypedRef = { $typed: v instanceof Float64Array ? 'f64' : 'i32', offset, length: v.length };
      blobs.push(Buffer.from(bytes));
      offset += bytes.length;
      return ref;
    }
    return v;
  });
  const jsonBytes = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(16);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT, 8);
  head.writeUInt32LE(jsonBytes.length, 12);
  return Buffer.concat([head, jsonBytes, ...blobs]);
}

function decode(buf: Buffer): unknown {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC || buf.readUInt32LE(8) !== FORMAT) throw new Error('not a cache file');
  const jsonLen = buf.readUInt32LE(12);
  const blob = buf.subarray(16 + jsonLen);
  return JSON.parse(buf.toString('utf8', 16, 16 + jsonLen), (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$typed' in v) {
      const r = v as TypedRef;
      const size = r.$typed === 'f64' ? 8 : 4;
      const end = r.offset + r.length * size;
      if (end > blob.length) throw new Error('truncated cache file');
      const copy = new Uint8Array(blob.subarray(r.offset, end)).buffer;
      return r.$typed === 'f64' ? new Float64Array(copy) : new Int32Array(copy);
    }
    return v;
  });
}

export function cacheGet<T>(dir: string | undefined, key: string): T | undefined {
  if (dir === undefined) return undefined;
  try {
    return decode(fs.readFileSync(path.join(dir, `${key}.bin`))) as T;
  } catch {
    return undefined;
  }
}

export function cachePut(dir: string | undefined, key: string, value: unknown): void {
  if (dir === undefined) return;
  try {
    makeDirsSync(dir);
    const file = path.join(dir, `${key}.bin`);
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, encode(value));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only or full cache directory only costs the rebuild next time.
  }
}
