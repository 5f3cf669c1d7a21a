// The CLI's topology check: the reference's cross-flag checks on workers, router and synthetic
// workload (replay_cli.md §1.1 item 14), run on a prepared command line before anything runs.
import { validateTopology } from '../config/topology.js';
import type { PreparedReplay } from './prepare-replay.js';

/** Checks the replay topology (reference item-14 checks) before handing off to the API. */
export function checkTopology(prepared: PreparedReplay): void {
  const o = prepared.options;
  validateTopology({
    extraEngineArgs: prepared.extraEngineArgs,
    prefillEngineArgs: prepared.prefillEngineArgs,
    decodeEngineArgs: prepared.decodeEngineArgs,
    numWorkers: o.numWorkers,
    numPrefillWorkers: o.numPrefillWorkers,
    numDecodeWorkers: o.numDecodeWorkers,
    replayConcurrency: o.replayConcurrency ?? null,
    replayMode: o.replayMode,
    routerMode: o.routerMode,
    routerConfig: prepared.routerConfig,
    hasAicPerfConfig: o.aicPerfConfig !== undefined,
    arrivalSpeedupRatio: o.arrivalSpeedupRatio,
    synthetic:
      o.traceFiles === undefined
        ? {
            inputTokens: o.inputTokens ?? 0,
            outputTokens: o.outputTokens ?? 0,
            requestCount: o.requestCount ?? 0,
            arrivalIntervalMs: o.arrivalIntervalMs ?? null,
            requestRate: o.requestRate ?? null,
            turnsPerSession: o.turnsPerSession ?? 1,
            sharedPrefixRatio: o.sharedPrefixRatio ?? 0,
            numPrefixGroups: o.numPrefixGroups ?? 0,
            interTurnDelayMs: o.interTurnDelayMs ?? 0,
          }
        : null,
    slaTtftMs: o.slaTtftMs ?? null,
    slaItlMs: o.slaItlMs ?? null,
    slaE2eMs: o.slaE2eMs ?? null,
  });
}
