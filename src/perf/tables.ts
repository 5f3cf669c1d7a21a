// Reading AIC perf tables (parquet, or the legacy CSV `.txt`) into column arrays, and turning the
// rows the model needs into the flat structures the native core interpolates over. Rows are kept
// in file order and duplicate keys keep their first row, as AIC's loaders do; that order also
// decides AIC's tie-breaks (nearest key, nearest GEMM shape), so it is carried into the tables.
import fs from 'node:fs';
import { ReplayError } from '../errors.js';
import type { NativeGemmTable, NativeGrid } from './native-types.js';
import type { TableSource } from './database.js';

/** Column name → values (strings or numbers), all of one length. */
export type Columns = Map<string, ArrayLike<unknown>>;

export interface TableRows {
  file: string;
  rows: number;
  columns: Columns;
}

// Parsed tables, by file identity; bounded so a long-lived process does not keep every table.
const cache = new Map<string, Promise<TableRows>>();
const CACHE_LIMIT = 24;

function cacheKey(file: string, columns: readonly string[]): string {
  const st = fs.statSync(file);
  return `${file}\0${st.size}\0${st.mtimeMs}\0${columns.join(',')}`;
}

async function readParquet(file: string, wanted: readonly string[], optional: readonly string[]): Promise<TableRows> {
  // The parquet reader loads only when a table is read (a cached or polynomial run never needs it).
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const present = new Set(metadata.schema.slice(1).map((s) => s.name));
  for (const c of wanted) if (!present.has(c)) throw new ReplayError(`${file}: missing column '${c}'`);
  const columns = [...wanted, ...optional.filter((c) => present.has(c))];
  const rows = Number(metadata.num_rows);
  const out: Columns = new Map();
  const parts = new Map<string, { start: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file: buffer,
    metadata,
    columns,
    compressors,
    onChunk: (chunk) => {
      let list = parts.get(chunk.columnName);
      if (!list) parts.set(chunk.columnName, (list = []));
      list.push({ start: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
    },
  });
  for (const c of columns) {
    const list = (parts.get(c) ?? []).sort((a, b) => a.start - b.start);
    if (list.length === 1 && list[0]!.start === 0 && list[0]!.data.length === rows) {
      out.set(c, list[0]!.data);
      continue;
    }
    const merged = new Array<unknown>(rows);
    for (const p of list) for (let i = 0; i < p.data.length && p.start + i < rows; i++) merged[p.start + i] = p.data[i];
    out.set(c, merged);
  }
  return { file, rows, columns: out };
}

function readCsv(file: string, wanted: readonly string[], optional: readonly string[]): TableRows {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new ReplayError(`${file}: empty table`);
  const header = lines[0]!.split(',').map((h) => h.trim());
  for (const c of wanted) if (!header.includes(c)) throw new ReplayError(`${file}: missing column '${c}'`);
  const columns = [...wanted, ...optional.filter((c) => header.includes(c))];
  const idx = columns.map((c) => header.indexOf(c));
  const data = columns.map(() => new Array<unknown>(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    idx.forEach((j, ci) => {
      data[ci]![r - 1] = cells[j]?.trim() ?? '';
    });
  }
  const out: Columns = new Map();
  columns.forEach((c, i) => out.set(c, data[i]!));
  return { file, rows: lines.length - 1, columns: out };
}

/**
 * Reads the named columns of one table file (parquet or CSV). `optional` columns are read when
 * present. Results are cached per file identity for the life of the process.
 */
export function readTable(file: string, wanted: readonly string[], optional: readonly string[] = []): Promise<TableRows> {
  const key = cacheKey(file, [...wanted, '|', ...optional]);
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      try {
        return file.endsWith('.parquet') ? await readParquet(file, wanted, optional) : readCsv(file, wanted, optional);
      } catch (error) {
        if (error instanceof ReplayError) throw error;
        throw new ReplayError(`cannot read perf table ${file}: ${(error as Error).message}`);
      }
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return p;
}

export function toNumber(v: unknown, file: string, column: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new ReplayError(`${file}: bad value ${JSON.stringify(String(v))} in column '${column}'`);
  return n;
}

export function toText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

export async function readSources(sources: TableSource[], wanted: readonly string[], optional: readonly string[] = []): Promise<TableRows[]> {
  return Promise.all(
    sources.map(async (s) => {
      if (!s.kernelSources) return readTable(s.file, wanted, optional);
      // Cross-backend rows: only the shared kernels (files without the column contribute none).
      const t = await readTable(s.file, wanted, [...optional, 'kernel_source']);
      const ks = t.columns.get('kernel_source');
      const keep: number[] = [];
      for (let i = 0; i < t.rows && ks; i++) if (s.kernelSources.includes(toText(ks[i]))) keep.push(i);
      const columns: Columns = new Map();
      for (const [name, values] of t.columns) columns.set(name, keep.map((i) => values[i]));
      return { file: t.file, rows: keep.length, columns };
    }),
  );
}

// ---- nested tables --------------------------------------------------------------------------------

/** A nested key → ... → latency map in insertion order (first row of a key wins). */
export type Nested = Map<number, Nested | number>;

/** Inserts `value` at `keys` unless the key is already present. */
export function insertFirst(root: Nested, keys: readonly number[], value: number): void {
  let node = root;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = node.get(keys[i]!) as Nested | undefined;
    if (next === undefined) node.set(keys[i]!, (next = new Map()));
    node = next;
  }
  const last = keys[keys.length - 1]!;
  if (!node.has(last)) node.set(last, value);
}

/** Flattens a nested map of `depth` levels into the native grid layout. */
export function buildGrid(root: Nested, depth: number): NativeGrid {
  const start: number[] = [];
  const count: number[] = [];
  const keys: number[] = [];
  const rank: number[] = [];
  const child: number[] = [];
  const values: number[] = [];
  // Breadth-first so node indices are assigned before their key runs are written.
  const queue: { node: Nested; level: number }[] = [{ node: root, level: 0 }];
  start.push(0);
  count.push(0);
  for (let qi = 0; qi < queue.length; qi++) {
    const { node, level } = queue[qi]!;
    const entries = [...node.entries()].map(([k, v], i) => ({ k, v, i })).sort((a, b) => a.k - b.k);
    start[qi] = keys.length;
    count[qi] = entries.length;
    for (const e of entries) {
      keys.push(e.k);
      rank.push(e.i);
      if (level + 1 === depth) {
        child.push(values.length);
        values.push(e.v as number);
      } else {
        child.push(queue.length);
        start.push(0);
        count.push(0);
        queue.push({ node: e.v as Nested, level: level + 1 });
      }
    }
  }
  return {
    depth,
    start: Int32Array.from(start),
    count: Int32Array.from(count),
    keys: Float64Array.from(keys),
    rank: Float64Array.from(rank),
    child: Int32Array.from(child),
    values: Float64Array.from(values),
  };
}

/** Replaces every leaf of a 3-level nested map by `f(a, b, c, value)`. */
export function mapLeaves3(node: Nested, f: (a: number, b: number, c: number, v: number) => number): void {
  for (const [a, l1] of node)
    for (const [b, l2] of l1 as Nested) {
      const leaf = l2 as Nested;
      for (const [c, v] of leaf) leaf.set(c, f(a, b, c, v as number));
    }
}

// ---- GEMM sites -----------------------------------------------------------------------------------

export interface GemmSiteSet {
  /** Sites in AIC's order: first appearance walking the table [m][n][k] in insertion order. */
  n: number[];
  k: number[];
  /** Per site, its curve sorted by m. */
  curves: { m: number[]; lat: number[] }[];
}

/**
 * Groups a [m][n][k] table into (n, k) sites with m-curves, each latency passed through
 * `clamp(m, n, k, latency)` (AIC raises measured points to speed of light at load).
 */
export function gemmSites(table: Nested, clamp: (m: number, n: number, k: number, v: number) => number): GemmSiteSet {
  const index = new Map<number, Map<number, number>>();
  const set: GemmSiteSet = { n: [], k: [], curves: [] };
  for (const [m, byN] of table)
    for (const [n, byK] of byN as Nested) {
      let row = index.get(n);
      if (!row) index.set(n, (row = new Map()));
      for (const [k, lat] of byK as Nested) {
        let i = row.get(k);
        if (i === undefined) {
          row.set(k, (i = set.n.length));
          set.n.push(n);
          set.k.push(k);
          set.curves.push({ m: [], lat: [] });
        }
        set.curves[i]!.m.push(m);
        set.curves[i]!.lat.push(clamp(m, n, k, lat as number));
      }
    }
  for (const c of set.curves) {
    const order = c.m.map((_, i) => i).sort((a, b) => c.m[a]! - c.m[b]!);
    c.m = order.map((i) => c.m[i]!);
    c.lat = order.map((i) => c.lat[i]!);
  }
  return set;
}

/** Native layout of a site set restricted to `used` sites (renumbered in the given order). */
export function nativeGemmTable(set: GemmSiteSet, used: number[]): NativeGemmTable {
  const m: number[] = [];
  const lat: number[] = [];
  const offset: number[] = [];
  const length: number[] = [];
  for (const s of used) {
    offset.push(m.length);
    length.push(set.curves[s]!.m.length);
    m.push(...set.curves[s]!.m);
    lat.push(...set.curves[s]!.lat);
  }
  // Coverage is over every site of the table, not just the used ones.
  const ranges = set.curves
    .map((c) => [c.m[0]!, c.m[c.m.length - 1]!] as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return {
    siteN: Float64Array.from(used.map((s) => set.n[s]!)),
    siteK: Float64Array.from(used.map((s) => set.k[s]!)),
    siteOffset: Int32Array.from(offset),
    siteLength: Int32Array.from(length),
    m: Float64Array.from(m),
    latency: Float64Array.from(lat),
    coverage: Float64Array.from(merged.flat()),
  };
}

/** AIC's site distance: Euclidean in (log2 n, log2 k). */
export function siteDistance(n1: number, k1: number, n2: number, k2: number): number {
  const a = Math.log2(Math.max(n1, 1e-12)) - Math.log2(Math.max(n2, 1e-12));
  const b = Math.log2(Math.max(k1, 1e-12)) - Math.log2(Math.max(k2, 1e-12));
  return Math.sqrt(a * a + b * b);
}
