// A sweep folder's points: `points/<name>/` per run, holding point.json (what ran, its status, its
// metrics) and the run's outputs. A point is written whole into a hidden temporary folder and
// renamed into place, so an interrupted sweep leaves only complete points and a rerun finds them
// by the hash at the end of the folder name.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AxisValue } from './spec.js';
import type { Jitter } from './points.js';

export interface PointRecord {
  format: number;
  hash: string;
  index: number;
  point: number;
  repeat: number;
  values: Record<string, AxisValue>;
  /** `dynosim …` replaying this run alone (arrival jitter aside). */
  command: string;
  stretch: number;
  jitter: Jitter | null;
  status: 'ok' | 'failed';
  error: string | null;
  metrics: Record<string, number | null>;
  /** Files in the point folder. */
  files: { report: string | null; planner_report: string | null };
  wall_s: number;
}

export const POINTS_DIR = 'points';
const RECORD = 'point.json';

/** `startup_time=30_r1-<hash16>`: readable, and unique by the hash. */
export function pointDirName(values: Record<string, AxisValue>, repeat: number, hash: string): string {
  const slug = Object.entries(values)
    .map(([k, v]) => `${k.slice(k.lastIndexOf('.') + 1)}=${typeof v === 'object' ? 'obj' : String(v)}`)
    .join(',')
    .replace(/[^A-Za-z0-9=,._-]+/g, '_')
    .slice(0, 80);
  return `${slug ? `${slug}_` : ''}r${repeat}-${hash.slice(0, 16)}`;
}

/** The hash prefix a point folder is keyed by. */
export function dirHashKey(name: string): string | null {
  const m = /-([0-9a-f]{16})$/.exec(name);
  return m ? m[1]! : null;
}

/** Every complete point under `sweepDir/points`, by 16-hex hash key. */
export function scanPoints(sweepDir: string): Map<string, { dir: string; record: PointRecord }> {
  const found = new Map<string, { dir: string; record: PointRecord }>();
  const root = path.join(sweepDir, POINTS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return found;
  }
  for (const name of names.sort()) {
    const key = dirHashKey(name);
    if (name.startsWith('.') || key === null) continue;
    try {
      const record = JSON.parse(fs.readFileSync(path.join(root, name, RECORD), 'utf8')) as PointRecord;
      if (record.hash.startsWith(key)) found.set(key, { dir: name, record });
    } catch {
      // not a complete point
    }
  }
  return found;
}

/** A fresh hidden folder beside the points, to be filled and then published. */
export function stagingDir(sweepDir: string, runId: string, name: string): string {
  const dir = path.join(sweepDir, POINTS_DIR, `.tmp-${runId}-${name}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes point.json into the staging folder and renames it to `points/<name>` (replacing an older record). */
export function publishPoint(sweepDir: string, staging: string, name: string, record: PointRecord): void {
  const recordPath = path.join(staging, RECORD);
  fs.writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  const fd = fs.openSync(recordPath, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const target = path.join(sweepDir, POINTS_DIR, name);
  if (fs.existsSync(target)) {
    const old = `${staging}.old`;
    fs.renameSync(target, old);
    fs.renameSync(staging, target);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(staging, target);
  }
}

/** Removes this invocation's unfinished staging folders (after Ctrl-C). */
export function removeStaging(sweepDir: string, runId: string): void {
  const root = path.join(sweepDir, POINTS_DIR);
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(`.tmp-${runId}-`)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}

/** Copies a point folder from another sweep folder (merge), atomically. */
export function importPoint(fromSweepDir: string, name: string, toSweepDir: string, runId: string): void {
  const staging = stagingDir(toSweepDir, runId, name);
  fs.cpSync(path.join(fromSweepDir, POINTS_DIR, name), staging, { recursive: true });
  const record = JSON.parse(fs.readFileSync(path.join(staging, RECORD), 'utf8')) as PointRecord;
  publishPoint(toSweepDir, staging, name, record);
}
