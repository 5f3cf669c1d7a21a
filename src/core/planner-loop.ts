// Runs a simulation with a planner in the loop: the core advances to each planner tick in one
// batch, the planner reads the tick's observations (worker counts, latest forward passes,
// traffic window) and returns worker targets and its next tick. No per-event calls cross.
import type { PlannerDecision, PlannerObservation } from '../planner/types.js';
import { createSimulation, evaluatePerfModel, type NativeEngineConfig, type NativeSimConfig } from './native.js';
import type { SimResults } from './results.js';
import type { Workload } from './workload.js';

export interface TickPlanner {
  initialTickMs(): number;
  /** Whether the planner reads every pass (the core then logs them); default false. */
  readonly wantsPassLog?: boolean;
  onTick(observation: PlannerObservation): PlannerDecision;
}

export interface PlannedRun {
  results: SimResults;
  ticks: number;
  /** Wall time spent inside the native core (advancing and reading results), ms. */
  coreMs: number;
}

export function runWithPlanner(
  config: NativeSimConfig,
  workload: Workload,
  planner: TickPlanner,
  onProgress?: (fraction: number) => void,
): PlannedRun {
  const sim = createSimulation(planner.wantsPassLog ? { ...config, passLog: true } : config, workload);
  const horizon = Math.max(sim.status().lastArrivalMs, 1);
  let ticks = 0;
  let next: number | null = planner.initialTickMs();
  let coreMs = 0;
  const runUntil = (limitMs: number): boolean => {
    const t0 = performance.now();
    const done = sim.runUntil(limitMs);
    coreMs += performance.now() - t0;
    return done;
  };
  for (;;) {
    if (next === null || !Number.isFinite(next)) {
      runUntil(Infinity);
      break;
    }
    if (runUntil(next)) break;
    const seen = sim.observe();
    const prefill = seen.prefill;
    const logs = planner.wantsPassLog ? sim.drainPasses() : null;
    const decision = planner.onTick({
      nowMs: next,
      activePrefill: prefill?.active ?? 0,
      totalPrefill: prefill?.total ?? 0,
      activeDecode: seen.decode.active,
      totalDecode: seen.decode.total,
      activePrefillIds: prefill?.activeIds ?? [],
      activeDecodeIds: seen.decode.activeIds,
      startingPrefill: prefill?.starting ?? 0,
      startingDecode: seen.decode.starting,
      activePrefillSinceMs: prefill?.activatedMs ?? [],
      activeDecodeSinceMs: seen.decode.activatedMs,
      prefillPasses: prefill?.passes ?? [],
      decodePasses: seen.decode.passes,
      prefillPassLog: logs?.prefill ?? null,
      decodePassLog: logs?.decode ?? null,
      traffic: sim.drainTraffic(),
    });
    ticks += 1;
    if (decision.targetPrefill !== null || decision.targetDecode !== null)
      sim.scale(decision.targetPrefill, decision.targetDecode);
    // A tick must move time forward; anything else ends the planner's part of the run.
    next = decision.nextTickMs !== null && decision.nextTickMs > next ? decision.nextTickMs : null;
    onProgress?.(Math.min(1, sim.status().nowMs / horizon));
  }
  onProgress?.(1);
  const t0 = performance.now();
  const results = sim.results();
  sim.release(); // the reports need only the results: the core's memory goes now, not at some GC
  return { results, ticks, coreMs: coreMs + performance.now() - t0 };
}

/** The engine's own latency model, as the planner's bootstrap queries it (raw ms, unscaled). */
export function engineLatencyOracle(engine: NativeEngineConfig) {
  const speedup = engine.speedupRatio > 0 ? engine.speedupRatio : 1;
  const decodeSpeedup = speedup * (engine.decodeSpeedupRatio > 0 ? engine.decodeSpeedupRatio : 1);
  // One evaluation per grid: each call to the core builds the engine's perf model afresh.
  return {
    prefillMs(points: readonly (readonly [number, number, number])[]): number[] {
      const ms = evaluatePerfModel(engine, Float64Array.from(points.flat()), new Float64Array(0)).prefillMs;
      return Array.from(ms, (v) => v / speedup);
    },
    decodeMs(points: readonly (readonly [number, number])[]): number[] {
      const ms = evaluatePerfModel(engine, new Float64Array(0), Float64Array.from(points.flat())).decodeMs;
      return Array.from(ms, (v) => v / decodeSpeedup);
    },
  };
}
