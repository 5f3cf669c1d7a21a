// --router-policy-config (issue 13, item 2): the policy-family / cache-bucket YAML, read and
// validated as lib/kv-router/src/scheduling/policy_config.rs does (RouterPolicyConfig::from_path,
// resolve, resolve_profile, resolve_policy_class, resolve_uncached_isl_buckets,
// validate_identifier; its messages), and routing as policy_queue.rs (PolicyQueue::enqueue,
// pop_next, queue_rejection, make_entry) and the offline router
// (lib/mocker/src/replay/offline/extensions/kv_router/mod.rs, on_request_arrival_for_session,
// drain_pending, all_workers_busy_with) apply it. Expected orders are derived by hand below.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { main } from '../../src/cli/main.js';
import { loadRouterPolicyConfig, resolvePolicyProfile } from '../../src/config/router-policy.js';
import { nativePolicy } from '../../src/core/engine-config.js';
import type { NativeRouterConfig } from '../../src/core/native.js';
import { routeDetail, type Turn } from '../core/build.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dynosim-policy-'));
let files = 0;
function yamlFile(text: string): string {
  const file = path.join(dir, `policy-${files++}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** A profile with one class `c` (family std, bucket all); `cls` adds the class's other fields. */
const ONE_CLASS = (cls: string) => `
default_policy_family: std
uncached_isl_buckets:
  - min_tokens: 0
    bucket: all
policy_classes:
  - name: c
    policy_family: std
    cache_bucket: all
${cls}`;
const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

const TWO_BUCKETS = (longFirst: { quantum: number; policy?: string }, short: { quantum: number }, extra = '') => `
default_policy_family: std
uncached_isl_buckets:
  - min_tokens: 0
    bucket: short
  - min_tokens: 1000
    bucket: long
policy_classes:
  - name: long-q
    policy_family: std
    cache_bucket: long
    queue_policy: ${longFirst.policy ?? 'fcfs'}
    quantum: ${longFirst.quantum}
    prefill_busy_threshold: 0
  - name: short-q
    policy_family: std
    cache_bucket: short
    quantum: ${short.quantum}
    prefill_busy_threshold: 0
${extra}`;

describe('reading the policy YAML', () => {
  const invalid = (body: string) => () => loadRouterPolicyConfig(yamlFile(body));
  const one = ONE_CLASS;

  it("gives the reference's validation messages", () => {
    expect(invalid(one('    quantum: 0\n'))).toThrow('--router-policy-config: invalid router policy config: root policy class "c" quantum must be greater than zero');
    expect(invalid(one('    quantum: 1\n    queue_policy: lcfs\n'))).toThrow('invalid router policy config: root policy class "c" queue_policy must be fcfs or wspt');
    expect(invalid(one('    quantum: 1\n    busy_worker_ratio: 16.0\n    prefill_busy_threshold: 1\n'))).toThrow(
      'root policy class "c" busy_worker_ratio must be a finite fraction in (0.0, 1.0]',
    );
    expect(invalid(one('    quantum: 1\n    busy_worker_ratio: 0.5\n'))).toThrow(
      'root policy class "c" sets busy_worker_ratio but no prefill_busy_threshold or prefill_busy_threshold_frac, so no worker can ever be considered busy',
    );
    expect(invalid(one('    quantum: 1\n    prefill_busy_threshold_frac: -1\n'))).toThrow('prefill_busy_threshold_frac must be finite and non-negative');
    expect(invalid('default_policy_family: std\n')).toThrow(
      'invalid router policy config: root profile must specify default_policy_family, uncached_isl_buckets, and policy_classes when any root profile field is present',
    );
    expect(invalid('models: {}\n')).toThrow('router policy config must define a root profile, at least one model profile, or worker_selection');
    expect(invalid(one('    quantum: 1\n').replace('min_tokens: 0', 'min_tokens: 5'))).toThrow('root uncached_isl_buckets must start at min_tokens 0');
    expect(invalid(one('    quantum: 1\n').replace('cache_bucket: all', 'cache_bucket: none'))).toThrow('root policy class "c" references unknown cache bucket "none"');
    expect(invalid(one('    quantum: 1\n').replace('name: c', 'name: "c d"'))).toThrow('root policy class name "c d" must match [A-Za-z0-9_.-]+');
    expect(invalid(one('    quantum: 1\n').replace('default_policy_family: std', 'default_policy_family: other'))).toThrow(
      'root default_policy_family "other" does not name a configured family',
    );
    expect(invalid(TWO_BUCKETS({ quantum: 1 }, { quantum: 1 }).replace('cache_bucket: long', 'cache_bucket: short'))).toThrow(
      'root contains duplicate policy classes for family "std" and bucket "short"',
    );
    expect(invalid(TWO_BUCKETS({ quantum: 1 }, { quantum: 1 }).replace('    cache_bucket: long\n', ''))).toThrow(
      'root policy class "long-q" must specify both policy_family and cache_bucket or neither for an explicit class',
    );
    expect(invalid(`models:\n  m1:\n${one('    quantum: 1\n').replace(/^/gm, '    ').replace('name: c', 'name: "c d"')}`)).toThrow(
      'model "m1" policy class name "c d" must match [A-Za-z0-9_.-]+',
    );
  });

  it('names the file when it cannot be read or parsed, and refuses what dynosim does not simulate', () => {
    const missing = path.join(dir, 'missing.yaml');
    expect(() => loadRouterPolicyConfig(missing)).toThrow(`--router-policy-config: failed to read router policy config ${missing}: no such file`);
    const bad = yamlFile('a: [1, 2\n');
    expect(() => loadRouterPolicyConfig(bad)).toThrow(`--router-policy-config: failed to parse router policy config ${bad}: `);
    expect(invalid(one('    quantum: 1\n    colour: red\n'))).toThrow('unknown field `colour`');
    expect(invalid(one('    prefill_busy_threshold: 1\n'))).toThrow('missing field `quantum`');
    expect(invalid('worker_selection:\n  aggregated: x\n')).toThrow('--router-policy-config: worker_selection is not supported');
  });

  // policy_config.rs, model_profile_replaces_root_and_unmatched_model_uses_root.
  it('--model-name picks its profile, replacing the root; an unknown model takes the root', () => {
    const file = yamlFile(`${one('    quantum: 8\n    prefill_busy_threshold: 100\n')}models:
  exact-model:
    default_policy_family: latency
    uncached_isl_buckets:
      - min_tokens: 0
        bucket: cached
      - min_tokens: 32
        bucket: uncached
    policy_classes:
      - name: model-cached
        policy_family: latency
        cache_bucket: cached
        quantum: 2
      - name: model-uncached
        policy_family: latency
        cache_bucket: uncached
        quantum: 4
        prefill_busy_threshold_frac: 0.0
`);
    const config = loadRouterPolicyConfig(file);
    const exact = resolvePolicyProfile(config, 'exact-model')!;
    expect(exact.classes.map((c) => c.name)).toEqual(['model-cached', 'model-uncached']);
    expect(exact.bucketMinTokens).toEqual([0, 32]);
    expect(exact.bucketClass).toEqual([0, 1]);
    expect(resolvePolicyProfile(config, 'other')!.classes.map((c) => c.name)).toEqual(['c']);
    expect(resolvePolicyProfile(config, undefined)!.classes[0]!.prefill_busy_threshold).toBe(100);
  });
});

/** Requests in the order the router placed them (1 worker). */
function placementOrder(turns: Turn[], over: Partial<NativeRouterConfig>): number[] {
  const routed = routeDetail(turns, { engine: { maxNumBatchedTokens: 1000 }, router: { mode: 'kv_router', ...over } }).routedMs;
  return turns.map((_, i) => i).sort((a, b) => routed[a]! - routed[b]! || a - b);
}

describe('routing with a policy profile', () => {
  // Request 0 (64 tokens) is placed at once and makes the worker busy (prefill_busy_threshold 0:
  // busy while any prefill token is active). Requests 1-4 arrive at 1 ms while it prefills: 1 and 3
  // long (2048 uncached tokens → bucket "long"), 2 and 4 short (64 → "short"); each waits in its
  // class, and one is released each time the worker's prefill ends.
  const ids = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + i);
  const turns: Turn[] = [
    { isl: 64, osl: 2, ids: [1], at: 0 },
    { isl: 2048, osl: 2, ids: ids(32, 100), at: 1 },
    { isl: 64, osl: 2, ids: [200], at: 1 },
    { isl: 2048, osl: 2, ids: ids(32, 300), at: 1 },
    { isl: 64, osl: 2, ids: [400], at: 1 },
  ];
  const withPolicy = (yaml: string) => placementOrder(turns, { policy: nativePolicy(resolvePolicyProfile(loadRouterPolicyConfig(yamlFile(yaml)), undefined)!) });

  it('without a policy file one fcfs queue releases in arrival order', () => {
    expect(placementOrder(turns, { queueThreshold: 0 })).toEqual([0, 1, 2, 3, 4]);
  });

  // Equal quanta of 64: the first DRR ring pass visits long-q (cost 2048 > credit 64) then short-q
  // (64 ≤ 64): request 2 goes; next pass long-q 128, short-q 64: request 4; then only long-q is
  // left: the fast-forward adds ceil((2048 − 192) / 64) = 29 rounds, request 1 goes, then 3.
  it('deficit round robin lets the short bucket through first when the quanta are equal', () => {
    expect(withPolicy(TWO_BUCKETS({ quantum: 64 }, { quantum: 64 }))).toEqual([0, 2, 4, 1, 3]);
  });

  // long-q's quantum 4096 pays for request 1 on the first visit and 2048 of credit is left. The
  // carry (pop_next's carry_class) lapses at once: drain_pending asks again while request 1 keeps
  // the worker busy, and nothing is dispatchable. The next ring pass starts after long-q, so
  // short-q releases request 2; then long-q pays request 3 from the credit it kept; then 4.
  it("a large quantum keeps its unspent credit for the class's next request", () => {
    expect(withPolicy(TWO_BUCKETS({ quantum: 4096 }, { quantum: 64 }))).toEqual([0, 1, 2, 3, 4]);
  });

  // wspt inside a class (make_entry: score 1 / scheduling cost): one class for all, requests 1-4
  // as above; the two 64-token requests go first (oldest first among equals), then the long ones.
  it('wspt orders a class by uncached prompt tokens', () => {
    expect(withPolicy(ONE_CLASS('    queue_policy: wspt\n    quantum: 1\n    prefill_busy_threshold: 0\n'))).toEqual([0, 2, 4, 1, 3]);
  });

  // queue_rejection: with request_queue_limit_per_worker 1 on one worker, request 1 waits (0 < 1),
  // request 3 finds 1 waiting (1 ≥ 1): the reference's replay stops with the rejection.
  it('a full class queue stops the run with the rejection', () => {
    const yaml = TWO_BUCKETS({ quantum: 64 }, { quantum: 64 }).replace('    prefill_busy_threshold: 0\n', '    prefill_busy_threshold: 0\n    request_queue_limit_per_worker: 1\n');
    expect(() => withPolicy(yaml)).toThrow('router policy class "long-q" queue requests limit reached (current=1, limit=1)');
  });

  // PolicyClassConfig::pool_is_busy: two workers, request 0 keeps worker 0 busy; request 1 (1 ms)
  // finds 1 of 2 busy: the pool is busy at busy_worker_ratio 0.5 (1 ≥ 0.5 × 2) and request 1 waits
  // for request 0's prefill, but without the ratio it goes straight to worker 1.
  it('busy_worker_ratio makes the pool busy once that share of workers is', () => {
    const two: Turn[] = [turns[0]!, { isl: 64, osl: 2, ids: [9], at: 1 }];
    const queuedAt = (ratio: string) => {
      const policy = nativePolicy(resolvePolicyProfile(loadRouterPolicyConfig(yamlFile(ONE_CLASS(`    quantum: 1\n    prefill_busy_threshold: 0\n${ratio}`))), undefined)!);
      return routeDetail(two, { router: { mode: 'kv_router', policy }, numWorkers: 2 }).routeQueuedMs[1];
    };
    expect(queuedAt('    busy_worker_ratio: 0.5\n')).toBe(1);
    expect(queuedAt('')).toBeNaN();
  });
});

describe('the policy file in a replay', () => {
  const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/trace.jsonl');
  const base = { traceFiles: [trace], numWorkers: 2, routerMode: 'kv_router' as const, arrivalSpeedupRatio: 6, extraEngineArgs: { block_size: 16 } };
  // The root queues while any prefill runs (wspt); the "other" model's profile never queues.
  const busyAll = `${ONE_CLASS('    queue_policy: wspt\n    quantum: 1\n    prefill_busy_threshold: 0\n')}models:
  other:
${indent(ONE_CLASS('    quantum: 1\n'), '    ')}`;

  it('changes routing; --model-name picks the model profile; the router config key works too', async () => {
    const file = yamlFile(busyAll);
    const order = async (o: Record<string, unknown>) => Array.from((await replay({ ...base, ...o })).results.requests.firstTokenMs).join();
    const plain = await order({});
    const root = await order({ routerPolicyConfig: file });
    expect(root).not.toBe(plain);
    // The "other" profile never queues (no threshold): the run is the plain one with no queue at all.
    expect(await order({ routerPolicyConfig: file, modelName: 'other' })).toBe(await order({ routerConfig: { router_queue_threshold: null } }));
    expect(await order({ routerConfig: { router_policy_config: file } })).toBe(root);
  });

  it('DYN_ROUTER_POLICY_CONFIG set to a valid file works from the command line', async () => {
    const file = yamlFile(busyAll);
    let stdout = '';
    let stderr = '';
    const sink = (add: (s: string) => void) => ({ write: (s: string) => (add(s), true) });
    const out = path.join(dir, 'report.json');
    const code = await main([trace, '--num-workers', '2', '--router-mode', 'kv_router', '--report-json', out], {
      env: { DYN_ROUTER_POLICY_CONFIG: file },
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Saved full report to:');
    const bad = yamlFile('default_policy_family: std\n');
    stderr = '';
    expect(await main([trace, '--num-workers', '2', '--router-mode', 'kv_router'], { env: { DYN_ROUTER_POLICY_CONFIG: bad }, stdout: sink(() => {}), stderr: sink((s) => (stderr += s)) })).toBe(1);
    expect(stderr).toContain('--router-policy-config: invalid router policy config: root profile must specify');
  });
});
