// Where the time of one replay goes: module import, config, trace load, core construction,
// simulation, results. Conversation trace, 8 round-robin workers; median of several runs.
//   node bench/phases.js [--runs 5]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const trace = path.resolve(here, '..', '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');

if (process.argv[2] === '--child') {
  const t0 = performance.now();
  const api = await import('../dist/api.js');
  const { loadMooncakeTrace } = await import('../dist/trace/mooncake.js');
  const { createSimulation } = await import('../dist/core/native.js');
  const t1 = performance.now();
  const options = { traceFiles: [trace], numWorkers: 8 };
  const config = await api.buildSimConfig(api.resolveTopology(options), options);
  const t2 = performance.now();
  const workload = await loadMooncakeTrace(trace, {});
  const t3 = performance.now();
  const sim = createSimulation(config, workload);
  const t4 = performance.now();
  sim.runUntil(Infinity);
  const t5 = performance.now();
  sim.results();
  const t6 = performance.now();
  console.log(JSON.stringify({ import: t1 - t0, config: t2 - t1, load: t3 - t2, construct: t4 - t3, run: t5 - t4, results: t6 - t5 }));
  process.exit(0);
}

if (!existsSync(trace)) {
  console.log(`skipping: ${trace} not found (../shared is absent)`);
  process.exit(0);
}
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const samples = [];
for (let i = 0; i < runs; i++) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  samples.push(JSON.parse(child.stdout));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const row = {};
for (const key of Object.keys(samples[0])) row[`${key} (ms)`] = median(samples.map((s) => s[key])).toFixed(0);
console.table([row]);
