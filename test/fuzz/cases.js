// Random inputs for the addon and the trace parser: valid configurations and workloads taken
// from the real front end, then mutated (a field set to NaN, an infinity, a huge or negative
// number, a wrong type; typed arrays cut, grown or filled with extremes). Every case must end in a
// result or a JS error, never a crash or a hang. Deterministic: a case is its seed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** mulberry32: small, seedable, good enough to pick mutations. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const EXTREMES = [NaN, Infinity, -Infinity, -1, 0, 1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e18, 1e300, -1e300, 5e-324, 1e-300];
const WRONG = [null, undefined, 'x', '', true, {}, [], [1, 2], () => 1];

function randomValue(r, old) {
  if (ArrayBuffer.isView(old) && r.next() < 0.85) return mutateArray(r, old);
  const roll = r.next();
  if (roll < 0.55) return r.pick(EXTREMES);
  if (roll < 0.7 && typeof old === 'number') return old * r.pick([-1, 0, 2, 1000, 1e9, 1e-9]);
  if (roll < 0.85) return r.pick(WRONG);
  if (old instanceof Float64Array || old instanceof Uint32Array || old instanceof Int32Array) return mutateArray(r, old);
  return r.pick(EXTREMES);
}

function mutateArray(r, arr) {
  const Kind = arr.constructor;
  const roll = r.next();
  if (roll < 0.05) return new Kind(0);
  if (roll < 0.12) return arr.slice(0, r.int(arr.length + 1));
  if (roll < 0.18) {
    const grown = new Kind(arr.length + 1 + r.int(8));
    grown.set(arr);
    return grown;
  }
  if (roll < 0.22) return r.pick([new Float64Array(arr.length), new Uint32Array(arr.length), new Int32Array(arr.length), Array.from(arr)]);
  // Mostly: a few elements nudged to values that keep the type but break what the others imply.
  const out = arr.slice();
  const hits = 1 + r.int(3);
  for (let i = 0; i < hits && out.length > 0; i++) {
    const at = r.int(out.length);
    const v = out[at];
    const choices = [v + 1, v - 1, v * 2, v * 1000, 0, 1, 2 ** 31 - 1, 2 ** 32 - 1];
    if (Kind === Float64Array) choices.push(NaN, Infinity, -1, 1e300, -0);
    out[at] = r.pick(choices);
  }
  return out;
}

/** Every path to a leaf (or a typed array) of a plain object. */
function leaves(obj, prefix = []) {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = [...prefix, k];
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v)) out.push(p, ...leaves(v, p));
    else out.push(p);
  }
  return out;
}

function clone(v) {
  if (ArrayBuffer.isView(v)) return v.slice();
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

/** `obj` with 1–4 random fields replaced. */
export function mutate(r, obj) {
  const out = clone(obj);
  const paths = leaves(out);
  const n = 1 + r.int(2);
  for (let i = 0; i < n && paths.length > 0; i++) {
    const p = r.pick(paths);
    let parent = out;
    for (const k of p.slice(0, -1)) parent = parent?.[k];
    if (parent && typeof parent === 'object') {
      const key = p[p.length - 1];
      if (r.next() < 0.1) delete parent[key];
      else parent[key] = randomValue(r, parent[key]);
    }
  }
  return out;
}

const TRACE_FIELDS = ['timestamp', 'created_time', 'input_length', 'output_length', 'hash_ids', 'session_id', 'delay'];

/** A small trace file: valid Mooncake lines, then a few lines broken at random. */
export function randomTraceFile(r, dir) {
  const lines = [];
  const n = 1 + r.int(12);
  for (let i = 0; i < n; i++) {
    const row = { timestamp: i * 100, input_length: 1 + r.int(3000), output_length: 1 + r.int(50), hash_ids: Array.from({ length: 1 + r.int(6) }, () => r.int(20)) };
    if (r.next() < 0.3) row.session_id = `s${r.int(3)}`;
    let text = JSON.stringify(row);
    const roll = r.next();
    if (roll < 0.3) {
      const bad = { ...row, [r.pick(TRACE_FIELDS)]: randomValue(r, 1) };
      text = JSON.stringify(bad, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 1e400 : v)).replace(/1e\+?400/g, '1e400');
    } else if (roll < 0.4) {
      const bytes = Buffer.from(text);
      for (let k = 0; k < 1 + r.int(4); k++) bytes[r.int(bytes.length)] = r.int(256);
      text = bytes.toString('latin1');
    } else if (roll < 0.45) {
      text = text.slice(0, r.int(text.length));
    }
    lines.push(text);
  }
  const file = path.join(dir, `trace-${r.int(1e9)}.jsonl`);
  fs.writeFileSync(file, Buffer.from(lines.join(r.next() < 0.1 ? '\r\n' : '\n'), 'latin1'));
  return file;
}

export const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-fuzz-'));
