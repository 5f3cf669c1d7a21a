// The fuzzer for the addon and the trace parser: `npm run fuzz -- --minutes 10`. Runs batches of
// random cases (test/fuzz/worker.js) in child processes; a batch that dies by a signal, exits
// abnormally or outlives its time limit is a finding, named by its case number, and the search
// goes on past it. Prints the count of cases, batches and findings; exits 1 on any finding.
// Build first (`npm run build`); with DYNOSIM_NATIVE and the sanitizer preload it fuzzes the
// ASan/UBSan build (`npm run fuzz:asan`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const minutes = opt('minutes', 10);
const batch = opt('batch', 100);
const limitS = opt('batch-timeout', 120);
let next = opt('seed', 1);
const worker = fileURLToPath(new URL('./worker.js', import.meta.url));

function runBatch(from, to) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [worker, String(from), String(to)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const cases = out.match(/^case \d+$/gm) ?? [];
      const last = cases.length > 0 ? Number(cases[cases.length - 1].slice(5)) : from;
      const done = /^done$/m.test(out);
      resolve({ done, status, signal, last, ran: cases.length, err });
    });
  });
}

const deadline = Date.now() + minutes * 60_000;
const started = Date.now();
let cases = 0;
let batches = 0;
const findings = [];
while (Date.now() < deadline) {
  const from = next;
  const r = await runBatch(from, from + batch);
  batches += 1;
  cases += r.ran;
  if (r.done && r.status === 0) {
    next = from + batch;
    continue;
  }
  const what = r.signal === 'SIGKILL' ? `hang (over ${limitS} s)` : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  findings.push({ case: r.last, what, stderr: r.err.split('\n').slice(-12).join('\n') });
  process.stderr.write(`finding: case ${r.last}: ${what}\n${r.err.split('\n').slice(-12).join('\n')}\n`);
  next = r.last + 1;
}
const seconds = (Date.now() - started) / 1000;
process.stdout.write(`fuzz: ${cases} cases in ${batches} batches over ${seconds.toFixed(0)} s, ${findings.length} finding(s)\n`);
for (const f of findings) process.stdout.write(`  case ${f.case}: ${f.what}\n`);
process.exitCode = findings.length > 0 ? 1 : 0;
