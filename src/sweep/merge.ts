// `dynosim sweep merge DIR... --out DIR`: the folders of one sweep's shards (or of interrupted
// runs on several machines) become one sweep folder with the same tables and page a single
// machine would have written. The folders must hold the same plan; each run's point is taken
// from the first folder that finished it (a success over a failure).

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import { PLAN_FILE, planEntries, readPlan, writeOutputs, type SweepPlan } from './run.js';
import { importPoint } from './store.js';
import type { Row } from './table.js';

export interface MergeSummary {
  dir: string;
  total: number;
  ok: number;
  failed: number;
  pending: number;
  rows: Row[];
}

function samePlan(a: SweepPlan, b: SweepPlan): boolean {
  return a.runs.length === b.runs.length && a.runs.every((r, i) => r.hash === b.runs[i]!.hash);
}

export function mergeSweeps(dirs: readonly string[], out: string): MergeSummary {
  if (dirs.length === 0) throw new UsageError('sweep merge: name at least one sweep folder');
  const plans = dirs.map((d) => {
    try {
      return readPlan(d);
    } catch (error) {
      throw new UsageError(`sweep merge: ${(error as Error).message}`);
    }
  });
  const plan = plans[0]!;
  plans.forEach((p, i) => {
    if (!samePlan(plan, p)) throw new UsageError(`sweep merge: ${dirs[i]} holds a different sweep than ${dirs[0]} (its runs or their configurations differ)`);
  });
  const target = path.resolve(out);
  fs.mkdirSync(target, { recursive: true });
  const runId = `merge-${process.pid}-${randomBytes(3).toString('hex')}`;
  const have = planEntries(plan, target);
  const sources = dirs.map((d) => ({ dir: path.resolve(d), entries: planEntries(plan, d) }));
  for (const entry of have) {
    if (entry.record?.status === 'ok') continue;
    const candidates = sources.filter((s) => s.dir !== target).map((s) => ({ dir: s.dir, rec: s.entries[entry.index]!.record }));
    const best = candidates.find((c) => c.rec?.status === 'ok') ?? (entry.record ? undefined : candidates.find((c) => c.rec !== null));
    if (best) importPoint(best.dir, entry.name, target, runId);
  }
  writeFileAtomicSync(path.join(target, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
  const rows = writeOutputs(plan, target);
  const final = planEntries(plan, target);
  return {
    dir: target,
    total: final.length,
    ok: final.filter((e) => e.record?.status === 'ok').length,
    failed: final.filter((e) => e.record?.status === 'failed').length,
    pending: final.filter((e) => e.record === null).length,
    rows,
  };
}
