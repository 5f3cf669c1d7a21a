// Builds the native AIC model for one engine configuration: AIC's op lists for the model's family
// (aic-ops.ts), the slices of the perf tables those ops read, and the speed-of-light constants of
// the system. Quirks kept on purpose (they decide AIC's numbers): the logits GEMM runs at m = batch
// in prefill and always in bfloat16; GEMM tables are raised to speed of light at load, as are
// generation-attention tables; the context-attention side terms (RoPE, KV write) are per-head byte
// counts, a constant per layer; fp8_static GEMMs are the fp8 table minus the quantisation-overhead
// tables; DeepSeek's MLA block falls back to its GEMMs and plain attention when the module table
// has no rows for the quant (AIC's FallbackOp).
import { ReplayError } from '../errors.js';
import type { SystemSpec, VersionedDatabase } from './database.js';
import type { ModelFacts, QuantModes } from './models.js';
import type { NativeAicConfig, NativeAicPhase, NativeAttention, NativeMla } from './native-types.js';
import { buildGrid, insertFirst, toNumber, toText, type Nested, type TableRows } from './tables.js';
import { modelOps, type AttentionOpDesc, type OpDesc, type PhaseOps } from './aic-ops.js';
import { GemmBuilder } from './aic-gemm.js';
import { gqaAttention, mlaModule, readAttentionTables } from './aic-attention.js';
import { CommTables, moeOp, readMoeTable } from './aic-moe.js';
import { Loader } from './aic-loader.js';
import type { Parallelism } from './parallel.js';

export interface AicBuildResult {
  native: NativeAicConfig;
  /** Versions each table was read from (requested version first). */
  tableVersions: Record<string, string[]>;
  /** Tables taken from a newer version because the requested one lacks them. */
  fallbacks: { table: string; version: string }[];
}

/** Per-GPU shapes of a dense model (the analytical model prices the same op list). */
export interface Shapes {
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

/** Ops of a phase with the MLA block replaced by its fallback ops. */
function withoutMla(ops: OpDesc[]): OpDesc[] {
  return ops.flatMap((op) => (op.kind === 'mla' ? op.fallback : [op]));
}

export interface AicBuildOptions {
  spec: SystemSpec;
  db: VersionedDatabase;
  /** The system's NCCL tables (attention data parallelism needs them). */
  nccl?: VersionedDatabase;
  model: ModelFacts;
  quant: QuantModes;
  parallelism: Parallelism;
  nextn: number;
}

/** fp8_static activation-quantisation overhead tables, [m][k] of the fp8 rows. */
async function quantGrid(loader: Loader, table: string) {
  const r = await loader.read(table, ['quant_dtype', 'm', 'k', 'latency']);
  const root: Nested = new Map();
  for (const t of r.rows) {
    const [qc, mc, kc, lc] = ['quant_dtype', 'm', 'k', 'latency'].map((c) => t.columns.get(c)!);
    for (let i = 0; i < t.rows; i++) {
      if (toText(qc![i]) !== 'fp8') continue;
      insertFirst(root, [toNumber(mc![i], t.file, 'm'), toNumber(kc![i], t.file, 'k')], toNumber(lc![i], t.file, 'latency'));
    }
  }
  if (root.size === 0) throw new ReplayError(`AIC database ${table} table has no fp8 rows (${loader.where()})`);
  return buildGrid(root, 2);
}

export async function buildAicModel(o: AicBuildOptions): Promise<AicBuildResult> {
  const { spec, quant } = o;
  const loader = new Loader(spec, o.db, o.nccl);
  let phases = modelOps(o.model, quant, o.parallelism, o.db.backend, o.nextn);

  // DeepSeek: the MLA module tables, or AIC's fallback ops when they hold nothing for this quant.
  let mla: { context: NativeMla; generation: NativeMla } | undefined;
  const ctxMla = phases.context.find((op) => op.kind === 'mla');
  const genMla = phases.generation.find((op) => op.kind === 'mla');
  if (ctxMla && genMla) {
    const slot = (list: OpDesc[], op: OpDesc) => list.indexOf(op);
    mla = await mlaModule(
      loader,
      quant,
      { ctxHeads: ctxMla.heads, ctxScale: ctxMla.scale, genHeads: genMla.heads, genScale: genMla.scale },
      { ctx: slot(phases.context, ctxMla), gen: slot(phases.generation, genMla) },
    );
    if (!mla) phases = { context: withoutMla(phases.context), generation: withoutMla(phases.generation) };
  }

  const all = [...phases.context, ...phases.generation];
  const needs = (kind: OpDesc['kind']) => all.some((op) => op.kind === kind);
  const [gemms, attnTables, moeRows, computeScale, scaleMatrix] = await Promise.all([
    GemmBuilder.load(loader, all.filter((op) => op.kind === 'gemm')),
    needs('attention') ? readAttentionTables(loader) : undefined,
    needs('moe') ? readMoeTable(loader) : undefined,
    quant.gemm === 'fp8_static' ? quantGrid(loader, 'computescale_perf') : null,
    quant.gemm === 'fp8_static' ? quantGrid(loader, 'scale_matrix_perf') : null,
  ]);
  const comm = new CommTables(loader);

  const phase = async (ops: OpDesc[]): Promise<NativeAicPhase> => {
    const out: NativeAicPhase = {
      opCount: ops.length,
      opNames: ops.map((op) => op.name),
      opGroups: ops.map((op) => op.group),
      memOps: new Float64Array(0),
      gemms: [],
      moe: [],
      comm: [],
    };
    const mem: number[] = [];
    for (const [id, op] of ops.entries()) {
      if (op.kind === 'mem') mem.push(op.scale, op.bytesPerToken, id, op.group);
      else if (op.kind === 'gemm') out.gemms.push(gemms.op(op, id));
      else if (op.kind === 'moe') out.moe.push(moeOp(loader, moeRows as TableRows[], op, id));
      else if (op.kind === 'comm')
        out.comm.push({ spec: await comm.spec(op), scale: op.scale, elementsPerToken: op.elementsPerToken, id, group: op.group });
    }
    out.memOps = Float64Array.from(mem);
    return out;
  };
  const context = await phase(phases.context);
  const generation = await phase(phases.generation);

  // GQA attention: one (context, generation) pair per attention op, full attention last.
  const attention: { context: NativeAttention; generation: NativeAttention }[] = [];
  if (!mla) {
    const slots = (list: OpDesc[]) => list.flatMap((op, id) => (op.kind === 'attention' ? [{ op, id }] : []));
    const ctxAttn = slots(phases.context);
    const genAttn = slots(phases.generation);
    if (ctxAttn.length === 0 || ctxAttn.length !== genAttn.length || !attnTables)
      throw new ReplayError(`model '${o.model.id}': no attention op in AIC's op list`);
    for (const [i, c] of ctxAttn.entries())
      attention.push(gqaAttention(loader, attnTables, quant, c.op as AttentionOpDesc, genAttn[i]!.op as AttentionOpDesc, { ctx: c.id, gen: genAttn[i]!.id }));
  }
  const full = attention.find((a) => a.context.window === 0) ?? attention[0];
  const windowed = attention.find((a) => a !== full);

  const native: NativeAicConfig = {
    kind: 'aic',
    memBandwidth: spec.gpu.memBw,
    memBandwidthScale: spec.gpu.memBwScale,
    memConstantLatency: spec.gpu.memConstLatency,
    bf16Flops: spec.gpu.bf16Flops,
    nextn: o.nextn,
    gemmTables: gemms.nativeTables(),
    commTables: comm.tables,
    context,
    generation,
    contextAttention: full?.context ?? null,
    generationAttention: full?.generation ?? null,
    ...(windowed ? { contextWindowAttention: windowed.context, generationWindowAttention: windowed.generation } : {}),
    contextMla: mla?.context ?? null,
    generationMla: mla?.generation ?? null,
    computeScale,
    scaleMatrix,
  };
  return { native, tableVersions: loader.tableVersions, fallbacks: loader.fallbacks };
}
