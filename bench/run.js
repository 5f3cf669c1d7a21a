// Benchmarks: wall time (median of several runs), the per-phase split (start-up/import,
// configure, parse, core, planner, reports), simulated/real-time ratio and peak RSS for the
// issue's reference workloads, with `node -e 0` timed in the same run as the yardstick. End-to-end
// times include Node start-up and trace parsing. Last, the command users type
// (`bin/dynosim <trace> --num-workers 8`, its stdout discarded), timed whole; then the guide's
// cold-start sweep in one command against 15 s. Every run appends
// its medians, with the commit id and the load average, to bench/results/history.jsonl.
//   npm run bench                      all cases, 5 runs each
//   npm run bench -- --runs 3          fewer runs
//   npm run bench -- --only planner    the cases whose name contains "planner" (`--only CLI`,
//                                      `--only sweep`, `--only parse`: the CLI command, the sweep,
//                                      trace parsing)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUIDE_ENGINE_ARGS, guidePlannerConfig } from './guide.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const conversation = path.resolve(root, '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1] : null;

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
cases.push({
  name: 'synthetic 1,000,000 requests (ISL 2048, OSL 256, 45 req/s, prefix ratio 0.3, 16 groups), 16 workers',
  options: {
    inputTokens: 2048,
    outputTokens: 256,
    requestCount: 1000000,
    requestRate: 45,
    numWorkers: 16,
    sharedPrefixRatio: 0.3,
    numPrefixGroups: 16,
  },
});
// A 1,000,000-line trace with per-request records (--report-jsonl): the conversation trace copied
// with its timestamps shifted (sessions stay in order), written once to the temp directory when a
// run selects this case.
const MILLION_LINES = '1M-line trace';
if (existsSync(conversation)) {
  cases.push({
    name: `${MILLION_LINES} (conversation trace x84, shifted), 8 workers, round_robin, --report-jsonl`,
    options: {
      traceFiles: [path.join(os.tmpdir(), 'dynosim-bench-conversation-1m.jsonl')],
      numWorkers: 8,
      reportJsonl: path.join(os.tmpdir(), 'dynosim-bench-1m-requests.jsonl'),
    },
  });
}
const selected = only === null ? cases : cases.filter((c) => c.name.includes(only));
if (selected.some((c) => c.name.startsWith(MILLION_LINES))) writeShiftedCopies(conversation, selected.find((c) => c.name.startsWith(MILLION_LINES)).options.traceFiles[0], 1_000_000);

/** Writes `lines` lines of `source` repeated with timestamps shifted past the previous copy's end (once). */
function writeShiftedCopies(source, target, lines) {
  if (existsSync(target)) return;
  const rows = readFileSync(source, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const span = rows[rows.length - 1].timestamp + 1000;
  const fd = openSync(target + '.partial', 'w');
  for (let copy = 0, n = 0; n < lines; copy++) {
    const out = [];
    for (const row of rows) if (n++ < lines) out.push(JSON.stringify({ ...row, timestamp: row.timestamp + copy * span }));
    writeSync(fd, out.join('\n') + '\n');
  }
  closeSync(fd);
  renameSync(target + '.partial', target);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

const fmt = (ms) => ms.toFixed(0);
// The yardstick: Node's bare start-up on this machine, now.
const bare = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - t0);
}
const nodeMs = median(bare);
console.log(`node -e 0: median ${fmt(nodeMs)} ms of ${runs} runs; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

const PHASES = ['startup', 'configure', 'parse', 'core', 'planner', 'reports'];
const rows = [];
const phaseRows = [];
const history = [];
for (const c of selected) {
  const walls = [], inner = [], rss = [];
  const phases = Object.fromEntries(PHASES.map((p) => [p, []]));
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
    for (const p of PHASES) phases[p].push(last.phases[p]);
  }
  const endToEnd = median(walls);
  rows.push({
    case: c.name,
    'end-to-end wall (ms, median)': fmt(endToEnd),
    '× node -e 0': (endToEnd / nodeMs).toFixed(1),
    'in-process wall (ms, median)': fmt(median(inner)),
    'simulated (s)': (last.simMs / 1000).toFixed(1),
    'sim/real': (last.simMs / endToEnd).toFixed(0) + 'x',
    'peak RSS (MB)': fmt(median(rss)),
    completed: `${last.completed}/${last.requests}`,
    passes: last.passes,
    'in decode runs': last.decodeRunPasses,
  });
  const split = Object.fromEntries(PHASES.map((p) => [p, median(phases[p])]));
  phaseRows.push({ case: c.name, ...Object.fromEntries(PHASES.map((p) => [`${p} (ms)`, fmt(split[p])])) });
  history.push({ case: c.name, runs, endToEndMs: endToEnd, nodeMs, peakRssMb: median(rss), phasesMs: split, passes: last.passes });
  console.log(`done: ${c.name}`);
}
console.table(rows);
console.log('Per-phase split (medians; start-up = Node start-up + importing the API):');
console.table(phaseRows);
const byName = (prefix) => rows.find((r) => r.case.startsWith(prefix));
const agg8 = byName('conversation trace, 8 worker(s), round_robin');
const disagg = byName('conversation trace, disaggregated 4P4D');
if (agg8 && disagg)
  console.log(
    `disaggregated 4P4D / aggregated 8 wall-time ratio: ${(Number(disagg['end-to-end wall (ms, median)']) / Number(agg8['end-to-end wall (ms, median)'])).toFixed(2)}`,
  );

if (existsSync(conversation) && (only === null || only === 'CLI')) {
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
      `(${times.map((t) => t.toFixed(0)).join(', ')}), ${(m / nodeMs).toFixed(1)}× node -e 0 (target 2.5×)`,
  );
  history.push({ case: 'CLI, conversation trace, 8 workers, round_robin', runs: times.length, endToEndMs: m, nodeMs });
}

// Trace parsing: the conversation trace and a 40-fold copy of it (timestamps shifted so sessions
// stay in order, ~110 MB, written once to the temp directory), through the loader (the addon's
// scanner) and, for comparison, through JSON.parse line by line; MB/s of the median load after the
// first, and the first load of a fresh process (the addon's loading included).
if (existsSync(conversation) && (only === null || only === 'parse')) {
  const big = path.join(os.tmpdir(), 'dynosim-bench-conversation-x40.jsonl');
  writeShiftedCopies(conversation, big, 40 * readFileSync(conversation, 'utf8').trim().split('\n').length);
  const parseRows = [];
  for (const [file, label] of [
    [conversation, 'conversation trace'],
    [big, 'conversation trace x40'],
  ])
    for (const reader of ['scanner', 'json']) {
      const child = spawnSync(process.execPath, [path.join(root, 'bench', 'parse-once.js'), file, String(Math.max(runs, 3) + 1), ...(reader === 'json' ? ['--json'] : [])], {
        encoding: 'utf8',
      });
      if (child.status !== 0) {
        console.error(`parsing ${file} failed\n${child.stderr}`);
        process.exit(1);
      }
      const r = JSON.parse(child.stdout.trim());
      const mbps = (ms) => (r.bytes / 1e6 / (ms / 1000)).toFixed(0);
      parseRows.push({
        trace: label,
        reader,
        MB: (r.bytes / 1e6).toFixed(1),
        requests: r.requests,
        'median (ms)': r.medianMs.toFixed(1),
        'MB/s': mbps(r.medianMs),
        'MB per CPU-s': mbps(r.medianCpuMs),
        'first load (ms)': r.firstMs.toFixed(1),
        'first MB/s': mbps(r.firstMs),
      });
      history.push({ case: `parse ${label}, ${reader}`, runs: Math.max(runs, 3), medianMs: r.medianMs, medianCpuMs: r.medianCpuMs, firstMs: r.firstMs, bytes: r.bytes });
    }
  console.log('Trace parsing (loadMooncakeTrace; target 300 MB/s):');
  console.table(parseRows);
}

// The guide's cold-start study as one command (31 planner runs, table and plot) against 15 s.
if (only === null || only === 'sweep') {
  const sweep = spawnSync(process.execPath, [path.join(root, 'bench', 'sweep.js'), '--runs', String(runs), '--pool', 'processes'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(sweep.stdout.split('\n').filter((l) => l.startsWith('cold-start sweep (') || l.startsWith('skipping')).join('\n') + '\n');
  if (sweep.status !== 0) process.exit(1);
}

// The record of this run, so regressions show from commit to commit.
const git = (...args) => {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const resultsDir = path.join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const record = {
  date: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  // The results file itself does not make the tree dirty (the previous case of this run wrote it).
  dirty: (git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results') ?? '') !== '',
  node: process.version,
  // Another build of the addon (DYNOSIM_NATIVE), e.g. an older commit's for a paired comparison.
  addon: process.env.DYNOSIM_NATIVE ?? null,
  cpus: os.cpus().length,
  loadAverage: os.loadavg(),
  cases: history,
};
appendFileSync(path.join(resultsDir, 'history.jsonl'), JSON.stringify(record) + '\n');
console.log(`appended to ${path.relative(root, path.join(resultsDir, 'history.jsonl'))}`);
