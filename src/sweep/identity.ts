// A run's identity: a hash of its full resolved configuration and of the input files' contents.
// Finished points are found again by it (a rerun skips them), whatever the sweep folder, the
// machine or the path the trace is mounted at. Files named by the run (traces, a planner warmup
// trace, an npz profile) count by their bytes; a folder (AIC's database) by its path relative to
// the spec's folder, so shards on machines that mount the study elsewhere agree. Output locations
// are not part of it; the dynosim version is, so an upgrade recomputes.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from '../config/knob.js';
import { packageRoot } from './package-root.js';
import type { RunConfig, SweepRun } from './points.js';

/** Bumped when what a point folder holds, or how it is keyed, changes. */
export const POINT_FORMAT = 1;


const digests = new Map<string, string>();

/** sha256 of a file's bytes, cached per (path, size, mtime) for the life of the process. */
export function fileDigest(file: string): string {
  const st = fs.statSync(file);
  const key = `${file}\u0000${st.size}\u0000${st.mtimeMs}`;
  let d = digests.get(key);
  if (d === undefined) {
    d = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    digests.set(key, d);
  }
  return d;
}

/**
 * A path-valued setting by what it names: a file by its content digest, a folder by its path
 * relative to the spec's folder; anything else (a missing file fails the run, which is recorded;
 * a model id) as written.
 */
function pathIdentity(value: unknown, specDir: string): unknown {
  if (typeof value !== 'string' || !path.isAbsolute(value)) return value;
  try {
    const st = fs.statSync(value);
    if (st.isFile()) return { sha256: fileDigest(value) };
    if (st.isDirectory()) return { dir: path.relative(specDir, value) };
  } catch {
    // not there
  }
  return value;
}

/** JSON with object keys sorted, so equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as JsonObject;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function identityConfig(config: RunConfig, specDir: string): unknown {
  const ident = (obj: Record<string, unknown>) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, pathIdentity(v, specDir)]));
  return {
    trace: config.trace?.map((t) => pathIdentity(t, specDir)) ?? null,
    flags: ident(config.flags),
    knobs: Object.fromEntries(Object.entries(config.knobs).map(([name, obj]) => [name, ident(obj!)])),
  };
}

/** The run's key: hex sha256 of everything that determines its outcome. */
export function runHash(run: SweepRun, specDir: string): string {
  const identity = {
    format: POINT_FORMAT,
    dynosim: packageRoot().version,
    config: identityConfig(run.config, specDir),
    jitter: run.jitter,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
