// Small parts: the YAML reader, version ordering, quant resolution, the grid layout and the
// native validation of engine.perf.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, cacheGet, cacheKey, cachePut } from '../../src/perf/cache.js';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluatePerfModel } from '../../src/core/native.js';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { compareVersions, declaredVersions, readSystemSpec } from '../../src/perf/database.js';
import { hasSharedAic, systemsPath } from './helpers.js';
import { pyFloorDiv } from '../../src/perf/kv-capacity.js';
import { factsFromConfig, loadModel, resolveQuantModes } from '../../src/perf/models.js';
import type { NativePerfConfig } from '../../src/perf/native-types.js';
import { buildGrid, insertFirst, type Nested } from '../../src/perf/tables.js';

describe('helpers', () => {
  it('orders backend versions like PEP 440', () => {
    const sorted = ['0.19.0', '1.3.0rc10', '0.5.6.post2', '1.3.0', '0.14.0', '1.3.0rc2', '0.5.6', '0.24.0'].sort(compareVersions);
    expect(sorted).toEqual(['0.5.6', '0.5.6.post2', '0.14.0', '0.19.0', '0.24.0', '1.3.0rc2', '1.3.0rc10', '1.3.0']);
  });

  it("Python's float floor division", () => {
    expect(pyFloorDiv(122680875417.6, 65536)).toBe(1871961);
    expect(pyFloorDiv(7, 2)).toBe(3);
    expect(pyFloorDiv(6, 2)).toBe(3);
  });

  it('quant modes: checkpoint inference, overrides, vLLM FMHA rule', () => {
    const none = { gemm: null, moe: null, fmha: null, kvCache: null, comm: null };
    const fp8 = loadModel('nvidia/Llama-3.1-70B-Instruct-FP8', []);
    expect(resolveQuantModes(fp8, none, 'vllm')).toEqual({ gemm: 'fp8_static', moe: 'fp8', kvCache: 'fp8', fmha: 'bfloat16', comm: 'half' });
    expect(resolveQuantModes(fp8, none, 'trtllm').fmha).toBe('fp8');
    expect(resolveQuantModes(fp8, { ...none, fmha: 'fp8' }, 'vllm').fmha).toBe('fp8');
    const block = loadModel('Qwen/Qwen3-32B-FP8', []);
    expect(resolveQuantModes(block, none, 'vllm')).toMatchObject({ gemm: 'fp8_block', kvCache: 'fp8' });
    const dynamic = factsFromConfig('x', 'test', {
      architectures: ['LlamaForCausalLM'],
      num_hidden_layers: 2,
      hidden_size: 64,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 128,
      vocab_size: 1000,
      quantization_config: { quant_method: 'fp8', activation_scheme: 'dynamic' },
    }, null);
    expect(resolveQuantModes(dynamic, none, 'vllm').gemm).toBe('fp8');
    expect(() => resolveQuantModes(dynamic, { ...none, kvCache: 'fp4' }, 'vllm')).toThrow(/unknown aic_kv_cache_dtype 'fp4'/);
  });

  it('flattens nested tables with sorted keys and file-order ranks', () => {
    const t: Nested = new Map();
    insertFirst(t, [8, 2], 1);
    insertFirst(t, [2, 5], 2);
    insertFirst(t, [8, 1], 3);
    insertFirst(t, [8, 2], 99); // duplicate: the first row wins
    const g = buildGrid(t, 2);
    expect([...g.keys]).toEqual([2, 8, 5, 1, 2]);
    expect([...g.rank]).toEqual([1, 0, 0, 1, 0]);
    expect([...g.count]).toEqual([2, 1, 2]);
    expect([...g.values]).toEqual([2, 3, 1]);
  });
});

describe('model cache', () => {
  it('round-trips numbers and typed arrays, ignores junk, and can be turned off', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dynosim-cache-'));
    try {
      const value = { a: 1.5, b: [Float64Array.from([0.1, 2e-300, -3]), Int32Array.from([7, -1])], c: { d: null, e: 'x' } };
      const key = cacheKey(['test', 1]);
      expect(cacheKey(['test', 1])).toBe(key);
      expect(cacheKey(['test', 2])).not.toBe(key);
      expect(cacheGet(dir, key)).toBeUndefined();
      cachePut(dir, key, value);
      expect(readdirSync(dir)).toEqual([`${key}.bin`]);
      expect(cacheGet(dir, key)).toEqual(value);
      writeFileSync(path.join(dir, `${key}.bin`), 'garbage');
      expect(cacheGet(dir, key)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(cacheDir({ DYNOSIM_CACHE_DIR: 'off' })).toBeUndefined();
    expect(cacheDir({ DYNOSIM_CACHE_DIR: '/x' })).toBe('/x');
    expect(cacheDir({ XDG_CACHE_HOME: '/c' })).toBe(path.join('/c', 'dynosim'));
  });
});

describe('native validation of engine.perf', () => {
  const engine = (perf: unknown) => ({ ...nativeEngineConfig(parseEngineArgs({}, '--extra-engine-args'), { native: { kind: 'polynomial' }, description: '', info: { model: 'polynomial' } }), perf: perf as NativePerfConfig });
  const evalWith = (perf: unknown) => () => evaluatePerfModel(engine(perf), new Float64Array([1, 10, 0]), new Float64Array([1, 10]));
  const profile = {
    kind: 'profile',
    prefillTokens: Float64Array.from([0, 100]),
    prefillMs: Float64Array.from([1, 2]),
    decodeKvTokens: Float64Array.from([0, 10]),
    decodeContext: Float64Array.from([0, 10]),
    decodeItlMs: Float64Array.from([1, 2, 3, 4]),
  };

  it('accepts a well-formed profile and names the field of a bad one', () => {
    expect(evalWith(profile)).not.toThrow();
    expect(evalWith({ ...profile, kind: 'magic' })).toThrow("native config: unknown perf model kind 'magic'");
    expect(evalWith({ ...profile, prefillMs: [1, 2] })).toThrow('native config: engine.perf.prefillMs must be a Float64Array');
    expect(evalWith({ ...profile, prefillTokens: Float64Array.from([5, 5]) })).toThrow(
      'native config: engine.perf.prefillTokens must be strictly increasing (index 1)',
    );
    expect(evalWith({ ...profile, decodeItlMs: Float64Array.from([1, 2, 3]) })).toThrow('native config: engine.perf.decodeItlMs has length 3, expected 4');
    expect(evalWith({ ...profile, prefillMs: Float64Array.from([1, NaN]) })).toThrow('native config: engine.perf.prefillMs[1] must be finite');
  });

  it('checks the structure of grids and op lists', () => {
    const grid = { depth: 1, start: Int32Array.from([0]), count: Int32Array.from([2]), keys: Float64Array.from([1, 2]), rank: Float64Array.from([0, 1]), child: Int32Array.from([0, 1]), values: Float64Array.from([1, 2]) };
    // heads 4 → batch 1 → sequence {1, 2}
    const grid3 = {
      depth: 3,
      start: Int32Array.from([0, 1, 2]),
      count: Int32Array.from([1, 1, 2]),
      keys: Float64Array.from([4, 1, 1, 2]),
      rank: Float64Array.from([0, 0, 0, 1]),
      child: Int32Array.from([1, 2, 0, 1]),
      values: Float64Array.from([0.5, 0.7]),
    };
    const attention = { grid: grid3, heads: 4, kvHeads: 1, lookupKvHeads: 1, headDim: 128, window: 0, kvBytes: 2, compute: 1, scale: 32, sideMs: 0.01, id: 0 };
    const phase = { opCount: 2, opNames: ['attention', 'all_reduce'], opGroups: [0, 0], memOps: new Float64Array(0), gemms: [], moe: [], comm: [] };
    const aic = {
      kind: 'aic', memBandwidth: 4.8e12, memBandwidthScale: 0.8, memConstantLatency: 3e-6, bf16Flops: 989e12, nextn: 0,
      gemmTables: [], commTables: [], context: phase, generation: phase, contextAttention: attention, generationAttention: attention,
      contextMla: null, generationMla: null, computeScale: null, scaleMatrix: null,
    };
    expect(evalWith(aic)).not.toThrow();
    // A depth-3 table whose root points straight at values is not a 3-level tree.
    expect(evalWith({ ...aic, contextAttention: { ...attention, grid: { ...grid, depth: 3 } } })).toThrow(
      'native config: engine.perf.contextAttention.grid.child node index 0 is out of range or shared',
    );
    expect(evalWith({ ...aic, contextAttention: { ...attention, grid } })).toThrow('native config: engine.perf.contextAttention.grid.depth must be 3, got 1');
    expect(evalWith({ ...aic, context: { ...phase, memOps: Float64Array.from([1]) } })).toThrow(
      'native config: engine.perf.context.memOps must hold (scale, bytesPerToken, id, group) quadruples',
    );
    expect(evalWith({ ...aic, context: { ...phase, memOps: Float64Array.from([1, 2, 2, 0]) } })).toThrow(
      'native config: engine.perf.context.memOps op 0 has a bad id or group',
    );
    const comm = { spec: 0, scale: 32, elementsPerToken: 4096, id: 1, group: 0 };
    expect(evalWith({ ...aic, context: { ...phase, comm: [comm] } })).toThrow('native config: engine.perf.context.comm[0].spec must be a finite number in [0, -1], got 0');
    expect(evalWith({ ...aic, commTables: [{ grid, solMsPerElement: 1e-9, postScale: 1 }], context: { ...phase, comm: [{ ...comm, group: 3 }] } })).toThrow(
      'native config: engine.perf.context.comm[0].group must be a finite number in [0, 2], got 3',
    );
    expect(evalWith({ ...aic, contextMla: { grid: grid3, heads: 16, scale: 61, kvBytes: 1, fmhaCompute: 1, gemmBytes: 1, gemmCompute: 2, id: 0 } })).toThrow(
      'native config: engine.perf.generationMla must be an object',
    );
    expect(evalWith({ ...aic, generationAttention: { ...attention, heads: -1 } })).toThrow(
      'native config: engine.perf.generationAttention.heads must be a finite number in [0, 1e+300], got -1',
    );
  });
});

describe("AIC's YAML is read by the yaml package (one parser; the hand-written subset refused folded scalars)", () => {
  it.skipIf(!hasSharedAic)('b200 TRT-LLM 1.3.0rc23 declares its reuse with a folded `>-` reason, and its version is listed', () => {
    const versions = declaredVersions(readSystemSpec(systemsPath, 'b200_sxm'), 'trtllm');
    expect(versions).toContain('1.3.0rc23');
    expect(versions).toContain('1.3.0rc20');
  });
});
