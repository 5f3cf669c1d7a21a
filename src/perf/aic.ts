// Builds the native AIC model for one engine configuration: the dense Llama-family op list of
// AIC (context and generation phases), the slices of the perf tables those ops read, and the
// speed-of-light constants of the system. Quirks kept on purpose (they decide AIC's numbers):
// the logits GEMM runs at m = batch in prefill and always in bfloat16; GEMM tables are raised to
// speed of light at load, as are generation-attention tables; the context-attention side terms
// (RoPE, KV write) are per-head byte counts, a constant per layer; fp8_static GEMMs are the fp8
// table minus the quantisation-overhead tables.
import { ReplayError } from '../errors.js';
import { p2pBandwidth, type SystemSpec, type TableSource, type VersionedDatabase } from './database.js';
import { FMHA_QUANT, GEMM_QUANT, KV_QUANT, type ModelFacts, type QuantModes } from './models.js';
import type { NativeAicConfig, NativeAicPhase, NativeAttention, NativeGemmOp, NativeGemmTable } from './native-types.js';
import {
  buildGrid,
  gemmSites,
  insertFirst,
  mapLeaves3,
  nativeGemmTable,
  readSources,
  siteDistance,
  toNumber,
  toText,
  type GemmSiteSet,
  type Nested,
  type TableRows,
} from './tables.js';

/** AIC's GEMM shape-transfer gate: sites further than this (log2 units) never answer. */
const MAX_SITE_DISTANCE = 2.0;

export interface AicBuildResult {
  native: NativeAicConfig;
  /** Versions each table was read from (requested version first). */
  tableVersions: Record<string, string[]>;
  /** Tables taken from a newer version because the requested one lacks them. */
  fallbacks: { table: string; version: string }[];
}

interface Shapes {
  tp: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  layers: number;
  qkvN: number;
  projK: number;
  ffn1N: number;
  ffn2K: number;
  logitsN: number;
  actIn: number;
  actOut: number;
}

export function modelShapes(model: ModelFacts, tp: number): Shapes {
  if (!Number.isInteger(tp) || tp < 1) throw new ReplayError(`aic_tp_size must be a positive integer, got ${tp}`);
  if (model.heads % tp !== 0)
    throw new ReplayError(`aic_tp_size ${tp} does not divide the ${model.heads} attention heads of '${model.id}'`);
  const d = model.headDim;
  const kvGpu = Math.ceil(model.kvHeads / tp);
  return {
    tp,
    heads: model.heads / tp,
    kvHeads: kvGpu,
    headDim: d,
    hidden: model.hidden,
    layers: model.layers,
    qkvN: Math.floor((model.heads * d) / tp) + d * kvGpu * 2,
    projK: Math.floor((model.heads * d) / tp),
    ffn1N: Math.floor((2 * model.inter) / tp),
    ffn2K: Math.floor(model.inter / tp),
    logitsN: Math.floor(model.vocab / tp),
    actIn: Math.floor((2 * model.inter) / tp),
    actOut: Math.floor(model.inter / tp),
  };
}

/** AIC adds per-layer Q/K-norm kernels for Qwen3-architecture models. */
export function usesQkNorm(model: ModelFacts): boolean {
  return model.architecture === 'Qwen3ForCausalLM';
}

/** The GEMM dtype table a quant mode is looked up in (fp8_static is modelled from fp8). */
export function gemmTableDtype(quant: string): string {
  return quant === 'fp8_static' ? 'fp8' : quant;
}

export function gemmFlops(spec: SystemSpec, quant: string): number {
  const compute = GEMM_QUANT[quant]!.compute;
  const byCompute: Record<number, number | undefined> = { 1: spec.gpu.bf16Flops, 2: spec.gpu.fp8Flops, 4: spec.gpu.fp4Flops };
  return byCompute[compute] ?? spec.gpu.bf16Flops * compute;
}

class Loader {
  readonly tableVersions: Record<string, string[]> = {};
  readonly fallbacks: { table: string; version: string }[] = [];

  constructor(
    readonly spec: SystemSpec,
    readonly db: VersionedDatabase,
  ) {}

  where(): string {
    return `${this.db.backend} ${this.db.version} on ${this.spec.name}`;
  }

  async read(table: string, wanted: string[], optional: string[] = []): Promise<{ rows: TableRows[]; sources: TableSource[] }> {
    const found = this.db.sources(table);
    if (!found) throw new ReplayError(`AIC database has no ${table} table for ${this.db.backend} on ${this.spec.name} (${this.spec.dataDir})`);
    if (found.fallbackVersion !== undefined) this.fallbacks.push({ table, version: found.fallbackVersion });
    this.tableVersions[table] = found.sources.map((s) => s.version);
    return { rows: await readSources(found.sources, wanted, optional), sources: found.sources };
  }
}

function gemmSol(spec: SystemSpec, quant: string, m: number, n: number, k: number): number {
  const q = GEMM_QUANT[quant]!;
  const math = ((2 * m * n * k) / gemmFlops(spec, quant)) * 1000;
  const mem = ((q.memory * (m * n + m * k + n * k)) / spec.gpu.memBw) * 1000;
  return Math.max(math, mem);
}

function genAttnSol(spec: SystemSpec, b: number, s: number, n: number, nKv: number, h: number, w: number, kv: string): number {
  const compute = kv === 'fp8' ? FMHA_QUANT.fp8!.compute : FMHA_QUANT.bfloat16!.compute;
  const kvLen = w > 0 ? Math.min(s - 1, w) : s - 1;
  const ops = 2 * b * n * h * 2 * kvLen;
  const mem = b * (n * h * 2 + 2 * nKv * kvLen * h * KV_QUANT[kv]! + n * h * 2);
  return Math.max(((ops / spec.gpu.bf16Flops) * 1000) / compute, (mem / spec.gpu.memBw) * 1000);
}

function memOpMs(spec: SystemSpec, bytes: number): number {
  return (bytes / (spec.gpu.memBw * spec.gpu.memBwScale) + spec.gpu.memConstLatency) * 1000;
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

interface GemmSpec {
  name: string;
  scale: number;
  n: number;
  k: number;
  quant: string;
  perRequest: boolean;
  lowPrecisionInput: boolean;
}

/** Resolves the op's shape against the sites: exact, or the nearby sites AIC may blend. */
function placeGemm(spec: GemmSpec, sites: GemmSiteSet, where: string): { site: number; neighbors: number[]; dist: number[] } {
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

interface AttnRow {
  n: number;
  kvn: number;
  head: number;
  window: number;
  b: number;
  isl: number;
  step: number;
  kv: string;
  fmha: string;
}

/** Rows of attention tables restricted to one (fmha?, KV dtype, KV heads, head_dim, window 0) slice. */
function attentionSlice(rows: TableRows[], keep: (r: AttnRow) => boolean, keys: (r: AttnRow) => [number, number, number]): Nested {
  const root: Nested = new Map();
  for (const t of rows) {
    const col = (c: string) => t.columns.get(c);
    const [n, kvn, head, window, b, isl, step, kv, fmha, lat] = [
      col('num_heads')!,
      col('num_key_value_heads')!,
      col('head_dim')!,
      col('window_size'),
      col('batch_size')!,
      col('isl')!,
      col('step'),
      col('kv_cache_dtype')!,
      col('attn_dtype'),
      col('latency')!,
    ];
    for (let i = 0; i < t.rows; i++) {
      const r: AttnRow = {
        n: toNumber(n[i], t.file, 'num_heads'),
        kvn: toNumber(kvn[i], t.file, 'num_key_value_heads'),
        head: toNumber(head[i], t.file, 'head_dim'),
        window: window ? toNumber(window[i], t.file, 'window_size') : 0,
        b: toNumber(b[i], t.file, 'batch_size'),
        isl: toNumber(isl[i], t.file, 'isl'),
        step: step ? toNumber(step[i], t.file, 'step') : 0,
        kv: toText(kv[i]),
        fmha: fmha ? toText(fmha[i]) : '',
      };
      if (keep(r)) insertFirst(root, keys(r), toNumber(lat[i], t.file, 'latency'));
    }
  }
  return root;
}

const ATTN_COLUMNS = ['kv_cache_dtype', 'batch_size', 'isl', 'num_heads', 'num_key_value_heads', 'head_dim', 'latency'];

/** The perf tables the model reads for these quant modes and TP. */
export function aicTables(quant: QuantModes, tp: number): string[] {
  return [
    'gemm_perf',
    'context_attention_perf',
    'generation_attention_perf',
    ...(tp > 1 ? ['custom_allreduce_perf'] : []),
    ...(quant.gemm === 'fp8_static' ? ['computescale_perf', 'scale_matrix_perf'] : []),
  ];
}

export interface AicBuildOptions {
  spec: SystemSpec;
  db: VersionedDatabase;
  model: ModelFacts;
  quant: QuantModes;
  tp: number;
  nextn: number;
}

export async function buildAicModel(o: AicBuildOptions): Promise<AicBuildResult> {
  const { spec, model, quant } = o;
  const loader = new Loader(spec, o.db);
  const sh = modelShapes(model, o.tp);
  const L = sh.layers;
  const mtp = o.nextn > 0 ? (o.nextn + L) / L : 1.0;
  const lookupKv = sh.heads === sh.kvHeads ? 0 : sh.kvHeads;
  const where = loader.where();

  // ---- op lists (AIC's LLAMA model, in its order) ----
  const gemmSpecs = (scale: (s: number) => number): GemmSpec[] => [
    { name: 'qkv_gemm', scale: scale(L), n: sh.qkvN, k: sh.hidden, quant: quant.gemm, perRequest: false, lowPrecisionInput: false },
    { name: 'proj_gemm', scale: scale(L), n: sh.hidden, k: sh.projK, quant: quant.gemm, perRequest: false, lowPrecisionInput: true },
    { name: 'gate_ffn1_gemm', scale: scale(L), n: sh.ffn1N, k: sh.hidden, quant: quant.gemm, perRequest: false, lowPrecisionInput: false },
    { name: 'ffn2_gemm', scale: scale(L), n: sh.hidden, k: sh.ffn2K, quant: quant.gemm, perRequest: false, lowPrecisionInput: true },
    { name: 'logits_gemm', scale: scale(1), n: sh.logitsN, k: sh.hidden, quant: 'bfloat16', perRequest: true, lowPrecisionInput: false },
  ];
  const ctxSpecs = gemmSpecs((s) => s);
  const genSpecs = gemmSpecs((s) => s * mtp).map((g) => ({ ...g, perRequest: false }));
  const memOps = (scale: (s: number) => number) =>
    Float64Array.from([
      scale(1), sh.hidden * 2, // embedding
      scale(L), (2 * sh.hidden + 2 * sh.hidden) * 2, // add_norm_1
      scale(L), (2 * sh.hidden + 2 * sh.hidden) * 2, // add_norm_2
      scale(L), (sh.actIn + sh.actOut) * 2, // act_gate
    ]);

  // ---- tables ----
  const dtypes = new Set([...ctxSpecs, ...genSpecs].map((g) => gemmTableDtype(g.quant)));
  const needQuant = quant.gemm === 'fp8_static';
  const [gemmSitesByDtype, ctxRows, genRows, arRows, csRows, smRows] = await Promise.all([
    loadGemm(loader, dtypes),
    loader.read('context_attention_perf', ['attn_dtype', ...ATTN_COLUMNS], ['window_size']),
    loader.read('generation_attention_perf', ['step', ...ATTN_COLUMNS], ['window_size']),
    sh.tp > 1 ? loader.read('custom_allreduce_perf', ['num_gpus', 'message_size', 'latency'], ['kernel_source', 'backend']) : undefined,
    needQuant ? loader.read('computescale_perf', ['quant_dtype', 'm', 'k', 'latency']) : undefined,
    needQuant ? loader.read('scale_matrix_perf', ['quant_dtype', 'm', 'k', 'latency']) : undefined,
  ]);

  // GEMM ops: place each shape on its dtype's sites; keep only the sites some op reads.
  const gemmTables: NativeGemmTable[] = [];
  const tableIndex = new Map<string, { index: number; used: Map<number, number> }>();
  const pending: { op: NativeGemmOp; dtype: string; site: number; neighbors: number[] }[] = [];
  const makeOp = (g: GemmSpec): NativeGemmOp => {
    const dtype = gemmTableDtype(g.quant);
    const sites = gemmSitesByDtype.get(dtype)!;
    const placed = placeGemm(g, sites, where);
    const op: NativeGemmOp = {
      scale: g.scale,
      n: g.n,
      k: g.k,
      memBytes: GEMM_QUANT[g.quant]!.memory,
      flops: gemmFlops(spec, g.quant),
      table: 0,
      site: -1,
      neighbors: new Int32Array(0),
      neighborDist: Float64Array.from(placed.dist),
      perRequest: g.perRequest,
      fp8Static: g.quant === 'fp8_static',
      lowPrecisionInput: g.lowPrecisionInput,
    };
    pending.push({ op, dtype, site: placed.site, neighbors: placed.neighbors });
    return op;
  };
  const ctxGemms = ctxSpecs.map(makeOp);
  const genGemms = genSpecs.map(makeOp);
  for (const p of pending) {
    let t = tableIndex.get(p.dtype);
    if (!t) tableIndex.set(p.dtype, (t = { index: tableIndex.size, used: new Map() }));
    const local = (s: number) => {
      let j = t!.used.get(s);
      if (j === undefined) t!.used.set(s, (j = t!.used.size));
      return j;
    };
    p.op.table = t.index;
    p.op.site = p.site >= 0 ? local(p.site) : -1;
    p.op.neighbors = Int32Array.from(p.neighbors.map(local));
  }
  for (const [dtype, t] of [...tableIndex.entries()].sort((a, b) => a[1].index - b[1].index))
    gemmTables.push(nativeGemmTable(gemmSitesByDtype.get(dtype)!, [...t.used.keys()]));

  // Context attention slice: [heads][seq][batch] for (fmha, kv, KV heads, head_dim, no window);
  // AIC keys an MHA table (KV heads = heads) as 0.
  const inSlice = (r: AttnRow) =>
    r.kv === quant.kvCache && (r.n === r.kvn ? 0 : r.kvn) === lookupKv && r.head === sh.headDim && r.window === 0;
  const ctxTable = attentionSlice(
    ctxRows.rows,
    (r) => r.fmha === quant.fmha && inSlice(r),
    (r) => [r.n, r.isl, r.b],
  );
  const sliceName = `fmha ${quant.fmha}, KV cache ${quant.kvCache}, ${lookupKv === 0 ? 'MHA' : `${lookupKv} KV heads`}, head_dim ${sh.headDim}`;
  if (ctxTable.size === 0) throw new ReplayError(`AIC database has no context-attention data for ${sliceName} (${where})`);
  // Generation slice: [heads][batch][isl + step] (the attention dtype is not part of its key).
  const genTable = attentionSlice(genRows.rows, inSlice, (r) => [r.n, r.b, r.isl + r.step]);
  if (genTable.size === 0)
    throw new ReplayError(`AIC database has no generation-attention data for ${sliceName.replace(/^fmha \S+, /, '')} (${where})`);
  mapLeaves3(genTable, (n, b, s, v) => Math.max(genAttnSol(spec, b, s, n, lookupKv === 0 ? n : lookupKv, sh.headDim, 0, quant.kvCache), v));

  const fmha = FMHA_QUANT[quant.fmha]!;
  const qNum = sh.heads * sh.headDim;
  const kNum = sh.kvHeads * sh.headDim;
  // Qwen3 attention normalises Q and K per layer (AIC counts those kernels as well).
  let extra = 0;
  if (usesQkNorm(model)) extra += (2 * memOpMs(spec, qNum * 2) + 2 * memOpMs(spec, kNum * 2)) * 2;
  const rope = 2 * memOpMs(spec, qNum * 2 + kNum * 2);
  const kvWrite = memOpMs(spec, kNum * fmha.memory) + memOpMs(spec, kNum * fmha.memory);
  const heads = { heads: sh.heads, kvHeads: sh.kvHeads, lookupKvHeads: lookupKv, headDim: sh.headDim, window: 0, kvBytes: KV_QUANT[quant.kvCache]! };
  const contextAttention: NativeAttention = {
    ...heads,
    grid: buildGrid(ctxTable, 3),
    compute: fmha.compute,
    scale: L,
    sideMs: (extra + (rope + kvWrite)) * 1.1,
  };
  const generationAttention: NativeAttention = {
    ...heads,
    grid: buildGrid(genTable, 3),
    compute: quant.kvCache === 'fp8' ? FMHA_QUANT.fp8!.compute : FMHA_QUANT.bfloat16!.compute,
    scale: L * mtp,
    sideMs: 0,
  };

  // All-reduce (TP > 1): graph-mode custom all-reduce curve of min(TP, GPUs per node) ranks.
  let allReduce: NativeAicConfig['allReduce'] = null;
  if (arRows) {
    const gpn = spec.node.gpusPerNode;
    if (gpn === 72 && sh.tp > 4) throw new ReplayError(`TP ${sh.tp} on ${spec.name} needs NCCL all-reduce tables, which the AIC model here does not read`);
    const tableTp = Math.min(sh.tp, gpn);
    const isB60 = arRows.sources.some((s) => s.file.includes('b60'));
    const curve: Nested = new Map();
    const available = new Set<number>();
    for (const t of arRows.rows) {
      const ks = t.columns.get('kernel_source');
      const be = t.columns.get('backend');
      const gc = t.columns.get('num_gpus')!;
      const sc = t.columns.get('message_size')!;
      const lc = t.columns.get('latency')!;
      for (let i = 0; i < t.rows; i++) {
        if (!isB60 && (toText(ks?.[i]).endsWith('_eager') || toText(be?.[i]).endsWith('_eager'))) continue;
        const g = toNumber(gc[i], t.file, 'num_gpus');
        available.add(g);
        if (g !== tableTp) continue;
        insertFirst(curve, [toNumber(sc[i], t.file, 'message_size')], toNumber(lc[i], t.file, 'latency'));
      }
    }
    if (curve.size === 0)
      throw new ReplayError(
        `AIC database has no all-reduce data for ${tableTp} GPUs (TP ${sh.tp}; ${where}; available: ${[...available].sort((a, b) => a - b).join(', ') || 'none'})`,
      );
    const postScale =
      sh.tp > gpn ? (((sh.tp - 1) / sh.tp) * gpn) / (gpn - 1) * (p2pBandwidth(spec, gpn) / p2pBandwidth(spec, sh.tp)) : 1;
    allReduce = { grid: buildGrid(curve, 1), tp: sh.tp, tableTp, p2pBandwidth: p2pBandwidth(spec, tableTp), postScale, hidden: sh.hidden };
  }

  // fp8_static activation-quantisation overhead tables, [m][k] of the fp8 rows.
  const quantGrid = (r: { rows: TableRows[] } | undefined, table: string) => {
    if (!r) return null;
    const root: Nested = new Map();
    for (const t of r.rows) {
      const qc = t.columns.get('quant_dtype')!;
      const mc = t.columns.get('m')!;
      const kc = t.columns.get('k')!;
      const lc = t.columns.get('latency')!;
      for (let i = 0; i < t.rows; i++) {
        if (toText(qc[i]) !== 'fp8') continue;
        insertFirst(root, [toNumber(mc[i], t.file, 'm'), toNumber(kc[i], t.file, 'k')], toNumber(lc[i], t.file, 'latency'));
      }
    }
    if (root.size === 0) throw new ReplayError(`AIC database ${table} table has no fp8 rows (${where})`);
    return buildGrid(root, 2);
  };

  const phase = (gemms: NativeGemmOp[], scale: number): NativeAicPhase => ({
    memOps: memOps((s) => s * scale),
    gemms,
    allReduceScales: sh.tp > 1 ? Float64Array.from([1 * scale, L * scale, L * scale]) : new Float64Array(0),
  });

  const native: NativeAicConfig = {
    kind: 'aic',
    memBandwidth: spec.gpu.memBw,
    memBandwidthScale: spec.gpu.memBwScale,
    memConstantLatency: spec.gpu.memConstLatency,
    bf16Flops: spec.gpu.bf16Flops,
    nextn: o.nextn,
    gemmTables,
    context: phase(ctxGemms, 1),
    generation: phase(genGemms, mtp),
    contextAttention,
    generationAttention,
    allReduce,
    computeScale: quantGrid(csRows, 'computescale_perf'),
    scaleMatrix: quantGrid(smRows, 'scale_matrix_perf'),
  };
  return { native, tableVersions: loader.tableVersions, fallbacks: loader.fallbacks };
}
