// Lines dynosim prints under the summary table beyond the reference's three trailers, when they
// apply: goodput and SLA attainment (an SLA was given), requests cut off by
// --max-sim-time-seconds (still in flight when the clock stopped, so in no statistic), and
// agentic requests never started because a request of their play was rejected.

import { countText } from '../core/count-text.js';
import { RequestStatus, type SimResults } from '../core/results.js';
import type { Workload } from '../core/workload.js';
import type { FlatReport } from './summary.js';
import { formatCell } from './table.js';

export function runNoteLines(report: FlatReport, results: SimResults, workload?: Workload): string[] {
  const lines: string[] = [];
  const good = report.goodput_completed_requests;
  if (good !== undefined) {
    lines.push(`Goodput (requests/sec): ${formatCell(report.goodput_request_throughput_rps)}`);
    lines.push(`Goodput Output Token Throughput (tokens/sec): ${formatCell(report.goodput_output_throughput_tok_s)}`);
    const completed = report.completed_requests;
    const attainment = completed > 0 ? formatCell((100 * good) / completed) : 'N/A';
    lines.push(`SLA Attainment (%): ${attainment} (${countText(good)} of ${countText(completed)} completed requests)`);
  }
  const { status, arrivalMs } = results.requests;
  // A play with a rejected request starts nothing more (the reference skips the rest).
  const playOf = workload?.graph?.playOf;
  const failedPlays = new Set<number>();
  if (playOf) for (let i = 0; i < status.length; i++) if (status[i] === RequestStatus.Rejected) failedPlays.add(playOf[i]!);
  let cutOff = 0;
  let skipped = 0;
  for (let i = 0; i < status.length; i++) {
    if (status[i] !== RequestStatus.Incomplete) continue;
    if (playOf && Number.isNaN(arrivalMs[i]) && failedPlays.has(playOf[i]!)) skipped += 1;
    else cutOff += 1;
  }
  if (cutOff > 0) lines.push(`Requests Cut Off by --max-sim-time-seconds: ${countText(cutOff)}`);
  if (skipped > 0) lines.push(`Requests Skipped after a Rejected Request of Their Play: ${countText(skipped)}`);
  return lines;
}
