// The planner's view of each engine's latest forward pass, with the reference replay core's idle
// rule (aisimulate replay scaling: `LatestFpmBuffer`, `emit_idle_due`): an active engine that began
// no pass within the last second reports an empty snapshot, its publish clock then advancing in
// whole seconds; an engine that became ready less than a second ago and never ran is absent (the
// load loop then sees a worker-count mismatch and holds). Entries of inactive workers are dropped.
import type { EngineFpm } from './scaling.js';
import { emptyPass } from './types.js';
import type { EnginePass } from './types.js';

/** An engine that began no pass for this long reports an empty snapshot (reference IDLE_FPM_INTERVAL_MS). */
export const IDLE_FPM_INTERVAL_MS = 1000;

export const engineKey = (e: { workerId: number; dpRank: number }) => `${e.workerId}/${e.dpRank}`;

export class LatestFpmCache {
  readonly latest = new Map<string, EngineFpm>();
  private readonly lastPublishMs = new Map<string, number>();
  /** Engines whose cached snapshot is a pass they began since the previous tick (not an idle report). */
  readonly freshThisTick = new Set<string>();

  /**
   * One tick: the latest pass of each engine that ran since the previous tick (`startMs` absent =
   * began now), the active workers with when each became ready (absent = now), and `dp` ranks each.
   */
  merge(passes: readonly EnginePass[], activeIds: readonly number[], activeSinceMs: readonly number[] | undefined, nowMs: number, dp: number): void {
    this.freshThisTick.clear();
    for (const e of passes) {
      const k = engineKey(e);
      this.latest.set(k, { workerId: e.workerId, dpRank: e.dpRank, pass: e.pass });
      this.lastPublishMs.set(k, e.startMs ?? nowMs);
      this.freshThisTick.add(k);
    }
    const active = new Set(activeIds);
    for (const map of [this.latest, this.lastPublishMs])
      for (const k of map.keys()) if (!active.has(Number(k.slice(0, k.indexOf('/'))))) map.delete(k);
    activeIds.forEach((id, i) => {
      for (let rank = 0; rank < Math.max(1, dp); rank++) {
        const k = engineKey({ workerId: id, dpRank: rank });
        let last = this.lastPublishMs.get(k);
        if (last === undefined) last = Math.min(activeSinceMs?.[i] ?? nowMs, nowMs);
        const elapsed = nowMs - last;
        if (elapsed >= IDLE_FPM_INTERVAL_MS) {
          last += Math.floor(elapsed / IDLE_FPM_INTERVAL_MS) * IDLE_FPM_INTERVAL_MS;
          this.latest.set(k, { workerId: id, dpRank: rank, pass: emptyPass() });
          this.freshThisTick.delete(k);
        }
        this.lastPublishMs.set(k, last);
      }
    });
  }

  values(): EngineFpm[] {
    return [...this.latest.values()];
  }
}
