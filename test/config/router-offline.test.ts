// Every KvRouterConfig key either changes a result or is refused by name (issue 13, item 3): the
// modelled keys each move the routing of a loaded kv_router run off a baseline's routing (the
// defaults, or the same config without the key); the unmodelled ones (output-block tracking the
// offline router never sees, lower KV tiers, a shared cache, live-deployment settings) are refused
// when set off their defaults, and accepted at them. The approximate indexer's keys
// (router_ttl_secs, router_max_tree_size, router_prune_target_ratio) change routing with
// use_kv_events=false and are refused with KV events on, where the reference would not read them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { DEFAULT_ROUTER_CONFIG, ROUTER_CONFIG_KEYS } from '../../src/config/router-config.js';

const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/trace.jsonl');
const base = {
  traceFiles: [trace],
  numWorkers: 4,
  routerMode: 'kv_router' as const,
  arrivalSpeedupRatio: 6,
  extraEngineArgs: { num_gpu_blocks: 4000, block_size: 16 },
};

/** What routing decided: each request's worker and first-token time. */
async function routing(routerConfig: Record<string, unknown>): Promise<string> {
  const { results } = await replay({ ...base, routerConfig });
  return JSON.stringify([Array.from(results.requests.workerIdx), Array.from(results.requests.firstTokenMs)]);
}

// A policy file whose one class queues while any prefill is active on every worker (issue 13, item 2).
const policyFile = path.join(mkdtempSync(path.join(tmpdir(), 'dynosim-router-keys-')), 'policy.yaml');
writeFileSync(
  policyFile,
  'default_policy_family: std\nuncached_isl_buckets:\n  - min_tokens: 0\n    bucket: all\npolicy_classes:\n  - name: c\n    policy_family: std\n    cache_bucket: all\n    quantum: 1\n    prefill_busy_threshold: 0\n',
);

// A non-default value of each modelled key (router_prefill_load_model "aic" needs the --aic-*
// selection and is exercised in test/replay/routing.test.ts).
const MODELLED: Record<string, Record<string, unknown>> = {
  overlap_score_credit: { overlap_score_credit: 0 },
  prefill_load_scale: { prefill_load_scale: 8 },
  overlap_score_credit_decay: { overlap_score_credit_decay: 4 },
  decode_active_request_weight: { decode_active_request_weight: 50 },
  overlap_score_weight: { overlap_score_weight: 0 },
  router_temperature: { router_temperature: 1 },
  router_track_active_blocks: { router_track_active_blocks: false },
  router_assume_kv_reuse: { router_assume_kv_reuse: false },
  router_track_prefill_tokens: { router_track_prefill_tokens: false },
  router_queue_threshold: { router_queue_threshold: 0.05 },
  router_queue_policy: { router_queue_threshold: 0.05, router_queue_policy: 'lcfs' },
  use_kv_events: { use_kv_events: false },
  router_policy_config: { router_policy_config: policyFile },
  router_predicted_ttl_secs: { router_predicted_ttl_secs: 5 },
  router_ttl_secs: { use_kv_events: false, router_ttl_secs: 0.5 },
  router_max_tree_size: { use_kv_events: false, router_max_tree_size: 64 },
  router_prune_target_ratio: { use_kv_events: false, router_max_tree_size: 64, router_prune_target_ratio: 0.1 },
};
/** The run each modelled key is compared with (the defaults when absent). */
const BASELINE: Record<string, Record<string, unknown>> = {
  router_queue_policy: { router_queue_threshold: 0.05 },
  router_ttl_secs: { use_kv_events: false },
  router_max_tree_size: { use_kv_events: false },
  router_prune_target_ratio: { use_kv_events: false, router_max_tree_size: 64 },
};
const APPROXIMATE_INDEXER: Record<string, unknown> = { router_ttl_secs: 5, router_max_tree_size: 1024, router_prune_target_ratio: 0.5 };
const UNMODELLED: Record<string, unknown> = {
  router_track_output_blocks: true,
  router_queue_by_incoming_missing_isl: [{ missing_cache_tokens_floor: 0, max_queue_depth: 4 }],
  shared_cache_type: 'hicache',
  host_cache_hit_weight: 0.5,
  disk_cache_hit_weight: 0.5,
  shared_cache_multiplier: 0.5,
  durable_kv_events: true,
  router_replica_sync: true,
  router_snapshot_threshold: 10,
  router_reset_states: true,
  router_event_threads: 8,
  router_enable_cache_control: true,
  skip_initial_worker_wait: true,
  min_initial_workers: 2,
  remote_indexer_component: 'indexer',
  use_remote_indexer: true,
  serve_indexer: true,
};

describe('router config keys in a run', () => {
  it('lists every key exactly once: modelled, aic (tested elsewhere) or refused', () => {
    const listed = [...Object.keys(MODELLED), 'router_prefill_load_model', ...Object.keys(UNMODELLED)];
    expect(listed.sort()).toEqual([...ROUTER_CONFIG_KEYS].sort());
    for (const key of Object.keys(APPROXIMATE_INDEXER)) expect(MODELLED[key], key).toBeDefined();
  });

  it('each modelled key changes the routing of a loaded run', async () => {
    const defaults = await routing({});
    for (const [key, config] of Object.entries(MODELLED)) {
      const against = BASELINE[key] ? await routing(BASELINE[key]) : defaults;
      expect(await routing(config), key).not.toBe(against);
    }
  });

  it("the approximate indexer's keys are refused with KV events on, naming the key", async () => {
    for (const [key, value] of Object.entries(APPROXIMATE_INDEXER)) {
      await expect(replay({ ...base, routerConfig: { [key]: value } }), key).rejects.toThrow(
        `--router-config: ${key}=${JSON.stringify(value)} takes effect only with use_kv_events=false`,
      );
    }
  });

  it('each unmodelled key is refused by name off its default, and accepted at it', async () => {
    for (const [key, value] of Object.entries(UNMODELLED)) {
      await expect(replay({ ...base, routerConfig: { [key]: value } }), key).rejects.toThrow(`--router-config: ${key}=${JSON.stringify(value)} is not supported`);
    }
    const keys = [...Object.keys(UNMODELLED), ...Object.keys(APPROXIMATE_INDEXER)];
    const atDefaults = Object.fromEntries(keys.map((k) => [k, DEFAULT_ROUTER_CONFIG[k as keyof typeof DEFAULT_ROUTER_CONFIG]]));
    expect(await routing(atDefaults)).toBe(await routing({}));
    await expect(replay({ ...base, routerConfig: { router_track_output_blocks: true } })).rejects.toThrow('never tells its router about generated tokens');
  });
});
