// The replay's phase marks that `npm run bench` reads (src/core/phases.ts): one of each, in
// pipeline order, the core's share within the run, and none left over from an earlier replay.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const example = path.resolve(here, '../../examples/trace.jsonl');
const ORDER = ['start', 'configured', 'parsed', 'ran', 'reported'];

function marks() {
  return ORDER.map((phase) => performance.getEntriesByName(`dynosim:${phase}`, 'mark'));
}

describe('replay phase marks', () => {
  it('mark each phase once, in order, with the core time inside the run', async () => {
    await replay({ inputTokens: 256, outputTokens: 16, requestCount: 50, numWorkers: 2 });
    const out = mkdtempSync(path.join(tmpdir(), 'dynosim-phases-'));
    const config = JSON.stringify({ mode: 'agg', report_output_dir: out, report_filename: 'p.html', load_adjustment_interval_seconds: 5 });
    await replay({ traceFiles: [example], plannerConfig: config, numWorkers: 2 });
    const seen = marks();
    for (const entries of seen) expect(entries).toHaveLength(1);
    const times = seen.map((entries) => entries[0]!.startTime);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    const coreMs = (seen[3]![0]!.detail as { coreMs: number }).coreMs;
    expect(coreMs).toBeGreaterThan(0);
    expect(coreMs).toBeLessThanOrEqual(times[3]! - times[2]!);
  });
});
