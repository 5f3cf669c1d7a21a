// One fuzz batch: runs cases `from`..`to` of the seed space against the built addon (dist/) and
// prints each case's number before running it, so the parent can name the case that crashed or
// hung this process. A JS error is a pass; only a dead or stuck process is a finding.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSimConfig, resolveTopology } from '../../dist/api.js';
import { createSimulation, evaluatePerfModel } from '../../dist/core/native.js';
import { loadAgenticTrace } from '../../dist/trace/agentic.js';
import { loadMooncakeTrace } from '../../dist/trace/mooncake.js';
import { loadMooncakeDeltaTrace } from '../../dist/trace/mooncake-delta.js';
import { syntheticWorkload } from '../../dist/trace/synthetic.js';
import { mutate, randomTraceFile, rng, tmpDir } from './cases.js';

const [from, to] = process.argv.slice(2).map(Number);
const shared = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared/aic/systems');
const aic = fs.existsSync(shared)
  ? { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, aic_systems_path: shared }
  : null;

// A router policy file with two buckets, busy thresholds and a queue limit (the run may stop on it).
const policyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-fuzz-policy-')), 'policy.yaml');
fs.writeFileSync(
  policyFile,
  'default_policy_family: f\nuncached_isl_buckets:\n  - {min_tokens: 0, bucket: s}\n  - {min_tokens: 1000, bucket: l}\npolicy_classes:\n' +
    '  - {name: s, policy_family: f, cache_bucket: s, quantum: 64, prefill_busy_threshold: 0}\n' +
    '  - {name: l, policy_family: f, cache_bucket: l, queue_policy: wspt, quantum: 8, prefill_busy_threshold_frac: 0.5, busy_worker_ratio: 0.5, request_queue_limit_per_worker: 8}\n',
);

// Base configurations reached through the real front end (so they are valid), one per engine shape.
const bases = [
  { numWorkers: 2 },
  { numWorkers: 3, routerMode: 'kv_router', routerConfig: { router_temperature: 0.5 } },
  { numWorkers: 3, routerMode: 'kv_router', routerConfig: { use_kv_events: false, router_ttl_secs: 0.05, router_max_tree_size: 40, router_prune_target_ratio: 0.5 } },
  { numWorkers: 2, routerMode: 'kv_router', routerConfig: { router_predicted_ttl_secs: 0.1 }, routerPolicyConfig: policyFile },
  { numWorkers: 2, extraEngineArgs: { engine_type: 'sglang', num_gpu_blocks: 200 } },
  { numWorkers: 2, extraEngineArgs: { engine_type: 'trtllm', num_gpu_blocks: 300 } },
  { numWorkers: 2, routerMode: 'kv_router', extraEngineArgs: { dp_size: 2, aic_nextn: 2, aic_nextn_accept_rates: '0.7,0.4' } },
  { prefillEngineArgs: {}, decodeEngineArgs: { kv_bytes_per_token: 1024, kv_transfer_bandwidth: 1 }, numPrefillWorkers: 2, numDecodeWorkers: 2 },
  ...(aic ? [{ numWorkers: 2, extraEngineArgs: aic }] : []),
];
const configs = [];
for (const options of bases) configs.push(await buildSimConfig(resolveTopology(options), options));
const examples = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../examples');
const workloads = [
  // A request graph (with lanes) and accumulated delta prompts (hash-id runs of varying length).
  await loadAgenticTrace(path.join(examples, 'agentic_mooncake.jsonl'), { agenticLanes: 3 }),
  await loadMooncakeDeltaTrace(path.join(examples, 'mooncake_delta.jsonl')),
  syntheticWorkload({ inputTokens: 700, outputTokens: 20, requestCount: 30, blockSize: 64, requestRate: 50 }),
  syntheticWorkload({ inputTokens: 3000, outputTokens: 5, requestCount: 8, blockSize: 64, turnsPerSession: 3, interTurnDelayMs: 5, sharedPrefixRatio: 0.5, numPrefixGroups: 2 }),
];
const dir = tmpDir();
const say = (line) => fs.writeSync(1, `${line}\n`);

function drive(sim, r) {
  for (let step = 0; step < 50; step++) {
    const roll = r.next();
    if (roll < 0.6 && sim.runUntil((step + 1) * r.pick([1, 50, 1000, NaN, Infinity, -5, 1e300]))) break;
    if (roll < 0.7) sim.observe();
    else if (roll < 0.8) sim.drainTraffic();
    else if (roll < 0.85) sim.drainPasses();
    else if (roll < 0.95) sim.scale(r.pick([null, 0, 1, 3, -1, NaN, 1e9, 'x']), r.pick([null, 0, 1, 3, -1, NaN, 1e9, {}]));
  }
  sim.runUntil(Infinity);
  sim.results();
}

for (let i = from; i < to; i++) {
  say(`case ${i}`);
  const r = rng(i);
  const target = r.int(3);
  try {
    if (target === 0) {
      const config = r.next() < 0.7 ? mutate(r, r.pick(configs)) : r.pick(configs);
      const workload = r.next() < 0.5 ? mutate(r, r.pick(workloads)) : r.pick(workloads);
      drive(createSimulation(config, workload), r);
    } else if (target === 1) {
      const engine = mutate(r, r.pick(configs).agg?.engine ?? configs[0].agg.engine);
      const points = () => Float64Array.from({ length: 3 * (1 + r.int(4)) }, () => (r.next() < 0.3 ? r.pick([NaN, -1, 1e300, 2 ** 53]) : r.int(5000)));
      evaluatePerfModel(engine, points(), points().subarray(0, 2 * (1 + r.int(2))));
    } else {
      const file = randomTraceFile(r, dir);
      const workload = await loadMooncakeTrace(file, { traceBlockSize: r.pick([1, 16, 512]) });
      drive(createSimulation(r.pick(configs), workload), r);
    }
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`case ${i} threw a non-Error: ${String(error)}`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
say('done');
