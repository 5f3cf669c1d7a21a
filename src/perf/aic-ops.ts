// AIC's op lists, per model family, as plain descriptions: the context (prefill) and generation
// (decode) ops of aiconfigurator v0.11.0's model classes, in their order, with AIC's names, scales
// and shapes. The builder (aic.ts) turns them into table-backed native ops; the KV-capacity
// estimate sums their weights. Sources: `sdk/models/llama.py` (LLAMA), `sdk/models/moe.py`
// MOEModel (MOE) and `sdk/models/deepseek.py` DeepSeekModel (DEEPSEEK, vLLM branch). Quirks kept
// as AIC has them:
// - MOE: no logits GEMM in prefill; no per-layer all-reduce (the dispatch ops carry it); gpt-oss
//   attends through a 128-token window in half its layers (an extra attention op put first);
// - DEEPSEEK: every layer is MoE (first_k_dense_replace is ignored); the embedding is not split
//   by TP; vLLM pays a TP all-reduce twice per layer on top of the dispatch's; decode runs the
//   shared expert alongside the routed path (max of the two); the MLA block is one measured module
//   whose weights are those of its GEMM fallback.
import { GEMM_QUANT, MOE_QUANT_MODES, type ModelFacts, type QuantModes } from './models.js';
import type { MoeShape } from './native-types.js';
import type { Parallelism } from './parallel.js';

/** 0: summed; 1 and 2: two groups that overlap (the phase adds the larger). */
export type OpGroup = 0 | 1 | 2;

interface OpBase {
  name: string;
  scale: number;
  group: OpGroup;
}

export interface MemOpDesc extends OpBase {
  kind: 'mem';
  bytesPerToken: number;
  /** Embedding tables hold weights; element-wise ops none. */
  weights: number;
}

export interface GemmOpDesc extends OpBase {
  kind: 'gemm';
  n: number;
  k: number;
  quant: string;
  /** Evaluated at m = batch in prefill (AIC's logits GEMM). */
  perRequest: boolean;
  lowPrecisionInput: boolean;
}

export interface AttentionOpDesc extends OpBase {
  kind: 'attention';
  heads: number;
  kvHeads: number;
  headDim: number;
  qkNorm: boolean;
  /** Sliding-window length (0: full attention). */
  window: number;
}

export interface MlaOpDesc extends OpBase {
  kind: 'mla';
  heads: number;
  /** AIC's FallbackOp: the GEMMs and attention used when the module table has no data. */
  fallback: OpDesc[];
}

export interface MoeOpDesc extends OpBase, MoeShape {
  kind: 'moe';
  quant: string;
  /** power_law_<alpha>, AIC's default workload (falls back to uniform when not collected). */
  distribution: string;
  attentionDp: number;
}

export interface CommOpDesc extends OpBase {
  kind: 'comm';
  collective: 'all_reduce' | 'all_gather' | 'reduce_scatter';
  /** custom: vLLM's custom all-reduce table; nccl: the system's NCCL table. */
  table: 'custom' | 'nccl';
  gpus: number;
  elementsPerToken: number;
}

export type OpDesc = MemOpDesc | GemmOpDesc | AttentionOpDesc | MlaOpDesc | MoeOpDesc | CommOpDesc;

export interface PhaseOps {
  context: OpDesc[];
  generation: OpDesc[];
}

/** AIC's per-op weight bytes (Operation.get_weights: weights × scale factor). */
export function opWeights(op: OpDesc): number {
  switch (op.kind) {
    case 'mem':
      return op.weights * op.scale;
    case 'gemm':
      return op.n * op.k * GEMM_QUANT[op.quant]!.memory * op.scale;
    case 'mla':
      // The module's own weights are 0, so FallbackOp reports its fallback ops' sum.
      return op.fallback.reduce((sum, f) => sum + opWeights(f), 0);
    case 'moe':
      return Math.floor((op.hidden * op.inter * op.experts * MOE_QUANT_MODES[op.quant]!.memory * 3) / op.moeEp / op.moeTp) * op.scale;
    default:
      return 0;
  }
}

/** AIC's MTP factor: generation ops scale by (L + nextn) / L. */
export function mtpScale(layers: number, nextn: number): number {
  return nextn > 0 ? (nextn + layers) / layers : 1.0;
}

const floor = Math.floor;

/** Architectures whose attention AIC gives per-layer Q/K norms (utils._parse_hf_config_json). */
const QK_NORM_ARCHITECTURES = ['Qwen3ForCausalLM', 'Qwen3MoeForCausalLM', 'MiniMaxM2ForCausalLM'];

/** The context and generation op lists of `model` on `backend` with this parallelism. */
export function modelOps(model: ModelFacts, quant: QuantModes, par: Parallelism, backend: string, nextn: number): PhaseOps {
  const L = model.layers;
  const h = model.hidden;
  const tp = par.tp;
  const mtp = mtpScale(L, nextn);
  const qkNorm = QK_NORM_ARCHITECTURES.includes(model.architecture);
  const d = model.headDim;
  const kvGpu = Math.ceil(model.kvHeads / tp);
  const mem = (name: string, scale: number, dimIn: number, dimOut: number, group: OpGroup = 0): MemOpDesc => ({
    kind: 'mem', name, scale, group, bytesPerToken: (dimIn + dimOut) * 2, weights: 0,
  });
  const embedding = (name: string, scale: number, rows: number): MemOpDesc => ({
    kind: 'mem', name, scale, group: 0, bytesPerToken: h * 2, weights: rows * h * 2,
  });
  const gemm = (name: string, scale: number, n: number, k: number, q: string, extra: Partial<GemmOpDesc> = {}): GemmOpDesc => ({
    kind: 'gemm', name, scale, group: 0, n, k, quant: q, perRequest: false, lowPrecisionInput: false, ...extra,
  });
  const allReduce = (name: string, scale: number, gpus: number): CommOpDesc[] =>
    gpus > 1 ? [{ kind: 'comm', name, scale, group: 0, collective: 'all_reduce', table: 'custom', gpus, elementsPerToken: h }] : [];
  const attention = (name: string, scale: number, heads: number, kvHeads: number, headDim: number, qkNorm: boolean, window = 0): AttentionOpDesc => ({
    kind: 'attention', name, scale, group: 0, heads, kvHeads, headDim, qkNorm, window,
  });

  if (model.family === 'LLAMA') {
    const phase = (p: 'context' | 'generation', s: number): OpDesc[] => {
      return [
        embedding(`${p}_embedding`, s, floor(model.vocab / tp)),
        mem(`${p}_add_norm_1`, L * s, 2 * h, 2 * h),
        gemm(`${p}_qkv_gemm`, L * s, floor((model.heads * d) / tp) + d * kvGpu * 2, h, quant.gemm),
        attention(`${p}_attention`, L * s, model.heads / tp, kvGpu, d, qkNorm),
        gemm(`${p}_proj_gemm`, L * s, h, floor((model.heads * d) / tp), quant.gemm, { lowPrecisionInput: true }),
        mem(`${p}_add_norm_2`, L * s, 2 * h, 2 * h),
        gemm(`${p}_gate_ffn1_gemm`, L * s, floor((2 * model.inter) / tp), h, quant.gemm),
        mem(`${p}_act_gate`, L * s, floor((2 * model.inter) / tp), floor(model.inter / tp)),
        gemm(`${p}_ffn2_gemm`, L * s, h, floor(model.inter / tp), quant.gemm, { lowPrecisionInput: true }),
        gemm(`${p}_logits_gemm`, s, floor(model.vocab / tp), h, 'bfloat16', { perRequest: p === 'context' }),
        ...allReduce(`${p}_embedding_ar`, s, tp),
        ...allReduce(`${p}_ar_1`, L * s, tp),
        ...allReduce(`${p}_ar_2`, L * s, tp),
      ];
    };
    return { context: phase('context', 1), generation: phase('generation', mtp) };
  }

  const moe = model.moe!;
  const distribution = `power_law_${model.family === 'DEEPSEEK' ? '1.01' : '1.2'}`;
  // vLLM MoEDispatch: the attention-TP all-reduce over the whole expert group, then (attention
  // DP) an all-gather before the experts and a reduce-scatter after them.
  const dispatch = (name: string, scale: number, pre: boolean, group: OpGroup): CommOpDesc[] => {
    const gpus = par.moeTp * par.moeEp;
    const attentionTp = gpus / par.attentionDp;
    const out: CommOpDesc[] = [];
    if (attentionTp > 1) out.push({ kind: 'comm', name, scale, group, collective: 'all_reduce', table: 'custom', gpus, elementsPerToken: h });
    if (par.attentionDp > 1)
      out.push({
        kind: 'comm', name, scale, group, collective: pre ? 'all_gather' : 'reduce_scatter', table: 'nccl', gpus, elementsPerToken: h * par.attentionDp,
      });
    return out;
  };
  const experts = (name: string, scale: number, group: OpGroup): MoeOpDesc => ({
    kind: 'moe', name, scale, group, hidden: h, inter: moe.inter, topk: moe.topk, experts: moe.experts,
    moeTp: par.moeTp, moeEp: par.moeEp, quant: quant.moe, distribution, attentionDp: par.attentionDp,
  });
  const routed = (p: 'context' | 'generation', s: number, group: OpGroup): OpDesc[] => [
    { ...gemm(`${p}_router_gemm`, L * s, moe.experts, h, 'bfloat16'), group },
    ...dispatch(`${p}_moe_pre_dispatch`, L * s, true, group),
    experts(`${p}_moe`, L * s, group),
    ...dispatch(`${p}_moe_post_dispatch`, L * s, false, group),
  ];

  if (model.family === 'MOE') {
    // gpt-oss alternates sliding-window (128) and full attention layers: half the layers each.
    const windowed = model.architecture === 'GptOssForCausalLM';
    const attnLayers = windowed ? L / 2 : L;
    const phase = (p: 'context' | 'generation', s: number): OpDesc[] => [
      ...(windowed ? [attention(`${p}_attention`, attnLayers * s, floor(model.heads / tp), kvGpu, d, qkNorm, 128)] : []),
      embedding(`${p}_embedding`, s, floor(model.vocab / tp)),
      mem(`${p}_add_norm_1`, L * s, 2 * h, 2 * h),
      gemm(`${p}_qkv_gemm`, L * s, floor((model.heads * d) / tp) + d * kvGpu * 2, h, quant.gemm),
      attention(`${p}_attention`, attnLayers * s, floor(model.heads / tp), kvGpu, d, qkNorm),
      gemm(`${p}_proj_gemm`, L * s, h, floor((model.heads * d) / tp), quant.gemm, { lowPrecisionInput: true }),
      mem(`${p}_add_norm_2`, L * s, 2 * h, 2 * h),
      ...routed(p, s, 0),
      ...(p === 'generation' ? [gemm(`${p}_logits_gemm`, s, floor(model.vocab / tp), h, 'bfloat16')] : []),
      ...allReduce(`${p}_embedding_ar`, s, tp),
    ];
    return { context: phase('context', 1), generation: phase('generation', mtp) };
  }

  // DEEPSEEK (vLLM branch of DeepSeekModel).
  const mla = model.mla!;
  const vHead = mla.vHeadDim || d;
  const mi = moe.inter;
  const shared = (p: 'context' | 'generation', s: number, group: OpGroup): OpDesc[] => [
    { ...gemm(`${p}_shared_gate_up_gemm`, L * s, floor((2 * mi) / tp), h, quant.gemm), group },
    mem(`${p}_shared_act_gate`, L * s, floor((2 * mi) / tp), floor(mi / tp), group),
    { ...gemm(`${p}_shared_ffn2_gemm`, L * s, h, floor(mi / tp), quant.gemm), group },
  ];
  const mlaBlock = (p: 'context' | 'generation', s: number): MlaOpDesc => ({
    kind: 'mla',
    name: `${p}_mla_block`,
    scale: L * s,
    group: 0,
    heads: floor(128 / tp),
    fallback: [
      gemm(`${p}_downscale_gemm`, L * s, 2112, h, quant.gemm),
      gemm(`${p}_q_b_proj_gemm`, L * s, floor(24576 / tp), 1536, quant.gemm),
      ...(p === 'context' ? [gemm(`${p}_kv_b_proj_gemm`, L * s, floor(32768 / tp), 512, quant.gemm)] : []),
      attention(`${p}_attention`, L * s, floor(model.heads / tp), floor(model.kvHeads / tp), vHead, false),
      gemm(`${p}_proj_gemm`, L * s, h, p === 'context' ? floor((128 * 128) / tp) : floor(h / tp), quant.gemm),
    ],
  });
  const context: OpDesc[] = [
    embedding('context_embedding', 1, model.vocab),
    mem('context_add_norm_1', L, 2 * h, 2 * h),
    mlaBlock('context', 1),
    mem('context_add_norm_2', L, 2 * h, 2 * h),
    ...shared('context', 1, 0),
    ...routed('context', 1, 0),
    gemm('context_logits_gemm', 1, floor(model.vocab / tp), h, 'bfloat16', { perRequest: true }),
    ...(backend === 'vllm' ? allReduce('context_tp_allreduce', 2 * L, tp) : []),
  ];
  const generation: OpDesc[] = [
    embedding('generation_embedding', mtp, model.vocab),
    mem('generation_add_norm_1', L * mtp, 2 * h, 2 * h),
    mlaBlock('generation', mtp),
    mem('generation_add_norm_2', L * mtp, 2 * h, 2 * h),
    ...routed('generation', mtp, 1),
    ...shared('generation', mtp, 2),
    gemm('generation_logits_gemm', mtp, floor(model.vocab / tp), h, 'bfloat16'),
    ...(backend === 'vllm' ? allReduce('generation_tp_allreduce', 2 * L * mtp, tp) : []),
  ];
  return { context, generation };
}

function walk(phases: PhaseOps): OpDesc[] {
  return [...phases.context, ...phases.generation].flatMap((op) => (op.kind === 'mla' ? [op, ...op.fallback] : [op]));
}

/** The perf tables a model with these ops reads (for cache keys). */
export function aicTables(phases: PhaseOps, quant: QuantModes): string[] {
  const ops = walk(phases);
  const has = (f: (op: OpDesc) => boolean) => ops.some(f);
  return [
    'gemm_perf',
    ...(has((o) => o.kind === 'attention') ? ['context_attention_perf', 'generation_attention_perf'] : []),
    ...(has((o) => o.kind === 'mla') ? ['mla_context_module_perf', 'mla_generation_module_perf'] : []),
    ...(has((o) => o.kind === 'moe') ? ['moe_perf'] : []),
    ...(has((o) => o.kind === 'comm' && o.table === 'custom') ? ['custom_allreduce_perf'] : []),
    ...(has((o) => o.kind === 'comm' && o.table === 'nccl') ? ['nccl_perf'] : []),
    ...(quant.gemm === 'fp8_static' ? ['computescale_perf', 'scale_matrix_perf'] : []),
  ];
}
