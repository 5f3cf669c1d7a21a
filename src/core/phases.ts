// Phase boundaries of one replay as performance marks named `dynosim:<phase>`, so `bench/` can
// split a run's wall time (configure, parse, core, planner, reports) without a timing API of its
// own. A mark is a few hundred nanoseconds; nothing reads them unless asked.

export type Phase = 'start' | 'configured' | 'parsed' | 'ran' | 'reported';

const PHASES: readonly Phase[] = ['start', 'configured', 'parsed', 'ran', 'reported'];

/** What `ran` carries: the part of the run spent inside the native core. */
export interface RanDetail {
  coreMs: number;
}

export function markPhase(phase: Phase, detail?: RanDetail): void {
  performance.mark(`dynosim:${phase}`, detail ? { detail } : undefined);
}

/** Drops the previous replay's marks (a sweep replays many times in one process). */
export function clearPhaseMarks(): void {
  for (const phase of PHASES) performance.clearMarks(`dynosim:${phase}`);
}
