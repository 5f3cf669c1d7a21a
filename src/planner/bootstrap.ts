// The `rapid` pre-deployment sweep (planner.md §10): synthetic forward passes priced by the
// engine's own latency model over the reference grid, fed to the perf models before the first
// tick so throughput scaling has a capacity estimate from the start.
//
// Prefill: ISL = 100, 100 + step, … ≤ pmax (pmax = max_num_batched_tokens or 8192,
// step = max(1, ⌊(pmax − 100) / g⌋)), one request each. Decode: context ∈ {500, 2000, 4000, 8000},
// batch = 1, 1 + bstep, … ≤ bsmax (bsmax = max_num_seqs or 256, bstep = max(1, ⌊bsmax / g⌋)),
// stopping where batch × context exceeds the engine's KV capacity. g = --benchmark-granularity.

import { createHash } from 'node:crypto';
import { makePass } from './types.js';
import type { EngineCapabilities, ForwardPassSnapshot } from './types.js';

/**
 * The engine's latency model, in milliseconds per forward pass (what a live pass would take),
 * asked for a whole grid at once (one call to the core per grid).
 */
export interface EngineLatencyOracle {
  /** Per point, one prefill pass of `batch` requests of `isl` tokens with `prefix` cached tokens each. */
  prefillMs(points: readonly (readonly [batch: number, isl: number, prefix: number])[]): number[];
  /** Per point, one decode pass of `batch` requests at `context` tokens each (raw full-verification time under MTP). */
  decodeMs(points: readonly (readonly [batch: number, context: number])[]): number[];
}

export const DEFAULT_BENCHMARK_GRANULARITY = 8;

/**
 * The reference's warning when a role has no AIC identity to sweep (replay/planner.py
 * prepare_planner_replay): the planner then starts without bootstrap data.
 */
export const NO_AIC_IDENTITY_NOTE = 'throughput-based scaling regression requires AIS perf model; falling back to load-based scaling only';

/** An AIC identity: backend, system and model path all set (reference `_ais_session_kwargs`). */
export function hasAicIdentity(args: { aic_backend: string | null; aic_system: string | null; aic_model_path: string | null }): boolean {
  return args.aic_backend !== null && args.aic_system !== null && args.aic_model_path !== null;
}
export const BOOTSTRAP_DECODE_CONTEXTS: readonly number[] = [500, 2000, 4000, 8000];
const DEFAULT_PREFILL_MAX = 8192;
const DEFAULT_DECODE_SEQS = 256;
const DEFAULT_BOOTSTRAP_KV = 262_144;

export type BootstrapStatus = 'not_required' | 'not_configured_load_only' | 'session_failed_load_only' | 'installed' | 'empty';

export interface BootstrapResult {
  status: BootstrapStatus;
  /** Why, when nothing was installed. */
  detail: string | null;
  granularity: number;
  prefillFpms: ForwardPassSnapshot[];
  decodeFpms: ForwardPassSnapshot[];
  /** sha256 of the installed passes (hex), null when none. */
  digest: string | null;
}

export function prefillGridIsls(caps: EngineCapabilities | null | undefined, granularity: number): number[] {
  const pmax = caps?.max_num_batched_tokens || DEFAULT_PREFILL_MAX;
  const step = Math.max(1, Math.floor((pmax - 100) / Math.max(1, granularity)));
  const out: number[] = [];
  for (let isl = 100; isl <= pmax; isl += step) out.push(isl);
  return out;
}

/** Per-engine KV tokens for the decode grid (not multiplied by data-parallel ranks). */
export function bootstrapKvTokens(caps: EngineCapabilities | null | undefined): number {
  const total = caps?.max_kv_tokens ?? 0;
  const perEngine = total > 0 ? total / Math.max(1, caps?.dp_size ?? 1) : 0;
  return perEngine > 0 ? perEngine : DEFAULT_BOOTSTRAP_KV;
}

export function decodeGridPoints(caps: EngineCapabilities | null | undefined, granularity: number): { batch: number; context: number }[] {
  const maxKv = bootstrapKvTokens(caps);
  const bsmax = caps?.max_num_seqs || DEFAULT_DECODE_SEQS;
  const bstep = Math.max(1, Math.floor(bsmax / Math.max(1, granularity)));
  const out: { batch: number; context: number }[] = [];
  for (const context of BOOTSTRAP_DECODE_CONTEXTS) {
    for (let batch = 1; batch <= bsmax; batch += bstep) {
      if (batch * context > maxKv) break;
      out.push({ batch, context });
    }
  }
  return out;
}

export function prefillBootstrapFpms(oracle: EngineLatencyOracle, caps: EngineCapabilities | null | undefined, granularity: number): ForwardPassSnapshot[] {
  const isls = prefillGridIsls(caps, granularity);
  const prices = oracle.prefillMs(isls.map((isl) => [1, isl, 0] as const));
  const out: ForwardPassSnapshot[] = [];
  isls.forEach((isl, i) => {
    const ms = prices[i]!;
    if (ms > 0 && Number.isFinite(ms)) out.push(makePass({ numPrefillRequests: 1, sumPrefillTokens: isl, wallTimeSecs: ms / 1000 }));
  });
  return out;
}

export function decodeBootstrapFpms(oracle: EngineLatencyOracle, caps: EngineCapabilities | null | undefined, granularity: number): ForwardPassSnapshot[] {
  const points = decodeGridPoints(caps, granularity);
  const prices = oracle.decodeMs(points.map(({ batch, context }) => [batch, context] as const));
  const out: ForwardPassSnapshot[] = [];
  points.forEach(({ batch, context }, i) => {
    const ms = prices[i]!;
    if (ms > 0 && Number.isFinite(ms)) out.push(makePass({ numDecodeRequests: batch, sumDecodeKvTokens: batch * context, wallTimeSecs: ms / 1000 }));
  });
  return out;
}

export function fpmDigest(fpms: readonly ForwardPassSnapshot[]): string {
  const h = createHash('sha256');
  for (const p of fpms) h.update(`${p.numPrefillRequests},${p.sumPrefillTokens},${p.numDecodeRequests},${p.sumDecodeKvTokens},${p.wallTimeSecs}\n`);
  return h.digest('hex');
}
