// Model architecture facts and quantisation modes. AIC's families covered: LLAMA (dense Llama/Qwen:
// one attention + gated-MLP block per layer), MOE (Qwen3-MoE and the like: attention + routed
// experts) and DEEPSEEK (MLA attention, shared + routed experts). A model comes from a local directory with
// config.json (+ hf_quant_config.json), from AIC's model_configs/ folder, or from the built-in
// registry below; the quant modes are inferred from its config the way AIC does, then the user's
// aic_*_dtype overrides win.
import fs from 'node:fs';
import path from 'node:path';
import { ReplayError } from '../errors.js';

/** AIC's model families (common.py ARCHITECTURE_TO_MODEL_FAMILY) that the op walk covers. */
export type ModelFamily = 'LLAMA' | 'MOE' | 'DEEPSEEK';

/** Routed experts (AIC's topk, num_experts, moe_inter_size). */
export interface MoeFacts {
  topk: number;
  experts: number;
  inter: number;
  /** fp8_block checkpoints: the weight block edge (quantization_config.weight_block_size[0]). */
  weightBlock: number;
}

/** Multi-head latent attention (DeepSeek): the compressed KV cache and vLLM's value head size. */
export interface MlaFacts {
  kvLoraRank: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
}

export interface ModelFacts {
  id: string;
  /** Where the facts came from, for `dynosim perf-model`. */
  source: string;
  architecture: string;
  family: ModelFamily;
  moe: MoeFacts | null;
  mla: MlaFacts | null;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  inter: number;
  vocab: number;
  context: number;
  /** Normalised quantisation fields of the checkpoint (AIC's raw_config inference). */
  quantAlgo: string | null;
  kvCacheAlgo: string | null;
  quantDynamic: boolean | null;
  /** compressed-tensors layer groups left unquantised. */
  ignored: string[];
}

/** Architectures AIC models with the LLAMA op list. */
export const DENSE_ARCHITECTURES = ['LlamaForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM', 'MiMoForCausalLM'];
/** Architectures of AIC's MOE family this op walk covers. */
export const MOE_ARCHITECTURES = ['Qwen3MoeForCausalLM', 'Qwen2MoeForCausalLM', 'MixtralForCausalLM', 'GptOssForCausalLM'];
export const DEEPSEEK_ARCHITECTURES = ['DeepseekV3ForCausalLM', 'DeepSeekForCausalLM'];

export function familyOf(architecture: string): ModelFamily | undefined {
  if (DENSE_ARCHITECTURES.includes(architecture)) return 'LLAMA';
  if (MOE_ARCHITECTURES.includes(architecture)) return 'MOE';
  if (DEEPSEEK_ARCHITECTURES.includes(architecture)) return 'DEEPSEEK';
  return undefined;
}

/** A built-in model: its shape, and the checkpoint's quantisation where it has one. */
type RegistryEntry = Pick<ModelFacts, 'architecture' | 'layers' | 'heads' | 'kvHeads' | 'headDim' | 'hidden' | 'inter' | 'vocab' | 'context'> & {
  quantAlgo?: string;
  kvCacheAlgo?: string;
  quantDynamic?: boolean;
};

const LLAMA31 = { architecture: 'LlamaForCausalLM', kvHeads: 8, headDim: 128, vocab: 128256, context: 131072 };
const LLAMA31_8B = { ...LLAMA31, layers: 32, heads: 32, hidden: 4096, inter: 14336 };
const LLAMA31_70B = { ...LLAMA31, layers: 80, heads: 64, hidden: 8192, inter: 28672 };
const LLAMA31_405B = { ...LLAMA31, layers: 126, heads: 128, hidden: 16384, inter: 53248 };
const QWEN3 = { architecture: 'Qwen3ForCausalLM', kvHeads: 8, headDim: 128, vocab: 151936, context: 40960 };
// ModelOpt per-tensor FP8 checkpoints (static activation scales, FP8 KV cache).
const MODELOPT_FP8 = { quantAlgo: 'fp8', kvCacheAlgo: 'fp8' };
// Qwen's own FP8 releases: 128×128 block-scaled weights, dynamic activations.
const BLOCK_FP8 = { quantAlgo: 'fp8_block', quantDynamic: true };

const QWEN3_SIZES: Record<string, { layers: number; heads: number; hidden: number; inter: number }> = {
  '0.6B': { layers: 28, heads: 16, hidden: 1024, inter: 3072 },
  '1.7B': { layers: 28, heads: 16, hidden: 2048, inter: 6144 },
  '4B': { layers: 36, heads: 32, hidden: 2560, inter: 9728 },
  '8B': { layers: 36, heads: 32, hidden: 4096, inter: 12288 },
  '14B': { layers: 40, heads: 40, hidden: 5120, inter: 17408 },
  '32B': { layers: 64, heads: 64, hidden: 5120, inter: 25600 },
};

/** Built-in architecture facts of common dense models (public config.json values). */
export const MODEL_REGISTRY: ReadonlyMap<string, RegistryEntry> = (() => {
  const m = new Map<string, RegistryEntry>();
  for (const [size, facts] of [
    ['8B', LLAMA31_8B],
    ['70B', LLAMA31_70B],
    ['405B', LLAMA31_405B],
  ] as const) {
    for (const name of [`meta-llama/Llama-3.1-${size}`, `meta-llama/Meta-Llama-3.1-${size}`]) {
      m.set(name, facts);
      m.set(`${name}-Instruct`, facts);
    }
    m.set(`nvidia/Llama-3.1-${size}-Instruct-FP8`, { ...facts, ...MODELOPT_FP8 });
  }
  for (const [size, facts] of Object.entries(QWEN3_SIZES)) {
    m.set(`Qwen/Qwen3-${size}`, { ...QWEN3, ...facts });
    m.set(`Qwen/Qwen3-${size}-FP8`, { ...QWEN3, ...facts, ...BLOCK_FP8 });
  }
  return m;
})();

function readJson(file: string): Record<string, unknown> {
  try {
    // AIC's configs may spell Infinity/NaN; they are never in the fields read here.
    const text = fs.readFileSync(file, 'utf8').replace(/\b-?Infinity\b|\bNaN\b/g, 'null');
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (error) {
    throw new ReplayError(`cannot read model config ${file}: ${(error as Error).message}`);
  }
}

const asObj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function normalizeQuantAlgo(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const a = String(v).trim().toLowerCase();
  if (a === '') return null;
  const aliases: Record<string, string> = {
    w4a16_mxfp4: 'mxfp4',
    'mixed-precision': 'mixed_precision',
    mixedprecision: 'mixed_precision',
  };
  return aliases[a] ?? a;
}

function normalizeKvAlgo(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const a = String(v).trim().toLowerCase();
  if (a === '') return null;
  if (['fp8', 'e4m3', 'e5m2'].includes(a)) return 'fp8';
  if (['fp16', 'float16', 'bf16', 'bfloat16'].includes(a)) return 'bfloat16';
  return a;
}

function inferDynamic(q: Record<string, unknown>): boolean | null {
  const scheme = String(q.activation_scheme ?? '').toLowerCase();
  if (scheme === 'dynamic') return true;
  if (scheme === 'static') return false;
  const found: boolean[] = [];
  for (const g of Object.values(asObj(q.config_groups))) {
    for (const key of ['input_activations', 'weights']) {
      const item = asObj(asObj(g)[key]);
      if ('dynamic' in item) found.push(Boolean(item.dynamic));
    }
  }
  return found.length > 0 ? found.some((x) => x) : null;
}

/** compressed-tensors: (base algo, ignored layer categories). */
function compressedTensors(q: Record<string, unknown>): { algo: string | null; ignored: string[] } {
  let algo: string | null = null;
  for (const g of Object.values(asObj(q.config_groups))) {
    const w = asObj(asObj(g).weights);
    const bits = w.num_bits;
    const type = String(w.type ?? '').toLowerCase();
    if (typeof bits === 'number') {
      if (bits === 4 && type.includes('int')) algo = 'int4_wo';
      else if (bits === 8 && type.includes('int')) algo = 'int8_wo';
      else if (bits === 8 && type.includes('float'))
        algo = String(w.strategy ?? '').toLowerCase() === 'block' || w.block_structure ? 'fp8_block' : 'fp8';
    }
    if (algo) break;
  }
  const ignored = new Set<string>();
  if (algo) {
    for (const pattern of Array.isArray(q.ignore) ? q.ignore : []) {
      const p = String(pattern).toLowerCase();
      if (['self_attn', 'q_proj', 'k_proj', 'v_proj', 'o_proj'].some((k) => p.includes(k))) ignored.add('attention');
      if (p.includes('mlp') && p.includes('_proj') && !p.includes('expert')) ignored.add('dense_mlp');
      if (p.includes('lm_head')) ignored.add('lm_head');
    }
  }
  return { algo, ignored: [...ignored] };
}

/** Builds model facts from a HuggingFace config.json object (+ hf_quant_config.json). */
export function factsFromConfig(id: string, source: string, config: Record<string, unknown>, hfQuant: Record<string, unknown> | null): ModelFacts {
  const archs = config.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : String(config.architecture ?? '');
  const family = familyOf(architecture);
  if (family === undefined)
    throw new ReplayError(
      `model '${id}': architecture '${architecture || 'unknown'}' is not supported; the AIC model covers ` +
        `${[...DENSE_ARCHITECTURES, ...MOE_ARCHITECTURES, ...DEEPSEEK_ARCHITECTURES].join(', ')}`,
    );
  const need = (key: string): number => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ReplayError(`model '${id}' (${source}): config.json needs a positive '${key}'`);
    return v;
  };
  const layers = need('num_hidden_layers');
  const hidden = need('hidden_size');
  const heads = need('num_attention_heads');
  const vocab = need('vocab_size');
  const context = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 0;
  const kvHeads = typeof config.num_key_value_heads === 'number' && config.num_key_value_heads > 0 ? config.num_key_value_heads : heads;
  const inter = need('intermediate_size');
  // AIC (utils._parse_hf_config_json): topk, routed experts and the expert width, any spelling.
  const positive = (...keys: string[]): number => {
    for (const k of keys) {
      const v = config[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    }
    return 0;
  };
  let moe: MoeFacts | null = null;
  if (family !== 'LLAMA') {
    const topk = positive('num_experts_per_tok', 'top_k_experts');
    const experts = positive('num_local_experts', 'n_routed_experts', 'num_experts');
    if (topk === 0 || experts === 0)
      throw new ReplayError(`model '${id}' (${source}): config.json needs 'num_experts_per_tok' and a routed-expert count for a mixture-of-experts model`);
    const block = asObj(config.quantization_config).weight_block_size;
    moe = {
      topk,
      experts,
      inter: positive('moe_intermediate_size', 'intermediate_size'),
      weightBlock: Array.isArray(block) && typeof block[0] === 'number' ? block[0] : 128,
    };
  }
  // DeepSeek's latent KV: AIC falls back to V3's 512 + 64 when the config leaves them out.
  const mla: MlaFacts | null =
    family === 'DEEPSEEK'
      ? { kvLoraRank: positive('kv_lora_rank') || 512, qkRopeHeadDim: positive('qk_rope_head_dim') || 64, vHeadDim: positive('v_head_dim') }
      : null;
  const headDim =
    typeof config.head_dim === 'number' && config.head_dim > 0
      ? config.head_dim
      : typeof config.attention_head_dim === 'number' && config.attention_head_dim > 0
        ? config.attention_head_dim
        : Math.floor(hidden / heads);

  // Quantisation: hf_quant_config.json first, then config.json's quantization_config.
  let q = asObj(config.quantization_config);
  const hfSection = asObj(asObj(hfQuant).quantization);
  if (Object.keys(q).length === 0 && Object.keys(hfSection).length > 0) {
    q = {};
    if (hfSection.quant_algo || hfSection.quantization_algo) q.quant_method = String(hfSection.quant_algo || hfSection.quantization_algo).toLowerCase();
    if (hfSection.kv_cache_quant_algo) q.kv_cache_quant_method = String(hfSection.kv_cache_quant_algo).toLowerCase();
  }
  // Python `or` chains: empty strings fall through as well.
  let quantAlgo = normalizeQuantAlgo(hfSection.quant_algo || q.quant_algo || q.quant_method || q.quantization_method);
  let kvCacheAlgo = normalizeKvAlgo(hfSection.kv_cache_quant_algo || q.kv_cache_quant_algo || q.kv_cache_quant_method || q.kv_cache_dtype);
  if (kvCacheAlgo === null) {
    const scheme = asObj(q.kv_cache_scheme);
    const type = String(scheme.type ?? '').toLowerCase();
    const bits = scheme.num_bits;
    if (type.includes('fp8')) kvCacheAlgo = 'fp8';
    else if (type === 'float' && typeof bits === 'number') kvCacheAlgo = bits <= 8 ? 'fp8' : bits >= 16 ? 'bfloat16' : null;
  }
  if (quantAlgo === 'fp8' && Array.isArray(q.weight_block_size) && q.weight_block_size.length > 0) quantAlgo = 'fp8_block';
  let ignored: string[] = [];
  if (quantAlgo === 'compressed-tensors') {
    const ct = compressedTensors(q);
    ignored = ct.ignored;
    if (ct.algo === null) quantAlgo = null;
    else quantAlgo = `compressed-tensors:${ct.algo}`;
  }
  return {
    id,
    source,
    architecture,
    family,
    moe,
    mla,
    layers,
    heads,
    kvHeads,
    headDim,
    hidden,
    inter,
    vocab,
    context,
    quantAlgo,
    kvCacheAlgo,
    quantDynamic: inferDynamic(q),
    ignored,
  };
}

function registryFacts(id: string): ModelFacts | undefined {
  let entry = MODEL_REGISTRY.get(id);
  if (!entry) {
    const lower = id.toLowerCase();
    for (const [k, v] of MODEL_REGISTRY) if (k.toLowerCase() === lower) entry = v;
  }
  if (!entry) return undefined;
  return {
    id,
    source: 'built-in registry',
    architecture: entry.architecture,
    family: 'LLAMA',
    moe: null,
    mla: null,
    layers: entry.layers,
    heads: entry.heads,
    kvHeads: entry.kvHeads,
    headDim: entry.headDim,
    hidden: entry.hidden,
    inter: entry.inter,
    vocab: entry.vocab,
    context: entry.context,
    quantAlgo: entry.quantAlgo ?? null,
    kvCacheAlgo: entry.kvCacheAlgo ?? null,
    quantDynamic: entry.quantDynamic ?? null,
    ignored: [],
  };
}

/**
 * Finds a model's facts: a local directory with config.json, then AIC's model_configs folders
 * (`<org>--<name>_config.json`), then the built-in registry.
 */
export function loadModel(id: string, modelConfigDirs: string[]): ModelFacts {
  if (fs.existsSync(id) && fs.statSync(id).isDirectory()) {
    const cfg = path.join(id, 'config.json');
    if (!fs.existsSync(cfg)) throw new ReplayError(`aic_model_path '${id}' is a directory without config.json`);
    const quant = path.join(id, 'hf_quant_config.json');
    return factsFromConfig(id, cfg, readJson(cfg), fs.existsSync(quant) ? readJson(quant) : null);
  }
  const stem = id.replace(/\//g, '--');
  for (const dir of modelConfigDirs) {
    const cfg = path.join(dir, `${stem}_config.json`);
    if (!fs.existsSync(cfg)) continue;
    const quant = path.join(dir, `${stem}_hf_quant_config.json`);
    return factsFromConfig(id, cfg, readJson(cfg), fs.existsSync(quant) ? readJson(quant) : null);
  }
  const builtIn = registryFacts(id);
  if (builtIn) return builtIn;
  const where = modelConfigDirs.length > 0 ? `, not in ${modelConfigDirs.join(' or ')}` : '';
  throw new ReplayError(
    `unknown model '${id}': not a local directory${where}, and not a built-in model; ` +
      `set aic_model_path to a directory holding its config.json (and hf_quant_config.json for quantised checkpoints)`,
  );
}

// ---- quant modes ----------------------------------------------------------------------------------

/** AIC's quant enums: bytes per element and tensor-core multiplier. */
export const GEMM_QUANT: Readonly<Record<string, { memory: number; compute: number }>> = {
  bfloat16: { memory: 2, compute: 1 },
  int8_wo: { memory: 1, compute: 1 },
  int4_wo: { memory: 0.5, compute: 1 },
  fp8: { memory: 1, compute: 2 },
  fp8_static: { memory: 1, compute: 2 },
  sq: { memory: 1, compute: 2 },
  fp8_block: { memory: 1, compute: 2 },
  fp8_ootb: { memory: 1, compute: 2 },
  nvfp4: { memory: 9 / 16, compute: 4 },
};
/** AIC's MoE quant modes (common.MoEQuantMode): bytes per weight element and tensor-core multiplier. */
export const MOE_QUANT_MODES: Readonly<Record<string, { memory: number; compute: number }>> = {
  bfloat16: { memory: 2, compute: 1 },
  fp8: { memory: 1, compute: 2 },
  int4_wo: { memory: 0.5, compute: 1 },
  fp8_block: { memory: 1, compute: 2 },
  w4afp8: { memory: 0.5, compute: 2 },
  nvfp4: { memory: 9 / 16, compute: 4 },
  w4a16_mxfp4: { memory: 0.5, compute: 1 },
  w4a8_mxfp4_mxfp8: { memory: 0.5, compute: 2 },
};
export const MOE_QUANT = Object.keys(MOE_QUANT_MODES);
export const FMHA_QUANT: Readonly<Record<string, { memory: number; compute: number }>> = {
  bfloat16: { memory: 2, compute: 1 },
  fp8: { memory: 1, compute: 2 },
  fp8_block: { memory: 1, compute: 2 },
};
export const KV_QUANT: Readonly<Record<string, number>> = { bfloat16: 2, int8: 1, fp8: 1 };
export const COMM_QUANT: Readonly<Record<string, number>> = { half: 2, int8: 1, fp8: 1 };

export interface QuantModes {
  gemm: string;
  moe: string;
  kvCache: string;
  fmha: string;
  comm: string;
}

export interface QuantOverrides {
  gemm: string | null;
  moe: string | null;
  fmha: string | null;
  kvCache: string | null;
  comm: string | null;
}

function checkName(kind: string, value: string | null, allowed: readonly string[]): void {
  if (value !== null && !allowed.includes(value))
    throw new ReplayError(`unknown ${kind} '${value}'; expected one of ${allowed.join(', ')} (or auto)`);
}

/** AIC's quant resolution: checkpoint inference, explicit overrides win, bfloat16 defaults. */
export function resolveQuantModes(model: ModelFacts, overrides: QuantOverrides, backend: string): QuantModes {
  checkName('aic_gemm_dtype', overrides.gemm, Object.keys(GEMM_QUANT));
  checkName('aic_moe_dtype', overrides.moe, MOE_QUANT);
  checkName('aic_fmha_dtype', overrides.fmha, Object.keys(FMHA_QUANT));
  checkName('aic_kv_cache_dtype', overrides.kvCache, Object.keys(KV_QUANT));
  checkName('aic_comm_dtype', overrides.comm, Object.keys(COMM_QUANT));

  const inferred: Partial<QuantModes> = {};
  let algo = model.quantAlgo;
  if (algo !== null && algo.startsWith('compressed-tensors:')) {
    const base = algo.slice('compressed-tensors:'.length);
    if (!model.ignored.includes('attention')) inferred.gemm = base;
    algo = 'compressed-tensors';
  } else if (algo === 'fp8') {
    inferred.gemm = model.quantDynamic === true ? 'fp8' : 'fp8_static';
    inferred.moe = 'fp8';
  } else if (algo === 'fp8_block') {
    inferred.gemm = 'fp8_block';
    inferred.moe = 'fp8_block';
  } else if (algo === 'nvfp4') {
    inferred.gemm = 'nvfp4';
    inferred.moe = 'nvfp4';
  } else if (algo === 'mxfp4') {
    inferred.gemm = 'bfloat16';
    inferred.moe = 'w4a16_mxfp4';
  } else if (algo !== null) {
    throw new ReplayError(`model '${model.id}': unsupported quantisation algorithm '${algo}'`);
  }
  const kv = model.kvCacheAlgo;
  if (kv === 'fp8') inferred.kvCache = 'fp8';
  else if (kv === 'bfloat16') inferred.kvCache = 'bfloat16';
  else if (kv !== null) throw new ReplayError(`model '${model.id}': unsupported KV-cache quantisation '${kv}'`);
  if (algo !== null && (['fp8', 'fp8_block', 'nvfp4'].includes(algo) || kv === 'fp8')) {
    inferred.fmha = 'fp8';
    if (kv !== 'fp8') inferred.kvCache = 'fp8';
  }

  const modes: QuantModes = {
    gemm: overrides.gemm ?? inferred.gemm ?? 'bfloat16',
    moe: overrides.moe ?? inferred.moe ?? 'bfloat16',
    kvCache: overrides.kvCache ?? inferred.kvCache ?? 'bfloat16',
    fmha: overrides.fmha ?? inferred.fmha ?? 'bfloat16',
    comm: overrides.comm ?? 'half',
  };
  if (!(modes.gemm in GEMM_QUANT)) throw new ReplayError(`model '${model.id}': unsupported GEMM quantisation '${modes.gemm}'`);
  // vLLM's tables only hold bfloat16 FMHA: an inferred fp8 FMHA falls back (an explicit one stays).
  if (overrides.fmha === null && backend === 'vllm' && modes.fmha === 'fp8') modes.fmha = 'bfloat16';
  return modes;
}
