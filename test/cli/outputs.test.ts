// Output files as one set (issue 11, items 4–6): every destination checked before the run, regular
// files written atomically, devices and FIFOs written straight (never replaced), all outputs or
// none on a failure or a signal, and standard output that ends quietly on a closed pipe.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startCli } from './run-cli.js';

const TRACE = path.join(ROOT, 'examples', 'trace.jsonl');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-outputs-'));
  fs.chmodSync(dir, 0o755);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

describe('output destinations are checked before the run', () => {
  it('a FIFO stays a FIFO and receives the report (never replaced by a regular file)', async () => {
    const fifo = path.join(dir, 'report.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const child = startCli([TRACE, '--num-workers', '2', '--report-json', fifo]);
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const reading = new Promise<string>((resolve, reject) => {
      let text = '';
      fs.createReadStream(fifo, 'utf8').on('data', (c) => (text += c)).on('end', () => resolve(text)).on('error', reject);
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // A run that failed before opening the FIFO would leave the reader blocked: release it.
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader left, it has read the report already
    }
    const received = await reading;
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(received).completed_requests).toBe(400);
  });

  it('a 244-character file name is written; one over NAME_MAX is refused up front, naming the flag', () => {
    const ok = path.join(dir, `${'a'.repeat(239)}.json`);
    expect(runCli([TRACE, '--num-workers', '2', '--report-json', ok]).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(ok, 'utf8')).completed_requests).toBe(400);
    const long = path.join(dir, `${'b'.repeat(251)}.json`);
    const r = runCli([TRACE, '--num-workers', '2', '--report-json', long]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^dynosim: error: --report-json .*: cannot write: file name too long \(256 bytes; at most 255\)\n$/);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([path.basename(ok)]);
  });

  it('two outputs on one path, or an output on an input, are usage errors (exit 2) and nothing is touched', () => {
    const out = path.join(dir, 'r.json');
    const same = runCli([TRACE, '--num-workers', '2', '--report-json', out, '--report-jsonl', out]);
    expect(same.status).toBe(2);
    expect(same.stderr).toContain('--report-jsonl and --report-json name the same file');
    const trace = path.join(dir, 'trace.jsonl');
    fs.copyFileSync(TRACE, trace);
    const before = fs.readFileSync(trace, 'utf8');
    const clobber = runCli([trace, '--num-workers', '2', '--report-json', trace]);
    expect(clobber.status).toBe(2);
    expect(clobber.stderr).toContain(`--report-json ${trace} is also the input trace file`);
    expect(fs.readFileSync(trace, 'utf8')).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['trace.jsonl']);
  });

  it('a writable file in a directory that takes no new files is overwritten in place', () => {
    // Root ignores mode bits, so the run is made as `nobody` when the tests run as root.
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    const target = path.join(ro, 'report.json');
    fs.writeFileSync(target, 'old');
    fs.chmodSync(target, 0o666);
    fs.chmodSync(ro, 0o555);
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = runCli([TRACE, '--num-workers', '2', '--report-json', target], asNobody);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(target, 'utf8')).completed_requests).toBe(400);
    const missing = runCli([TRACE, '--num-workers', '2', '--report-json', path.join(ro, 'new.json')], asNobody);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^dynosim: error: --report-json .*new\.json: cannot write: cannot create files in .*ro\n$/);
  });
});

describe('all outputs or none', () => {
  it('a failing per-request write leaves no report behind and no temp file', () => {
    const report = path.join(dir, 'report.json');
    const r = runCli([TRACE, '--num-workers', '2', '--report-json', report, '--report-jsonl', '/dev/full']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: --report-jsonl /dev/full: cannot write: no space left on device\n');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} while the per-request records are written: exit ${code}, nothing left on disk`, async () => {
      // 200,000 short requests: a quick replay, then about 60 MB of per-request records to write.
      const lines = Array.from({ length: 200_000 }, (_, i) => `{"timestamp":${i},"input_length":16,"output_length":2,"hash_ids":[${i % 50}]}\n`);
      const trace = path.join(dir, 'in', 'trace.jsonl');
      fs.mkdirSync(path.dirname(trace));
      fs.writeFileSync(trace, lines.join(''));
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      const child = startCli([trace, '--num-workers', '4', '--report-json', 'r.json', '--report-jsonl', 'r.jsonl'], out);
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const watcher = fs.watch(out, (_event, name) => {
        if (name && /^\.dynosim-.*\.tmp$/.test(String(name))) {
          watcher.close();
          child.kill(signal);
        }
      });
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      watcher.close();
      expect(stderr).toBe(`dynosim: interrupted by ${signal}; no output files were written\n`);
      expect(status).toBe(code);
      expect(fs.readdirSync(out)).toEqual([]);
    });
  }
});

describe('standard output and the terminal', () => {
  it('a closed pipe ends quietly', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" bin/dynosim examples/trace.jsonl --num-workers 2 --report-json "${dir}/r.json" 2>"${dir}/err" | head -1; echo "\${PIPESTATUS[0]}"`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('NVIDIA AIPerf | LLM Metrics\n0\n');
    expect(fs.readFileSync(path.join(dir, 'err'), 'utf8')).toBe('');
  });

  it('a full disk on standard output is one line and exit 1', () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, ['bin/dynosim', 'examples/trace.jsonl', '--num-workers', '2', '--report-json', path.join(dir, 'r.json')], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', full, 'pipe'],
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('dynosim: error: cannot write standard output: no space left on device\n');
    } finally {
      fs.closeSync(full);
    }
  });

  it('control characters from the user reach the terminal escaped', () => {
    const r = runCli([path.join(dir, 'x\u001b[2J\u0007\rfinished OK.jsonl'), '--num-workers', '2']);
    expect(r.status).toBe(1);
    noStack(r.stderr);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain('x\\x1b[2J\\x07\\x0dfinished OK.jsonl');
  });
});

describe('the planner report joins the set', () => {
  const planner = (dir: string) =>
    JSON.stringify({ mode: 'agg', optimization_target: 'throughput', throughput_adjustment_interval_seconds: 30, report_output_dir: dir, report_filename: 'p.html' });

  it('its folder is checked before the run, naming the key', () => {
    const r = runCli([TRACE, '--num-workers', '2', '--report-json', path.join(dir, 'r.json'), '--planner-config', planner('/proc/dynosim-no/such')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: --planner-config report_output_dir /proc/dynosim-no/such/p.html: cannot write: cannot create files in /proc\n');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('is written with the report, in its folder', () => {
    const r = runCli([TRACE, '--num-workers', '2', '--report-json', path.join(dir, 'r.json'), '--planner-config', planner(path.join(dir, 'reports'))]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'reports')).sort()).toEqual(['p.html', 'p.log.jsonl.gz']);
    expect(fs.readdirSync(dir).sort()).toEqual(['r.json', 'reports']);
  });
});

describe('directories are made one level at a time', () => {
  it('a cache folder under /proc fails fast instead of looping (Node recursive mkdir hangs there)', () => {
    const script = `import('${path.join(ROOT, 'dist', 'perf', 'cache.js')}').then((m) => m.cachePut('/proc/dynosim-no/cache', 'k', { a: 1 }))`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});
