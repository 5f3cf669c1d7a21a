// KvRouterConfig parsing: classic defaults, unknown keys, nulls, and cross-field rules.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTER_CONFIG, parseRouterConfig } from '../../src/config/router-config.js';
import { ReplayError } from '../../src/errors.js';

function failure(input: string | Record<string, unknown>): string {
  try {
    parseRouterConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayError);
    return (error as Error).message;
  }
  throw new Error('expected parseRouterConfig to fail');
}

describe('parseRouterConfig', () => {
  // lib/kv-router/src/scheduling/config.rs, `impl Default for KvRouterConfig`: credit 1.0, prefill
  // load scale 1.0 (the deprecated overlap_score_weight is an Option, None), queue threshold 16.0.
  it("has the current KvRouterConfig's defaults", () => {
    const c = parseRouterConfig('{}');
    expect(c).toEqual(DEFAULT_ROUTER_CONFIG);
    expect(c).toMatchObject({
      overlap_score_credit: 1.0,
      prefill_load_scale: 1.0,
      overlap_score_credit_decay: 0.0,
      decode_active_request_weight: 0.0,
      overlap_score_weight: null,
      host_cache_hit_weight: 0.75,
      disk_cache_hit_weight: 0.25,
      shared_cache_multiplier: 0.0,
      router_temperature: 0.0,
      router_queue_threshold: 16.0,
      router_queue_policy: 'fcfs',
      use_kv_events: true,
      router_track_active_blocks: true,
      router_assume_kv_reuse: true,
      router_track_prefill_tokens: true,
      router_prefill_load_model: 'none',
      router_event_threads: 4,
      router_snapshot_threshold: 1000000,
      router_max_tree_size: 1048576,
    });
    expect(parseRouterConfig(undefined)).toEqual(DEFAULT_ROUTER_CONFIG);
  });

  it('takes partial objects, strings or objects', () => {
    const c = parseRouterConfig('{"overlap_score_credit": 0.5, "router_temperature": 0.7, "router_queue_policy": "wspt"}');
    expect(c).toMatchObject({ overlap_score_credit: 0.5, router_temperature: 0.7, router_queue_policy: 'wspt', router_queue_threshold: 16 });
    expect(parseRouterConfig({ use_kv_events: false }).use_kv_events).toBe(false);
  });

  // config.rs: apply_deprecated_overlap_score_weight_override (KvRouterConfigSerde → KvRouterConfig)
  // and validate_overlap_score_credit; the tests there pin the same mappings.
  it('maps the deprecated overlap_score_weight onto prefill_load_scale (and credit 0 when it is 0)', () => {
    expect(parseRouterConfig({ overlap_score_weight: 2.5 })).toMatchObject({ overlap_score_credit: 1, prefill_load_scale: 2.5 });
    expect(parseRouterConfig({ overlap_score_weight: 0 })).toMatchObject({ overlap_score_credit: 0, prefill_load_scale: 0 });
    expect(parseRouterConfig({ overlap_score_weight: 2.5, overlap_score_credit: 0.5, prefill_load_scale: 3 })).toMatchObject({
      overlap_score_credit: 0.5,
      prefill_load_scale: 2.5,
    });
    expect(parseRouterConfig({ overlap_score_weight: 0, overlap_score_credit: 0.5, prefill_load_scale: 3 })).toMatchObject({
      overlap_score_credit: 0,
      prefill_load_scale: 0,
    });
    expect(failure({ overlap_score_credit: 1.1 })).toContain('prefill_load_scale');
    expect(failure({ overlap_score_credit: -0.1 })).toContain('overlap_score_credit must be between 0.0 and 1.0');
    expect(failure({ prefill_load_scale: -0.1 })).toContain('prefill_load_scale: must be at least 0');
    expect(failure({ overlap_score_credit_decay: -1 })).toContain('overlap_score_credit_decay: must be at least 0');
    expect(failure({ decode_active_request_weight: -1 })).toContain('decode_active_request_weight: must be at least 0');
    expect(failure({ serve_indexer: true, overlap_score_weight: 0 })).toContain('serve_indexer requires overlap_score_credit > 0');
  });

  it('null disables the queue threshold', () => {
    expect(parseRouterConfig({ router_queue_threshold: null }).router_queue_threshold).toBeNull();
    expect(parseRouterConfig({ router_queue_threshold: 0 }).router_queue_threshold).toBe(0);
  });

  it('injects the router policy config', () => {
    expect(parseRouterConfig(undefined, '--router-config', { routerPolicyConfig: '/p.yaml' }).router_policy_config).toBe('/p.yaml');
  });

  it('rejects non-objects and bad JSON', () => {
    expect(failure('[1]')).toBe('--router-config must contain a JSON object');
    expect(failure('"x"')).toBe('--router-config must contain a JSON object');
    expect(failure('{oops}')).toMatch(/^--router-config: invalid JSON/);
  });

  it('rejects unknown keys naming the key', () => {
    expect(failure({ overlap_weight: 1 })).toMatch(/^--router-config: unknown field `overlap_weight`, expected one of `overlap_score_credit`/);
  });

  it('rejects null for non-nullable keys and bad types', () => {
    expect(failure({ use_kv_events: null })).toBe('--router-config: use_kv_events must not be null');
    expect(failure({ overlap_score_weight: -1 })).toBe('--router-config: overlap_score_weight: must be at least 0, got -1');
    expect(failure({ router_temperature: 'hot' })).toContain('router_temperature: expected a number');
    expect(failure({ router_queue_policy: 'sjf' })).toContain('unknown queue policy: "sjf"');
    expect(failure({ router_prefill_load_model: 'roofline' })).toContain("unknown prefill load model: \"roofline\", expected 'none' or 'aic'");
    expect(failure({ router_prune_target_ratio: 2 })).toContain('router_prune_target_ratio: must be between 0.0 and 1.0');
  });

  it('applies the cross-field rules', () => {
    expect(failure({ durable_kv_events: true, use_kv_events: false })).toContain('durable_kv_events requires use_kv_events=true');
    // config.rs, validate_kv_router_config: a side approximate view needs the event-driven primary.
    expect(failure({ router_predicted_ttl_secs: 5, use_kv_events: false })).toContain('router_predicted_ttl_secs requires use_kv_events=true');
    expect(failure({ shared_cache_type: 'l3' })).toContain("unknown shared cache type: \"l3\", expected 'none' or 'hicache'");
    expect(failure({ router_track_output_blocks: true, router_track_active_blocks: false })).toContain(
      'router_track_output_blocks requires router_track_active_blocks=true',
    );
    expect(failure({ router_prefill_load_model: 'aic', router_track_prefill_tokens: false })).toContain(
      'router_prefill_load_model requires router_track_prefill_tokens=true',
    );
    expect(failure({ router_prefill_load_model: 'aic', router_queue_policy: 'lcfs' })).toContain(
      "router_prefill_load_model currently requires router_queue_policy='fcfs'",
    );
  });
});
