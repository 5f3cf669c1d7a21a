// Lines under the table (issue 13, item 6): goodput, SLA attainment and requests cut off by
// --max-sim-time-seconds, printed only when they apply; the reference's table and trailers stay as they are.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { RequestStatus } from '../../src/core/results.js';
import { runNoteLines } from '../../src/report/run-notes.js';
import { formatReportTable, renderRunOutput } from '../../src/report/table.js';

const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/trace.jsonl');

describe('lines under the table', () => {
  it('goodput, SLA attainment and the cut-off count when an SLA and a time limit apply', async () => {
    const { report, results } = await replay({
      traceFiles: [trace],
      numWorkers: 1,
      maxSimTimeSeconds: 60,
      slaTtftMs: 200,
      slaItlMs: 12,
    });
    let incomplete = 0;
    for (const s of results.requests.status) if (s === RequestStatus.Incomplete) incomplete += 1;
    expect(incomplete).toBeGreaterThan(0);
    const good = report.goodput_completed_requests!;
    expect(good).toBeGreaterThan(0);
    expect(good).toBeLessThan(report.completed_requests);
    const lines = runNoteLines(report, results);
    expect(lines).toEqual([
      `Goodput (requests/sec): ${(report.goodput_request_throughput_rps!).toFixed(2)}`,
      `Goodput Output Token Throughput (tokens/sec): ${report.goodput_output_throughput_tok_s!.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
      `SLA Attainment (%): ${((100 * good) / report.completed_requests).toFixed(2)} (${good} of ${report.completed_requests} completed requests)`,
      `Requests Cut Off by --max-sim-time-seconds: ${incomplete}`,
    ]);
    const out = renderRunOutput(report, 'r.json', lines);
    expect(out).toBe(`${formatReportTable(report)}\n${lines.join('\n')}\nSaved full report to: r.json\n`);
  });

  it('nothing extra without an SLA or a cut-off', async () => {
    const { report, results } = await replay({ traceFiles: [trace], numWorkers: 2 });
    expect(runNoteLines(report, results)).toEqual([]);
  });
});
