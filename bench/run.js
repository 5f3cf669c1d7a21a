// Benchmarks: wall time (median of several runs), simulated/real-time ratio and peak RSS for the
// issue's reference workloads. End-to-end times include Node start-up and trace parsing. Last,
// the command users type (`bin/dynosim <trace> --num-workers 8`, its stdout discarded), timed
// whole against the 1.0 s target; then the guide's cold-start sweep in one command against 30 s.
//   npm run bench              all cases, 3 runs each
//   npm run bench -- --runs 5  more runs
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUIDE_ENGINE_ARGS, guidePlannerConfig } from './guide.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const conversation = path.resolve(root, '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

const cases = [];
if (existsSync(conversation)) {
  // The reference refuses kv_router with a single worker (nothing to choose), so 1 worker runs
  // round robin only.
  for (const workers of [1, 8])
    for (const routerMode of workers === 1 ? ['round_robin'] : ['round_robin', 'kv_router'])
      cases.push({
        name: `conversation trace, ${workers} worker(s), ${routerMode}`,
        options: { traceFiles: [conversation], numWorkers: workers, routerMode },
      });
  cases.push({
    name: 'conversation trace, disaggregated 4P4D, round_robin',
    options: { traceFiles: [conversation], numPrefillWorkers: 4, numDecodeWorkers: 4, prefillEngineArgs: {}, decodeEngineArgs: {} },
  });
  cases.push({
    name: 'conversation trace, 8 worker(s), trtllm',
    options: { traceFiles: [conversation], numWorkers: 8, extraEngineArgs: { engine_type: 'trtllm' } },
  });
  const systems = path.resolve(root, '..', 'shared', 'aic', 'systems');
  cases.push({
    name: 'conversation trace, planner in the loop (guide agg config, AIC h200 Llama-3.1-8B-FP8)',
    options: {
      traceFiles: [conversation],
      numWorkers: 2,
      extraEngineArgs: { ...GUIDE_ENGINE_ARGS, ...(existsSync(systems) ? { aic_systems_path: systems } : {}) },
      plannerConfig: guidePlannerConfig({ report_output_dir: path.join(os.tmpdir(), 'dynosim-bench'), report_filename: 'bench_agg.html' }),
    },
  });
} else {
  console.log(`skipping conversation-trace cases: ${conversation} not found (../shared is absent)`);
}
cases.push({
  name: 'examples/trace.jsonl, 10,000 workers (KV pools made as used; target < 1 GB)',
  options: { traceFiles: [path.join(root, 'examples', 'trace.jsonl')], numWorkers: 10000 },
});
cases.push({
  name: 'synthetic 200,000 requests (ISL 1024, OSL 128, 60 req/s), 8 workers, round_robin',
  options: { inputTokens: 1024, outputTokens: 128, requestCount: 200000, requestRate: 60, numWorkers: 8, routerMode: 'round_robin' },
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

const rows = [];
for (const c of cases) {
  const walls = [], inner = [], rss = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const child = spawnSync(process.execPath, [path.join(root, 'bench', 'replay-once.js'), JSON.stringify(c.options)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const wall = performance.now() - t0;
    if (child.status !== 0) {
      console.error(`${c.name}: failed\n${child.stderr}`);
      process.exit(1);
    }
    last = JSON.parse(child.stdout.trim().split('\n').pop());
    walls.push(wall);
    inner.push(last.wallMs);
    rss.push(last.maxRssMb);
  }
  const endToEnd = median(walls);
  rows.push({
    case: c.name,
    'end-to-end wall (ms, median)': endToEnd.toFixed(0),
    'in-process wall (ms, median)': median(inner).toFixed(0),
    'simulated (s)': (last.simMs / 1000).toFixed(1),
    'sim/real': (last.simMs / endToEnd).toFixed(0) + 'x',
    'peak RSS (MB)': median(rss).toFixed(0),
    completed: `${last.completed}/${last.requests}`,
    passes: last.passes,
  });
  console.log(`done: ${c.name}`);
}
console.table(rows);
const byName = (prefix) => rows.find((r) => r.case.startsWith(prefix));
const agg8 = byName('conversation trace, 8 worker(s), round_robin');
const disagg = byName('conversation trace, disaggregated 4P4D');
if (agg8 && disagg)
  console.log(
    `disaggregated 4P4D / aggregated 8 wall-time ratio: ${(Number(disagg['end-to-end wall (ms, median)']) / Number(agg8['end-to-end wall (ms, median)'])).toFixed(2)}`,
  );

if (existsSync(conversation)) {
  const cli = [path.join(root, 'bin', 'dynosim'), conversation, '--num-workers', '8', '--report-json', path.join(os.tmpdir(), 'dynosim-bench-cli.json')];
  const times = [];
  for (let i = 0; i < Math.max(runs, 5); i++) {
    const t0 = performance.now();
    const child = spawnSync(process.execPath, cli, { encoding: 'utf8', maxBuffer: 1 << 22 });
    times.push(performance.now() - t0);
    if (child.status !== 0) {
      console.error(`CLI run failed\n${child.stderr}`);
      process.exit(1);
    }
  }
  const m = median(times);
  console.log(
    `CLI, conversation trace, 8 workers, round_robin: median ${m.toFixed(0)} ms of ${times.length} runs ` +
      `(${times.map((t) => t.toFixed(0)).join(', ')}); target 1,000 ms: ${m <= 1000 ? 'met' : 'NOT met'}`,
  );
}

// The guide's cold-start study as one command (31 planner runs, table and plot) against 30 s.
const sweep = spawnSync(process.execPath, [path.join(root, 'bench', 'sweep.js'), '--runs', String(runs), '--pool', 'processes'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
process.stdout.write(sweep.stdout.split('\n').filter((l) => l.startsWith('cold-start sweep (') || l.startsWith('skipping')).join('\n') + '\n');
if (sweep.status !== 0) process.exit(1);
