// Attention ops of the AIC model. GQA attention (dense and MoE models): the (fmha, KV dtype, KV
// heads, head_dim, window) slice of the context table as [heads][seq][batch] and of the
// generation table as [heads][batch][isl + step] (raised to speed of light at load), plus the
// context side terms AIC adds per layer (RoPE, KV write, Q/K norms — per-head byte counts, a
// constant). DeepSeek's MLA module (operations/mla.py MLAModule): the (fmha, KV, GEMM quant)
// slice of mla_context_module_perf as [heads][seq][batch] and the (KV, GEMM quant) slice of
// mla_generation_module_perf as [heads][batch][isl + step]; these loaders keep the LAST row of a
// duplicated key (a plain assignment in AIC), unlike every other table.
import { ReplayError } from '../errors.js';
import type { SystemSpec } from './database.js';
import { FMHA_QUANT, GEMM_QUANT, KV_QUANT, type QuantModes } from './models.js';
import type { NativeAttention, NativeMla } from './native-types.js';
import { buildGrid, insertFirst, mapLeaves3, toNumber, toText, type Nested, type TableRows } from './tables.js';
import type { AttentionOpDesc } from './aic-ops.js';
import { memOpMs, type Loader } from './aic-loader.js';

function genAttnSol(spec: SystemSpec, b: number, s: number, n: number, nKv: number, h: number, w: number, kv: string): number {
  const compute = kv === 'fp8' ? FMHA_QUANT.fp8!.compute : FMHA_QUANT.bfloat16!.compute;
  const kvLen = w > 0 ? Math.min(s - 1, w) : s - 1;
  const ops = 2 * b * n * h * 2 * kvLen;
  const mem = b * (n * h * 2 + 2 * nKv * kvLen * h * KV_QUANT[kv]! + n * h * 2);
  return Math.max(((ops / spec.gpu.bf16Flops) * 1000) / compute, (mem / spec.gpu.memBw) * 1000);
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



/** Context and generation attention tables, read once per model build. */
export async function readAttentionTables(loader: Loader): Promise<{ ctx: TableRows[]; gen: TableRows[] }> {
  const [ctx, gen] = await Promise.all([
    loader.read('context_attention_perf', ['attn_dtype', ...ATTN_COLUMNS], ['window_size']),
    loader.read('generation_attention_perf', ['step', ...ATTN_COLUMNS], ['window_size']),
  ]);
  return { ctx: ctx.rows, gen: gen.rows };
}

/** The native context and generation attention of a GQA op pair (breakdown slots given). */
export function gqaAttention(
  loader: Loader,
  tables: { ctx: TableRows[]; gen: TableRows[] },
  quant: QuantModes,
  ctxOp: AttentionOpDesc,
  genOp: AttentionOpDesc,
  ids: { ctx: number; gen: number },
): { context: NativeAttention; generation: NativeAttention } {
  const spec = loader.spec;
  const where = loader.where();
  const { heads, kvHeads, headDim, window } = ctxOp;
  // AIC keys an MHA table (KV heads = heads) as 0.
  const lookupKv = heads === kvHeads ? 0 : kvHeads;
  const inSlice = (r: AttnRow) => r.kv === quant.kvCache && (r.n === r.kvn ? 0 : r.kvn) === lookupKv && r.head === headDim && r.window === window;
  const ctxTable = attentionSlice(tables.ctx, (r) => r.fmha === quant.fmha && inSlice(r), (r) => [r.n, r.isl, r.b]);
  const sliceName =
    `fmha ${quant.fmha}, KV cache ${quant.kvCache}, ${lookupKv === 0 ? 'MHA' : `${lookupKv} KV heads`}, head_dim ${headDim}` +
    (window > 0 ? `, window ${window}` : '');
  if (ctxTable.size === 0) throw new ReplayError(`AIC database has no context-attention data for ${sliceName} (${where})`);
  const genTable = attentionSlice(tables.gen, inSlice, (r) => [r.n, r.b, r.isl + r.step]);
  if (genTable.size === 0)
    throw new ReplayError(`AIC database has no generation-attention data for ${sliceName.replace(/^fmha \S+, /, '')} (${where})`);
  mapLeaves3(genTable, (n, b, s, v) => Math.max(genAttnSol(spec, b, s, n, lookupKv === 0 ? n : lookupKv, headDim, window, quant.kvCache), v));

  const fmha = FMHA_QUANT[quant.fmha]!;
  const qNum = heads * headDim;
  const kNum = kvHeads * headDim;
  let extra = 0;
  if (ctxOp.qkNorm) extra += (2 * memOpMs(spec, qNum * 2) + 2 * memOpMs(spec, kNum * 2)) * 2;
  const rope = 2 * memOpMs(spec, qNum * 2 + kNum * 2);
  const kvWrite = memOpMs(spec, kNum * fmha.memory) + memOpMs(spec, kNum * fmha.memory);
  const shape = { heads, kvHeads, lookupKvHeads: lookupKv, headDim, window, kvBytes: KV_QUANT[quant.kvCache]! };
  return {
    context: { ...shape, grid: buildGrid(ctxTable, 3), compute: fmha.compute, scale: ctxOp.scale, sideMs: (extra + (rope + kvWrite)) * 1.1, id: ids.ctx },
    generation: {
      ...shape,
      grid: buildGrid(genTable, 3),
      compute: quant.kvCache === 'fp8' ? FMHA_QUANT.fp8!.compute : FMHA_QUANT.bfloat16!.compute,
      scale: genOp.scale,
      sideMs: 0,
      id: ids.gen,
    },
  };
}

/** Replaces a key's value (the MLA module loaders' last-row-wins). */
function insertLast(root: Nested, keys: readonly number[], value: number): void {
  let node = root;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = node.get(keys[i]!) as Nested | undefined;
    if (next === undefined) node.set(keys[i]!, (next = new Map()));
    node = next;
  }
  node.set(keys[keys.length - 1]!, value);
}

const MLA_COLUMNS = ['kv_cache_dtype', 'gemm_type', 'num_heads', 'batch_size', 'isl', 'latency'];

/**
 * DeepSeek's MLA module tables for this quant, or undefined when the database has no rows for
 * it (AIC then falls back to the block's GEMMs and plain attention).
 */
export async function mlaModule(
  loader: Loader,
  quant: QuantModes,
  ops: { ctxHeads: number; ctxScale: number; genHeads: number; genScale: number },
  ids: { ctx: number; gen: number },
): Promise<{ context: NativeMla; generation: NativeMla } | undefined> {
  if (!loader.db.sources('mla_context_module_perf') || !loader.db.sources('mla_generation_module_perf')) return undefined;
  const [ctx, gen] = await Promise.all([
    loader.read('mla_context_module_perf', ['mla_dtype', ...MLA_COLUMNS]),
    loader.read('mla_generation_module_perf', ['step', ...MLA_COLUMNS]),
  ]);
  const ctxTable: Nested = new Map();
  const genTable: Nested = new Map();
  const fill = (rows: TableRows[], table: Nested, context: boolean) => {
    for (const t of rows) {
      const col = (c: string) => t.columns.get(c)!;
      const [fmha, kv, gemm, n, b, isl, lat] = ['mla_dtype', 'kv_cache_dtype', 'gemm_type', 'num_heads', 'batch_size', 'isl', 'latency'].map(col);
      const step = context ? undefined : col('step');
      for (let i = 0; i < t.rows; i++) {
        if (toText(kv![i]) !== quant.kvCache || toText(gemm![i]) !== quant.gemm) continue;
        if (context && toText(fmha![i]) !== quant.fmha) continue;
        const heads = toNumber(n![i], t.file, 'num_heads');
        const batch = toNumber(b![i], t.file, 'batch_size');
        const s = toNumber(isl![i], t.file, 'isl') + (step ? toNumber(step[i], t.file, 'step') : 0);
        insertLast(table, context ? [heads, s, batch] : [heads, batch, s], toNumber(lat![i], t.file, 'latency'));
      }
    }
  };
  fill(ctx.rows, ctxTable, true);
  fill(gen.rows, genTable, false);
  if (ctxTable.size === 0 || genTable.size === 0) return undefined;
  const kvBytes = KV_QUANT[quant.kvCache]!;
  const gemm = GEMM_QUANT[quant.gemm]!;
  const common = { kvBytes, fmhaCompute: FMHA_QUANT[quant.fmha]!.compute, gemmBytes: gemm.memory, gemmCompute: gemm.compute };
  return {
    context: { ...common, grid: buildGrid(ctxTable, 3), heads: ops.ctxHeads, scale: ops.ctxScale, id: ids.ctx },
    generation: { ...common, grid: buildGrid(genTable, 3), heads: ops.genHeads, scale: ops.genScale, id: ids.gen },
  };
}
