// KV-cache capacity when the engine args leave num_gpu_blocks unset (AIC's memory model, as Dynamo
// calls it): per GPU, non-KV memory = weights + activations + NCCL buffers + runtime overhead;
// the KV budget is a fraction of total memory minus that (vLLM `gpu_memory_utilization`, SGLang
// `mem_fraction_static`) or a fraction of what is left (TRT-LLM `free_gpu_memory_fraction`); the
// budget in tokens, divided by the block size, is the block count — per GPU, as AIC reports it
// (`sdk/memory.py` estimate_num_gpu_blocks over BaseBackend._get_memory_usage), times the
// attention-DP ranks as Dynamo's replay does. Weights are the sum of AIC's context-op weights;
// MoE experts count 1/(EP × TP) of their weights per GPU; MLA caches the compressed latent.
import { ReplayError } from '../errors.js';
import type { EngineArgs } from '../config/engine-args.js';
import { KV_QUANT, type ModelFacts, type ModelFamily, type QuantModes } from './models.js';
import { opWeights, type PhaseOps } from './aic-ops.js';
import type { Parallelism } from './parallel.js';

/** The memory facts of a system the estimate needs. */
export interface MemorySpec {
  memCapacity: number;
  /** NCCL buffer bytes by TP (1, 2, 4, 8). */
  ncclMem: Map<number, number>;
  otherMem: number;
}

interface BackendMemory {
  /** Activation coefficients by model family and min(TP, 8). */
  coefficients: Record<ModelFamily, Record<number, number>>;
  minActivation: number;
  activationOverhead: number;
  otherOverhead: number;
  fractionKey: 'gpu_memory_utilization' | 'mem_fraction_static' | 'free_gpu_memory_fraction';
  defaultFraction: number;
  ofFree: boolean;
}

const MIB = 1024 * 1024;
const BACKENDS: Record<string, BackendMemory> = {
  vllm: {
    coefficients: { LLAMA: { 1: 11, 2: 6.5, 4: 5, 8: 5 }, MOE: { 1: 22, 2: 13, 4: 10, 8: 10 }, DEEPSEEK: { 1: 22, 2: 13, 4: 10, 8: 10 } },
    minActivation: 70 * MIB,
    activationOverhead: 0,
    otherOverhead: 0,
    fractionKey: 'gpu_memory_utilization',
    defaultFraction: 0.9,
    ofFree: false,
  },
  trtllm: {
    coefficients: { LLAMA: { 1: 11, 2: 6.5, 4: 5, 8: 5 }, MOE: { 1: 22, 2: 13, 4: 10, 8: 10 }, DEEPSEEK: { 1: 22, 2: 13, 4: 10, 8: 10 } },
    minActivation: 70 * MIB,
    activationOverhead: 0,
    otherOverhead: 0,
    fractionKey: 'free_gpu_memory_fraction',
    defaultFraction: 0.9,
    ofFree: true,
  },
  sglang: {
    coefficients: { LLAMA: { 1: 14, 2: 8.5, 4: 6.5, 8: 6.5 }, MOE: { 1: 28, 2: 17, 4: 13, 8: 13 }, DEEPSEEK: { 1: 28, 2: 17, 4: 13, 8: 13 } },
    minActivation: 90 * MIB,
    activationOverhead: 0.15,
    otherOverhead: 0.2,
    fractionKey: 'mem_fraction_static',
    defaultFraction: 0.88,
    ofFree: false,
  },
};

/** Python's float floor division `a // b` (fmod-based, so it agrees with AIC to the last token). */
export function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

export interface KvCapacity {
  numGpuBlocks: number;
  kvTokens: number;
  weightsBytes: number;
  activationBytes: number;
  ncclBytes: number;
  otherBytes: number;
  kvBytesPerToken: number;
  fraction: number;
  fractionKey: string;
}

/** KV bytes one token takes on one GPU (all layers): MLA's latent, else K and V of its KV heads. */
export function kvBytesPerGpuToken(model: ModelFacts, quant: QuantModes, tp: number): number {
  const elements = model.mla
    ? model.layers * (model.mla.kvLoraRank + model.mla.qkRopeHeadDim)
    : Math.ceil(model.kvHeads / tp) * model.headDim * model.layers * 2;
  return 1 * KV_QUANT[quant.kvCache]! * elements;
}

export function estimateKvCapacity(
  args: EngineArgs,
  backend: string,
  model: ModelFacts,
  quant: QuantModes,
  par: Parallelism,
  ops: PhaseOps,
  mem: MemorySpec,
): KvCapacity {
  const b = BACKENDS[backend];
  if (!b) throw new ReplayError(`unknown aic_backend '${backend}' (expected vllm, sglang or trtllm)`);
  const tp = par.tp;
  let weights = 0;
  for (const op of ops.context) weights += opWeights(op);

  const tpKey = Math.min(tp, 8);
  const coef = b.coefficients[model.family][tpKey];
  const nccl = mem.ncclMem.get(tpKey);
  if (coef === undefined || nccl === undefined)
    throw new ReplayError(`AIC's memory model has no data for TP ${tp} (supported: 1, 2, 4, 8 and above); set num_gpu_blocks explicitly`);
  const maxTokens = args.max_num_batched_tokens ?? 8192;
  const h = model.heads * model.headDim;
  let activations = 2 * maxTokens * h * coef;
  // DeepSeek's block-scaled dispatch workspace (128-element scale blocks, 4-byte floats).
  if (model.family === 'DEEPSEEK' && model.moe)
    activations += ((((maxTokens * h * par.attentionDp * model.moe.experts * model.moe.topk) / par.moeEp) / 128) * 4);
  activations = Math.max(activations, b.minActivation);
  if (b.activationOverhead > 0) activations *= 1 + b.activationOverhead;
  let others = mem.otherMem;
  if (b.otherOverhead > 0) others *= 1 + b.otherOverhead;
  const nonKv = weights + activations + others + nccl;

  const fraction = args[b.fractionKey] ?? b.defaultFraction;
  const budget = b.ofFree ? (mem.memCapacity - nonKv) * fraction * 1.0 : mem.memCapacity * fraction * 1.0 - nonKv;
  if (!(budget > 0))
    throw new ReplayError(
      `no KV budget for '${model.id}': non-KV memory per GPU (${Math.floor(Math.max(nonKv, 0))} bytes, of which weights ${Math.floor(weights)}) ` +
        `meets or exceeds the limit (capacity ${mem.memCapacity} bytes, ${b.fractionKey} ${fraction}); ` +
        `${model.moe ? 'raise aic_tp_size, aic_moe_ep_size or aic_moe_tp_size' : 'raise aic_tp_size'} or set num_gpu_blocks`,
    );
  const perToken = kvBytesPerGpuToken(model, quant, tp);
  const tokens = pyFloorDiv(budget, perToken);
  const blocks = Math.floor(tokens / args.block_size) * (args.aic_attention_dp_size ?? 1);
  if (blocks < 1) throw new ReplayError(`the estimated KV cache holds less than one block of ${args.block_size} tokens; set num_gpu_blocks`);
  return {
    numGpuBlocks: blocks,
    kvTokens: tokens,
    weightsBytes: weights,
    activationBytes: activations,
    ncclBytes: nccl,
    otherBytes: others,
    kvBytesPerToken: perToken,
    fraction,
    fractionKey: b.fractionKey,
  };
}
