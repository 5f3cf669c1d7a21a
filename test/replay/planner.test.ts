// Planner-in-the-loop replay end to end: the guide's agg command, the report JSON's planner
// section, and the HTML diagnostics report rendered in headless Chromium.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { chromiumPresent, renderHtml } from '../browser/chromium.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { GUIDE_ENGINE_ARGS, guidePlannerConfig } from '../../bench/guide.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const example = path.resolve(here, '../../examples/trace.jsonl');
const conversation = path.resolve(here, '../../../shared/traces/mooncake_conversation_trace.jsonl');
const sharedPresent = existsSync(conversation);
const hasSharedAic = existsSync(path.resolve(here, '../../../shared/aic/systems/h200_sxm.yaml'));
if (!sharedPresent) console.warn(`skipping the guide's planner run: ${conversation} is absent (../shared is not checked out)`);
if (!chromiumPresent) console.warn('skipping the planner report browser check: /usr/bin/chromium is absent');

const guideConfig = (outDir: string, name: string) => guidePlannerConfig({ report_output_dir: outDir, report_filename: name });
const guideEngine = GUIDE_ENGINE_ARGS;

describe('planner in the loop', () => {
  it('a small trace with the reference integration config ticks and reports positive GPU-hours', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'dynosim-planner-'));
    const config = JSON.stringify({
      mode: 'agg',
      throughput_adjustment_interval_seconds: 180,
      load_adjustment_interval_seconds: 5,
      report_output_dir: out,
      report_filename: 'small.html',
    });
    const { report, planner } = await replay({ traceFiles: [example], plannerConfig: config, numWorkers: 2 });
    expect(planner).not.toBeNull();
    expect(planner!.ticks).toBeGreaterThanOrEqual(1);
    expect(report.gpu_hours).toBeGreaterThan(0);
    const section = report.planner as { total_ticks: number; html_report_path: string | null };
    expect(section.total_ticks).toBe(planner!.ticks);
    expect(section.html_report_path).toBe(planner!.htmlPath);
  });

  it('SLA mode without an AIC identity prints the reference note and starts with no bootstrap (replay/planner.py prepare_planner_replay)', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'dynosim-planner-'));
    const notes: string[] = [];
    const { planner } = await replay({
      traceFiles: [example],
      plannerConfig: guideConfig(out, 'no_identity.html'),
      numWorkers: 2,
      onNote: (line) => notes.push(line),
    });
    expect(notes).toContain('throughput-based scaling regression requires AIS perf model; falling back to load-based scaling only');
    expect(planner!.summary.metadata.bootstrap.status).toBe('not_configured_load_only');
    expect(planner!.summary.metadata.bootstrap.prefill_fpms + planner!.summary.metadata.bootstrap.decode_fpms).toBe(0);
    // Nothing calibrated the perf model before live passes: the first load tick has no estimate.
    expect(planner!.summary.snapshots[0]!.estimatedItlMs).toBeNull();
  });

  it.skipIf(!sharedPresent)(
    "the guide's agg command runs the conversation trace, scales, and writes an HTML report that renders twelve charts",
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'dynosim-planner-'));
      const { report, planner, results } = await replay({
        traceFiles: [conversation],
        plannerConfig: guideConfig(out, 'dynosim_agg.html'),
        extraEngineArgs: guideEngine,
        numWorkers: 2,
        arrivalSpeedupRatio: 1,
      });
      expect(report.completed_requests).toBe(12031);
      expect(planner!.ticks).toBeGreaterThan(300);
      expect(planner!.events.length).toBeGreaterThan(0);
      expect(results.decodeWorkerSeconds).toBeGreaterThan(0);
      const html = readFileSync(planner!.htmlPath!, 'utf8');
      const gpuHours = Number(/GPU hours: ([0-9.]+)/.exec(html)?.[1]);
      expect(gpuHours).toBeGreaterThan(0);
      if (!chromiumPresent) return;
      const page = await renderHtml(planner!.htmlPath!);
      expect(page.consoleErrors).toEqual([]);
      expect(page.subplots).toBe(12);
      expect(page.text).toContain('GPU hours:');
    },
  );

  it.skipIf(!sharedPresent)(
    "the guide's agg command with the every-pass feed (feed_extra_fpm_to_regression) keeps about two workers: 1.3–2.2 GPU-hours at arrival stretches 0.95, 1.0 and 1.05",
    async () => {
      const systems = path.resolve(here, '../../../shared/aic/systems');
      for (const ratio of [0.95, 1, 1.05]) {
        const out = mkdtempSync(path.join(tmpdir(), 'dynosim-planner-'));
        const { report, planner } = await replay({
          traceFiles: [conversation],
          plannerConfig: guidePlannerConfig({ report_output_dir: out, report_filename: 'every_pass.html', feed_extra_fpm_to_regression: true }),
          extraEngineArgs: { ...guideEngine, aic_systems_path: systems },
          numWorkers: 2,
          arrivalSpeedupRatio: ratio,
        });
        expect(report.gpu_hours, `--arrival-speedup-ratio ${ratio}`).toBeGreaterThan(1.3);
        expect(report.gpu_hours, `--arrival-speedup-ratio ${ratio}`).toBeLessThan(2.2);
        expect(Math.max(2, ...planner!.events.map((e) => e.to)), `--arrival-speedup-ratio ${ratio}`).toBeLessThanOrEqual(4);
      }
    },
  );

  it.skipIf(!sharedPresent)(
    'a long engine startup means fewer scale-ups and a worse p90 TTFT (the guide\'s cold-start finding)',
    async () => {
      const systems = path.resolve(here, '../../../shared/aic/systems');
      const run = async (startup: number) => {
        const out = mkdtempSync(path.join(tmpdir(), 'dynosim-startup-'));
        const { report, planner } = await replay({
          traceFiles: [conversation],
          plannerConfig: guideConfig(out, `startup_${startup}.html`),
          extraEngineArgs: { ...guideEngine, aic_systems_path: systems, ...(startup > 0 ? { startup_time: startup } : {}) },
          numWorkers: 2,
          // Twice the trace's rate: two initial workers are overloaded.
          arrivalSpeedupRatio: 2,
        });
        return { ups: planner!.events.filter((e) => e.to > e.from).length, p90: report.p90_ttft_ms };
      };
      const instant = await run(0);
      const slow = await run(240);
      expect(slow.ups).toBeLessThan(instant.ups);
      expect(slow.p90).toBeGreaterThan(instant.p90);
    },
  );

  it.skipIf(!sharedPresent)(
    "the guide's agg and disagg commands print scaling events, the table, ticks and the report path",
    async () => {
      const { main } = await import('../../src/cli/main.js');
      const out = mkdtempSync(path.join(tmpdir(), 'dynosim-guide-cli-'));
      const engine = JSON.stringify(guideEngine);
      const run = async (argv: string[]) => {
        let stdout = '';
        const code = await main([conversation, ...argv, '--arrival-speedup-ratio', '1.0', '--report-json', path.join(out, 'r.json')], {
          stdout: { write: (s: string) => (stdout += s) },
          stderr: { write: () => true, isTTY: false },
          env: {},
        });
        return { code, stdout };
      };
      const agg = await run(['--planner-config', guideConfig(out, 'dynosim_agg.html'), '--extra-engine-args', engine, '--num-workers', '2']);
      const disaggConfig = JSON.parse(guideConfig(out, 'dynosim_disagg.html')) as Record<string, unknown>;
      disaggConfig.mode = 'disagg';
      const disagg = await run([
        '--planner-config',
        JSON.stringify(disaggConfig),
        '--prefill-engine-args',
        engine,
        '--decode-engine-args',
        engine,
        '--num-prefill-workers',
        '1',
        '--num-decode-workers',
        '1',
      ]);
      for (const { code, stdout } of [agg, disagg]) {
        expect(code).toBe(0);
        // The reference's order: events, table, saved report, ticks, HTML path.
        const order = ['\nScaling events:\n', 'NVIDIA AIPerf | LLM Metrics', 'Saved full report to: ', 'Planner ticks: ', 'Planner diagnostics report: '];
        const at = order.map((marker) => stdout.indexOf(marker));
        expect(at.every((i) => i >= 0)).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        expect(stdout).toMatch(/ {2}t=\d+\.\ds \[(agg|prefill|decode)\]: \d+ -> \d+ workers \(scale_(up|down)\)/);
      }
    },
  );

  it('a max_gpu_budget that cannot hold one worker per pool is refused before the run, naming the budget and the GPUs per worker', async () => {
    // Two 8-GPU workers (aic_tp_size 8) against the default budget of 8: the reference's clamp
    // (budget.py proportional_clamp_pair: the minimum footprint overshoots the ceiling → (0, 0))
    // would scale both pools to zero at the first decision.
    const out = mkdtempSync(path.join(tmpdir(), 'dynosim-budget-'));
    const reportJson = path.join(out, 'report.json');
    const run = (budget?: number) =>
      replay({
        traceFiles: [example],
        plannerConfig: JSON.stringify({ mode: 'disagg', optimization_target: 'throughput', report_output_dir: out, ...(budget !== undefined ? { max_gpu_budget: budget } : {}) }),
        prefillEngineArgs: { aic_tp_size: 8 },
        decodeEngineArgs: { aic_tp_size: 8 },
        reportJson,
      });
    await expect(run()).rejects.toThrow(
      '--planner-config: max_gpu_budget 8 cannot hold one worker per pool: prefill 1 × 8 GPUs + decode 1 × 8 GPUs = 16 GPUs (GPUs per worker = aic_tp_size × DP ranks of the engine args); the budget clamp would scale the pools to zero. Set max_gpu_budget to at least 16 (or -1 for no ceiling)',
    );
    expect(existsSync(reportJson)).toBe(false);
    const { report } = await run(16);
    expect(report.completed_requests).toBeGreaterThan(0);
  });

  it.skipIf(!hasSharedAic)(
    "the planner sees the KV capacity the engines use: AIC's estimate when num_gpu_blocks is unset, times the attention-DP ranks (replay/planner.py _engine_caps on load_engine_args' lowered args)",
    async () => {
      const systems = path.resolve(here, '../../../shared/aic/systems');
      const caps = async (extra: Record<string, unknown>) => {
        const out = mkdtempSync(path.join(tmpdir(), 'dynosim-caps-'));
        const { planner } = await replay({
          traceFiles: [example],
          plannerConfig: guideConfig(out, 'caps.html'),
          extraEngineArgs: { ...guideEngine, aic_systems_path: systems, ...extra },
          numWorkers: 1,
        });
        return planner!.summary.metadata.capabilities.decode;
      };
      // AIC's estimate for the guide's engine is 29,249 blocks of 64 tokens per GPU
      // (test/perf/aic-database.test.ts), not the mocker's default 16,384.
      expect(await caps({})).toMatchObject({ max_kv_tokens: 29_249 * 64, dp_size: 1, num_gpu: 1 });
      // Attention DP 2: two ranks of one GPU each, each holding a GPU's blocks (a dense model's
      // per-GPU memory does not change with attention DP).
      expect(await caps({ aic_attention_dp_size: 2 })).toMatchObject({ max_kv_tokens: 2 * 29_249 * 64, dp_size: 2, num_gpu: 2 });
      // Explicit blocks stay as given.
      expect(await caps({ num_gpu_blocks: 1000 })).toMatchObject({ max_kv_tokens: 1000 * 64 });
    },
  );
});
