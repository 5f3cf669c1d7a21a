// `timing_model`, `ais_perf_config` and the `ais_*` spellings of the newest engine JSON, lowered as
// the reference lowers them (components/src/dynamo/replay/config.py resolve_ais_num_gpu_blocks;
// components/src/dynamo/mocker/config.py build_mocker_engine_args, whose timing_model providers
// are "ais"/"aic" with a ForwardPassPerfModelConfig and "dynamo_profile" with {path}).
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';

const parse = (json: Record<string, unknown>) => parseEngineArgs(json, '--extra-engine-args');
const refused = (json: Record<string, unknown>) => {
  try {
    parse(json);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('timing_model', () => {
  it('provider dynamo_profile is planner_profile_data', () => {
    const a = parse({ timing_model: { type: 'external', provider: 'dynamo_profile', config: { path: '/p/perf.npz' } } });
    expect(a.planner_profile_data).toBe('/p/perf.npz');
    expect(a.aic_backend).toBeNull();
  });

  it('provider aic (or ais) is the AIC identity, as ais_perf_config is', () => {
    const config = { model: 'Qwen/Qwen3-32B', backend: 'sglang', system: 'h200_sxm', tp: 2, attention_dp: 1, backend_version: '0.5.6', nextn: 1, estimation_mode: 'auto', fallback_policy: 'deny', worker_type: 'aggregated' };
    for (const json of [
      { num_gpu_blocks: 100, timing_model: { type: 'external', provider: 'aic', config } },
      { num_gpu_blocks: 100, timing_model: { type: 'external', provider: 'ais', config } },
      { num_gpu_blocks: 100, ais_perf_config: config },
    ]) {
      const a = parse(json);
      expect([a.aic_model_path, a.aic_backend, a.aic_system, a.aic_tp_size, a.aic_attention_dp_size, a.aic_backend_version, a.aic_nextn]).toEqual([
        'Qwen/Qwen3-32B', 'sglang', 'h200_sxm', 2, 1, '0.5.6', 1,
      ]);
    }
    // Without a backend the engine type is the AIC backend.
    const b = parse({ engine_type: 'trtllm', num_gpu_blocks: 100, timing_model: { type: 'external', provider: 'aic', config: { model: 'm', system: 's' } } });
    expect(b.aic_backend).toBe('trtllm');
  });

  it('kv_transfer_bytes_per_token is kv_bytes_per_token', () => {
    expect(parse({ kv_transfer_bytes_per_token: 4096 }).kv_bytes_per_token).toBe(4096);
    expect(refused({ kv_transfer_bytes_per_token: 1, kv_bytes_per_token: 1 })).toBe('--extra-engine-args: cannot combine kv_transfer_bytes_per_token with kv_bytes_per_token');
  });

  it('ais_* keys are the aic_* keys', () => {
    const a = parse({ ais_backend: 'vllm', ais_system: 'h200_sxm', ais_model_path: 'm', ais_tp_size: 4, num_gpu_blocks: 10 });
    expect([a.aic_backend, a.aic_system, a.aic_model_path, a.aic_tp_size]).toEqual(['vllm', 'h200_sxm', 'm', 4]);
  });

  it("refuses what the reference refuses, and what dynosim cannot honour, by name", () => {
    const aic = { type: 'external', provider: 'aic', config: { model: 'm', system: 's' } };
    expect(refused({ ais_tp_size: 2, aic_tp_size: 2 })).toBe('--extra-engine-args: cannot combine ais_tp_size with aic_tp_size');
    expect(refused({ ais_perf_config: { model: 'm' }, timing_model: aic })).toBe('--extra-engine-args: ais_perf_config cannot be combined with timing_model');
    expect(refused({ ais_perf_config: 'x' })).toBe('--extra-engine-args: ais_perf_config must be a mapping');
    expect(refused({ timing_model: aic, planner_profile_data: 'p.npz' })).toBe('--extra-engine-args: choose one timing provider: AIS or planner_profile_data');
    expect(refused({ timing_model: aic, aic_backend: 'vllm' })).toContain('choose one timing provider: timing_model or the flat AIC identity (aic_backend)');
    expect(refused({ timing_model: { ...aic, type: 'polynomial' } })).toBe(`--extra-engine-args: timing_model.type must be 'external', got "polynomial"`);
    expect(refused({ timing_model: { ...aic, provider: 'x' } })).toContain("timing_model.provider must be 'aic', 'ais' or 'dynamo_profile'");
    expect(refused({ timing_model: { ...aic, config: { model: 'm', system: 's', warp: 1 } } })).toContain('timing_model.config: unknown key `warp`');
    expect(refused({ timing_model: { ...aic, config: { model: 'm' } } })).toContain('needs config.model and config.system');
    expect(refused({ timing_model: { type: 'external', provider: 'dynamo_profile', config: { path: 1 } } })).toContain('timing_model.config.path must be a string');
  });
});
