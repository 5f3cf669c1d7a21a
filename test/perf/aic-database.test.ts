// The AIC database model against AIC's own numbers: the public parity anchors of aic.md §8, AIC's
// KV-capacity worked example, and per-point values of AIC v0.11.0's Python op walk
// (aiconfigurator_core, static ctx/gen phases) computed on the same ../shared/aic tables.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluatePerfModel } from '../../src/core/native.js';
import { resolvePerfModel } from '../../src/perf/resolve.js';
import { evaluate, hasSharedAic, relErr, systemsPath, testEnv } from './helpers.js';

const title = (name: string) => (hasSharedAic ? name : `${name} (SKIPPED: ../shared/aic absent)`);
const aic = (over: Record<string, unknown>) => ({ aic_backend: 'vllm', aic_systems_path: systemsPath, ...over });

describe(title('AIC parity anchors (b200_sxm, vllm 0.19.0, TP 8, batch 1, ISL 1024)'), () => {
  it.skipIf(!hasSharedAic)('Llama-3.1-8B: prefill 6.004 ms, one decode step 1.939 ms (within 0.5%)', async () => {
    const r = await evaluate(
      aic({ aic_system: 'b200_sxm', aic_backend_version: '0.19.0', aic_model_path: 'meta-llama/Meta-Llama-3.1-8B', aic_tp_size: 8, num_gpu_blocks: 4096 }),
      [[1, 1024, 0]],
      [[1, 1024]],
    );
    expect(relErr(r.prefill[0]!, 6.004)).toBeLessThan(0.005);
    expect(relErr(r.decode[0]!, 1.939)).toBeLessThan(0.005);
    expect(r.perf.info.model).toBe('aic_database');
    expect(r.notes).toEqual([]);
  });

  it.skipIf(!hasSharedAic)('Llama-3.1-70B: prefill 28.6 ms, one decode step 6.7 ms (within 0.5%)', async () => {
    const r = await evaluate(
      aic({ aic_system: 'b200_sxm', aic_model_path: 'meta-llama/Meta-Llama-3.1-70B', aic_tp_size: 8, num_gpu_blocks: 4096 }),
      [[1, 1024, 0]],
      [[1, 1024]],
    );
    expect(relErr(r.prefill[0]!, 28.6)).toBeLessThan(0.005);
    expect(relErr(r.decode[0]!, 6.7)).toBeLessThan(0.005);
    expect(r.perf.info.backendVersion).toBe('0.19.0'); // the pinned default
  });
});

// Values printed by AIC v0.11.0 (Python op walk) for the same tables; prefill points are
// (batch, new tokens, prefix), decode points (batch, context) with s = context + 1.
const PREFILL_POINTS: [number, number, number][] = [
  [1, 1024, 0],
  [3, 500, 200],
  [16, 37, 4000],
  [2, 8000, 0],
  [64, 129, 0],
  [1, 1, 0],
];
const DECODE_POINTS: [number, number][] = [
  [1, 1024],
  [7, 3000],
  [64, 5000],
  [256, 300],
  [300, 20000],
  [2, 11],
];
const GOLDEN = [
  {
    name: 'h200_sxm, vllm 0.24.0, nvidia/Llama-3.1-8B-Instruct-FP8 (fp8_static, FP8 KV), TP 1',
    args: { aic_system: 'h200_sxm', aic_backend_version: '0.24.0', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1 },
    prefill: [14.32259526788204, 22.791043925166203, 15.727642055967479, 249.70963014168294, 102.78055815130739, 3.902546009214138],
    decode: [3.5683083616462214, 4.000738619530831, 10.590827122892872, 8.9344079087597, 179.49770066069922, 3.3896196503428944],
  },
  {
    name: 'h100_sxm, vllm 0.19.0, Meta-Llama-3.1-70B, TP 4 (custom all-reduce)',
    args: { aic_system: 'h100_sxm', aic_backend_version: '0.19.0', aic_model_path: 'meta-llama/Meta-Llama-3.1-70B', aic_tp_size: 4 },
    prefill: [69.24479601277531, 102.11338747476108, 44.40664022002255, 1108.068832893193, 523.9527952490977, 16.199339109921468],
    decode: [15.24955581710872, 15.772979848707177, 25.99475650553001, 25.45881787283948, 219.43383723005917, 15.081424383429532],
  },
  {
    name: 'b200_sxm, vllm 0.22.0 (reuse.yaml donors, all-reduce from 0.19.0), Qwen3-32B (Q/K norm), TP 2',
    args: { aic_system: 'b200_sxm', aic_backend_version: '0.22.0', aic_model_path: 'Qwen/Qwen3-32B', aic_tp_size: 2 },
    prefill: [33.93929849456165, 45.96892020221827, 26.365128110462575, 475.80546908300335, 227.63935217904765, 10.321926875257407],
    decode: [7.917630315525579, 7.996306310422489, 14.515697290817364, 14.840272884973237, 133.78685515808172, 7.85174931798812],
  },
];

describe(title('AIC database model vs AIC v0.11.0 point values'), () => {
  for (const g of GOLDEN) {
    it.skipIf(!hasSharedAic)(g.name, async () => {
      const r = await evaluate(aic({ ...g.args, num_gpu_blocks: 4096 }), PREFILL_POINTS, DECODE_POINTS);
      r.prefill.forEach((v, i) => expect(relErr(v, g.prefill[i]!), `prefill ${PREFILL_POINTS[i]}`).toBeLessThan(1e-9));
      r.decode.forEach((v, i) => expect(relErr(v, g.decode[i]!), `decode ${DECODE_POINTS[i]}`).toBeLessThan(1e-9));
    });
  }

  it.skipIf(!hasSharedAic)("the reference's input averaging: a pass of prompts [8, 13] with prefixes [4, 5], contexts [9, 14]", async () => {
    // The engine hands the model per-pass means: prefill (batch 2, isl 10, prefix 4), decode
    // (batch 2, context 11); AIC must then be asked for (2, 6, 4) and one step at s = 12.
    const args = parseEngineArgs(
      aic({ aic_system: 'h200_sxm', aic_backend_version: '0.24.0', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', num_gpu_blocks: 4096 }),
      '--extra-engine-args',
    );
    const perf = await resolvePerfModel(args, { env: testEnv, findPythonPackage: () => undefined });
    const r = evaluatePerfModel(nativeEngineConfig(args, perf), Float64Array.from([2, 10, 4]), Float64Array.from([2, 11]));
    expect(relErr(r.prefillMs[0]!, 3.760299949767635)).toBeLessThan(1e-9); // AIC (2, 6, 4)
    expect(relErr(r.decodeMs[0]!, 3.3896196503428944)).toBeLessThan(1e-9); // AIC (2, isl 11, osl 2)
  });

  it.skipIf(!hasSharedAic)('decode is floored at 1 ms and prefill of nothing costs nothing', async () => {
    const r = await evaluate(
      aic({ aic_system: 'b200_sxm', aic_backend_version: '0.22.0', aic_model_path: 'Qwen/Qwen3-0.6B', num_gpu_blocks: 4096 }),
      [[1, 0, 64], [0, 10, 0]],
      [[16, 1], [0, 100]],
    );
    expect(r.prefill).toEqual([0, 0]);
    expect(r.decode).toEqual([1, 0]);
  });
});

describe(title('KV capacity (AIC memory model)'), () => {
  it.skipIf(!hasSharedAic)('nvidia/Llama-3.1-8B-Instruct-FP8 on h200_sxm, vllm, TP 1, block 64 → 29,249 blocks', async () => {
    const r = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1 }));
    expect(r.perf.numGpuBlocks).toBe(29249);
    const kv = r.perf.info.kvCapacity!;
    expect(kv.weightsBytes).toBe(9_080_668_160);
    expect(kv.activationBytes).toBe(738_197_504);
    expect(kv.kvTokens).toBe(1_871_961);
    expect(kv.kvBytesPerToken).toBe(65_536);
  });

  it.skipIf(!hasSharedAic)('an explicit num_gpu_blocks wins; the fraction knob shrinks the estimate', async () => {
    const explicit = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', num_gpu_blocks: 1234 }));
    expect(explicit.perf.numGpuBlocks).toBeUndefined();
    const half = await evaluate(
      aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', gpu_memory_utilization: 0.5 }),
    );
    expect(half.perf.numGpuBlocks).toBeLessThan(29249);
    expect(half.perf.info.kvCapacity!.fraction).toBe(0.5);
  });
});

describe(title('database resolution'), () => {
  it.skipIf(!hasSharedAic)('a table the requested version lacks comes from the newest version that has it, noted once', async () => {
    const r = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', num_gpu_blocks: 100 }), [[1, 512, 0]]);
    expect(r.perf.info.backendVersion).toBe('0.19.0');
    expect(r.perf.info.fallbacks).toEqual([
      { table: 'computescale_perf', version: '0.24.0' },
      { table: 'scale_matrix_perf', version: '0.24.0' },
    ]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/vllm 0\.19\.0 on h200_sxm lacks tables .*computescale_perf, scale_matrix_perf from 0\.24\.0/);
    expect(r.prefill[0]).toBeGreaterThan(0);
  });

  it.skipIf(!hasSharedAic)('older versions fill missing rows (shared layer); comm tables are never borrowed', async () => {
    const r = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'meta-llama/Meta-Llama-3.1-70B', aic_tp_size: 4, num_gpu_blocks: 100 }));
    expect(r.perf.info.tableVersions!.gemm_perf).toEqual(['0.19.0', '0.18.0', '0.14.0']);
    expect(r.perf.info.tableVersions!.custom_allreduce_perf).toEqual(['0.19.0']);
  });

  it.skipIf(!hasSharedAic)('explicit dtypes override the checkpoint; vLLM keeps an inferred fp8 FMHA at bfloat16', async () => {
    const inferred = await evaluate(aic({ aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', num_gpu_blocks: 100 }));
    expect(inferred.perf.info.quantModes).toEqual({ gemm: 'fp8_static', moe: 'fp8', kvCache: 'fp8', fmha: 'bfloat16', comm: 'half' });
    const forced = await evaluate(
      aic({
        aic_system: 'h200_sxm',
        aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8',
        aic_gemm_dtype: 'fp8',
        aic_kv_cache_dtype: 'bfloat16',
        num_gpu_blocks: 100,
      }),
    );
    expect(forced.perf.info.quantModes).toMatchObject({ gemm: 'fp8', kvCache: 'bfloat16' });
  });
});

describe(title('bad input: one clear line'), () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown system', { aic_system: 'h300_sxm', aic_model_path: 'Qwen/Qwen3-8B' }, /unknown aic_system 'h300_sxm'.*known: .*h200_sxm/],
    ['unknown backend', { aic_backend: 'tgi', aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-8B' }, /unknown aic_backend 'tgi'/],
    ['unknown version', { aic_system: 'h200_sxm', aic_backend_version: '0.99.0', aic_model_path: 'Qwen/Qwen3-8B' }, /unknown aic_backend_version '0\.99\.0'.*available: 0\.14\.0/],
    ['unknown dtype', { aic_system: 'h200_sxm', aic_gemm_dtype: 'fp7', aic_model_path: 'Qwen/Qwen3-8B' }, /unknown aic_gemm_dtype 'fp7'/],
    ['dtype without data', { aic_system: 'h200_sxm', aic_gemm_dtype: 'nvfp4', aic_model_path: 'Qwen/Qwen3-8B' }, /no GEMM data for dtype nvfp4/],
    ['unknown model', { aic_system: 'h200_sxm', aic_model_path: 'acme/NotAModel-7B' }, /unknown model 'acme\/NotAModel-7B'.*config\.json/],
    ['unsupported architecture', { aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3_3-Nemotron-Super-49B-v1' }, /architecture 'DeciLMForCausalLM' is not supported/],
    ['TP not dividing heads', { aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-8B', aic_tp_size: 3 }, /aic_tp_size 3 does not divide the 32 attention heads/],
    ['TP without all-reduce data', { aic_system: 'h200_sxm', aic_model_path: 'Qwen/Qwen3-14B', aic_tp_size: 5 }, /no all-reduce data for 5 GPUs \(TP 5; .*available: 2, 4, 8\)/],
  ];
  for (const [name, over, message] of cases) {
    it.skipIf(!hasSharedAic)(name, async () => {
      const err = await evaluate(aic({ num_gpu_blocks: 100, ...over })).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('ReplayError');
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    });
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dynosim-aic-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(!hasSharedAic)('a missing table and a corrupt table', async () => {
    // A private copy of b200's vllm tree without its context-attention tables...
    const root = path.join(tmp, 'missing', 'systems');
    cpSync(path.join(systemsPath, 'b200_sxm.yaml'), path.join(root, 'b200_sxm.yaml'));
    for (const family of ['gemm', 'comm'])
      cpSync(path.join(systemsPath, 'data/b200_sxm', family, 'vllm'), path.join(root, 'data/b200_sxm', family, 'vllm'), { recursive: true });
    const missing = await evaluate(
      { aic_backend: 'vllm', aic_system: 'b200_sxm', aic_model_path: 'Qwen/Qwen3-8B', aic_systems_path: root, num_gpu_blocks: 10 },
    ).catch((e: Error) => e);
    expect((missing as Error).message).toMatch(/AIC database has no context_attention_perf table for vllm on b200_sxm/);
    // ...and one whose context-attention table is not parquet at all.
    const bad = path.join(tmp, 'corrupt', 'systems');
    cpSync(root, bad, { recursive: true });
    const dir = path.join(bad, 'data/b200_sxm/attention/vllm/0.19.0');
    cpSync(path.join(systemsPath, 'data/b200_sxm/attention/vllm/0.19.0'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'context_attention_perf.parquet'), 'not a parquet file');
    const corrupt = await evaluate(
      { aic_backend: 'vllm', aic_system: 'b200_sxm', aic_model_path: 'Qwen/Qwen3-8B', aic_systems_path: bad, num_gpu_blocks: 10 },
    ).catch((e: Error) => e);
    expect((corrupt as Error).name).toBe('ReplayError');
    expect((corrupt as Error).message).toMatch(/cannot read perf table .*context_attention_perf\.parquet/);
  });

  it('a systems path that is not a directory', async () => {
    const err = await evaluate({ aic_backend: 'vllm', aic_model_path: 'Qwen/Qwen3-8B', aic_systems_path: '/nonexistent/systems', num_gpu_blocks: 10 }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toBe("aic_systems_path: '/nonexistent/systems' is not a directory");
  });
});
