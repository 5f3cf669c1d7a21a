// The guide's AIC planner run gives byte-identical outputs whether the core completes decode
// passes in bulk (decode runs, memoised AIC prices, lazily kept block identities) or steps every
// pass: the report JSON (wall-clock fields aside), the planner's HTML report and its decision log.
// The pass-by-pass run is forced by wrapping the addon's constructor, so nothing else differs.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { NativeSimConfig } from '../../src/core/native.js';
import type { Workload } from '../../src/core/workload.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { GUIDE_ENGINE_ARGS, guidePlannerConfig } from '../../bench/guide.js';

const stepping = vi.hoisted(() => ({ everyPass: false, configs: 0 }));
vi.mock('../../src/core/native.js', async (importOriginal) => {
  const native = await importOriginal<typeof import('../../src/core/native.js')>();
  return {
    ...native,
    createSimulation(config: NativeSimConfig, workload: Workload) {
      stepping.configs += 1;
      return native.createSimulation(stepping.everyPass ? { ...config, decodeRuns: false } : config, workload);
    },
  };
});
const { replay } = await import('../../src/api.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const conversation = path.resolve(here, '../../../shared/traces/mooncake_conversation_trace.jsonl');
const systems = path.resolve(here, '../../../shared/aic/systems');
const sharedPresent = existsSync(conversation) && existsSync(systems);
if (!sharedPresent) console.warn(`skipping the AIC planner equivalence run: ${conversation} or ${systems} is absent (../shared is not checked out)`);

// Fields that measure the host, not the simulation.
const WALL_CLOCK = ['wall_time_ms', 'processed_tokens_per_s', 'processed_output_tokens_per_s'];

async function guideRun(everyPass: boolean) {
  stepping.everyPass = everyPass;
  const out = mkdtempSync(path.join(tmpdir(), 'dynosim-planner-eq-'));
  const { report, results, planner } = await replay({
    traceFiles: [conversation],
    plannerConfig: guidePlannerConfig({ report_output_dir: out, report_filename: 'agg.html' }),
    extraEngineArgs: { ...GUIDE_ENGINE_ARGS, aic_systems_path: systems },
    numWorkers: 2,
  });
  const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  for (const key of WALL_CLOCK) delete json[key];
  const section = json.planner as Record<string, unknown>;
  delete section.html_report_path; // differs by folder only
  return {
    json,
    html: readFileSync(planner!.htmlPath!, 'utf8'),
    log: gunzipSync(readFileSync(path.join(out, 'agg.log.jsonl.gz'))).toString('utf8'),
    passes: results.forwardPasses,
    bulk: results.decodeRunPasses,
  };
}

describe('AIC planner run: bulk decode runs and pass-by-pass stepping agree byte for byte', () => {
  it.skipIf(!sharedPresent)("the guide's agg planner run on the conversation trace", async () => {
    const bulk = await guideRun(false);
    const stepped = await guideRun(true);
    expect(stepping.configs).toBe(2);
    // The comparison means something only if most passes went in runs on one side and none on the other.
    expect(bulk.bulk).toBeGreaterThan(bulk.passes * 0.5);
    expect(stepped.bulk).toBe(0);
    expect(stepped.passes).toBe(bulk.passes);
    expect(stepped.json).toEqual(bulk.json);
    expect(stepped.log).toBe(bulk.log);
    expect(stepped.html.replaceAll(stepped.html.match(/dynosim-planner-eq-[A-Za-z0-9]+/g)?.[0] ?? '\0', 'X')).toBe(
      bulk.html.replaceAll(bulk.html.match(/dynosim-planner-eq-[A-Za-z0-9]+/g)?.[0] ?? '\0', 'X'),
    );
  });
});
