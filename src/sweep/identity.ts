// A run's identity: a hash of its full resolved configuration and of the input files' contents.
// Finished points are found again by it (a rerun skips them), whatever the sweep folder, the
// machine or the path the trace is mounted at. Files named by the run (traces, a planner warmup
// trace, an npz profile) count by their bytes; a folder (AIC's database) by its path. Output
// locations are not part of it; the dynosim version is, so an upgrade recomputes.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
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

/** A file-valued setting as its content digest when it names a readable file, else as written. */
function contentOrValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    if (fs.statSync(value).isFile()) return { sha256: fileDigest(value) };
  } catch {
    // not a file: keep the string (a missing file fails the run, which is recorded)
  }
  return value;
}

const FILE_KEYS = new Set(['planner_profile_data', 'load_predictor_warmup_trace']);

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

function identityConfig(config: RunConfig): unknown {
  const knobs: JsonObject = {};
  for (const [name, obj] of Object.entries(config.knobs)) {
    const copy: JsonObject = {};
    for (const [k, v] of Object.entries(obj!)) copy[k] = FILE_KEYS.has(k) ? contentOrValue(v) : v;
    knobs[name] = copy;
  }
  return {
    trace: config.trace?.map((t) => contentOrValue(t)) ?? null,
    flags: config.flags,
    knobs,
  };
}

/** The run's key: hex sha256 of everything that determines its outcome. */
export function runHash(run: SweepRun): string {
  const identity = {
    format: POINT_FORMAT,
    dynosim: packageRoot().version,
    config: identityConfig(run.config),
    jitter: run.jitter,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
