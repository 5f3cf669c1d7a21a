// `runSweep` end to end on small workloads: each point is the replay it claims to be, repeats and
// perturbations are what the spec names, executors agree, failures are recorded, and the tables
// are the same whether the sweep ran whole, resumed after an abort, or in four merged shards.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replay } from '../../src/api.js';
import { parseCli } from '../../src/cli/args.js';
import { formatReportJson } from '../../src/report/summary.js';
import { mergeSweeps } from '../../src/sweep/merge.js';
import { expandRuns, runArgv } from '../../src/sweep/points.js';
import { readPlan, runSweep } from '../../src/sweep/run.js';
import { inShard, parseShard } from '../../src/sweep/shard.js';
import { loadSpec } from '../../src/sweep/spec.js';
import { isReplayFlag } from '../../src/cli/args.js';
import { deriveWorkload, loadBaseTrace } from '../../src/sweep/workloads.js';
import { loadMooncakeTrace } from '../../src/trace/mooncake.js';
import type { PointRecord } from '../../src/sweep/store.js';
import { EXAMPLE_TRACE, read, tempDir, withoutWallClock, writeSpec } from './helpers.js';

const TABLES = ['results.csv', 'results.jsonl', 'runs.csv', 'runs.jsonl'];

function records(dir: string): PointRecord[] {
  const root = path.join(dir, 'points');
  return fs
    .readdirSync(root)
    .filter((n) => !n.startsWith('.'))
    .map((n) => JSON.parse(read(path.join(root, n, 'point.json'))) as PointRecord)
    .sort((a, b) => a.index - b.index);
}

const pointReport = (dir: string, r: PointRecord) => JSON.parse(read(path.join(dir, 'points', readPlan(dir).runs[r.index]!.name, 'report.json'))) as Record<string, unknown>;

describe('each point is the replay it names', () => {
  it('a point equals the single replay of the same configuration through the API', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, {
      base: { trace: EXAMPLE_TRACE, flags: { 'router-mode': 'kv_router' }, 'extra-engine-args': { block_size: 64 } },
      axes: { 'num-workers': [2, 4] },
    });
    const out = path.join(dir, 'out');
    const summary = await runSweep({ spec, out, pool: 'inline', parallel: 1 });
    expect(summary.ran).toBe(2);
    expect(summary.failed).toBe(0);
    // Written by hand, not derived from the sweep's own argv.
    const alone = await replay({ traceFiles: [EXAMPLE_TRACE], numWorkers: 4, routerMode: 'kv_router', extraEngineArgs: { block_size: 64 } });
    const fromSweep = pointReport(out, records(out)[1]!);
    expect(withoutWallClock(fromSweep)).toEqual(withoutWallClock(JSON.parse(formatReportJson(alone.report))));
    expect(records(out)[1]!.metrics.ttft_p90_ms).toBe(alone.report.p90_ttft_ms);
    expect(records(out)[1]!.metrics.completed).toBe(400);
    // The recorded command line replays it too.
    expect(records(out)[1]!.command).toContain('--num-workers 4');
  });

  it('a stretched repeat equals the replay at the stretched speedup ratio, and differs from repeat 0', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, { base: { trace: EXAMPLE_TRACE, flags: { 'num-workers': 1 } }, repeats: 2, perturbation: { stretch: 0.2 }, seed: 7 });
    const out = path.join(dir, 'out');
    await runSweep({ spec, out, pool: 'inline' });
    const [r0, r1] = records(out);
    expect(r1!.stretch).not.toBe(1);
    const alone = await replay({ traceFiles: [EXAMPLE_TRACE], numWorkers: 1, arrivalSpeedupRatio: 1 / r1!.stretch, routerSeed: JSON.parse(r1!.command.match(/--router-seed (\d+)/)![1]!) as number });
    expect(r1!.metrics.ttft_avg_ms).toBe(alone.report.mean_ttft_ms);
    expect(r1!.metrics.duration_s).not.toBe(r0!.metrics.duration_s);
    // Mean and spread per point.
    const row = JSON.parse(read(path.join(out, 'results.jsonl')).split('\n')[0]!) as Record<string, number>;
    expect(row.duration_s).toBeCloseTo((r0!.metrics.duration_s! + r1!.metrics.duration_s!) / 2, 9);
    expect(row.duration_s_min).toBe(Math.min(r0!.metrics.duration_s!, r1!.metrics.duration_s!));
    expect(row.duration_s_sd).toBeCloseTo(Math.abs(r0!.metrics.duration_s! - r1!.metrics.duration_s!) / Math.SQRT2, 9);
  });

  it('synthetic repeats draw new arrivals: repeat 1 equals the replay with its seeds', async () => {
    const dir = tempDir();
    const flags = { 'input-tokens': 256, 'output-tokens': 16, 'request-count': 300, 'request-rate': 40, 'num-workers': 2 };
    const spec = writeSpec(dir, { base: { flags }, repeats: 2 });
    const out = path.join(dir, 'out');
    await runSweep({ spec, out, pool: 'inline' });
    const [r0, r1] = records(out);
    const seed = (name: string) => Number(new RegExp(`--${name} (\\d+)`).exec(r1!.command)![1]);
    const alone = await replay({ inputTokens: 256, outputTokens: 16, requestCount: 300, requestRate: 40, numWorkers: 2, arrivalSeed: seed('arrival-seed'), workloadSeed: seed('workload-seed'), routerSeed: seed('router-seed') });
    expect(r1!.metrics.e2e_avg_ms).toBe(alone.report.mean_e2e_latency_ms);
    expect(r1!.metrics.duration_s).not.toBe(r0!.metrics.duration_s);
  });

  it('a trace parsed once at ratio 1 gives the same workload as loading it at the run\'s ratio', async () => {
    const base = await loadBaseTrace({ file: EXAMPLE_TRACE, blockSize: 512, closedLoop: false });
    const direct = await loadMooncakeTrace(EXAMPLE_TRACE, { arrivalSpeedupRatio: 2.5 });
    const derived = deriveWorkload(base, 2.5, 0, null);
    expect(derived.firstArrivalMs).toEqual(direct.firstArrivalMs);
    expect(derived.turnDelayMs).toEqual(direct.turnDelayMs);
    expect(derived.hashIds).toEqual(direct.hashIds);
    const jittered = deriveWorkload(base, 1, 0, { ms: 500, seed: 3 });
    for (let s = 1; s < jittered.firstArrivalMs.length; s++) expect(jittered.firstArrivalMs[s]).toBeGreaterThanOrEqual(jittered.firstArrivalMs[s - 1]!);
    expect(jittered.firstArrivalMs).not.toEqual(base.firstArrivalMs);
    expect(deriveWorkload(base, 1, 0, { ms: 500, seed: 3 }).firstArrivalMs).toEqual(jittered.firstArrivalMs);
  });
});

describe('executors and failures', () => {
  it('worker threads, child processes and the calling thread write identical tables', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, { base: { trace: EXAMPLE_TRACE }, axes: { 'num-workers': [2, 3, 4], 'router-mode': ['round_robin', 'kv_router'] }, repeats: 2, perturbation: { jitter_ms: 200 } });
    const tables: string[][] = [];
    for (const pool of ['inline', 'threads', 'processes'] as const) {
      const out = path.join(dir, pool);
      const summary = await runSweep({ spec, out, pool, parallel: 2 });
      expect(summary.failed).toBe(0);
      expect(summary.ran).toBe(12);
      tables.push(TABLES.map((t) => read(path.join(out, t))));
    }
    expect(tables[1]).toEqual(tables[0]);
    expect(tables[2]).toEqual(tables[0]);
  });

  it('planner runs too: threads (which stop between core calls when interrupted) match the calling thread', async () => {
    const dir = tempDir();
    const planner = { mode: 'agg', throughput_adjustment_interval_seconds: 30, load_adjustment_interval_seconds: 5 };
    const spec = writeSpec(dir, { base: { trace: EXAMPLE_TRACE, flags: { 'arrival-speedup-ratio': 3 }, 'extra-engine-args': {}, 'planner-config': planner }, axes: { 'extra-engine-args.startup_time': [0, 15] } });
    const inline = path.join(dir, 'inline');
    const threads = path.join(dir, 'threads');
    await runSweep({ spec, out: inline, pool: 'inline' });
    await runSweep({ spec, out: threads, pool: 'threads', parallel: 2 });
    for (const t of TABLES) expect(read(path.join(threads, t))).toBe(read(path.join(inline, t)));
    expect(withoutWallClock(pointReport(threads, records(threads)[1]!))).toEqual(withoutWallClock(pointReport(inline, records(inline)[1]!)));
  });

  it('a point whose run fails is in the table with its error, and the others still run', async () => {
    const dir = tempDir();
    const planner = { mode: 'agg', throughput_adjustment_interval_seconds: 60, load_adjustment_interval_seconds: 5 };
    const spec = writeSpec(dir, {
      base: { trace: EXAMPLE_TRACE, flags: { 'num-workers': 2 }, 'planner-config': planner },
      // The warmup trace is read when the run starts: a missing one fails that point only.
      axes: { 'planner-config.load_predictor_warmup_trace': [null, 'no-such-warmup.jsonl'] },
    });
    const out = path.join(dir, 'out');
    const summary = await runSweep({ spec, out, pool: 'threads', parallel: 2 });
    expect(summary.failed).toBe(1);
    const rows = read(path.join(out, 'results.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]!.status).toBe('ok');
    expect(rows[1]!.status).toBe('failed');
    expect(String(rows[1]!.error)).toContain('no-such-warmup.jsonl');
    expect(read(path.join(out, 'results.csv'))).toContain('failed');
    // The planner report of the good point sits in its folder.
    expect(records(out)[0]!.files.planner_report).toBe('planner_report.html');
  });
});

describe('resuming and sharding', () => {
  const spec6 = (dir: string) =>
    writeSpec(dir, {
      base: { flags: { 'input-tokens': 512, 'output-tokens': 32, 'request-count': 4000, 'request-rate': 100 } },
      axes: { 'num-workers': [1, 2, 3, 4, 5, 6] },
    });

  it('an aborted sweep keeps only complete points; the rerun runs the rest and writes the same tables', async () => {
    const dir = tempDir();
    const spec = spec6(dir);
    const whole = path.join(dir, 'whole');
    await runSweep({ spec, out: whole, pool: 'inline' });
    const out = path.join(dir, 'resumed');
    const controller = new AbortController();
    let done = 0;
    const first = await runSweep({
      spec,
      out,
      pool: 'inline',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > done && (done = p.done) === 2) controller.abort('SIGINT');
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.pending).toBe(4);
    expect(fs.readdirSync(path.join(out, 'points')).filter((n) => n.startsWith('.'))).toEqual([]);
    const second = await runSweep({ spec, out, pool: 'inline' });
    expect(second.reused).toBe(2);
    expect(second.ran).toBe(4);
    for (const t of TABLES) expect(read(path.join(out, t))).toBe(read(path.join(whole, t)));
  });

  it('four shards merged give the unsharded tables', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, { base: { trace: EXAMPLE_TRACE }, axes: { 'num-workers': [2, 3, 4, 5, 6], 'router-mode': ['round_robin', 'kv_router'] } });
    const whole = path.join(dir, 'whole');
    await runSweep({ spec, out: whole, pool: 'inline' });
    const shardDirs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const out = path.join(dir, `shard-${i}`);
      const s = await runSweep({ spec, out, pool: 'inline', shard: { index: i, count: 4 } });
      expect(s.inShard).toBe([3, 3, 2, 2][i]);
      shardDirs.push(out);
    }
    const merged = mergeSweeps(shardDirs, path.join(dir, 'merged'));
    expect(merged.ok).toBe(10);
    for (const t of TABLES) expect(read(path.join(dir, 'merged', t))).toBe(read(path.join(whole, t)));
    expect(fs.existsSync(path.join(dir, 'merged', 'sweep.html'))).toBe(true);
    // Folders of another sweep do not merge.
    const other = writeSpec(dir, { base: { trace: EXAMPLE_TRACE }, axes: { 'num-workers': [7] } }, 'other.json');
    await runSweep({ spec: other, out: path.join(dir, 'other'), pool: 'inline' });
    expect(() => mergeSweeps([shardDirs[0]!, path.join(dir, 'other')], path.join(dir, 'bad'))).toThrow(/holds a different sweep/);
  });

  it('shards come from --shard I/N, or N with the index from Kubernetes or Slurm', () => {
    expect(parseShard('1/4', {})).toEqual({ index: 1, count: 4 });
    expect(parseShard('4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('4', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 1, count: 4 });
    expect(parseShard('auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '8' })).toEqual({ index: 0, count: 8 });
    expect(() => parseShard('4/4', {})).toThrow('index 4 is not in 0..3');
    expect(() => parseShard('4', {})).toThrow('no shard index');
    const picked = Array.from({ length: 10 }, (_, i) => i).filter((i) => inShard(i, { index: 2, count: 4 }));
    expect(picked).toEqual([2, 6]);
  });

  it('points are keyed by configuration and input contents, not by folder or mount point', async () => {
    const { runHash } = await import('../../src/sweep/identity.js');
    // The same study at two mount points: its trace, and a folder beside the spec.
    const hashes = (root: string) => {
      fs.mkdirSync(path.join(root, 'aic'), { recursive: true });
      fs.copyFileSync(EXAMPLE_TRACE, path.join(root, 'trace.jsonl'));
      const spec = loadSpec(writeSpec(root, { base: { trace: 'trace.jsonl', 'extra-engine-args': { aic_systems_path: 'aic' } }, axes: { 'num-workers': [2, 3] } }), { isFlag: isReplayFlag });
      return expandRuns(spec).map((r) => runHash(r, spec.dir));
    };
    const dir = tempDir();
    const a = hashes(path.join(dir, 'mnt-a'));
    expect(hashes(path.join(dir, 'elsewhere', 'mnt-b'))).toEqual(a);
    expect(a[0]).not.toBe(a[1]);
    // Another trace content is another point.
    const c = path.join(dir, 'mnt-c');
    fs.mkdirSync(c, { recursive: true });
    fs.writeFileSync(path.join(c, 'trace.jsonl'), fs.readFileSync(EXAMPLE_TRACE, 'utf8').split('\n').slice(1).join('\n'));
    const spec = loadSpec(writeSpec(c, { base: { trace: 'trace.jsonl', 'extra-engine-args': { aic_systems_path: 'aic' } }, axes: { 'num-workers': [2, 3] } }), { isFlag: isReplayFlag });
    fs.mkdirSync(path.join(c, 'aic'));
    expect(runHash(expandRuns(spec)[0]!, spec.dir)).not.toBe(a[0]);
    expect(parseCli(runArgv(expandRuns(spec)[1]!.config)).kind).toBe('run');
  });
});
