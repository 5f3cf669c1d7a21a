// Chooses the forward-pass latency model for an engine configuration and describes it to the
// core. Today: the reference's default polynomial model.
import type { EngineArgs } from '../config/engine-args.js';

/** The perf model as the core receives it (engine.perf). */
export type NativePerfConfig = { kind: 'polynomial' };

export interface ResolvedPerfModel {
  native: NativePerfConfig;
  /** KV capacity estimate when the engine args leave num_gpu_blocks unset (AIC), else undefined. */
  numGpuBlocks?: number;
  /** One line naming the model in use, for `dynosim perf-model` and stderr notes. */
  description: string;
}

export interface ResolvePerfOptions {
  /** Where notes for the user go (the CLI passes process.stderr). */
  warn?: (line: string) => void;
}

export async function resolvePerfModel(_args: EngineArgs, _options: ResolvePerfOptions = {}): Promise<ResolvedPerfModel> {
  return { native: { kind: 'polynomial' }, description: 'polynomial (the reference default)' };
}
