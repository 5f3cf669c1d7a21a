// Child process of the benchmark: one replay through the public API, then one JSON line with
// the report's key figures, the in-process wall time and the peak RSS.
import { replay } from '../dist/api.js';

const options = JSON.parse(process.argv[2]);
const started = performance.now();
const { report, results } = await replay(options);
const wallMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    wallMs,
    simMs: report.duration_ms,
    completed: report.completed_requests,
    requests: report.num_requests,
    reuse: report.prefix_cache_reused_ratio,
    passes: results.forwardPasses,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
