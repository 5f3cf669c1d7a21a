// Runs one simulation to the end, in slices of simulated time so a progress callback can fire
// between slices without any per-event call crossing into JS.
import { createSimulation, type NativeSimConfig, type NativeSimulation } from './native.js';
import type { SimResults } from './results.js';
import type { Workload } from './workload.js';

const SLICES = 200;

export function runSimulation(
  config: NativeSimConfig,
  workload: Workload,
  onProgress?: (fraction: number) => void,
): SimResults {
  const sim = createSimulation(config, workload);
  if (!onProgress) {
    sim.runUntil(Infinity);
    return finalResults(sim);
  }
  const horizon = Math.min(config.maxSimTimeMs, Math.max(sim.status().lastArrivalMs, 1));
  const step = horizon / SLICES;
  let limit = step;
  while (!sim.runUntil(limit)) {
    onProgress(Math.min(1, sim.status().nowMs / horizon));
    limit += step;
  }
  onProgress(1);
  return finalResults(sim);
}

// The reports need only the results: the core's memory goes now rather than at some later GC.
function finalResults(sim: NativeSimulation): SimResults {
  const results = sim.results();
  sim.release();
  return results;
}
