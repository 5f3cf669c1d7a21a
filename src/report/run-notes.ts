// Lines dynosim prints under the summary table beyond the reference's three trailers, when they
// apply: goodput and SLA attainment (an SLA was given), and requests cut off by
// --max-sim-time-seconds (still in flight when the clock stopped, so in no statistic).

import { RequestStatus, type SimResults } from '../core/results.js';
import type { FlatReport } from './summary.js';
import { formatCell } from './table.js';

export function runNoteLines(report: FlatReport, results: SimResults): string[] {
  const lines: string[] = [];
  const good = report.goodput_completed_requests;
  if (good !== undefined) {
    lines.push(`Goodput (requests/sec): ${formatCell(report.goodput_request_throughput_rps)}`);
    lines.push(`Goodput Output Token Throughput (tokens/sec): ${formatCell(report.goodput_output_throughput_tok_s)}`);
    const completed = report.completed_requests;
    const attainment = completed > 0 ? formatCell((100 * good) / completed) : 'N/A';
    lines.push(`SLA Attainment (%): ${attainment} (${good.toLocaleString('en-US')} of ${completed.toLocaleString('en-US')} completed requests)`);
  }
  let cutOff = 0;
  for (const s of results.requests.status) if (s === RequestStatus.Incomplete) cutOff += 1;
  if (cutOff > 0) lines.push(`Requests Cut Off by --max-sim-time-seconds: ${cutOff.toLocaleString('en-US')}`);
  return lines;
}
