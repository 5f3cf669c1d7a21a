// `dynosim` entry point: parse and check the command line, run the replay through the API, print
// what it returns. Exit codes follow the reference: 0 success, 2 command-line error (usage shown),
// 1 a run that could not proceed (bad JSON knob, bad trace, internal failure).

import { replay } from '../api.js';
import { validateTopology } from '../config/topology.js';
import { formatPlannerTrailer, formatScalingEventsBlock } from '../planner/report-json.js';
import { renderRunOutput } from '../report/table.js';
import { OutputsInterrupted } from '../report/output-set.js';
import { resolveReportJsonPath } from '../report/write-file.js';
import { ReplayError, UsageError } from '../errors.js';
import type { ReplayOptions } from '../options.js';
import { parseCli, PROG, USAGE } from './args.js';
import type { PreparedReplay } from './args.js';
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
  const table = renderRunOutput(result.report, result.reportPath!);
  if (!result.planner) return { stdout: table };
  // The reference's planner order: scaling events, the table, then ticks and the HTML path.
  const { events, ticks, htmlPath } = result.planner;
  return { stdout: formatScalingEventsBlock(events) + table + formatPlannerTrailer(ticks, htmlPath) };
};

/** Checks the replay topology (reference item-14 checks) before handing off to the API. */
function checkTopology(prepared: PreparedReplay): void {
  const o = prepared.options;
  validateTopology({
    extraEngineArgs: prepared.extraEngineArgs,
    prefillEngineArgs: prepared.prefillEngineArgs,
    decodeEngineArgs: prepared.decodeEngineArgs,
    numWorkers: o.numWorkers,
    numPrefillWorkers: o.numPrefillWorkers,
    numDecodeWorkers: o.numDecodeWorkers,
    replayConcurrency: o.replayConcurrency ?? null,
    replayMode: o.replayMode,
    routerMode: o.routerMode,
    routerConfig: prepared.routerConfig,
    hasAicPerfConfig: o.aicPerfConfig !== undefined,
    arrivalSpeedupRatio: o.arrivalSpeedupRatio,
    synthetic:
      o.traceFiles === undefined
        ? {
            inputTokens: o.inputTokens ?? 0,
            outputTokens: o.outputTokens ?? 0,
            requestCount: o.requestCount ?? 0,
            arrivalIntervalMs: o.arrivalIntervalMs ?? null,
            requestRate: o.requestRate ?? null,
            turnsPerSession: o.turnsPerSession ?? 1,
            sharedPrefixRatio: o.sharedPrefixRatio ?? 0,
            numPrefixGroups: o.numPrefixGroups ?? 0,
            interTurnDelayMs: o.interTurnDelayMs ?? 0,
          }
        : null,
    slaTtftMs: o.slaTtftMs ?? null,
    slaItlMs: o.slaItlMs ?? null,
    slaE2eMs: o.slaE2eMs ?? null,
  });
}

export async function main(argv: string[], deps: Partial<MainDeps> = {}): Promise<number> {
  if (!deps.stdout) guardStdout(process.stdout, deps.stderr ?? process.stderr, PROG);
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const env = deps.env ?? process.env;
  if (argv[0] === 'perf-model') return perfModelMain(argv.slice(1), { stdout, stderr, env });
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
