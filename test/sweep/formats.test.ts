// A sweep over a trace of another format replays each point as the format says: only Mooncake
// traces are parsed once and shared (src/sweep/workloads.ts traceKeyOf); an agentic trace read as
// Mooncake rows would have lost its request graph.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replay } from '../../src/api.js';
import { formatReportJson } from '../../src/report/summary.js';
import { readPlan, runSweep } from '../../src/sweep/run.js';
import type { PointRecord } from '../../src/sweep/store.js';
import { traceKeyOf } from '../../src/sweep/workloads.js';
import { ROOT, read, tempDir, withoutWallClock, writeSpec } from './helpers.js';

const AGENTIC = path.join(ROOT, 'examples', 'agentic_mooncake.jsonl');

describe('sweeps over other trace formats', () => {
  it('shares only Mooncake traces', () => {
    expect(traceKeyOf({ traceFiles: ['t.jsonl'] })).not.toBeNull();
    expect(traceKeyOf({ traceFiles: ['t.jsonl'], traceFormat: 'mooncake' })).not.toBeNull();
    for (const traceFormat of ['mooncake-delta', 'agentic_mooncake', 'applied_compute_agentic', 'dynamo']) {
      expect(traceKeyOf({ traceFiles: ['t.jsonl'], traceFormat })).toBeNull();
    }
  });

  it('a point over an agentic trace equals the single replay, lanes as an axis', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, { base: { trace: AGENTIC, flags: { 'trace-format': 'agentic_mooncake', 'num-workers': 2 } }, axes: { 'agentic-lanes': [2, 6] } });
    const out = path.join(dir, 'out');
    const summary = await runSweep({ spec, out, pool: 'inline', parallel: 1 });
    expect(summary.failed).toBe(0);
    const root = path.join(out, 'points');
    const recs = fs
      .readdirSync(root)
      .filter((n) => !n.startsWith('.'))
      .map((n) => JSON.parse(read(path.join(root, n, 'point.json'))) as PointRecord)
      .sort((a, b) => a.index - b.index);
    const alone = await replay({ traceFiles: [AGENTIC], traceFormat: 'agentic_mooncake', numWorkers: 2, agenticLanes: 6 });
    const report = JSON.parse(read(path.join(out, 'points', readPlan(out).runs[recs[1]!.index]!.name, 'report.json')));
    expect(withoutWallClock(report)).toEqual(withoutWallClock(JSON.parse(formatReportJson(alone.report))));
    expect(recs[1]!.metrics.completed).toBe(169);
  });
});
