// Options of one replay, as the programmatic API takes them. The CLI maps its flags onto these
// one-to-one (flag `--num-workers` → `numWorkers`); JSON knobs may be given as strings or objects.

export type TraceFormat = 'mooncake' | 'mooncake-delta' | 'agentic_mooncake' | 'applied_compute_agentic' | 'dynamo';
export type RouterMode = 'round_robin' | 'kv_router';
export type ReplayMode = 'offline' | 'online';

export type JsonKnob = string | Record<string, unknown>;

export interface ReplayOptions {
  traceFiles?: string[];
  traceFormat?: TraceFormat;
  traceBlockSize?: number;
  extraEngineArgs?: JsonKnob;
  prefillEngineArgs?: JsonKnob;
  decodeEngineArgs?: JsonKnob;
  routerConfig?: JsonKnob;
  aicSystemsPath?: string;
  // synthetic workload
  inputTokens?: number;
  outputTokens?: number;
  requestCount?: number;
  arrivalIntervalMs?: number;
  requestRate?: number;
  arrivalSeed?: number;
  turnsPerSession?: number;
  sharedPrefixRatio?: number;
  numPrefixGroups?: number;
  interTurnDelayMs?: number;
  // topology and timing
  numWorkers?: number;
  numPrefillWorkers?: number;
  numDecodeWorkers?: number;
  replayConcurrency?: number;
  replayMode?: ReplayMode;
  routerMode?: RouterMode;
  arrivalSpeedupRatio?: number;
  maxSimTimeSeconds?: number;
  // outputs
  reportJson?: string;
  reportJsonl?: string;
  slaTtftMs?: number;
  slaItlMs?: number;
  slaE2eMs?: number;
  /** Called with simulated progress (0..1) while running; the CLI draws a bar on a terminal. */
  onProgress?: (fraction: number) => void;
}
