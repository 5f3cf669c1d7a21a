// The files one replay writes — the report JSON, the per-request records, the planner's HTML
// report and log — as one all-or-none set: planned (every path checked) before the run, written
// after it. SIGINT and SIGTERM are caught only while the files are written: before that a signal
// ends the process at once with nothing on disk, and a run in native code could not answer them.

import type { ReplayOptions } from '../options.js';
import { OutputSet } from './output-set.js';

/** Files the run reads, so that no output overwrites one of them. */
function inputFiles(options: ReplayOptions): Array<{ label: string; path: string }> {
  const inputs = (options.traceFiles ?? []).map((file) => ({ label: 'trace file', path: file }));
  const knobs: Array<[string, unknown]> = [
    ['--planner-config', options.plannerConfig],
    ['--extra-engine-args', options.extraEngineArgs],
    ['--prefill-engine-args', options.prefillEngineArgs],
    ['--decode-engine-args', options.decodeEngineArgs],
    ['--router-config', options.routerConfig],
  ];
  for (const [label, value] of knobs) {
    if (typeof value === 'string' && !value.trimStart().startsWith('{')) inputs.push({ label, path: value });
  }
  return inputs;
}

export const REPORT_JSON_LABEL = '--report-json';
export const REPORT_JSONL_LABEL = '--report-jsonl';
export const PLANNER_REPORT_LABEL = '--planner-config report_output_dir';

/** The set for this run, with the report and per-request paths it was asked for already checked. */
export function planRunOutputs(options: ReplayOptions, reportJsonPath: string | null): OutputSet {
  const outputs = new OutputSet(inputFiles(options));
  if (reportJsonPath !== null) outputs.plan(REPORT_JSON_LABEL, reportJsonPath);
  if (options.reportJsonl !== undefined) outputs.plan(REPORT_JSONL_LABEL, options.reportJsonl);
  return outputs;
}

/** Writes the set; a signal meanwhile stops it with nothing left behind (OutputsInterrupted). */
export async function writeRunOutputs(outputs: OutputSet): Promise<void> {
  const onSignal = (signal: NodeJS.Signals) => outputs.interrupt(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await outputs.writeAll();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
