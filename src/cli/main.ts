// `dynosim` entry point: parse and check the command line, run the replay through the API, print
// what it returns. Exit codes follow the reference: 0 success, 2 command-line error (usage shown),
// 1 a run that could not proceed (bad JSON knob, bad trace, internal failure).

import { replay } from '../api.js';
import { formatPlannerTrailer, formatScalingEventsBlock } from '../planner/report-json.js';
import { runNoteLines } from '../report/run-notes.js';
import { renderRunOutput } from '../report/table.js';
import { OutputsInterrupted } from '../report/output-set.js';
import { resolveReportJsonPath } from '../report/write-file.js';
import { ReplayError, UsageError } from '../errors.js';
import type { ReplayOptions } from '../options.js';
import { parseCli, PROG, USAGE } from './args.js';
import { checkTopology } from './check-topology.js';
import { createProgressBar } from './progress.js';
import { guardStdout, safeLine } from './terminal.js';
import { perfModelMain } from './perf-model.js';

export interface TextSink {
  write(chunk: string): unknown;
}

export interface ErrorSink extends TextSink {
  isTTY?: boolean;
  columns?: number;
}

export interface ReplayOutcome {
  /** Everything the replay prints on stdout (summary table, "Saved full report to: …"). */
  stdout: string;
}

export type ReplayRunner = (options: ReplayOptions) => Promise<ReplayOutcome>;

export interface MainDeps {
  stdout: TextSink;
  stderr: ErrorSink;
  env: Record<string, string | undefined>;
  /** Runs one replay; defaults to `replay()` of the programmatic API. */
  runReplay: ReplayRunner;
}

/**
 * The one place that knows how the API is called: the report always goes somewhere (by default a
 * timestamped file in the working directory, as the reference does), then stdout is rendered.
 */
export const runReplayViaApi: ReplayRunner = async (options) => {
  const result = await replay({ ...options, reportJson: resolveReportJsonPath(options.reportJson, new Date()) });
  const table = renderRunOutput(result.report, result.reportPath!, runNoteLines(result.report, result.results, result.workload));
  if (!result.planner) return { stdout: table };
  // The reference's planner order: scaling events, the table, then ticks and the HTML path.
  const { events, ticks, htmlPath } = result.planner;
  return { stdout: formatScalingEventsBlock(events) + table + formatPlannerTrailer(ticks, htmlPath) };
};

/** SIGINT/SIGTERM abort long subcommands (their reason is the signal's name). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  // The first signal stops the sweep cleanly; a second one ends the process at once.
  const on = (sig: 'SIGINT' | 'SIGTERM') => () => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    controller.abort(sig);
  };
  process.on('SIGINT', on('SIGINT'));
  process.on('SIGTERM', on('SIGTERM'));
  return controller.signal;
}

export async function main(argv: string[], deps: Partial<MainDeps> = {}): Promise<number> {
  if (!deps.stdout) guardStdout(process.stdout, deps.stderr ?? process.stderr, PROG);
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const env = deps.env ?? process.env;
  if (argv[0] === 'perf-model') return perfModelMain(argv.slice(1), { stdout, stderr, env });
  if (argv[0] === 'sweep') return (await import('./sweep.js')).sweepMain(argv.slice(1), { stdout, stderr, env, signal: interruptSignal() });
  if (argv[0] === 'compare') return (await import('./compare.js')).compareMain(argv.slice(1), { stdout, stderr });
  const runReplay = deps.runReplay ?? runReplayViaApi;
  const bar = stderr.isTTY ? createProgressBar(stderr) : undefined;
  try {
    const parsed = parseCli(argv, env);
    if (parsed.kind === 'help') {
      stdout.write(parsed.text);
      return 0;
    }
    checkTopology(parsed);
    const onNote = (line: string) => {
      bar?.clear();
      stderr.write(`${safeLine(line)}\n`);
    };
    const options: ReplayOptions = { ...parsed.options, onNote, ...(bar ? { onProgress: (f: number) => bar.update(f) } : {}) };
    const outcome = await runReplay(options);
    bar?.finish();
    stdout.write(outcome.stdout);
    return 0;
  } catch (error) {
    bar?.finish();
    if (error instanceof OutputsInterrupted) {
      stderr.write(`${PROG}: ${error.message}\n`);
      return error.signal === 'SIGINT' ? 130 : 143;
    }
    if (error instanceof UsageError) {
      stderr.write(`${USAGE}\n${PROG}: error: ${safeLine(error.message)}\n`);
      return 2;
    }
    if (error instanceof ReplayError) {
      stderr.write(`${PROG}: error: ${safeLine(error.message)}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    stderr.write(`${PROG}: error: ${safeLine(message)}\n`);
    if (env.DYNOSIM_DEBUG === '1' && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return 1;
  }
}
