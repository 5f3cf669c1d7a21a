// Requests that can never be served: why, in the user's words, and a refusal before the run when
// no request of the workload can be. The engines turn such requests away as the reference's do
// (aisimulate engine, scheduler/vllm/policy.rs, decide_waiting_admission_with_cost: a fresh
// sequence longer than the pool, or AllocationRequirement::Impossible once it has outgrown it);
// this file only explains and anticipates them.

import { ReplayError } from '../errors.js';
import { countText } from './count-text.js';
import { MAX_SIM_TIME_MS, SIM_TIME_LIMIT_TEXT } from './limits.js';
import type { NativeEngineConfig, NativeSimConfig } from './native.js';
import type { Workload } from './workload.js';

const n = countText;

/**
 * Why one request can never complete on an engine, or null when it can. A prefill worker only
 * holds the prompt (`outputLength` 0 there).
 */
export function neverServed(engine: NativeEngineConfig, inputLength: number, outputLength: number): string | null {
  const poolTokens = engine.numGpuBlocks * engine.blockSize;
  const pool = `a worker's KV pool of ${n(poolTokens)} tokens (raise num_gpu_blocks)`;
  if (engine.maxModelLen > 0 && inputLength >= engine.maxModelLen) return `its prompt of ${n(inputLength)} tokens reaches max_model_len ${n(engine.maxModelLen)}`;
  if (Math.ceil(inputLength / engine.blockSize) > engine.numGpuBlocks) return `its prompt of ${n(inputLength)} tokens exceeds ${pool}`;
  if (!engine.enableChunkedPrefill && engine.maxNumBatchedTokens > 0 && inputLength > engine.maxNumBatchedTokens)
    return `its prompt of ${n(inputLength)} tokens exceeds max_num_batched_tokens ${n(engine.maxNumBatchedTokens)} with chunked prefill off`;
  // The last output token is sampled, never stored: the sequence peaks at prompt + output − 1.
  // Under MTP the vLLM/TRT-LLM engines reserve blocks for the step's whole burst before it is
  // sampled, and the step that can end the request reserves up to prompt + output.
  const burstReserved = engine.nextn > 0 && engine.kind !== 'sglang' && outputLength > 0;
  const peak = inputLength + Math.max(outputLength - (burstReserved ? 0 : 1), 0);
  if (Math.ceil(peak / engine.blockSize) > engine.numGpuBlocks)
    return `its prompt and output (${n(inputLength)} + ${n(outputLength)} tokens${burstReserved ? ', the last MTP burst reserved before it is sampled' : ''}) outgrow ${pool}`;
  return null;
}

/** The engines a request passes through, with the output each must hold. */
function stages(config: NativeSimConfig): Array<{ engine: NativeEngineConfig; holdsOutput: boolean }> {
  return config.disaggregated
    ? [
        { engine: config.prefill!.engine, holdsOutput: false },
        { engine: config.decode!.engine, holdsOutput: true },
      ]
    : [{ engine: config.agg!.engine, holdsOutput: true }];
}

/** Why request `r` can never be served in this configuration, or null. */
export function whyNeverServed(config: NativeSimConfig, w: Workload, r: number): string | null {
  for (const { engine, holdsOutput } of stages(config)) {
    const why = neverServed(engine, w.inputLength[r]!, holdsOutput ? w.outputLength[r]! : 0);
    if (why) return why;
  }
  return null;
}

/** The request's name as the user knows it: its session id, and its turn when there are several. */
export function requestName(w: Workload, r: number): string {
  if (w.graph) return `request ${w.graph.requestIds[r]}`;
  let lo = 0;
  let hi = w.sessionIds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (w.sessionStart[mid]! <= r) lo = mid;
    else hi = mid - 1;
  }
  const turns = w.sessionStart[lo + 1]! - w.sessionStart[lo]!;
  return turns > 1 ? `${w.sessionIds[lo]} turn ${r - w.sessionStart[lo]!}` : w.sessionIds[lo]!;
}

/** Refuses, before the run, a configuration under which no request of the workload can be served. */
export function checkSomeRequestServable(config: NativeSimConfig, w: Workload): void {
  let first: string | null = null;
  for (let r = 0; r < w.inputLength.length; r++) {
    const why = whyNeverServed(config, w, r);
    if (why === null) return;
    first ??= why;
  }
  throw new ReplayError(`no request can be served in this configuration: every one is too large, e.g. ${requestName(w, 0)}: ${first}`);
}

const DEAD_END = 'replay reached a dead end';

/**
 * Runs the core; its dead end (requests left that nothing can advance) comes back with what to
 * change. In a disaggregated run it is the decode pools filling up with transferred prompts that
 * have no room to start decoding: Dynamo's replay stops there too.
 */
export function explainDeadEnd<T>(config: NativeSimConfig, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith(DEAD_END)) throw error;
    const hint = config.disaggregated
      ? "the decode workers' KV pools are full of transferred prompts with no room to start decoding (Dynamo's replay stops here too): raise num_gpu_blocks in --decode-engine-args or add decode workers"
      : 'the workers hold KV that no waiting request can fit beside: raise num_gpu_blocks or add workers';
    throw new ReplayError(`${DEAD_END}: ${hint}`);
  }
}

/**
 * Refuses, before the run, a KV hand-off that would last past the simulated-time limit (the
 * longest prompt at the configured bandwidth): `kv_transfer_bandwidth 1e-300` once meant an
 * instant hand-off.
 */
export function checkHandoffTime(config: NativeSimConfig, w: Workload): void {
  const bytes = config.kvBytesPerToken ?? 0;
  const gbps = config.kvTransferGbps ?? 0;
  if (!config.disaggregated || !(bytes > 0 && gbps > 0)) return;
  let longest = 0;
  for (let r = 0; r < w.inputLength.length; r++) longest = Math.max(longest, w.inputLength[r]!);
  const ns = (longest * bytes) / gbps; // bytes over GB/s is ns
  if (!(ns / 1e6 <= MAX_SIM_TIME_MS))
    throw new ReplayError(
      `--prefill-engine-args: kv_transfer_bandwidth ${gbps} GB/s makes the hand-off of a ${n(longest)}-token prompt ` +
        `(kv_bytes_per_token ${n(bytes)}) last beyond ${SIM_TIME_LIMIT_TEXT}`,
    );
}
