// `dynosim sweep`: run a study from a spec (`sweep SPEC`), merge shard folders (`sweep merge`),
// re-render the page from the table (`sweep plot`). Thin over src/sweep: parse the command line,
// draw one progress line on a terminal, print a summary table and the output paths on stdout.
// Exit 0 when every run of this invocation finished, 1 when some failed (the table says which),
// 2 on a usage or spec error (before anything ran), 130/143 when interrupted.

import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { safeLine } from './terminal.js';
import { metricDef } from '../report/study-metrics.js';
import { formatCell, textTable } from '../report/text-table.js';
import { mergeSweeps } from '../sweep/merge.js';
import { DEFAULT_PLOT_METRICS, SWEEP_HTML, writeSweepHtml } from '../sweep/plot.js';
import { readPlan, runSweep, type SweepProgress } from '../sweep/run.js';
import { parseShard } from '../sweep/shard.js';
import { RESULTS_CSV, RESULTS_JSONL, type Row } from '../sweep/table.js';
import type { PoolKind } from '../sweep/pool.js';
import type { ErrorSink, TextSink } from './main.js';

export interface SweepDeps {
  stdout: TextSink;
  stderr: ErrorSink;
  env: Record<string, string | undefined>;
  /** Interrupts the sweep (the CLI wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

const PROG = 'dynosim sweep';

function positiveInt(flag: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${flag} expects a positive integer, got '${v}'`);
    return Number(v);
  };
}

const collect = (v: string, acc: string[]) => [...acc, v];

function clock(s: number): string {
  const t = Math.max(0, Math.round(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

export function progressLine(p: SweepProgress): string {
  return `sweep: ${p.done}/${p.total} done, ${p.running} running, ${p.failed} failed${p.etaS !== null && p.done < p.total ? `, ETA ${clock(p.etaS)}` : ''}`;
}

/** A few columns of the per-point table for the terminal. */
export function summaryTable(rows: readonly Row[], axes: readonly string[]): string {
  const metrics = ['ttft_avg_ms', 'ttft_p90_ms', 'itl_avg_ms', 'itl_p90_ms', 'gpu_hours', 'scale_ups', 'scale_downs', 'sla_attainment'].filter((k) =>
    rows.some((r) => typeof r[k] === 'number'),
  );
  const header = [...axes.map((a) => a.slice(a.lastIndexOf('.') + 1)), 'status', ...metrics];
  const body = rows.map((r) => [
    ...axes.map((a) => String(r[a])),
    String(r.status),
    ...metrics.map((k) => formatCell((r[k] as number | null) ?? null, metricDef(k)!.digits)),
  ]);
  return textTable(header, body);
}

function program(deps: SweepDeps, name: string): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: () => {} })
    .allowExcessArguments(false);
}

async function runCommand(argv: string[], deps: SweepDeps): Promise<number> {
  const cmd = program(deps, PROG)
    .description('Run a study: every point of a spec\'s axes (× repeats), in parallel, resumable; writes results.csv, results.jsonl, sweep.html and points/.')
    .argument('<spec>', 'sweep spec (YAML or JSON)')
    .option('-P, --parallel <n>', 'runs at once (default: cores)', positiveInt('-P'))
    .option('--out <dir>', 'output folder (default: ./<spec name>-sweep)')
    .option('--shard <i/n>', 'run the runs whose index is i mod n; N alone (or auto) reads i from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID')
    .option('--set <key=value>', 'override a spec key (dotted path; repeatable), e.g. --set repeats=3', collect, [])
    .addOption(new Option('--pool <kind>', 'where runs execute').choices(['processes', 'threads', 'inline']).default('processes'))
    .addHelpText('after', '\nAlso: dynosim sweep merge DIR... --out DIR   (shards into one folder)\n      dynosim sweep plot DIR [--x AXIS] [--metrics LIST]   (re-render sweep.html)');
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{ parallel?: number; out?: string; shard?: string; set: string[]; pool: PoolKind }>();
  const shard = parseShard(o.shard, deps.env);
  const tty = deps.stderr.isTTY === true;
  let drawn = 0;
  const clear = () => {
    if (drawn > 0) deps.stderr.write(`\r${' '.repeat(drawn)}\r`);
    drawn = 0;
  };
  const summary = await runSweep({
    spec: cmd.args[0]!,
    sets: o.set,
    ...(o.out !== undefined ? { out: o.out } : {}),
    parallel: o.parallel ?? os.availableParallelism(),
    shard,
    pool: o.pool,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onNote: (line) => {
      clear();
      deps.stderr.write(`${line}\n`);
    },
    ...(tty
      ? {
          onProgress: (p: SweepProgress) => {
            const line = progressLine(p);
            clear();
            deps.stderr.write(line);
            drawn = line.length;
          },
        }
      : {}),
  });
  clear();
  const plan = readPlan(summary.dir);
  deps.stdout.write(summaryTable(summary.rows, plan.axes));
  for (const row of summary.rows.filter((r) => r.status === 'failed'))
    deps.stderr.write(`failed: point ${row.point} (${plan.axes.map((a) => `${a}=${String(row[a])}`).join(', ')}): ${safeLine(String(row.error))}\n`);
  const rel = (f: string) => path.relative(process.cwd(), path.join(summary.dir, f)) || '.';
  deps.stdout.write(
    `\n${summary.inShard} runs${shard ? ` in shard ${shard.index}/${shard.count} (of ${summary.total})` : ''}: ${summary.ran} ran, ${summary.reused} already done, ${summary.failed} failed${summary.pending ? `, ${summary.pending} unfinished` : ''} (${summary.wallS.toFixed(1)} s)\n` +
      `results: ${rel(RESULTS_CSV)} ${rel(RESULTS_JSONL)}\nplot: ${rel(SWEEP_HTML)}\n`,
  );
  if (summary.aborted) return deps.signal?.reason === 'SIGTERM' ? 143 : 130;
  return summary.failed > 0 || summary.pending > 0 ? 1 : 0;
}

function mergeCommand(argv: string[], deps: SweepDeps): number {
  const cmd = program(deps, `${PROG} merge`)
    .description('Merge the folders of one sweep\'s shards into one folder with the full table and plot.')
    .argument('<dirs...>', 'sweep folders')
    .requiredOption('--out <dir>', 'merged folder (may be one of the inputs)');
  cmd.parse(argv, { from: 'user' });
  const summary = mergeSweeps(cmd.args, cmd.opts<{ out: string }>().out);
  deps.stdout.write(summaryTable(summary.rows, readPlan(summary.dir).axes));
  deps.stdout.write(`\n${summary.total} runs: ${summary.ok} ok, ${summary.failed} failed, ${summary.pending} missing\nresults: ${path.join(summary.dir, RESULTS_CSV)}\nplot: ${path.join(summary.dir, SWEEP_HTML)}\n`);
  return summary.failed > 0 || summary.pending > 0 ? 1 : 0;
}

function plotCommand(argv: string[], deps: SweepDeps): number {
  const cmd = program(deps, `${PROG} plot`)
    .description('Re-render sweep.html from the folder\'s results table.')
    .argument('<dir>', 'sweep folder')
    .option('--x <axis>', 'axis on the x axis')
    .option('--metrics <list>', `comma-separated metrics (default: ${DEFAULT_PLOT_METRICS.join(',')})`);
  cmd.parse(argv, { from: 'user' });
  const dir = cmd.args[0]!;
  const o = cmd.opts<{ x?: string; metrics?: string }>();
  let plan;
  try {
    plan = readPlan(dir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (o.x !== undefined && !plan.axes.includes(o.x)) throw new UsageError(`argument --x: '${o.x}' is not an axis of this sweep (${plan.axes.join(', ')})`);
  const metrics = o.metrics?.split(',').map((m) => m.trim()).filter(Boolean) ?? null;
  for (const m of metrics ?? []) if (!metricDef(m)) throw new UsageError(`argument --metrics: unknown metric '${m}'`);
  const rows = readFileSync(path.join(dir, RESULTS_JSONL), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
  const file = writeSweepHtml({ name: plan.name, axes: plan.axes, repeats: plan.repeats, rows, x: o.x ?? plan.plot.x, metrics: metrics ?? plan.plot.metrics, sweepDir: dir });
  deps.stdout.write(`plot: ${file}\n`);
  return 0;
}

export async function sweepMain(argv: string[], deps: SweepDeps): Promise<number> {
  try {
    if (argv[0] === 'merge') return mergeCommand(argv.slice(1), deps);
    if (argv[0] === 'plot') return plotCommand(argv.slice(1), deps);
    return await runCommand(argv, deps);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      deps.stderr.write(`${PROG}: ${safeLine(error.message.replace(/^error: /, 'error: '))}\n`);
      return 2;
    }
    const message = safeLine(error instanceof Error ? error.message : String(error));
    deps.stderr.write(`${PROG}: error: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
