// The built-in analytical model: used when AIC args are given but no AIC database can be found.
// Same op list as the database model (see aic.ts), each op costed by a roofline over public GPU
// specs with the fixed efficiencies below.
//
// Efficiency assumptions (fractions of peak; ANALYTICAL_EFFICIENCY below lists the values):
// - GEMM: max(FLOPs / (peak × GEMM_COMPUTE × m/(m + RAMP)), bytes / (HBM × GEMM_MEMORY)) plus a
//   launch cost. The ramp models tiles that cannot fill every SM at small m.
// - Prefill attention (FlashAttention): causal FLOPs at ATTN_COMPUTE of the BF16 peak, plus a
//   per-layer launch cost and the RoPE/KV-write kernels.
// - Decode attention: reads the whole KV cache at DECODE_ATTN_MEMORY of HBM bandwidth (its own
//   value for an FP8 cache), plus a per-layer launch cost.
// - Element-wise ops (norms, activation, embedding): AIC's own formula, bytes / (0.8 × HBM) + 3 µs.
// - All-reduce: ring, 2(TP−1)/TP of the message over NVLink at ALLREDUCE of its bandwidth, plus a
//   fixed latency.
// Against the database (416 points over 4 models × 2 GPUs) the median error is ~3% and the worst
// ~31%; on b200_sxm, not used for fitting, ~6% and ~44%.
import { ReplayError } from '../errors.js';
import type { MemorySpec } from './kv-capacity.js';
import { modelShapes } from './aic.js';
import { FMHA_QUANT, GEMM_QUANT, KV_QUANT, type ModelFacts, type QuantModes } from './models.js';
import type { NativeAnalyticalConfig, NativeRooflineEfficiency, NativeRooflineGemm, NativeRooflinePhase } from './native-types.js';

export interface GpuSpec {
  name: string;
  memBw: number;
  bf16Flops: number;
  /** FP8 tensor-core peak; absent on GPUs without FP8 (FP8 weights then run at the BF16 peak). */
  fp8Flops?: number;
  fp4Flops?: number;
  /** NVLink bandwidth per GPU, one direction. */
  nvlinkBw: number;
  gpusPerNode: number;
  memory: MemorySpec;
}

const GIB = 1024 ** 3;
// Memory the serving stack keeps outside the KV cache (NCCL buffers by TP, CUDA context and
// libraries): AIC's defaults for these GPUs.
const NCCL_MEM = new Map([
  [1, 0],
  [2, 358_612_992],
  [4, 411_041_792],
  [8, 411_041_792],
]);
const OTHER_MEM = 3.5 * GIB;

/** Public datasheet figures (dense tensor-core peaks). */
export const BUILTIN_GPUS: Readonly<Record<string, GpuSpec>> = {
  h100_sxm: {
    name: 'h100_sxm',
    memBw: 3.35e12,
    bf16Flops: 989e12,
    fp8Flops: 1979e12,
    nvlinkBw: 450e9,
    gpusPerNode: 8,
    memory: { memCapacity: 80 * GIB, ncclMem: NCCL_MEM, otherMem: OTHER_MEM },
  },
  h200_sxm: {
    name: 'h200_sxm',
    memBw: 4.8e12,
    bf16Flops: 989e12,
    fp8Flops: 1979e12,
    nvlinkBw: 450e9,
    gpusPerNode: 8,
    memory: { memCapacity: 141 * GIB, ncclMem: NCCL_MEM, otherMem: OTHER_MEM },
  },
  b200_sxm: {
    name: 'b200_sxm',
    memBw: 8e12,
    bf16Flops: 2250e12,
    fp8Flops: 4500e12,
    fp4Flops: 9000e12,
    nvlinkBw: 900e9,
    gpusPerNode: 8,
    memory: { memCapacity: 180 * GIB, ncclMem: NCCL_MEM, otherMem: OTHER_MEM },
  },
  a100_sxm: {
    name: 'a100_sxm',
    memBw: 2.039e12,
    bf16Flops: 312e12,
    nvlinkBw: 300e9,
    gpusPerNode: 8,
    memory: { memCapacity: 80 * GIB, ncclMem: NCCL_MEM, otherMem: OTHER_MEM },
  },
};

/**
 * The efficiency assumptions (see the header comment). Fitted by a coarse grid search over
 * plausible ranges against AIC's vLLM tables on h100_sxm and h200_sxm (`node bench/perf-model.js
 * --only a` reproduces the comparison); b200_sxm was held out.
 */
export const ANALYTICAL_EFFICIENCY: Readonly<NativeRooflineEfficiency> = {
  // Large GEMMs reach 85% of the dense tensor-core peak; a GEMM of m rows gets m/(m + 64) of
  // that (small m cannot fill the GPU), and weight streaming reaches 90% of HBM bandwidth.
  gemmCompute: 0.85,
  gemmMemory: 0.9,
  gemmOverheadS: 4e-6,
  gemmRampTokens: 64,
  // Prefill FlashAttention: 40% of the BF16 peak on causal FLOPs, 10 µs per layer, plus the
  // RoPE and KV-write kernels (~13 µs per layer, as AIC counts them).
  contextAttention: 0.4,
  contextAttentionOverheadS: 10e-6,
  contextAttentionSideS: 13e-6,
  // Decode attention streams the KV cache at 85% of HBM bandwidth (BF16 cache); an FP8 cache is
  // dequantised on the fly and only reaches 55% on its halved bytes. 8 µs per layer.
  generationAttentionMemory: 0.85,
  generationAttentionFp8Memory: 0.55,
  generationAttentionOverheadS: 8e-6,
  generationAttentionPerRequestS: 0,
  // Ring all-reduce at 50% of NVLink bandwidth plus 8 µs.
  allReduce: 0.5,
  allReduceLatencyS: 8e-6,
};

export function builtinGpu(system: string): GpuSpec {
  const gpu = BUILTIN_GPUS[system];
  if (!gpu)
    throw new ReplayError(
      `unknown aic_system '${system}' for the built-in analytical model (known: ${Object.keys(BUILTIN_GPUS).join(', ')}); ` +
        'point aic_systems_path (or AIC_SYSTEMS_PATH) at an AIC systems folder for other GPUs',
    );
  return gpu;
}

function peakFlops(gpu: GpuSpec, compute: number): number {
  if (compute >= 4) return gpu.fp4Flops ?? gpu.fp8Flops ?? gpu.bf16Flops;
  if (compute >= 2) return gpu.fp8Flops ?? gpu.bf16Flops;
  return gpu.bf16Flops;
}

export function buildAnalyticalModel(
  gpu: GpuSpec,
  model: ModelFacts,
  quant: QuantModes,
  tp: number,
  nextn: number,
  efficiency: NativeRooflineEfficiency = ANALYTICAL_EFFICIENCY,
): NativeAnalyticalConfig {
  const sh = modelShapes(model, tp);
  const L = sh.layers;
  const mtp = nextn > 0 ? (nextn + L) / L : 1;
  const g = GEMM_QUANT[quant.gemm]!;
  const gemm = (scale: number, n: number, k: number, perRequest: boolean, bf16 = false): NativeRooflineGemm => ({
    scale,
    n,
    k,
    weightBytes: bf16 ? 2 : g.memory,
    actBytes: bf16 ? 2 : Math.max(1, g.memory),
    flops: bf16 ? gpu.bf16Flops : peakFlops(gpu, g.compute),
    perRequest,
  });
  const phase = (scale: number, logitsPerRequest: boolean): NativeRooflinePhase => ({
    memOps: Float64Array.from([
      scale, sh.hidden * 2,
      L * scale, 4 * sh.hidden * 2,
      L * scale, 4 * sh.hidden * 2,
      L * scale, (sh.actIn + sh.actOut) * 2,
    ]),
    gemms: [
      gemm(L * scale, sh.qkvN, sh.hidden, false),
      gemm(L * scale, sh.hidden, sh.projK, false),
      gemm(L * scale, sh.ffn1N, sh.hidden, false),
      gemm(L * scale, sh.hidden, sh.ffn2K, false),
      gemm(scale, sh.logitsN, sh.hidden, logitsPerRequest, true),
    ],
    allReduceScale: tp > 1 ? (1 + 2 * L) * scale : 0,
    attentionScale: L * scale,
  });
  return {
    kind: 'analytical',
    memBandwidth: gpu.memBw,
    bf16Flops: gpu.bf16Flops,
    memBandwidthScale: 0.8,
    memConstantLatency: 3e-6,
    p2pBandwidth: gpu.nvlinkBw,
    hidden: sh.hidden,
    heads: sh.heads,
    kvHeads: sh.kvHeads,
    headDim: sh.headDim,
    kvBytes: KV_QUANT[quant.kvCache]!,
    fmhaCompute: FMHA_QUANT[quant.fmha]!.compute,
    tp,
    nextn,
    context: phase(1, true),
    generation: phase(mtp, false),
    efficiency: { ...efficiency },
  };
}
