// What a person opening our HTML pages sees, in headless Chromium: every panel of the sweep page
// and of a planner report has data, every axis a title, nothing fails in the console, and the
// pages make no network request (they must open offline).
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { replay } from '../../src/api.js';
import { runSweep } from '../../src/sweep/run.js';
import { EXAMPLE_TRACE, tempDir, writeSpec } from '../sweep/helpers.js';
import { chromiumPresent, renderHtml, type RenderedPage } from './chromium.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { guidePlannerConfig } from '../../bench/guide.js';

if (!chromiumPresent) console.warn('skipping the HTML page browser checks: /usr/bin/chromium is absent');

function expectReadable(page: RenderedPage, panels: number): void {
  expect(page.consoleErrors).toEqual([]);
  expect(page.blockedRequests).toEqual([]);
  expect(page.plots.length).toBe(panels);
  for (const plot of page.plots) {
    expect(plot.title, plot.id).not.toBe('');
    expect(plot.points, `${plot.title}: no data`).toBeGreaterThan(0);
    expect(plot.xTitle, `${plot.title}: x axis untitled`).not.toBe('');
    expect(plot.yTitle, `${plot.title}: y axis untitled`).not.toBe('');
  }
}

describe.skipIf(!chromiumPresent)('HTML pages in a browser', () => {
  it('the sweep page: a panel per metric, error bars over repeats, links to each point', async () => {
    const dir = tempDir();
    const planner = { mode: 'agg', optimization_target: 'sla', ttft_ms: 2000, itl_ms: 60, throughput_adjustment_interval_seconds: 30, load_adjustment_interval_seconds: 5 };
    const spec = writeSpec(dir, {
      base: { trace: EXAMPLE_TRACE, flags: { 'num-workers': 2, 'arrival-speedup-ratio': 4 }, 'extra-engine-args': {}, 'planner-config': planner },
      axes: { 'extra-engine-args.startup_time': [0, 20, 40], 'router-mode': ['round_robin', 'kv_router'] },
      repeats: 2,
      perturbation: { stretch: 0.05 },
    });
    const out = path.join(dir, 'out');
    const summary = await runSweep({ spec, out, pool: 'threads', parallel: 2 });
    expect(summary.failed).toBe(0);
    const page = await renderHtml(path.join(out, 'sweep.html'));
    // TTFT avg/p90, ITL avg/p90, GPU-hours, SLA attainment, scale-ups, scale-downs, goodput, throughput.
    expectReadable(page, 10);
    expect(page.plots[0]!.xTitle).toBe('extra-engine-args.startup_time');
    expect(page.plots[0]!.traces).toBe(2); // one series per router mode
    expect(page.text).toContain('planner report');
  });

  it('a planner report: twelve panels with data, titled simulated-time axes, starting workers and the GPU-hours split', async () => {
    const dir = tempDir();
    const { report, planner } = await replay({
      inputTokens: 4096,
      outputTokens: 256,
      requestCount: 4000,
      requestRate: 40,
      numWorkers: 2,
      routerMode: 'kv_router',
      sharedPrefixRatio: 0.5,
      numPrefixGroups: 4,
      extraEngineArgs: { startup_time: 30 },
      // The guide's agg planner, with a throughput interval that fits the short run.
      plannerConfig: guidePlannerConfig({ throughput_adjustment_interval_seconds: 30, report_output_dir: dir, report_filename: 'agg.html' }),
    });
    const page = await renderHtml(planner!.htmlPath!);
    expectReadable(page, 12);
    for (const plot of page.plots) expect(plot.xTitle).toBe('simulated time (m:ss)');
    const split = (report.planner as { gpu_hours_split: { ready: number; starting: number; draining: number } }).gpu_hours_split;
    expect(split.starting).toBeGreaterThan(0);
    expect(page.text).toContain(`GPU hours: ${report.gpu_hours.toFixed(2)} (ready ${split.ready.toFixed(2)}, starting ${split.starting.toFixed(2)}, draining ${split.draining.toFixed(2)})`);
    expect(page.text).not.toContain('1970');
    expect(page.text).toContain('mode: agg');
  });
});
