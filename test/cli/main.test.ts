// main(): exit codes, stderr shape, and the hand-off to the replay runner (stubbed: no native addon).
import { describe, expect, it } from 'vitest';
import { main, type MainDeps, type ReplayRunner } from '../../src/cli/main.js';
import { ReplayError } from '../../src/errors.js';
import type { ReplayOptions } from '../../src/options.js';

class Sink {
  text = '';
  isTTY?: boolean;
  columns?: number;
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

function harness(runReplay?: ReplayRunner, tty = false) {
  const stdout = new Sink();
  const stderr = new Sink();
  stderr.isTTY = tty;
  stderr.columns = 80;
  const calls: ReplayOptions[] = [];
  const deps: Partial<MainDeps> = {
    stdout,
    stderr,
    env: {},
    runReplay:
      runReplay ??
      (async (options) => {
        calls.push(options);
        return { stdout: 'TABLE\nSaved full report to: r.json\n' };
      }),
  };
  return { stdout, stderr, calls, deps };
}

describe('main', () => {
  it('runs a replay and prints its stdout (exit 0)', async () => {
    const h = harness();
    const code = await main(['trace.jsonl', '--num-workers', '8'], h.deps);
    expect(code).toBe(0);
    expect(h.stdout.text).toBe('TABLE\nSaved full report to: r.json\n');
    expect(h.stderr.text).toBe('');
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]).toMatchObject({ traceFiles: ['trace.jsonl'], numWorkers: 8, routerMode: 'round_robin' });
    expect(h.calls[0]!.onProgress).toBeUndefined();
  });

  it('prints help on -h (exit 0, nothing run)', async () => {
    const h = harness();
    expect(await main(['-h'], h.deps)).toBe(0);
    expect(h.stdout.text).toMatch(/^usage: dynosim /);
    expect(h.calls).toHaveLength(0);
  });

  it('usage errors: usage line + "dynosim: error:", exit 2', async () => {
    const h = harness();
    expect(await main(['--num-workers', 'x'], h.deps)).toBe(2);
    expect(h.stderr.text).toBe(
      "usage: dynosim [-h] [options] [trace_files ...]\ndynosim: error: argument --num-workers: invalid int value: 'x'\n",
    );
    expect(h.stdout.text).toBe('');
  });

  it('validation order: a trace file plus --input-tokens is item 4 (exit 2)', async () => {
    const h = harness();
    expect(await main(['t.jsonl', '--input-tokens', '10'], h.deps)).toBe(2);
    expect(h.stderr.text).toContain(
      'dynosim: error: provide either trace_file or all of --input-tokens/--output-tokens/--request-count\n',
    );
  });

  it('engine-args errors are one line without usage, exit 1', async () => {
    const h = harness();
    expect(await main(['t.jsonl', '--extra-engine-args', '{"nope": 1}'], h.deps)).toBe(1);
    expect(h.stderr.text.startsWith('dynosim: error: --extra-engine-args: unknown field `nope`')).toBe(true);
    expect(h.stderr.text).not.toContain('usage:');
    expect(h.stderr.text.trimEnd().split('\n')).toHaveLength(1);
  });

  it('topology errors are exit 1 before the replay runs', async () => {
    const h = harness();
    expect(await main(['t.jsonl', '--num-workers', '0'], h.deps)).toBe(1);
    expect(h.stderr.text).toBe('dynosim: error: trace replay requires num_workers >= 1\n');
    expect(h.calls).toHaveLength(0);
    const h2 = harness();
    expect(await main(['t.jsonl', '--prefill-engine-args', '{}'], h2.deps)).toBe(1);
    expect(h2.stderr.text).toBe('dynosim: error: prefill_engine_args and decode_engine_args must be provided together\n');
  });

  it('ReplayErrors from the run are exit 1', async () => {
    const h = harness(async () => {
      throw new ReplayError('trace line 3 is missing hash_ids');
    });
    expect(await main(['t.jsonl'], h.deps)).toBe(1);
    expect(h.stderr.text).toBe('dynosim: error: trace line 3 is missing hash_ids\n');
  });

  it('unexpected errors: message only, stack with DYNOSIM_DEBUG=1', async () => {
    const boom: ReplayRunner = async () => {
      throw new TypeError('boom');
    };
    const h = harness(boom);
    expect(await main(['t.jsonl'], h.deps)).toBe(1);
    expect(h.stderr.text).toBe('dynosim: error: boom\n');
    const d = harness(boom);
    d.deps.env = { DYNOSIM_DEBUG: '1' };
    expect(await main(['t.jsonl'], d.deps)).toBe(1);
    expect(d.stderr.text).toContain('TypeError: boom');
    expect(d.stderr.text).toContain('at ');
  });

  it('draws a progress bar on a TTY and clears it', async () => {
    const h = harness(async (options) => {
      options.onProgress?.(0.5);
      return { stdout: 'done\n' };
    }, true);
    expect(await main(['t.jsonl'], h.deps)).toBe(0);
    expect(h.stderr.text).toContain('\rdynosim [');
    expect(h.stderr.text).toContain(' 50.0% simulated');
    expect(h.stderr.text.endsWith('\r')).toBe(true);
    expect(h.stdout.text).toBe('done\n');
  });
});

describe('main: online replay', () => {
  it('aggregated online replay is a usage error; disaggregated gets the reference message', async () => {
    const h = harness();
    expect(await main(['t.jsonl', '--replay-mode', 'online'], h.deps)).toBe(2);
    expect(h.stderr.text).toContain('online needs a live Dynamo runtime');
    const d = harness();
    const staged = ['t.jsonl', '--replay-mode', 'online', '--prefill-engine-args', '{}', '--decode-engine-args', '{}'];
    expect(await main(staged, d.deps)).toBe(1);
    expect(d.stderr.text).toBe("dynosim: error: disagg replay only supports replay_mode='offline'\n");
  });
});
