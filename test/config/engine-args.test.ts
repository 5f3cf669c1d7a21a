// MockEngineArgs parsing: defaults per engine, normalisation, and every rejection message.
import { describe, expect, it } from 'vitest';
import {
  acceptRates,
  defaultEngineArgs,
  ENGINE_ARGS_KEYS,
  normalizeAcceptRates,
  normalizeAicDtype,
  parseEngineArgs,
} from '../../src/config/engine-args.js';
import { ReplayError } from '../../src/errors.js';

const FLAG = '--extra-engine-args';
const parse = (input: string | Record<string, unknown>, flag = FLAG) => parseEngineArgs(input, flag);

/** The ReplayError message of a failing parse. */
function failure(input: string | Record<string, unknown>, flag = FLAG): string {
  try {
    parseEngineArgs(input, flag);
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected parseEngineArgs to fail');
}

describe('defaults', () => {
  it('fills every field for an empty object (vLLM)', () => {
    const a = parse('{}');
    expect(a).toMatchObject({
      engine_type: 'vllm',
      num_gpu_blocks: 16384,
      num_gpu_blocks_explicit: false,
      block_size: 64,
      max_model_len: null,
      max_num_seqs: 256,
      max_num_batched_tokens: 8192,
      enable_prefix_caching: true,
      enable_chunked_prefill: true,
      speedup_ratio: 1,
      decode_speedup_ratio: 1,
      dp_size: 1,
      startup_time: null,
      worker_type: 'aggregated',
      aic_nextn: null,
      aic_nextn_accept_rates: null,
      aic_mtp_seed: 42,
      kv_bytes_per_token: null,
      kv_transfer_bandwidth: null,
      kv_transfer_timing_mode: 'full_prompt',
      preemption_mode: 'lifo',
      router_queue_policy: null,
      enable_g4_storage: false,
      handoff_session_timeout_ms: 300000,
    });
    expect(a.sglang).toEqual({
      schedule_policy: 'fifo',
      page_size: 1,
      max_prefill_tokens: 16384,
      chunked_prefill_size: 8192,
      clip_max_new_tokens: 4096,
      schedule_conservativeness: 1,
    });
    expect(a.trtllm).toEqual({ capacity_scheduler_policy: 'guaranteed_no_evict' });
    expect(defaultEngineArgs()).toEqual(a);
  });

  it('materialises block_size per engine type', () => {
    expect(parse({ engine_type: 'vllm' }).block_size).toBe(64);
    expect(parse({ engine_type: 'trtllm' }).block_size).toBe(32);
    expect(parse({ engine_type: 'sglang' }).block_size).toBe(1);
    expect(parse({ engine_type: 'sglang', sglang: { page_size: 16 } }).block_size).toBe(16);
    expect(parse({ engine_type: 'vllm', block_size: 0 }).block_size).toBe(64);
    expect(parse({ engine_type: 'trtllm', block_size: 128 }).block_size).toBe(128);
    const sg = parse({ engine_type: 'sglang', block_size: 8 });
    expect(sg.sglang.page_size).toBe(8);
  });

  it('accepts engine_type case-insensitively', () => {
    expect(parse({ engine_type: 'SGLang' }).engine_type).toBe('sglang');
    expect(parse({ engine_type: 'Vllm', preemption_mode: 'FIFO' })).toMatchObject({ engine_type: 'vllm', preemption_mode: 'fifo' });
  });

  it('treats null as unbounded for max_num_seqs / max_num_batched_tokens', () => {
    const a = parse({ max_num_seqs: null, max_num_batched_tokens: null });
    expect(a.max_num_seqs).toBeNull();
    expect(a.max_num_batched_tokens).toBeNull();
  });

  it('records whether num_gpu_blocks was given (null = unset)', () => {
    expect(parse({ num_gpu_blocks: 512 })).toMatchObject({ num_gpu_blocks: 512, num_gpu_blocks_explicit: true });
    expect(parse({ num_gpu_blocks: null })).toMatchObject({ num_gpu_blocks: 16384, num_gpu_blocks_explicit: false });
  });

  it('normalises KVBM zeros to null', () => {
    const a = parse({ num_g2_blocks: 0, num_g3_blocks: 0, offload_batch_size: 0 });
    expect([a.num_g2_blocks, a.num_g3_blocks, a.offload_batch_size]).toEqual([null, null, null]);
  });

  it('accepts the reference serialiser key has_perf_model and a full sglang block', () => {
    const a = parse({
      has_perf_model: true,
      engine_type: 'sglang',
      sglang: { schedule_policy: 'fcfs', max_prefill_tokens: 4096, chunked_prefill_size: 2048, schedule_conservativeness: 0.5 },
    });
    expect(a.sglang.schedule_policy).toBe('fifo');
    expect(a.sglang.chunked_prefill_size).toBe(2048);
  });
});

describe('worker_type', () => {
  it('maps worker_type and the legacy booleans', () => {
    expect(parse({ worker_type: 'prefill' }).worker_type).toBe('prefill');
    expect(parse({ worker_type: 'decode' }).worker_type).toBe('decode');
    expect(parse({ is_prefill: true }).worker_type).toBe('prefill');
    expect(parse({ is_decode: true }).worker_type).toBe('decode');
    expect(parse({ worker_type: null }).worker_type).toBe('aggregated');
  });

  it('defaults staged flags to their stage (the guide omits worker_type)', () => {
    expect(parse('{}', '--prefill-engine-args').worker_type).toBe('prefill');
    expect(parse('{}', '--decode-engine-args').worker_type).toBe('decode');
    expect(parse({ worker_type: 'aggregated' }, '--prefill-engine-args').worker_type).toBe('aggregated');
    expect(parseEngineArgs({}, '--x', { defaultWorkerType: 'decode' }).worker_type).toBe('decode');
  });

  it('rejects bad combinations with the reference messages', () => {
    expect(failure({ worker_type: 'prefill', is_prefill: true })).toBe(
      '--extra-engine-args: worker_type cannot be combined with is_prefill or is_decode',
    );
    expect(failure({ worker_type: 'decode', is_decode: false })).toContain('worker_type cannot be combined with is_prefill or is_decode');
    expect(failure({ worker_type: 'Prefill' })).toBe(
      "--extra-engine-args: worker_type must be one of 'aggregated', 'prefill', or 'decode'",
    );
    expect(failure({ worker_type: 3 })).toContain("worker_type must be one of 'aggregated', 'prefill', or 'decode'");
    expect(failure({ is_prefill: true, is_decode: true })).toContain('is_prefill and is_decode cannot both be true');
  });
});

describe('AIC fields', () => {
  it('normalises dtypes: auto → null, int4 → int4_wo', () => {
    const a = parse({ aic_gemm_dtype: 'auto', aic_moe_dtype: 'int4', aic_fmha_dtype: ' fp8 ', aic_kv_cache_dtype: 'NONE', aic_comm_dtype: null });
    expect([a.aic_gemm_dtype, a.aic_moe_dtype, a.aic_fmha_dtype, a.aic_kv_cache_dtype, a.aic_comm_dtype]).toEqual([
      null,
      'int4_wo',
      'fp8',
      null,
      null,
    ]);
    expect(normalizeAicDtype('fp8_block')).toBe('fp8_block');
  });

  it('requires dtypes to be strings', () => {
    expect(failure({ aic_gemm_dtype: 8 })).toBe('--extra-engine-args: aic_gemm_dtype must be a string when set');
    expect(failure({ aic_kv_cache_dtype: true })).toContain('aic_kv_cache_dtype must be a string when set');
  });

  it('requires aic_model_path when capacity must be estimated', () => {
    expect(failure({ aic_backend: 'vllm', aic_system: 'h200_sxm' })).toBe(
      '--extra-engine-args: AIC KV cache capacity estimation requires aic_model_path in engine args',
    );
    // An explicit num_gpu_blocks means nothing is estimated.
    expect(parse({ aic_backend: 'vllm', num_gpu_blocks: 1000 }).aic_backend).toBe('vllm');
  });

  it('keeps the guide engine args', () => {
    const a = parse('{"aic_backend": "vllm", "aic_system": "h200_sxm", "aic_model_path": "nvidia/Llama-3.1-8B-Instruct-FP8", "aic_tp_size": 1, "startup_time": 30}');
    expect(a).toMatchObject({ aic_backend: 'vllm', aic_system: 'h200_sxm', aic_tp_size: 1, startup_time: 30, num_gpu_blocks_explicit: false });
  });

  it('--aic-systems-path overrides the JSON value', () => {
    const a = parseEngineArgs({ aic_systems_path: '/a' }, FLAG, { aicSystemsPath: '/b' });
    expect(a.aic_systems_path).toBe('/b');
  });

  it('normalises MTP accept rates to nextn entries', () => {
    expect(parse({ aic_nextn: 3 }).aic_nextn_accept_rates).toBe('0.85,0.3,0');
    expect(parse({ aic_nextn: 3, aic_nextn_accept_rates: '1, 0.5' }).aic_nextn_accept_rates).toBe('1,0.5,0');
    expect(parse({ aic_nextn: 2, aic_nextn_accept_rates: '1,0.5,0.25' }).aic_nextn_accept_rates).toBe('1,0.5');
    expect(acceptRates(parse({ aic_nextn: 1 }))).toEqual([0.85]);
    expect(normalizeAcceptRates(5, null)).toEqual([0.85, 0.3, 0, 0, 0]);
  });

  it('rejects bad MTP settings', () => {
    expect(failure({ aic_nextn: 6 })).toContain('aic_nextn: must be between 1 and 5, got 6');
    expect(failure({ aic_nextn: 0 })).toContain('aic_nextn: must be between 1 and 5');
    expect(failure({ aic_nextn_accept_rates: '0.5' })).toBe('--extra-engine-args: aic_nextn_accept_rates requires aic_nextn');
    expect(failure({ aic_nextn: 2, decode_speedup_ratio: 2 })).toContain('aic_nextn requires decode_speedup_ratio=1.0');
    expect(failure({ aic_nextn: 1, aic_nextn_accept_rates: '1.1' })).toContain('aic_nextn_accept_rates[0] must be finite and in [0, 1], got 1.1');
    expect(failure({ aic_nextn: 1, aic_nextn_accept_rates: 'nan' })).toContain('aic_nextn_accept_rates[0] must be finite and in [0, 1], got NaN');
    expect(failure({ aic_nextn: 1, aic_nextn_accept_rates: 'x' })).toContain('invalid aic_nextn_accept_rates value "x"');
  });
});

describe('rejections', () => {
  it('names the flag on invalid JSON, in one line', () => {
    const msg = failure('{"block_size": ', '--prefill-engine-args');
    expect(msg.startsWith('--prefill-engine-args: invalid JSON')).toBe(true);
  });

  it('requires a JSON object', () => {
    expect(failure('[1, 2]')).toBe('--extra-engine-args: engine-args must be a JSON object');
    expect(failure('64')).toContain('engine-args must be a JSON object');
    expect(failure('null')).toContain('engine-args must be a JSON object');
  });

  it('rejects unknown keys naming the key', () => {
    const msg = failure({ block_size: 16, blocksize: 16 });
    expect(msg).toMatch(/^--extra-engine-args: unknown field `blocksize`, expected one of `engine_type`, /);
    expect(failure({ sglang: { page_sz: 4 } })).toMatch(/^--extra-engine-args: sglang: unknown field `page_sz`, expected one of `schedule_policy`/);
    expect(ENGINE_ARGS_KEYS).toContain('kv_transfer_timing_mode');
  });

  it('rejects null for non-nullable keys', () => {
    for (const key of ['engine_type', 'block_size', 'enable_prefix_caching', 'speedup_ratio', 'dp_size', 'preemption_mode', 'aic_mtp_seed']) {
      expect(failure({ [key]: null })).toBe(`--extra-engine-args: ${key} must not be null`);
    }
  });

  it('turns type and range errors into <flag>: <key>: <message>', () => {
    expect(failure({ block_size: '64' })).toBe('--extra-engine-args: block_size: expected a non-negative integer, got "64"');
    expect(failure({ block_size: 1.5 })).toBe('--extra-engine-args: block_size: expected a non-negative integer, got 1.5');
    expect(failure({ num_gpu_blocks: 0 })).toBe('--extra-engine-args: num_gpu_blocks: must be at least 1, got 0');
    expect(failure({ max_num_seqs: 0 })).toContain('max_num_seqs: must be at least 1');
    expect(failure({ dp_size: 0 })).toContain('dp_size: must be at least 1');
    expect(failure({ speedup_ratio: -1 })).toBe('--extra-engine-args: speedup_ratio: must be at least 0, got -1');
    expect(failure({ gpu_memory_utilization: 1.5 })).toContain('gpu_memory_utilization: must be between 0.0 and 1.0, got 1.5');
    expect(failure({ gpu_memory_utilization: 'bad' })).toContain('gpu_memory_utilization: expected a number, got "bad"');
    expect(failure({ enable_prefix_caching: 'yes' })).toContain('enable_prefix_caching: expected a boolean');
    expect(failure({ bootstrap_port: 70000 })).toContain('bootstrap_port: expected an integer between 0 and 65535');
    expect(failure({ reasoning: { start_thinking_token_id: 1, end_thinking_token_id: 2 } })).toBe(
      '--extra-engine-args: reasoning: missing field `thinking_ratio`',
    );
  });

  it('uses the reference enum messages', () => {
    expect(failure({ engine_type: 'tgi' })).toBe(
      "--extra-engine-args: Invalid engine_type 'tgi'. Must be 'vllm', 'sglang', or 'trtllm'.",
    );
    expect(failure({ preemption_mode: 'random' })).toContain("Invalid preemption_mode: 'random'. Must be 'lifo' or 'fifo'.");
    expect(failure({ kv_transfer_timing_mode: 'x' })).toContain("Invalid kv_transfer_timing_mode 'x'");
    expect(failure({ router_queue_policy: 'sjf' })).toContain('unknown queue policy: "sjf", expected \'fcfs\', \'lcfs\', or \'wspt\'');
    expect(parse({ router_queue_policy: 'wspt', kv_transfer_timing_mode: 'destination_missing' })).toMatchObject({
      router_queue_policy: 'wspt',
      kv_transfer_timing_mode: 'destination_missing',
    });
  });

  it('applies the cross-field rules', () => {
    expect(failure({ num_g3_blocks: 10 })).toContain('num_g3_blocks requires num_g2_blocks');
    expect(failure({ enable_g4_storage: true })).toContain('enable_g4_storage requires num_g2_blocks');
    expect(failure({ engine_type: 'sglang', max_model_len: 100 })).toContain(
      'max_model_len is supported only for engine_type=vllm, got engine_type=Sglang',
    );
    expect(failure({ engine_type: 'trtllm', trtllm: { capacity_scheduler_policy: 'max_utilization' } })).toContain(
      "supports only capacity_scheduler_policy='guaranteed_no_evict', got 'max_utilization'",
    );
    expect(failure({ engine_type: 'sglang', block_size: 8, sglang: { page_size: 4 } })).toContain(
      'got block_size=8 and sglang.page_size=4',
    );
    expect(failure({ engine_type: 'sglang', block_size: 16, sglang: { chunked_prefill_size: 100 } })).toContain(
      'sglang.chunked_prefill_size to be divisible by block_size, got chunked_prefill_size=100 and block_size=16',
    );
    expect(failure({ engine_type: 'sglang', sglang: { schedule_policy: 'random' } })).toContain('sglang.schedule_policy');
  });
});
