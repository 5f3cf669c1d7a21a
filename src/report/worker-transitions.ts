// Workers in transition, for the planner report: how many were starting and draining at each
// tick, and the GPU-hours split into ready, starting and draining. The core reports ready and
// provisioned counts per tick and provisioned worker-seconds per pool; the starting workers follow
// from the planner's targets and the startup time by the core's own scaling rule (Pool::scale_to,
// native/sim/pool.cc, after the reference's `apply_target_count`): up adds workers, routable after
// `startup_time`; down cancels starting workers first (newest first), then drains the newest ready
// ones, which leave routing at once. Draining is what remains of the provisioned time.

import type { TickPlanner } from '../core/planner-loop.js';
import type { PlannerObservation } from '../planner/types.js';

export interface PoolCounts {
  active: number;
  total: number;
  /** Workers still starting, as the core reports them (when it does). */
  starting?: number;
}

/** What one planner tick saw and decided (recorded around the planner, no change to it). */
export interface RecordedTick {
  nowMs: number;
  prefill: PoolCounts | null;
  decode: PoolCounts;
  /** The traffic window since the previous tick: router KV hit rate and MTP accept length. */
  kvHitRate: number | null;
  acceptLength: number | null;
  targetPrefill: number | null;
  targetDecode: number | null;
}

/** Wraps a planner so every observation and decision is recorded. */
export function recordTicks(planner: TickPlanner): { planner: TickPlanner; ticks: RecordedTick[] } {
  const ticks: RecordedTick[] = [];
  return {
    ticks,
    planner: {
      initialTickMs: () => planner.initialTickMs(),
      // The core logs every pass only for a planner that reads them.
      get wantsPassLog() {
        return planner.wantsPassLog;
      },
      onTick(obs: PlannerObservation) {
        const decision = planner.onTick(obs);
        const t = obs.traffic;
        ticks.push({
          nowMs: obs.nowMs,
          prefill: obs.totalPrefill > 0 || obs.activePrefill > 0 ? { active: obs.activePrefill, total: obs.totalPrefill, starting: obs.startingPrefill } : null,
          decode: { active: obs.activeDecode, total: obs.totalDecode, starting: obs.startingDecode },
          kvHitRate: t && t.kvHitCount > 0 ? t.avgKvHitRate : null,
          acceptLength: t ? t.avgAcceptLength : null,
          targetPrefill: decision.targetPrefill,
          targetDecode: decision.targetDecode,
        });
        return decision;
      },
    },
  };
}

export interface PoolTransitions {
  /** Per recorded tick, as observed at it. */
  starting: number[];
  draining: number[];
  /** Worker-seconds ready and starting over the run (draining = provisioned − these). */
  readySeconds: number;
  startingSeconds: number;
  /** Ticks where the rule's ready or starting count disagreed with the core's (0 when the rule holds). */
  mismatches: number;
}

/**
 * Replays the scaling rule over one pool's targets. `target(tick)` is the pool's target at that
 * tick (null = unchanged); the run starts with `initial` ready workers and ends at `endMs`.
 */
export function poolTransitions(
  ticks: readonly RecordedTick[],
  counts: (t: RecordedTick) => PoolCounts | null,
  target: (t: RecordedTick) => number | null,
  initial: number,
  startupS: number,
  endMs: number,
): PoolTransitions {
  const startupMs = startupS * 1000;
  let active = initial;
  // Starting workers' ready times, oldest first (cancellation takes the newest).
  let pending: number[] = [];
  let lastMs = 0;
  let readyMs = 0;
  let startingMs = 0;
  let mismatches = 0;
  const starting: number[] = [];
  const draining: number[] = [];
  // Advances the clock to `toMs`, activating workers whose startup ends on the way.
  const advance = (toMs: number) => {
    pending.sort((a, b) => a - b);
    while (pending.length > 0 && pending[0]! <= toMs) {
      const readyAt = pending.shift()!;
      readyMs += active * (readyAt - lastMs);
      startingMs += (pending.length + 1) * (readyAt - lastMs);
      lastMs = readyAt;
      active += 1;
    }
    readyMs += active * (toMs - lastMs);
    startingMs += pending.length * (toMs - lastMs);
    lastMs = toMs;
  };
  for (const tick of ticks) {
    advance(tick.nowMs);
    const seen = counts(tick);
    const nowStarting = pending.length;
    starting.push(nowStarting);
    if (seen) {
      if (seen.active !== active || (seen.starting !== undefined && seen.starting !== nowStarting)) mismatches += 1;
      draining.push(Math.max(0, seen.total - seen.active - nowStarting));
    } else draining.push(0);
    const goal = target(tick);
    if (goal === null) continue;
    let effective = active + pending.length;
    for (; effective < goal; effective++) {
      if (startupMs > 0) pending.push(tick.nowMs + startupMs);
      else active += 1;
    }
    // Cancel the newest starting workers, then drain the newest ready ones.
    pending.sort((a, b) => a - b);
    while (effective > goal && pending.length > 0) {
      pending.pop();
      effective -= 1;
    }
    while (effective > goal && active > 0) {
      active -= 1;
      effective -= 1;
    }
  }
  advance(Math.max(endMs, lastMs));
  return { starting, draining, readySeconds: readyMs / 1000, startingSeconds: startingMs / 1000, mismatches };
}

export interface GpuHoursSplit {
  ready: number;
  starting: number;
  draining: number;
}

/** Splits the provisioned GPU-hours (the report's gpu_hours) into ready, starting and draining. */
export function gpuHoursSplit(
  pools: readonly { transitions: PoolTransitions; provisionedSeconds: number; gpusPerWorker: number }[],
): GpuHoursSplit {
  let ready = 0;
  let starting = 0;
  let draining = 0;
  for (const p of pools) {
    const r = Math.min(p.transitions.readySeconds, p.provisionedSeconds);
    const s = Math.min(p.transitions.startingSeconds, p.provisionedSeconds - r);
    ready += (r * p.gpusPerWorker) / 3600;
    starting += (s * p.gpusPerWorker) / 3600;
    draining += (Math.max(0, p.provisionedSeconds - r - s) * p.gpusPerWorker) / 3600;
  }
  return { ready, starting, draining };
}

export interface RunTransitions {
  ticks: readonly RecordedTick[];
  /** Per recorded tick: the engines' prefix-cache hit rate of the prompts admitted since the previous one. */
  prefixHitRate?: (number | null)[];
  prefill: PoolTransitions | null;
  /** The aggregated pool reports here too. */
  decode: PoolTransitions;
  split: GpuHoursSplit;
}

export interface TransitionInputs {
  disaggregated: boolean;
  initialPrefill: number;
  initialDecode: number;
  startupPrefillS: number;
  startupDecodeS: number;
  endMs: number;
  prefillWorkerSeconds: number;
  decodeWorkerSeconds: number;
  prefillGpusPerWorker: number;
  decodeGpusPerWorker: number;
}

export function runTransitions(ticks: readonly RecordedTick[], i: TransitionInputs): RunTransitions {
  const decode = poolTransitions(ticks, (t) => t.decode, (t) => t.targetDecode, i.initialDecode, i.startupDecodeS, i.endMs);
  const prefill = i.disaggregated
    ? poolTransitions(ticks, (t) => t.prefill, (t) => t.targetPrefill, i.initialPrefill, i.startupPrefillS, i.endMs)
    : null;
  const pools = [{ transitions: decode, provisionedSeconds: i.decodeWorkerSeconds, gpusPerWorker: i.decodeGpusPerWorker }];
  if (prefill) pools.push({ transitions: prefill, provisionedSeconds: i.prefillWorkerSeconds, gpusPerWorker: i.prefillGpusPerWorker });
  return { ticks, prefill, decode, split: gpuHoursSplit(pools) };
}
