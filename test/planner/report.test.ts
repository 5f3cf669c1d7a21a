// Planner outputs: stdout event lines, the report JSON section, the self-contained HTML report.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parsePlannerConfig } from '../../src/planner/config.js';
import { ReplayPlanner } from '../../src/planner/replay-planner.js';
import type { PlannerSummary } from '../../src/planner/replay-planner.js';
import {
  buildPlannerReportSection,
  formatPlannerTrailer,
  formatScalingEvents,
  formatScalingEventsBlock,
  PLANNER_INT_KEYS,
} from '../../src/planner/report-json.js';
import { buildPlannerReportHtml, defaultReportFilename, PANEL_TITLES, writePlannerReport } from '../../src/planner/report-html.js';
import { pyJsonDumps } from '../../src/report/pyjson.js';
import { makePass } from '../../src/planner/types.js';
import type { EngineCapabilities } from '../../src/planner/types.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-planner-report-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const caps: EngineCapabilities = {
  num_gpu: 1,
  max_num_batched_tokens: 8192,
  max_num_seqs: 256,
  context_length: 32768,
  max_kv_tokens: 100_000,
  block_size: 64,
  speculative_nextn: 0,
};

function run(reportFilename: string | null = 'dynosim_agg.html'): { summary: PlannerSummary; config: ReturnType<typeof parsePlannerConfig>['config'] } {
  const config = parsePlannerConfig(JSON.stringify({ mode: 'agg', optimization_target: 'throughput', max_gpu_budget: -1, report_filename: reportFilename })).config;
  const planner = new ReplayPlanner(config, { mode: 'agg', decode: caps }, null);
  const traffic = { durationS: 5, numReq: 10, completed: 9, avgIsl: 3000, avgOsl: 150, ttftCount: 9, avgTtftMs: 800, itlCount: 9, avgItlMs: 30, kvHitCount: 9, avgKvHitRate: 0.3, visibleTokens: 100, decodeForwards: 100, avgAcceptLength: 1 };
  let ready = 1;
  for (let t = 1; t <= 24; t++) {
    const hot = t < 6;
    const ids = Array.from({ length: ready }, (_, i) => i);
    const d = planner.onTick({
      nowMs: 5000 * t,
      activePrefill: 0,
      totalPrefill: 0,
      activeDecode: ready,
      totalDecode: ready,
      activePrefillIds: [],
      activeDecodeIds: ids,
      prefillPasses: [],
      decodePasses: ids.map((id) => ({ workerId: id, dpRank: 0, pass: makePass({ sumDecodeKvTokens: hot ? 120_000 : 1000, sumQueuedPrefillTokens: hot ? 5000 : 0, wallTimeSecs: 0.02 }) })),
      traffic,
    });
    if (d.targetDecode !== null) ready = d.targetDecode;
  }
  return { summary: planner.finish(), config };
}

describe('stdout lines', () => {
  it('formats events like the reference', () => {
    const events = [
      { atS: 5, component: 'agg' as const, from: 1, to: 2, reason: 'scale_up' },
      { atS: 312.25, component: 'decode' as const, from: 3, to: 2, reason: 'scale_down' },
    ];
    expect(formatScalingEvents(events)).toBe('  t=5.0s [agg]: 1 -> 2 workers (scale_up)\n  t=312.2s [decode]: 3 -> 2 workers (scale_down)\n');
    expect(formatScalingEventsBlock(events).startsWith('\nScaling events:\n  t=5.0s')).toBe(true);
    expect(formatScalingEventsBlock([])).toBe('');
    expect(formatPlannerTrailer(720, 'planner_reports/x.html')).toBe('Planner ticks: 720\nPlanner diagnostics report: planner_reports/x.html\n');
    expect(formatPlannerTrailer(3, null)).toBe('Planner ticks: 3\n');
  });
});

describe('report JSON section', () => {
  it('has metadata, ticks, scaling_events, total_ticks and html_report_path, with ints as ints', () => {
    const { summary } = run();
    const section = buildPlannerReportSection(summary, './planner_reports/dynosim_agg.html') as Record<string, unknown>;
    expect(Object.keys(section).sort()).toEqual(['html_report_path', 'lifecycle_operations', 'metadata', 'scaling_events', 'ticks', 'total_ticks']);
    expect(section.total_ticks).toBe(24);
    const events = section.scaling_events as Record<string, unknown>[];
    expect(events[0]).toEqual({ at_s: 5, component: 'agg', from_count: 1, to_count: 2, reason: 'scale_up' });
    const text = pyJsonDumps({ planner: section } as never, { intKeys: PLANNER_INT_KEYS });
    expect(text).toContain('"total_ticks": 24');
    expect(text).toContain('"from_count": 1,');
    expect(text).toContain('"at_s": 5.0');
    expect(text).toContain('"gpu_hours": ');
  });
});

describe('HTML report', () => {
  it('is self-contained with the title block and twelve charts', () => {
    const { summary, config } = run();
    const html = buildPlannerReportHtml(summary, config);
    expect(html).toMatch(/Scaling events: \d+ \| GPU hours: \d+\.\d\d/);
    const gpu = Number(/GPU hours: (\d+\.\d\d)/.exec(html)![1]);
    expect(gpu).toBeGreaterThan(0);
    expect(html).toContain('SLA targets: TTFT=500ms, ITL=50ms');
    // Simulated time since the start of the run, not 1970 dates.
    expect(html).toContain('Time range: 0:05 — 2:00 simulated (24 ticks) | mode: agg');
    expect(html.match(/class="planner-plot"/g)!.length).toBe(12);
    for (const title of PANEL_TITLES) expect(html).toContain(title);
    // plotly.js's basic bundle is inlined (no CDN, no external script): about 1.2 MB, where the
    // full bundle made every report over 4.8 MB.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html.length).toBeLessThan(2_000_000);
    expect(html).toContain('Plotly.newPlot');
    // Exactly our two script elements: the bundle and the figures.
    expect(html.match(/<script>/g)!.length).toBe(2);
    expect(html.match(/<\/script>/g)!.length).toBe(2);
  });

  it('each of the twelve figures has at least one trace', () => {
    const { summary, config } = run();
    const html = buildPlannerReportHtml(summary, config);
    const json = /var figures = (\[.*\]);\n/s.exec(html)![1]!;
    const figures = JSON.parse(json) as { id: string; data: unknown[] }[];
    expect(figures.length).toBe(12);
    for (const f of figures) expect(f.data.length).toBeGreaterThan(0);
  });

  it('writes ./planner_reports/<report_filename> atomically, with the gzip JSONL sidecar', () => {
    const { summary, config } = run();
    const written = writePlannerReport(summary, config, { cwd: dir })!;
    expect(written.htmlPath).toBe('./planner_reports/dynosim_agg.html');
    expect(written.logPath).toBe('./planner_reports/dynosim_agg.log.jsonl.gz');
    const html = fs.readFileSync(path.join(dir, 'planner_reports', 'dynosim_agg.html'), 'utf8');
    expect(html).toContain('GPU hours:');
    const lines = gunzipSync(fs.readFileSync(path.join(dir, 'planner_reports', 'dynosim_agg.log.jsonl.gz'))).toString('utf8').trim().split('\n');
    expect(lines.length).toBe(summary.snapshots.length);
    expect(fs.readdirSync(path.join(dir, 'planner_reports')).sort()).toEqual(['dynosim_agg.html', 'dynosim_agg.log.jsonl.gz']);
  });

  it('defaults to planner_report_<YYYYmmdd_HHMMSS of the last tick, UTC>_001.html', () => {
    expect(defaultReportFilename(120)).toBe('planner_report_19700101_000200_001.html');
    const { summary, config } = run(null);
    const written = writePlannerReport(summary, { ...config, report_write_gzip_log: false }, { cwd: dir })!;
    expect(written.htmlPath).toBe('./planner_reports/planner_report_19700101_000200_001.html');
    expect(written.logPath).toBeNull();
  });

  it('writes nothing when the recorder is disabled', () => {
    const { summary, config } = run();
    const off = { ...summary, metadata: { ...summary.metadata, report_enabled: false } };
    expect(writePlannerReport(off, config, { cwd: dir })).toBeNull();
  });
});
