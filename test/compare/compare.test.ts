// `dynosim compare`: two runs' reports side by side with changes against the first.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replay } from '../../src/api.js';
import { compareMain } from '../../src/cli/compare.js';
import { compareRuns, defaultLabel, formatDelta, loadRun } from '../../src/compare/compare.js';
import { formatReportJson } from '../../src/report/summary.js';
import { chromiumPresent, renderHtml } from '../browser/chromium.js';
import { EXAMPLE_TRACE, tempDir } from '../sweep/helpers.js';

async function reports(dir: string): Promise<[string, string]> {
  const a = await replay({ traceFiles: [EXAMPLE_TRACE], numWorkers: 2, slaTtftMs: 500, slaItlMs: 30 });
  const b = await replay({ traceFiles: [EXAMPLE_TRACE], numWorkers: 4, slaTtftMs: 500, slaItlMs: 30 });
  const fa = path.join(dir, 'two.json');
  const fb = path.join(dir, 'four.json');
  fs.writeFileSync(fa, formatReportJson(a.report));
  fs.writeFileSync(fb, formatReportJson(b.report));
  return [fa, fb];
}

describe('dynosim compare', () => {
  it('changes are relative to the first run, from the reports\' own numbers', async () => {
    const dir = tempDir('dynosim-compare-');
    const [fa, fb] = await reports(dir);
    const runs = [loadRun(fa), loadRun(fb)];
    const rows = compareRuns(runs);
    const a = JSON.parse(fs.readFileSync(fa, 'utf8')) as Record<string, number>;
    const b = JSON.parse(fs.readFileSync(fb, 'utf8')) as Record<string, number>;
    const p90 = rows.find((r) => r.def.key === 'ttft_p90_ms')!;
    expect(p90.values).toEqual([a.p90_ttft_ms, b.p90_ttft_ms]);
    expect(p90.deltas[1]).toBeCloseTo((b.p90_ttft_ms! - a.p90_ttft_ms!) / a.p90_ttft_ms!, 12);
    const gpu = rows.find((r) => r.def.key === 'gpu_hours')!;
    expect(gpu.deltas[1]).toBeCloseTo(b.gpu_hours! / a.gpu_hours! - 1, 12);
    expect(rows.find((r) => r.def.key === 'sla_attainment')!.values[0]).toBeCloseTo(a.goodput_completed_requests! / a.num_requests!, 12);
    expect(formatDelta(0.1234)).toBe('+12%');
    expect(formatDelta(-0.05)).toBe('-5.0%');
    expect(defaultLabel('/x/points/p1/report.json')).toBe('p1');
  });

  it('prints the table and writes the HTML page; a missing report is a usage error', async () => {
    const dir = tempDir('dynosim-compare-');
    const [fa, fb] = await reports(dir);
    let out = '';
    let err = '';
    const html = path.join(dir, 'cmp.html');
    const code = await compareMain([fa, fb, '--html', html], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^metric\s+two \(base\)\s+four$/);
    expect(out).toMatch(/GPU-hours \(provisioned\)\s+[\d.]+\s+[\d.]+ \(\+100%\)/);
    expect(fs.existsSync(html)).toBe(true);
    const missing = await compareMain([fa, path.join(dir, 'nope.json')], { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
    expect(missing).toBe(2);
    expect(err).toMatch(/^dynosim compare: error: .*nope\.json: cannot read \(ENOENT\)\n$/);
    if (!chromiumPresent) return;
    const page = await renderHtml(html);
    expect(page.consoleErrors).toEqual([]);
    expect(page.blockedRequests).toEqual([]);
    for (const plot of page.plots) {
      expect(plot.points).toBeGreaterThan(0);
      expect(plot.xTitle).not.toBe('');
      expect(plot.yTitle).not.toBe('');
    }
  });
});
