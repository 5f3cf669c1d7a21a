// MoE and MLA models in the AIC database model, against AIC's own pinned parity goldens, AIC's
// KV-capacity procedure worked by hand, and AIC's parallelism rules and refusals.
//
// The goldens are AIC's Python op walk (header `engine_step_backend: python`) pinned in the
// ai-dynamo/aiconfigurator repository, aic-core/rust/aiconfigurator-core/parity_tests/goldens/
// (first pinned at commit 2cdd3318e, unchanged through dbb322e6f): `engine_step.json` cases
// `<id>` → static.values.static_ctx / static_gen (rounded to µs), and `compile_engine.json`
// references `<id>::static_ctx` / `::static_gen` (full precision). The case parameters come from
// parity_tests/test_engine_step_parity.py (EngineStepParityCase defaults: b200_sxm, vllm 0.19.0,
// batch 1, isl 1024, osl 2, prefix 0, TP 8, moe TP 1, moe EP 8). static_ctx is one prefill of
// isl − prefix new tokens after `prefix` cached ones; static_gen sums the decode steps
// s = isl + 1 … isl + osl − 1 (our decode point `context` is s − 1).
import { describe, expect, it } from 'vitest';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluate, hasSharedAic, relErr, systemsPath } from './helpers.js';

const title = (name: string) => (hasSharedAic ? name : `${name} (SKIPPED: ../shared/aic absent)`);
const aic = (over: Record<string, unknown>) => ({ aic_backend: 'vllm', aic_systems_path: systemsPath, ...over });
const b200 = (model: string, tp: number, ep: number) =>
  aic({ aic_system: 'b200_sxm', aic_backend_version: '0.19.0', aic_model_path: model, aic_tp_size: tp, aic_moe_tp_size: 1, aic_moe_ep_size: ep, num_gpu_blocks: 4096 });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe(title('AIC parity goldens: MoE and MLA models (b200_sxm, vllm 0.19.0), within 0.5%'), () => {
  const cases = [
    // id, model, TP = moe EP, (prefill, decode contexts), static_ctx, static_gen
    {
      id: 'qwen3-30b-a3b-b200-vllm-019-isl1024-osl2',
      model: 'Qwen/Qwen3-30B-A3B', tp: 4,
      prefill: [1, 1024, 0] as [number, number, number], decode: [1024],
      ctx: 14.949130156193013, gen: 3.450425196498872, // compile_engine.json (full precision)
    },
    {
      id: 'qwen3-235b-a22b-b200-vllm-019-isl1024-osl2',
      model: 'Qwen/Qwen3-235B-A22B', tp: 8,
      prefill: [1, 1024, 0] as [number, number, number], decode: [1024],
      ctx: 44.436, gen: 7.587, // engine_step.json
    },
    {
      id: 'deepseek-v3-b200-vllm-019-isl1024-osl2',
      model: 'deepseek-ai/DeepSeek-V3', tp: 8,
      prefill: [1, 1024, 0] as [number, number, number], decode: [1024],
      ctx: 81.828, gen: 12.813,
    },
    {
      id: 'deepseek-r1-b200-vllm-019-isl1024-osl2',
      model: 'deepseek-ai/DeepSeek-R1', tp: 8,
      prefill: [1, 1024, 0] as [number, number, number], decode: [1024],
      ctx: 81.828, gen: 12.813,
    },
    {
      // isl 2048 with a 1024-token cached prefix, osl 16: 15 decode steps at s = 2049 … 2063.
      id: 'deepseek-v3-b200-vllm-019-shape-prefix-heavy',
      model: 'deepseek-ai/DeepSeek-V3', tp: 8,
      prefill: [1, 1024, 1024] as [number, number, number], decode: range(2048, 2062),
      ctx: 82.958, gen: 192.381,
    },
  ];
  for (const c of cases) {
    it.skipIf(!hasSharedAic)(`${c.id}: static_ctx ${c.ctx} ms, static_gen ${c.gen} ms`, async () => {
      const r = await evaluate(b200(c.model, c.tp, c.tp), [c.prefill], c.decode.map((ctx) => [1, ctx] as [number, number]));
      expect(relErr(r.prefill[0]!, c.ctx)).toBeLessThan(0.005);
      expect(relErr(sum(r.decode), c.gen)).toBeLessThan(0.005);
      // Rounding of the pinned values aside, the walk is AIC's to the last digits.
      expect(relErr(r.prefill[0]!, c.ctx)).toBeLessThan(5e-4 / c.ctx + 1e-12);
    });
  }

  it.skipIf(!hasSharedAic)('per-op values of qwen3-30b-a3b-b200-vllm-019-isl1024-osl2 (goldens/per_op.json)', async () => {
    const r = await evaluate(b200('Qwen/Qwen3-30B-A3B', 4, 4), [[1, 1024, 0]], [[1, 1024]], true);
    const ctx = r.prefillOps![0]!;
    const gen = r.decodeOps![0]!;
    // Q/K norms included (Qwen3-MoE), no prefill logits GEMM (AIC's MOE class has none).
    expect(relErr(ctx.context_attention!, 2.9182668779553222)).toBeLessThan(1e-9);
    expect(relErr(ctx.context_moe!, 7.783218955993653)).toBeLessThan(1e-9);
    expect(relErr(ctx.context_moe_pre_dispatch!, 1.4320128250122068)).toBeLessThan(1e-9);
    expect(ctx.context_logits_gemm).toBeUndefined();
    expect(relErr(gen.generation_moe!, 1.3326335906982423)).toBeLessThan(1e-9);
    expect(relErr(gen.generation_logits_gemm!, 0.027130711264755834)).toBeLessThan(1e-9);
    expect(relErr(sum(Object.values(ctx)), r.prefill[0]!)).toBeLessThan(1e-12);
  });

  it.skipIf(!hasSharedAic)("DeepSeek decode takes the larger of the routed and shared expert paths", async () => {
    const r = await evaluate(b200('deepseek-ai/DeepSeek-V3', 8, 8), [], [[1, 1024]], true);
    const gen = r.decodeOps![0]!;
    const routed = ['generation_router_gemm', 'generation_moe_pre_dispatch', 'generation_moe', 'generation_moe_post_dispatch'];
    const shared = ['generation_shared_gate_up_gemm', 'generation_shared_act_gate', 'generation_shared_ffn2_gemm'];
    const others = Object.keys(gen).filter((k) => !routed.includes(k) && !shared.includes(k));
    const pick = (names: string[]) => sum(names.map((n) => gen[n]!));
    expect(pick(routed)).toBeGreaterThan(pick(shared));
    expect(relErr(pick(others) + Math.max(pick(routed), pick(shared)), r.decode[0]!)).toBeLessThan(1e-12);
  });
});

// Values printed by AIC v0.11.0's Python op walk (BaseBackend._run_context_phase /
// _run_generation_phase, SILICON) on the same ../shared/aic tables: h200_sxm, vllm 0.19.0.
// Prefill points are (batch, new tokens, prefix), decode points (batch, context) with s = context + 1.
describe(title('attention data parallelism vs AIC v0.11.0 point values (h200_sxm, vllm 0.19.0)'), () => {
  it.skipIf(!hasSharedAic)('Qwen3-30B-A3B, attention DP 4, moe EP 4 (NCCL all-gather / reduce-scatter dispatch)', async () => {
    const r = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B', aic_attention_dp_size: 4, aic_moe_ep_size: 4, num_gpu_blocks: 1024 }),
      [[2, 2500, 500]],
      [[8, 2000]],
    );
    expect(relErr(r.prefill[0]!, 134.17155889075875)).toBeLessThan(1e-9);
    expect(relErr(r.decode[0]!, 7.53378334390486)).toBeLessThan(1e-9);
  });

  it.skipIf(!hasSharedAic)('DeepSeek-V3, TP 2 × attention DP 4, moe EP 8 (MLA rows shared from trtllm, last row wins)', async () => {
    const r = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 2, aic_attention_dp_size: 4, aic_moe_ep_size: 8, num_gpu_blocks: 1024 }),
      [[2, 2500, 500]],
      [[8, 2000], [64, 9000]],
    );
    expect(relErr(r.prefill[0]!, 783.019342044523)).toBeLessThan(1e-9);
    expect(relErr(r.decode[0]!, 26.19463815579167)).toBeLessThan(1e-9);
    expect(relErr(r.decode[1]!, 45.78471427719633)).toBeLessThan(1e-9);
    expect(r.perf.info.tableVersions!.mla_generation_module_perf).toEqual(['0.19.0', 'trtllm 1.3.0rc10']);
  });
});

describe(title('MTP and FP8 checkpoints vs AIC v0.11.0 point values (h200_sxm, vllm 0.19.0)'), () => {
  it.skipIf(!hasSharedAic)('DeepSeek-V3 with nextn 2 and Qwen3-235B-A22B-FP8 (fp8_block experts) with nextn 1', async () => {
    const ds = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8, aic_nextn: 2, num_gpu_blocks: 1024 }),
      [[2, 3000, 0]],
      [[4, 2000]],
    );
    expect(relErr(ds.prefill[0]!, 324.9236403023578)).toBeLessThan(1e-9);
    expect(relErr(ds.decode[0]!, 18.934974185862902)).toBeLessThan(1e-9);
    const qwen = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-235B-A22B-FP8', aic_tp_size: 4, aic_moe_ep_size: 4, aic_nextn: 1, num_gpu_blocks: 1024 }),
      [[2, 2900, 100]],
      [[4, 2000]],
    );
    expect(qwen.perf.info.quantModes).toMatchObject({ gemm: 'fp8_block', moe: 'fp8_block', kvCache: 'fp8', fmha: 'bfloat16' });
    expect(relErr(qwen.prefill[0]!, 261.2463317617848)).toBeLessThan(1e-9);
    expect(relErr(qwen.decode[0]!, 16.709455446666755)).toBeLessThan(1e-9);
  });
});

describe(title("DeepSeek's MLA block without module data: AIC's GEMM + attention fallback"), () => {
  it.skipIf(!hasSharedAic)('aic_gemm_dtype fp8 (no fp8 rows in the MLA module tables) vs AIC v0.11.0 (h200_sxm, vllm 0.19.0, TP 8)', async () => {
    const r = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8, aic_gemm_dtype: 'fp8', num_gpu_blocks: 1024 }),
      [[2, 2500, 500]],
      [[8, 2000]],
      true,
    );
    expect(relErr(r.prefill[0]!, 277.28863620231544)).toBeLessThan(1e-9);
    expect(relErr(r.decode[0]!, 16.212557467823235)).toBeLessThan(1e-9);
    expect(r.perf.native.kind === 'aic' && r.perf.native.contextMla).toBeNull();
    expect(Object.keys(r.prefillOps![0]!)).toContain('context_kv_b_proj_gemm');
  });
});

describe(title('gpt-oss: sliding-window and full attention layers, MXFP4 experts'), () => {
  it.skipIf(!hasSharedAic)('gpt-oss-20b (TP 1) and gpt-oss-120b (TP 2 / EP 2, attention DP 4 / EP 4) on h200_sxm vs AIC v0.11.0', async () => {
    const small = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'openai/gpt-oss-20b', aic_moe_ep_size: 1, num_gpu_blocks: 1024 }),
      [[1, 1024, 0]],
      [[1, 1024]],
      true,
    );
    expect(small.perf.info.quantModes).toMatchObject({ gemm: 'bfloat16', moe: 'w4a16_mxfp4' });
    expect(relErr(small.prefill[0]!, 20.603224454265327)).toBeLessThan(1e-9);
    expect(relErr(small.decode[0]!, 3.3905998361858014)).toBeLessThan(1e-9);
    // Both attention kinds report under AIC's one name; no prefill logits GEMM.
    expect(Object.keys(small.prefillOps![0]!).filter((k) => k.includes('attention'))).toEqual(['context_attention']);
    const big = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'openai/gpt-oss-120b', aic_tp_size: 2, aic_moe_ep_size: 2, num_gpu_blocks: 1024 }),
      [[1, 1024, 0]],
      [[1, 1024]],
    );
    expect(relErr(big.prefill[0]!, 53.98894523607669)).toBeLessThan(1e-9);
    expect(relErr(big.decode[0]!, 4.7512486893781185)).toBeLessThan(1e-9);
    const dp = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'openai/gpt-oss-120b', aic_attention_dp_size: 4, aic_moe_ep_size: 4, num_gpu_blocks: 1024 }),
      [[3, 2000, 1000]],
      [[16, 4000]],
    );
    expect(relErr(dp.prefill[0]!, 440.58425095648954)).toBeLessThan(1e-9);
    expect(relErr(dp.decode[0]!, 23.269770571543855)).toBeLessThan(1e-9);
  });

  it.skipIf(!hasSharedAic)('gpt-oss-20b-b200-vllm-019-isl1024-osl2: refused for the missing windowed attention data, as AIC does', async () => {
    // engine_step.json pins {"error": "PerfDataNotAvailableError"} for every surface of this case.
    await expect(evaluate(b200('openai/gpt-oss-20b', 8, 8))).rejects.toThrow(
      'AIC database has no context-attention data for fmha bfloat16, KV cache bfloat16, 1 KV heads, head_dim 64, window 128 (vllm 0.19.0 on b200_sxm)',
    );
  });
});

describe(title('KV capacity of MoE and MLA models (AIC memory model)'), () => {
  it.skipIf(!hasSharedAic)('Qwen/Qwen3-30B-A3B on h200_sxm, vllm, TP 1 (moe TP 1 × EP 1), block 64 → 11,218 blocks', async () => {
    // AIC's procedure (sdk/memory.py, BaseBackend._get_memory_usage with num_tokens = 8192):
    // weights = Σ context-op weights: embedding 151936·2048·2 = 622,329,856; qkv (32·128 +
    //   2·128·4 = 5120)·2048·2·48 = 1,006,632,960; proj 2048·4096·2·48 = 805,306,368; router
    //   128·2048·2·48 = 25,165,824; experts 2048·768·128·2·3·48 = 57,982,058,496 → 60,441,493,504
    // activations = 2·8192·(32·128)·22 (MOE family, TP 1) = 1,476,395,008; NCCL 0; other 3,758,096,384
    // budget = 0.9·151,397,597,184 − 65,675,984,896 = 70,581,852,569.6
    // per token = 4 KV heads·128·48 layers·2·2 bytes = 98,304 → 717,995 tokens → 11,218 blocks of 64.
    const r = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B', aic_tp_size: 1, aic_moe_tp_size: 1, aic_moe_ep_size: 1 }));
    const kv = r.perf.info.kvCapacity!;
    expect(kv.weightsBytes).toBe(60_441_493_504);
    expect(kv.activationBytes).toBe(1_476_395_008);
    expect(kv.kvBytesPerToken).toBe(98_304);
    expect(kv.kvTokens).toBe(717_995);
    expect(r.perf.numGpuBlocks).toBe(11_218);
  });

  it.skipIf(!hasSharedAic)('DeepSeek-V3 caches the MLA latent; attention DP budgets each rank', async () => {
    // Per token: 61 layers × (512 + 64) × 1 byte (FP8 KV) = 35,136 bytes, on every GPU.
    const tp8 = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_tp_size: 1, aic_moe_ep_size: 8 }));
    expect(tp8.perf.info.kvCapacity!.kvBytesPerToken).toBe(35_136);
    expect(tp8.perf.info.kvCapacity!.kvTokens).toBe(1_127_011); // AIC v0.11.0 estimate_kv_cache, same inputs
    expect(tp8.perf.numGpuBlocks).toBe(17_609);
    // Attention DP 8: each rank holds all attention weights and 1/8 of the experts, and the
    // dispatch workspace grows with the ranks: 630,721 tokens per rank, × 8 ranks.
    const dp8 = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_attention_dp_size: 8, aic_moe_ep_size: 8 }),
    );
    expect(dp8.perf.info.kvCapacity!.kvTokens).toBe(630_721);
    expect(dp8.perf.numGpuBlocks).toBe(Math.floor(630_721 / 64) * 8); // Dynamo's count: × attention-DP ranks
    expect(dp8.perf.info.parallelism).toEqual({ tp: 1, attentionDp: 8, moeTp: 1, moeEp: 8 });
    // Each of the worker's 8 rank engines holds one GPU's blocks.
    const engine = nativeEngineConfig(dp8.args, dp8.perf);
    expect(engine.dpSize).toBe(8);
    expect(engine.numGpuBlocks).toBe(9_855);
    // Mocker data parallelism (dp_size) without AIC's attention DP: every rank is one GPU with
    // the full per-GPU estimate.
    const dense = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', dp_size: 2 }));
    expect(dense.perf.numGpuBlocks).toBe(29_249);
    expect(nativeEngineConfig(dense.args, dense.perf)).toMatchObject({ dpSize: 2, numGpuBlocks: 29_249 });
  });

  it.skipIf(!hasSharedAic)('gpt-oss KV grows linearly in AIC (no sliding-window discount)', async () => {
    // AIC v0.11.0 estimate_kv_cache: 2,421,701 tokens (20b, TP 1) and 2,740,941 (120b, TP 2 / EP 2).
    const small = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'openai/gpt-oss-20b', aic_moe_ep_size: 1 }));
    expect(small.perf.info.kvCapacity!.kvTokens).toBe(2_421_701);
    expect(small.perf.info.kvCapacity!.weightsBytes).toBe(11_991_859_200);
    const big = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'openai/gpt-oss-120b', aic_tp_size: 2, aic_moe_ep_size: 2 }));
    expect(big.perf.info.kvCapacity!.kvTokens).toBe(2_740_941);
    expect(big.perf.numGpuBlocks).toBe(42_827);
  });

  it.skipIf(!hasSharedAic)("AIC's 'no KV budget' refusal is one clear line", async () => {
    await expect(evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-235B-A22B', aic_moe_ep_size: 1 }))).rejects.toThrow(
      /^no KV budget for 'Qwen\/Qwen3-235B-A22B': non-KV memory per GPU \(475651899392 bytes, .*raise aic_tp_size, aic_moe_ep_size or aic_moe_tp_size or set num_gpu_blocks$/,
    );
  });
});

describe(title('MoE parallelism: AIC rules and refusals'), () => {
  const qwen = (over: Record<string, unknown>) =>
    evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B', num_gpu_blocks: 1024, ...over }));

  it.skipIf(!hasSharedAic)('a MoE model with neither expert key set is refused, naming both', async () => {
    await expect(qwen({ aic_tp_size: 2 })).rejects.toThrow(
      "model 'Qwen/Qwen3-30B-A3B' is a mixture-of-experts model: set aic_moe_tp_size or aic_moe_ep_size",
    );
  });

  it.skipIf(!hasSharedAic)('one key set: the other is inferred from TP × attention DP', async () => {
    const r = await qwen({ aic_tp_size: 2, aic_attention_dp_size: 2, aic_moe_tp_size: 1 });
    expect(r.perf.info.parallelism).toEqual({ tp: 2, attentionDp: 2, moeTp: 1, moeEp: 4 });
    expect(r.perf.description).toContain('TP 2, attention DP 2, MoE TP 1 × EP 4');
  });

  it.skipIf(!hasSharedAic)('width mismatch, vLLM TP+EP, and more EP ranks than experts are refused', async () => {
    await expect(qwen({ aic_tp_size: 4, aic_moe_tp_size: 1, aic_moe_ep_size: 2 })).rejects.toThrow(
      'parallelism width mismatch: aic_tp_size 4 × aic_attention_dp_size 1 = 4, but aic_moe_tp_size 1 × aic_moe_ep_size 2 = 2',
    );
    await expect(qwen({ aic_tp_size: 4, aic_moe_tp_size: 2, aic_moe_ep_size: 2 })).rejects.toThrow(
      'vllm does not split experts by TP and EP at once',
    );
    await expect(qwen({ aic_tp_size: 1, aic_attention_dp_size: 3, aic_moe_tp_size: 2 })).rejects.toThrow(
      'cannot infer aic_moe_ep_size: aic_tp_size 1 × aic_attention_dp_size 3 = 3 is not divisible by aic_moe_tp_size 2',
    );
    await expect(
      evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B-FP8', aic_tp_size: 8, aic_moe_tp_size: 8, num_gpu_blocks: 64 })),
    ).rejects.toThrow("aic_moe_tp_size 8 splits the 768-wide experts of 'Qwen/Qwen3-30B-A3B-FP8' off its 128-element fp8 weight blocks");
  });

  it.skipIf(!hasSharedAic)('attention DP: the experts see every rank’s tokens and the dispatch gathers them (NCCL)', async () => {
    const dense = await qwen({ aic_tp_size: 1, aic_moe_tp_size: 1, aic_moe_ep_size: 1 });
    const dp = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B', aic_attention_dp_size: 4, aic_moe_ep_size: 4, num_gpu_blocks: 1024 }),
      [],
      [[8, 2000]],
      true,
    );
    const ops = dp.decodeOps![0]!;
    expect(ops.generation_moe_pre_dispatch).toBeGreaterThan(0); // all-gather of 4 ranks' tokens
    expect(ops.generation_moe_post_dispatch).toBeGreaterThan(0);
    expect(ops.generation_embedding_ar).toBeUndefined(); // attention TP 1
    expect(dp.perf.info.tableVersions!.nccl_perf).toEqual(['2.26.2']); // h200's misc.nccl_version
    expect(dense.perf.info.tableVersions!.nccl_perf).toBeUndefined();
  });

  it.skipIf(!hasSharedAic)('MoE models need the vllm tables; no database means a clear refusal', async () => {
    await expect(
      evaluate(aic({ aic_backend: 'sglang', aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-30B-A3B', aic_moe_ep_size: 1, num_gpu_blocks: 64 })),
    ).rejects.toThrow(
      "aic_backend 'sglang': MoE models are modelled on vllm only (the AIC database has no sglang moe_perf table for h200_sxm); use aic_backend vllm for 'Qwen/Qwen3-30B-A3B'",
    );
    await expect(
      evaluate(aic({ aic_backend: 'trtllm', aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8, num_gpu_blocks: 64 })),
    ).rejects.toThrow("aic_backend 'trtllm': MoE models are modelled on vllm only (the AIC database has no trtllm moe_perf table for h200_sxm)");
  });
});

describe('MoE models without a database', () => {
  it('are refused: the analytical model covers dense models only', async () => {
    await expect(
      evaluate({ aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8, num_gpu_blocks: 64 }),
    ).rejects.toThrow(/needs AIC's perf database|unknown model 'deepseek-ai\/DeepSeek-V3'.*no AIC perf database was found either: aic_systems_path/);
  });
});
