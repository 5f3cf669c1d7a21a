// Loads the compiled addon and types the one class it exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Workload } from './workload.js';
import type { SimResults } from './results.js';

/** Engine settings as the core takes them (already validated and defaulted). */
export interface NativeEngineConfig {
  blockSize: number;
  numGpuBlocks: number;
  /** 0 = unbounded. */
  maxNumSeqs: number;
  /** 0 = unbounded. */
  maxNumBatchedTokens: number;
  /** 0 = no limit. */
  maxModelLen: number;
  enablePrefixCaching: boolean;
  enableChunkedPrefill: boolean;
  preemptionMode: 'lifo' | 'fifo';
  speedupRatio: number;
  decodeSpeedupRatio: number;
  perfModel: 'polynomial';
}

export interface NativeRouterConfig {
  mode: 'round_robin' | 'kv_router';
  overlapScoreWeight: number;
  temperature: number;
  /** NaN = queueing disabled. */
  queueThreshold: number;
  queuePolicy: 'fcfs' | 'lcfs' | 'wspt';
  trackActiveBlocks: boolean;
  assumeKvReuse: boolean;
  trackPrefillTokens: boolean;
  seed: number;
}

export interface NativeSimConfig {
  engine: NativeEngineConfig;
  router: NativeRouterConfig;
  numWorkers: number;
  /** Infinity = run to the end. */
  maxSimTimeMs: number;
}

export interface NativeStatus {
  nowMs: number;
  lastArrivalMs: number;
  completed: number;
  finished: boolean;
}

export interface NativeSimulation {
  /** Advances the clock up to `limitMs` (inclusive); true once the run has ended. */
  runUntil(limitMs: number): boolean;
  status(): NativeStatus;
  results(): SimResults;
}

interface Addon {
  NativeSimulation: new (config: NativeSimConfig, workload: Workload) => NativeSimulation;
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  // dist/core/native.js and src/core/native.ts both sit two levels below the package root.
  addon = require(path.join(here, '..', '..', 'build', 'Release', 'dynosim_native.node')) as Addon;
  return addon;
}

export function createSimulation(config: NativeSimConfig, workload: Workload): NativeSimulation {
  return new (loadAddon().NativeSimulation)(config, workload);
}
