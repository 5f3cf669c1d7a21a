// How much memory a run needs, estimated before it starts, so that a run that cannot fit is
// refused with the input to blame and the estimate instead of ending in std::bad_alloc, a Node
// heap dump or the kernel's OOM killer. The constants are upper bounds measured on this build
// (peak RSS of synthetic runs of 100k and 400k requests, and of 10,000 idle workers: see the
// peak RSS column of `npm run bench`).

import * as fs from 'node:fs';
import * as os from 'node:os';
import { ReplayError } from '../errors.js';
import type { NativeSimConfig } from './native.js';

/** Node, the addon and the report writers with nothing loaded. */
const BASE_BYTES = 160 * 2 ** 20;
/** Per request: the workload's arrays (JS and native copies), engine and router state, results. */
const PER_REQUEST_BYTES = 700;
/** Per trace hash id: the JS and native id arrays and the native block identities. */
const PER_HASH_ID_BYTES = 16;
/** Per KV block in use (blocks are made as they are first used, not up front). */
const PER_KV_BLOCK_BYTES = 64;
/** Per worker (or attention-DP rank): its engine, queues and router state. */
const PER_RANK_BYTES = 4096;

export interface MemoryPart {
  /** What the user set that makes this part large (`--request-count 1000000`). */
  cause: string;
  bytes: number;
}

export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The memory this process may use: physical memory, or the cgroup's limit when lower. */
export function machineMemoryBytes(): number {
  let limit = os.totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isFinite(v) && v > 0) limit = Math.min(limit, v);
    } catch {
      // no such cgroup file
    }
  }
  return limit;
}

export function workloadParts(requests: number, hashIds: number, cause: string): MemoryPart[] {
  return [{ cause, bytes: requests * PER_REQUEST_BYTES + hashIds * PER_HASH_ID_BYTES }];
}

/**
 * Each pool's workers: a fixed cost per rank, plus KV bookkeeping for the blocks in use, which
 * can be no more than the pool holds nor more than the workload's tokens fill (`workloadTokens`:
 * prompts plus outputs). The planner may add workers later: those are not counted.
 */
export function kvParts(config: NativeSimConfig, workloadTokens: number): MemoryPart[] {
  const pools = config.disaggregated
    ? ([
        ['--num-prefill-workers', config.prefill!],
        ['--num-decode-workers', config.decode!],
      ] as const)
    : ([['--num-workers', config.agg!]] as const);
  return pools.map(([flag, pool]) => {
    const ranks = pool.numWorkers * Math.max(pool.engine.dpSize ?? 1, 1);
    const blocks = Math.min(ranks * pool.engine.numGpuBlocks, Math.ceil(workloadTokens / pool.engine.blockSize));
    return { cause: `${flag} ${pool.numWorkers}`, bytes: ranks * PER_RANK_BYTES + blocks * PER_KV_BLOCK_BYTES };
  });
}

/**
 * Refuses a run whose estimate passes 80 % of the machine's memory, naming the largest part
 * (`--request-count 100000000`) and the total.
 */
export function checkFitsInMemory(parts: MemoryPart[], available = machineMemoryBytes()): void {
  const total = BASE_BYTES + parts.reduce((s, p) => s + p.bytes, 0);
  if (total <= 0.8 * available) return;
  const largest = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  throw new ReplayError(
    `this run needs about ${gib(total)} of memory (${largest.cause}: ${gib(largest.bytes)}), more than this machine's ${gib(available)} allows`,
  );
}
