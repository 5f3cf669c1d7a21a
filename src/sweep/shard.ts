// Sharding: `--shard I/N` runs the plan's runs whose index is I mod N, a subset every machine
// computes identically from the spec alone. `--shard N` (or `auto`) takes I from the batch system:
// a Kubernetes Indexed Job's JOB_COMPLETION_INDEX or a Slurm array's SLURM_ARRAY_TASK_ID (counted
// from SLURM_ARRAY_TASK_MIN); `auto` also takes N from SLURM_ARRAY_TASK_COUNT.
import { UsageError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
}

const int = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s.trim()) : null);

function indexFromEnv(env: Record<string, string | undefined>): number | null {
  const k8s = int(env.JOB_COMPLETION_INDEX);
  if (k8s !== null) return k8s;
  const slurm = int(env.SLURM_ARRAY_TASK_ID);
  if (slurm !== null) return slurm - (int(env.SLURM_ARRAY_TASK_MIN) ?? 0);
  return null;
}

export function parseShard(text: string | undefined, env: Record<string, string | undefined>): Shard | null {
  if (text === undefined) return null;
  let index: number | null;
  let count: number | null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m) {
    index = Number(m[1]);
    count = Number(m[2]);
  } else {
    count = text.trim() === 'auto' ? int(env.SLURM_ARRAY_TASK_COUNT) : int(text);
    if (count === null)
      throw new UsageError(`argument --shard: expected I/N, N or auto, got '${text}'${text.trim() === 'auto' ? ' (auto needs SLURM_ARRAY_TASK_COUNT; give N)' : ''}`);
    index = indexFromEnv(env);
    if (index === null) throw new UsageError('argument --shard: no shard index: set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, or give I/N');
  }
  if (count < 1) throw new UsageError(`argument --shard: N must be at least 1, got ${count}`);
  if (index < 0 || index >= count) throw new UsageError(`argument --shard: index ${index} is not in 0..${count - 1}`);
  return { index, count };
}

export function inShard(runIndex: number, shard: Shard | null): boolean {
  return shard === null || runIndex % shard.count === shard.index;
}
