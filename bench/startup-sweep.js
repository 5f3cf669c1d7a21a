// The guide's cold-start study: agg planner replay of the conversation trace with the SLA
// TTFT 1,500 ms / ITL 50 ms, arrival speedup 2 (two initial workers are overloaded), engine
// startup_time 0 / 60 / 120 / 240 s. Prints scale-ups, TTFT, ITL and GPU-hours per run.
//   node bench/startup-sweep.js [--speedup 2] [--aic-systems-path ../shared/aic/systems]
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replay } from '../dist/api.js';
import { GUIDE_ENGINE_ARGS, guidePlannerConfig } from './guide.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trace = path.resolve(root, '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const speedup = Number(arg('--speedup', '2'));
const defaultSystems = path.resolve(root, '..', 'shared', 'aic', 'systems');
const systemsPath = arg('--aic-systems-path', existsSync(defaultSystems) ? defaultSystems : undefined);
if (!existsSync(trace)) {
  console.log(`skipping: ${trace} not found (../shared is absent)`);
  process.exit(0);
}

const out = mkdtempSync(path.join(tmpdir(), 'dynosim-sweep-'));
const rows = [];
for (const startup of [0, 60, 120, 240]) {
  const engine = {
    ...GUIDE_ENGINE_ARGS,
    ...(systemsPath ? { aic_systems_path: systemsPath } : {}),
    ...(startup > 0 ? { startup_time: startup } : {}),
  };
  const t0 = performance.now();
  const { report, planner: p } = await replay({
    traceFiles: [trace],
    plannerConfig: guidePlannerConfig({ report_output_dir: out, report_filename: `startup_${startup}.html` }),
    extraEngineArgs: engine,
    numWorkers: 2,
    arrivalSpeedupRatio: speedup,
  });
  const wall = performance.now() - t0;
  const ups = p.events.filter((e) => e.to > e.from).length;
  const downs = p.events.filter((e) => e.to < e.from).length;
  rows.push({
    'startup (s)': startup,
    'scale-ups': ups,
    'scale-downs': downs,
    'TTFT avg (ms)': report.mean_ttft_ms.toFixed(0),
    'TTFT p90 (ms)': report.p90_ttft_ms.toFixed(0),
    'ITL avg (ms)': report.mean_itl_ms.toFixed(1),
    'ITL p90 (ms)': report.p90_itl_ms.toFixed(1),
    'GPU-hours': report.gpu_hours.toFixed(2),
    'wall (ms)': wall.toFixed(0),
  });
}
console.log(`arrival speedup ${speedup}; perf model: ${systemsPath ? `AIC database at ${systemsPath}` : 'analytical'}`);
console.table(rows);
