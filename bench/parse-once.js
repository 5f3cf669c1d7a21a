// Child process of the benchmark: loads one Mooncake trace `runs` times through the loader
// (the addon's scanner, or JSON.parse with --json) and prints one JSON line: the file's size,
// the first load (in a fresh process: loading the addon included) and the median of the rest, in
// wall and CPU time.
//   node bench/parse-once.js <trace> [runs] [--json]
import { statSync } from 'node:fs';
import { loadMooncakeTrace } from '../dist/trace/mooncake.js';

const [file, runsArg] = process.argv.slice(2);
const runs = Math.max(2, Number(runsArg ?? 5));
const reader = process.argv.includes('--json') ? 'json' : 'scanner';
const times = [];
const cpu = [];
let requests = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const w = await loadMooncakeTrace(file, { reader });
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
  requests = w.inputLength.length;
}
const rest = times.slice(1).sort((a, b) => a - b);
const cpuRest = cpu.slice(1).sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    bytes: statSync(file).size,
    requests,
    firstMs: times[0],
    medianMs: rest[Math.floor((rest.length - 1) / 2)],
    // CPU time of the process (all its threads, the collector's included): less load-dependent.
    medianCpuMs: cpuRest[Math.floor((cpuRest.length - 1) / 2)],
  }) + '\n',
);
