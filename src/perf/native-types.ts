// The perf model as the native core receives it (`engine.perf`): plain numbers and typed arrays,
// already resolved for one engine configuration. native/binding/perf_args.cc reads and checks
// every field; native/perf/* only interpolates.

/**
 * A ragged nested table (AIC's `data[a][b][c] -> latency`) flattened into arrays. Node 0 is the
 * root; node i owns `keys[start[i] .. start[i] + count[i])` sorted ascending, `rank` gives each
 * key's position in the source file (tie-break when snapping to the nearest key), and `child`
 * points at the next level's node, or at the last level into `values`.
 */
export interface NativeGrid {
  depth: number;
  start: Int32Array;
  count: Int32Array;
  keys: Float64Array;
  rank: Float64Array;
  child: Int32Array;
  values: Float64Array;
}

/** Every collected (n, k) shape of one GEMM dtype with its latency curve over m. */
export interface NativeGemmTable {
  siteN: Float64Array;
  siteK: Float64Array;
  /** Start and length of each site's curve in `m` / `latency` (sorted by m). */
  siteOffset: Int32Array;
  siteLength: Int32Array;
  m: Float64Array;
  latency: Float64Array;
  /** Union of the sites' m-ranges: sorted disjoint [lo, hi] pairs. */
  coverage: Float64Array;
}

export interface NativeGemmOp extends NativeSlot {
  scale: number;
  n: number;
  k: number;
  /** Speed-of-light constants of the op's quant mode. */
  memBytes: number;
  flops: number;
  /** Index into `gemmTables`. */
  table: number;
  /** The collected site of this exact shape, or -1 (utilisation transfer from `neighbors`). */
  site: number;
  /** Sites within AIC's distance gate (2.0 in log2 (n, k)), nearest first, ties in file order. */
  neighbors: Int32Array;
  neighborDist: Float64Array;
  /** Logits GEMM: evaluated at m = batch. */
  perRequest: boolean;
  fp8Static: boolean;
  lowPrecisionInput: boolean;
}

/**
 * Where an op's latency goes: `id` is its slot in the phase's per-op breakdown (`opNames`);
 * `group` 0 is summed, groups 1 and 2 overlap (the phase adds the larger of the two sums).
 */
export interface NativeSlot {
  id: number;
  group: number;
}

/** The routed experts of a MoE layer as AIC keys its moe_perf table. */
export interface MoeShape {
  hidden: number;
  inter: number;
  topk: number;
  experts: number;
  moeTp: number;
  moeEp: number;
}

/** Routed-expert compute over a num_tokens curve (AIC's MoE op). */
export interface NativeMoeOp extends NativeSlot, MoeShape {
  grid: NativeGrid;
  scale: number;
  /** Attention-DP ranks: the experts see every rank's tokens. */
  tokenMultiplier: number;
  gemms: number;
  memBytes: number;
  /** bf16 tensor-core FLOP/s × the MoE quant's compute factor. */
  flops: number;
}

/** A collective's latency curve over message elements; speed of light = size × solMsPerElement. */
export interface NativeCommTable {
  grid: NativeGrid;
  solMsPerElement: number;
  /** Bandwidth rescale when more GPUs take part than the table holds. */
  postScale: number;
}

export interface NativeCommOp extends NativeSlot {
  /** Index into `commTables`. */
  spec: number;
  scale: number;
  elementsPerToken: number;
}

export interface NativeAicPhase {
  /** Breakdown slots: AIC's op names (the core only needs the count). */
  opCount: number;
  opNames: string[];
  /** Each slot's overlap group (0 summed; 1 and 2 overlap). */
  opGroups: number[];
  /** (scale, bytes per token, id, group) quadruples of the memory-bound ops. */
  memOps: Float64Array;
  gemms: NativeGemmOp[];
  moe: NativeMoeOp[];
  comm: NativeCommOp[];
}

/** DeepSeek's MLA attention block as one measured module. */
export interface NativeMla {
  /** Context: (heads, sequence, batch); generation: (heads, batch, sequence). */
  grid: NativeGrid;
  heads: number;
  scale: number;
  kvBytes: number;
  fmhaCompute: number;
  gemmBytes: number;
  gemmCompute: number;
  id: number;
}

export interface NativeAttention {
  /** Context: (heads, sequence, batch); generation: (heads, batch, sequence). */
  grid: NativeGrid;
  heads: number;
  kvHeads: number;
  /** The table's KV-head key: 0 when it equals `heads`. */
  lookupKvHeads: number;
  headDim: number;
  window: number;
  kvBytes: number;
  compute: number;
  scale: number;
  /** Per-layer constant added after the table lookup (context: RoPE and KV write, ×1.1). */
  sideMs: number;
  id: number;
}

export interface NativeAicConfig {
  kind: 'aic';
  memBandwidth: number;
  memBandwidthScale: number;
  memConstantLatency: number;
  bf16Flops: number;
  nextn: number;
  gemmTables: NativeGemmTable[];
  commTables: NativeCommTable[];
  context: NativeAicPhase;
  generation: NativeAicPhase;
  /** GQA attention, or (DeepSeek) the MLA module: exactly one of the two pairs is set. */
  contextAttention: NativeAttention | null;
  generationAttention: NativeAttention | null;
  /** gpt-oss: the sliding-window layers' attention (optional; absent = none). */
  contextWindowAttention?: NativeAttention | null;
  generationWindowAttention?: NativeAttention | null;
  contextMla: NativeMla | null;
  generationMla: NativeMla | null;
  computeScale: NativeGrid | null;
  scaleMatrix: NativeGrid | null;
}

export interface NativeRooflineGemm {
  scale: number;
  n: number;
  k: number;
  weightBytes: number;
  actBytes: number;
  flops: number;
  perRequest: boolean;
}

export interface NativeRooflinePhase {
  memOps: Float64Array;
  gemms: NativeRooflineGemm[];
  allReduceScale: number;
  attentionScale: number;
}

export interface NativeRooflineEfficiency {
  gemmCompute: number;
  gemmMemory: number;
  gemmOverheadS: number;
  gemmRampTokens: number;
  contextAttention: number;
  contextAttentionOverheadS: number;
  contextAttentionSideS: number;
  generationAttentionMemory: number;
  generationAttentionFp8Memory: number;
  generationAttentionOverheadS: number;
  generationAttentionPerRequestS: number;
  allReduce: number;
  allReduceLatencyS: number;
}

export interface NativeAnalyticalConfig {
  kind: 'analytical';
  memBandwidth: number;
  bf16Flops: number;
  memBandwidthScale: number;
  memConstantLatency: number;
  p2pBandwidth: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  kvBytes: number;
  fmhaCompute: number;
  tp: number;
  nextn: number;
  context: NativeRooflinePhase;
  generation: NativeRooflinePhase;
  efficiency: NativeRooflineEfficiency;
}

export interface NativeProfileConfig {
  kind: 'profile';
  /** Prefill: new tokens in the pass → TTFT ms (strictly increasing x). */
  prefillTokens: Float64Array;
  prefillMs: Float64Array;
  /** Decode: ITL ms over (active KV tokens, context length), row-major [kv][context]. */
  decodeKvTokens: Float64Array;
  decodeContext: Float64Array;
  decodeItlMs: Float64Array;
}

export type NativePerfConfig =
  | { kind: 'polynomial' }
  | NativeProfileConfig
  | NativeAicConfig
  | NativeAnalyticalConfig;
