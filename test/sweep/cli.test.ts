// `dynosim sweep` as scripts call it: a bad spec stops before anything runs (exit 2, one line
// naming the key), and a sweep killed midway resumes where it stopped.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSweep } from '../../src/sweep/run.js';
import { scanPoints } from '../../src/sweep/store.js';
import { BIN, EXAMPLE_TRACE, read, tempDir, writeSpec } from './helpers.js';

const sweep = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, 'sweep', ...args], { cwd, encoding: 'utf8' });

describe('dynosim sweep', () => {
  it.each([
    [
      { base: { trace: EXAMPLE_TRACE }, axes: { 'extra-engine-args.max_num_seqs': [64, -1] } },
      /^dynosim sweep: error: sweep spec .*spec\.json: point 1 \(extra-engine-args\.max_num_seqs=-1\): --extra-engine-args: max_num_seqs: expected a non-negative integer/,
    ],
    [{ base: { trace: EXAMPLE_TRACE, flags: { 'num-wokers': 2 } } }, /^dynosim sweep: error: sweep spec .*spec\.json: base\.flags\.num-wokers: unknown flag/],
    [{ base: { trace: EXAMPLE_TRACE }, axes: { 'num-workers': [2, 0] } }, /^dynosim sweep: error: sweep spec .*: point 1 \(num-workers=0\): /],
    [{ base: { trace: 'missing.jsonl' } }, /^dynosim sweep: error: sweep spec .*: base\.trace: .*missing\.jsonl/],
    [
      { base: { trace: EXAMPLE_TRACE }, axes: { 'arrival-speedup-ratio': [1, 1e-12] } },
      /^dynosim sweep: error: sweep spec .*: point 1 \(arrival-speedup-ratio=1e-12\): .*trace\.jsonl: session .* reaches beyond the simulated-time limit of 100 years/,
    ],
  ])('a bad spec fails before any run: %j', (spec, message) => {
    const dir = tempDir();
    writeSpec(dir, spec);
    const r = sweep(['spec.json', '--out', 'out'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'out', 'points'))).toBe(false);
  });

  it('--set overrides reach the run, and a usage mistake is exit 2', () => {
    const dir = tempDir();
    writeSpec(dir, { base: { trace: EXAMPLE_TRACE }, axes: { 'num-workers': [2] } });
    const r = sweep(['spec.json', '--out', 'out', '-P', '1', '--set', 'axes.num-workers=[3, 4]'], dir);
    expect(r.status).toBe(0);
    expect(read(path.join(dir, 'out', 'results.csv')).split('\n')[2]!.split(',').slice(0, 3)).toEqual(['1', '4', 'ok']);
    expect(sweep(['spec.json', '-P', 'x'], dir).status).toBe(2);
    // The page is re-rendered from the table, with the metrics asked for.
    const plot = spawnSync(process.execPath, [BIN, 'sweep', 'plot', 'out', '--metrics', 'ttft_p90_ms,gpu_hours'], { cwd: dir, encoding: 'utf8' });
    expect(plot.status).toBe(0);
    const html = read(path.join(dir, 'out', 'sweep.html'));
    expect(html.match(/"id":"sweep-panel-\d+"/g)!.length).toBe(2);
    expect(spawnSync(process.execPath, [BIN, 'sweep', 'plot', 'out', '--metrics', 'nope'], { cwd: dir, encoding: 'utf8' }).stderr).toContain("unknown metric 'nope'");
    expect(sweep(['spec.json', '--shard', '5/4'], dir).stderr).toContain('index 5 is not in 0..3');
  });

  it.each(['threads', 'processes'])('Ctrl-C (%s) exits 130, keeps only complete points, and the rerun completes', async (pool) => {
    const dir = tempDir();
    writeSpec(dir, {
      base: { flags: { 'input-tokens': 512, 'output-tokens': 32, 'request-count': 6000, 'request-rate': 100 } },
      axes: { 'num-workers': [1, 2, 3, 4, 5, 6, 7, 8] },
    });
    const out = path.join(dir, 'out');
    const child = spawn(process.execPath, [BIN, 'sweep', 'spec.json', '--out', 'out', '-P', '2', '--pool', pool], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (scanPoints(out).size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const kept = [...scanPoints(out).values()];
    expect(kept.length).toBeLessThan(8);
    expect(kept.every((p) => p.record.status === 'ok')).toBe(true);
    expect(fs.readdirSync(path.join(out, 'points')).filter((n) => n.startsWith('.'))).toEqual([]);
    const rerun = sweep(['spec.json', '--out', 'out'], dir);
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain(`${kept.length} already done, 0 failed`);
  });

  it('killed midway, a rerun finishes only the remaining points and writes the uninterrupted tables', async () => {
    const dir = tempDir();
    writeSpec(dir, {
      base: { flags: { 'input-tokens': 512, 'output-tokens': 32, 'request-count': 6000, 'request-rate': 100 } },
      axes: { 'num-workers': [1, 2, 3, 4, 5, 6, 7, 8] },
    });
    const whole = path.join(dir, 'whole');
    await runSweep({ spec: path.join(dir, 'spec.json'), out: whole, pool: 'inline' });

    const out = path.join(dir, 'out');
    const child = spawn(process.execPath, [BIN, 'sweep', 'spec.json', '--out', 'out', '-P', '1'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 30_000;
    while (scanPoints(out).size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    // Its executors notice they lost their sweep and stop without publishing the run in hand.
    await new Promise((r) => setTimeout(r, 1000));
    const kept = scanPoints(out).size;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(8);

    const rerun = sweep(['spec.json', '--out', 'out', '-P', '2'], dir);
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain(`8 runs: ${8 - kept} ran, ${kept} already done, 0 failed`);
    for (const t of ['results.csv', 'results.jsonl', 'runs.csv', 'runs.jsonl']) expect(read(path.join(out, t))).toBe(read(path.join(whole, t)));
  });
});
