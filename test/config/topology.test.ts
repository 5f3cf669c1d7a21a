// Topology decisions and the reference's pre-simulation checks (replay_cli.md §1.1 item 14).
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { parseRouterConfig } from '../../src/config/router-config.js';
import { validateTopology, type TopologyInput } from '../../src/config/topology.js';
import { ReplayError } from '../../src/errors.js';

const agg = (json: Record<string, unknown> = {}) => parseEngineArgs(json, '--extra-engine-args');
const pre = (json: Record<string, unknown> = {}) => parseEngineArgs(json, '--prefill-engine-args');
const dec = (json: Record<string, unknown> = {}) => parseEngineArgs(json, '--decode-engine-args');

function failure(input: TopologyInput): string {
  try {
    validateTopology(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayError);
    return (error as Error).message;
  }
  throw new Error('expected validateTopology to fail');
}

describe('aggregated', () => {
  it('defaults to one aggregated vLLM worker, trace-timed, round robin', () => {
    const t = validateTopology({});
    expect(t.kind).toBe('aggregated');
    if (t.kind !== 'aggregated') return;
    expect(t).toMatchObject({ numWorkers: 1, routerMode: 'round_robin', replayConcurrency: null, label: 'trace replay' });
    expect(t.engine.block_size).toBe(64);
  });

  it('allows round robin over many workers', () => {
    const t = validateTopology({ extraEngineArgs: agg(), numWorkers: 8, routerMode: 'round_robin' });
    expect(t.kind === 'aggregated' && t.numWorkers).toBe(8);
  });

  it('the KV router needs more than one worker or DP rank', () => {
    expect(failure({ routerMode: 'kv_router', numWorkers: 1 })).toBe(
      'offline replay only supports router_mode=kv_router with more than one worker/DP-rank target',
    );
    expect(validateTopology({ routerMode: 'kv_router', numWorkers: 2 }).routerMode).toBe('kv_router');
    expect(validateTopology({ routerMode: 'kv_router', numWorkers: 1, extraEngineArgs: agg({ dp_size: 2 }) }).kind).toBe('aggregated');
  });

  it('requires at least one worker, with the run kind as prefix', () => {
    expect(failure({ numWorkers: 0 })).toBe('trace replay requires num_workers >= 1');
    expect(failure({ numWorkers: 0, replayConcurrency: 4 })).toBe('concurrency replay requires num_workers >= 1');
  });

  it('rejects staged workers in aggregated replay', () => {
    expect(failure({ extraEngineArgs: agg({ worker_type: 'prefill' }) })).toBe('trace replay only supports aggregated workers, got Prefill');
  });

  it('rejects disagg worker counts', () => {
    expect(failure({ numPrefillWorkers: 2 })).toBe(
      'num_prefill_workers and num_decode_workers are only used for disagg replay; use num_workers for aggregated replay',
    );
  });

  it('checks concurrency, router mode and replay mode', () => {
    expect(failure({ replayConcurrency: 0 })).toBe('replay_concurrency must be at least 1');
    expect(failure({ routerMode: 'random' })).toBe("router_mode must be either 'round_robin' or 'kv_router', got 'random'");
    expect(failure({ replayMode: 'live' })).toBe("replay_mode must be either 'offline' or 'online', got 'live'");
    expect(failure({ replayMode: 'online' })).toContain('online replay needs a live Dynamo runtime');
  });

  it('checks the arrival speedup only for open-loop runs', () => {
    expect(failure({ arrivalSpeedupRatio: 0 })).toBe('ratio must be a finite positive number, got 0');
    expect(failure({ arrivalSpeedupRatio: Infinity })).toBe('ratio must be a finite positive number, got inf');
    expect(validateTopology({ arrivalSpeedupRatio: 0, replayConcurrency: 2 }).replayConcurrency).toBe(2);
  });

  it('checks goodput SLA values', () => {
    expect(failure({ slaTtftMs: -1 })).toBe('sla_ttft_ms must be a finite, non-negative value, got -1');
    expect(validateTopology({ slaE2eMs: 1000 }).kind).toBe('aggregated');
  });
});

describe('router-side AIC', () => {
  const aicRouter = parseRouterConfig({ router_prefill_load_model: 'aic' });
  it('pairs aic_perf_config with kv_router and router_prefill_load_model=aic', () => {
    const base = { numWorkers: 2 };
    expect(failure({ ...base, hasAicPerfConfig: true })).toBe("aic_perf_config requires router_mode='kv_router'");
    expect(failure({ ...base, hasAicPerfConfig: true, routerMode: 'kv_router' })).toBe(
      "aic_perf_config requires router_config with router_prefill_load_model='aic'",
    );
    expect(failure({ ...base, hasAicPerfConfig: true, routerMode: 'kv_router', routerConfig: parseRouterConfig({}) })).toBe(
      "aic_perf_config requires router_prefill_load_model='aic'",
    );
    expect(failure({ ...base, routerMode: 'kv_router', routerConfig: aicRouter })).toBe(
      "router_prefill_load_model='aic' requires aic_perf_config",
    );
    expect(validateTopology({ ...base, routerMode: 'kv_router', routerConfig: aicRouter, hasAicPerfConfig: true }).kind).toBe('aggregated');
  });
});

describe('disaggregated', () => {
  it('builds a disagg topology from staged args without worker_type', () => {
    const t = validateTopology({ prefillEngineArgs: pre(), decodeEngineArgs: dec(), numPrefillWorkers: 2, numDecodeWorkers: 3 });
    expect(t.kind).toBe('disagg');
    if (t.kind !== 'disagg') return;
    expect([t.prefill.worker_type, t.decode.worker_type, t.numPrefillWorkers, t.numDecodeWorkers]).toEqual(['prefill', 'decode', 2, 3]);
  });

  it('rejects mixing and half-specified stages', () => {
    expect(failure({ extraEngineArgs: agg(), prefillEngineArgs: pre() })).toBe(
      'extra_engine_args cannot be combined with prefill_engine_args/decode_engine_args',
    );
    expect(failure({ prefillEngineArgs: pre() })).toBe('prefill_engine_args and decode_engine_args must be provided together');
    expect(failure({ decodeEngineArgs: dec() })).toBe('prefill_engine_args and decode_engine_args must be provided together');
    expect(failure({ prefillEngineArgs: pre(), decodeEngineArgs: dec(), numWorkers: 2 })).toBe(
      'num_workers is only used for aggregated replay; use num_prefill_workers and num_decode_workers for disagg replay',
    );
  });

  it('checks worker types, engines, DP and block sizes', () => {
    expect(failure({ prefillEngineArgs: pre({ worker_type: 'decode' }), decodeEngineArgs: dec() })).toBe(
      'trace replay requires prefill_engine_args.worker_type=prefill, got Decode',
    );
    expect(failure({ prefillEngineArgs: pre(), decodeEngineArgs: dec({ worker_type: 'aggregated' }), replayConcurrency: 3 })).toBe(
      'concurrency replay requires decode_engine_args.worker_type=decode, got Aggregated',
    );
    expect(failure({ prefillEngineArgs: pre({ block_size: 16 }), decodeEngineArgs: dec({ block_size: 32 }) })).toBe(
      'trace replay requires matching prefill/decode block_size, got 16 and 32',
    );
    expect(failure({ prefillEngineArgs: pre({ engine_type: 'trtllm' }), decodeEngineArgs: dec({ engine_type: 'trtllm' }) })).toBe(
      'trace replay disaggregation does not support TRT-LLM',
    );
    expect(failure({ prefillEngineArgs: pre({ engine_type: 'sglang' }), decodeEngineArgs: dec() })).toBe(
      'trace replay disaggregation requires matching prefill/decode engine_type, got Sglang and Vllm',
    );
    expect(failure({ prefillEngineArgs: pre({ dp_size: 2 }), decodeEngineArgs: dec() })).toContain(
      'offline disaggregated replay does not support attention DP',
    );
    expect(failure({ prefillEngineArgs: pre(), decodeEngineArgs: dec(), numDecodeWorkers: 0 })).toBe(
      'trace replay requires num_decode_workers >= 1',
    );
    expect(failure({ prefillEngineArgs: pre(), decodeEngineArgs: dec(), replayMode: 'online' })).toBe(
      "disagg replay only supports replay_mode='offline'",
    );
  });
});

describe('synthetic workload', () => {
  const syn = { inputTokens: 100, outputTokens: 10, requestCount: 5 };
  it('accepts a valid workload', () => {
    expect(validateTopology({ synthetic: syn }).kind).toBe('aggregated');
    expect(validateTopology({ synthetic: { ...syn, requestRate: 8, arrivalIntervalMs: null } }).kind).toBe('aggregated');
  });
  it('rejects bad sizes and shapes with the reference messages', () => {
    expect(failure({ synthetic: { ...syn, inputTokens: 0 } })).toBe('input_tokens must be at least 1');
    expect(failure({ synthetic: { ...syn, outputTokens: 0 } })).toBe('output_tokens must be at least 1');
    expect(failure({ synthetic: { ...syn, requestCount: 0 } })).toBe('request_count must be at least 1');
    expect(failure({ synthetic: { ...syn, turnsPerSession: 0 } })).toBe('turns_per_session must be at least 1');
    expect(failure({ synthetic: { ...syn, arrivalIntervalMs: -1 } })).toBe('arrival_interval_ms must be a finite non-negative number, got -1');
    expect(failure({ synthetic: { ...syn, turnsPerSession: 2, arrivalIntervalMs: NaN } })).toBe(
      'arrival_interval_ms must be a finite non-negative number',
    );
    expect(failure({ synthetic: { ...syn, interTurnDelayMs: -5 } })).toBe('inter_turn_delay_ms must be a finite non-negative number');
    expect(failure({ synthetic: { ...syn, sharedPrefixRatio: 1.5 } })).toBe('shared_prefix_ratio must be between 0.0 and 1.0, got 1.5');
    expect(failure({ synthetic: { ...syn, requestRate: 0 } })).toBe('request_rate must be a finite positive number, got 0');
    expect(failure({ synthetic: { ...syn, requestRate: 2 }, replayConcurrency: 4 })).toContain(
      'synthetic replay requires exactly one of replay_concurrency, request_rate, or arrival_interval_ms',
    );
  });
});
