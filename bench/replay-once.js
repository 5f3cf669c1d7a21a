// Child process of the benchmark: one replay through the public API, then one JSON line with
// the report's key figures, the in-process wall time, the phase split (from the replay's
// `dynosim:*` performance marks) and the peak RSS.
// The package's entry (the bundled API) when it is at least as new as the compiled modules, as
// bin/dynosim chooses its bundle.
import { statSync } from 'node:fs';

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const entry = mtime('../dist/cli-bundle/api.js') >= mtime('../dist/api.js') ? '../dist/cli-bundle/api.js' : '../dist/api.js';
const { replay } = await import(entry);
const imported = performance.now();

const options = JSON.parse(process.argv[2]);
const started = performance.now();
const { report, results } = await replay(options);
const wallMs = performance.now() - started;
const at = (phase) => performance.getEntriesByName(`dynosim:${phase}`, 'mark')[0];
const ran = at('ran');
const runMs = ran.startTime - at('parsed').startTime;
const coreMs = Math.min(ran.detail.coreMs, runMs);
const phases = {
  // Node's own start-up (process start to this script) plus importing the API.
  startup: imported,
  configure: at('configured').startTime - at('start').startTime,
  parse: at('parsed').startTime - at('configured').startTime,
  core: coreMs,
  planner: runMs - coreMs,
  reports: at('reported').startTime - ran.startTime,
};
process.stdout.write(
  JSON.stringify({
    wallMs,
    phases,
    simMs: report.duration_ms,
    completed: report.completed_requests,
    requests: report.num_requests,
    reuse: report.prefix_cache_reused_ratio,
    passes: results.forwardPasses,
    decodeRunPasses: results.decodeRunPasses,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
