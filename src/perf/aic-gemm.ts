// GEMM ops of the AIC model: the measured (n, k) sites of each dtype's gemm_perf table, raised to
// speed of light at load, and each op's shape placed on them — its own collected site, or the
// nearby sites (within AIC's 2.0 log2-distance gate) whose utilisation AIC blends. Only the sites
// some op reads are handed to the core, renumbered per table.
import { ReplayError } from '../errors.js';
import type { SystemSpec } from './database.js';
import { GEMM_QUANT } from './models.js';
import type { NativeGemmOp, NativeGemmTable } from './native-types.js';
import { gemmSites, insertFirst, nativeGemmTable, siteDistance, toNumber, toText, type GemmSiteSet, type Nested } from './tables.js';
import type { GemmOpDesc } from './aic-ops.js';
import type { Loader } from './aic-loader.js';

/** AIC's GEMM shape-transfer gate: sites further than this (log2 units) never answer. */
const MAX_SITE_DISTANCE = 2.0;

/** The GEMM dtype table a quant mode is looked up in (fp8_static is modelled from fp8). */
export function gemmTableDtype(quant: string): string {
  return quant === 'fp8_static' ? 'fp8' : quant;
}

export function gemmFlops(spec: SystemSpec, quant: string): number {
  const compute = GEMM_QUANT[quant]!.compute;
  const byCompute: Record<number, number | undefined> = { 1: spec.gpu.bf16Flops, 2: spec.gpu.fp8Flops, 4: spec.gpu.fp4Flops };
  return byCompute[compute] ?? spec.gpu.bf16Flops * compute;
}

function gemmSol(spec: SystemSpec, quant: string, m: number, n: number, k: number): number {
  const q = GEMM_QUANT[quant]!;
  const math = ((2 * m * n * k) / gemmFlops(spec, quant)) * 1000;
  const mem = ((q.memory * (m * n + m * k + n * k)) / spec.gpu.memBw) * 1000;
  return Math.max(math, mem);
}

async function loadGemm(loader: Loader, dtypes: Set<string>): Promise<Map<string, GemmSiteSet>> {
  const { rows } = await loader.read('gemm_perf', ['gemm_dtype', 'm', 'n', 'k', 'latency']);
  const tables = new Map<string, Nested>();
  const seenDtypes = new Set<string>();
  for (const t of rows) {
    const dt = t.columns.get('gemm_dtype')!;
    const mc = t.columns.get('m')!;
    const nc = t.columns.get('n')!;
    const kc = t.columns.get('k')!;
    const lc = t.columns.get('latency')!;
    for (let i = 0; i < t.rows; i++) {
      const dtype = toText(dt[i]);
      seenDtypes.add(dtype);
      if (!dtypes.has(dtype)) continue;
      let table = tables.get(dtype);
      if (!table) tables.set(dtype, (table = new Map()));
      insertFirst(table, [toNumber(mc[i], t.file, 'm'), toNumber(nc[i], t.file, 'n'), toNumber(kc[i], t.file, 'k')], toNumber(lc[i], t.file, 'latency'));
    }
  }
  const out = new Map<string, GemmSiteSet>();
  for (const dtype of dtypes) {
    const table = tables.get(dtype);
    if (!table)
      throw new ReplayError(
        `AIC database has no GEMM data for dtype ${dtype} (${loader.where()}; available: ${[...seenDtypes].sort().join(', ') || 'none'})`,
      );
    // Measured points faster than speed of light are raised to it.
    out.set(dtype, gemmSites(table, (m, n, k, v) => Math.max(gemmSol(loader.spec, dtype, m, n, k), v)));
  }
  return out;
}

/** Resolves the op's shape against the sites: exact, or the nearby sites AIC may blend. */
function placeGemm(spec: GemmOpDesc, sites: GemmSiteSet, where: string): { site: number; neighbors: number[]; dist: number[] } {
  for (let i = 0; i < sites.n.length; i++) if (sites.n[i] === spec.n && sites.k[i] === spec.k) return { site: i, neighbors: [], dist: [] };
  const ranked = sites.n
    .map((n, i) => ({ i, d: siteDistance(n, sites.k[i]!, spec.n, spec.k) }))
    .filter((x) => x.d <= MAX_SITE_DISTANCE)
    .sort((a, b) => a.d - b.d || a.i - b.i);
  if (ranked.length === 0)
    throw new ReplayError(
      `AIC database has no GEMM shape near ${spec.n}x${spec.k} (${spec.name}, ${gemmTableDtype(spec.quant)}; ${where}): nothing within AIC's shape-distance gate`,
    );
  // Every m some site covers must be covered by a nearby site too, or AIC would find no shape.
  const union = (ranges: [number, number][]): [number, number][] => {
    const out: [number, number][] = [];
    for (const r of [...ranges].sort((a, b) => a[0] - b[0])) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else out.push([...r]);
    }
    return out;
  };
  const rangeOf = (i: number): [number, number] => [sites.curves[i]!.m[0]!, sites.curves[i]!.m[sites.curves[i]!.m.length - 1]!];
  const all = union(sites.curves.map((_, i) => rangeOf(i)));
  const near = union(ranked.map((x) => rangeOf(x.i)));
  for (const [lo, hi] of all) {
    const ok = near.some(([a, b]) => a <= Math.ceil(lo) && Math.floor(hi) <= b);
    if (!ok)
      throw new ReplayError(
        `AIC database cannot serve GEMM ${spec.n}x${spec.k} (${spec.name}) for m in [${lo}, ${hi}]: no nearby collected shape covers it (${where})`,
      );
  }
  return { site: -1, neighbors: ranked.map((x) => x.i), dist: ranked.map((x) => x.d) };
}


/** Places GEMM ops on their dtype tables and collects the sites they read. */
export class GemmBuilder {
  private readonly tables = new Map<string, { index: number; used: Map<number, number> }>();

  private constructor(
    private readonly spec: SystemSpec,
    private readonly sites: Map<string, GemmSiteSet>,
    private readonly where: string,
  ) {}

  static async load(loader: Loader, ops: GemmOpDesc[]): Promise<GemmBuilder> {
    const dtypes = new Set(ops.map((g) => gemmTableDtype(g.quant)));
    return new GemmBuilder(loader.spec, await loadGemm(loader, dtypes), loader.where());
  }

  /** The native op for `g` (breakdown slot `id`). */
  op(g: GemmOpDesc, id: number): NativeGemmOp {
    const dtype = gemmTableDtype(g.quant);
    const sites = this.sites.get(dtype)!;
    const placed = placeGemm(g, sites, this.where);
    let t = this.tables.get(dtype);
    if (!t) this.tables.set(dtype, (t = { index: this.tables.size, used: new Map() }));
    const local = (s: number) => {
      let j = t!.used.get(s);
      if (j === undefined) t!.used.set(s, (j = t!.used.size));
      return j;
    };
    return {
      scale: g.scale,
      n: g.n,
      k: g.k,
      memBytes: GEMM_QUANT[g.quant]!.memory,
      flops: gemmFlops(this.spec, g.quant),
      table: t.index,
      site: placed.site >= 0 ? local(placed.site) : -1,
      neighbors: Int32Array.from(placed.neighbors.map(local)),
      neighborDist: Float64Array.from(placed.dist),
      perRequest: g.perRequest,
      fp8Static: g.quant === 'fp8_static',
      lowPrecisionInput: g.lowPrecisionInput,
      id,
      group: g.group,
    };
  }

  /** The tables the placed ops read, in their table-index order. */
  nativeTables(): NativeGemmTable[] {
    return [...this.tables.entries()]
      .sort((a, b) => a[1].index - b[1].index)
      .map(([dtype, t]) => nativeGemmTable(this.sites.get(dtype)!, [...t.used.keys()]));
  }
}
