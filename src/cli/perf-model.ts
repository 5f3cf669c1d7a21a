// `dynosim perf-model`: resolves the forward-pass latency model for an engine-args JSON, exactly as
// a replay would, and prints it as JSON with the latencies at the requested points — a quick
// check of a configuration before a long sweep.
import fs from 'node:fs';
import { parseEngineArgs, type EngineArgs } from '../config/engine-args.js';
import { nativeEngineConfig } from '../core/engine-config.js';
import { evaluatePerfModel, type PerfEvaluation } from '../core/native.js';
import { ReplayError, UsageError } from '../errors.js';
import { resolvePerfModel } from '../perf/resolve.js';
import { safeLine } from './terminal.js';

export interface PerfModelDeps {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
}

const PROG = 'dynosim perf-model';

export const PERF_MODEL_USAGE = `usage: ${PROG} [-h] [--extra-engine-args JSON] [--aic-systems-path PATH]
                          [--prefill BATCH:ISL[:PREFIX]] [--decode BATCH:CONTEXT] [--breakdown]`;

const HELP = `${PERF_MODEL_USAGE}

Print the forward-pass latency model an engine configuration resolves to (AIC database,
built-in analytical model, planner profile or the default polynomial), its quantisation modes
and KV capacity, and its latencies in milliseconds (before speedup_ratio) at the given points.

options:
  -h, --help            show this help message and exit
  --extra-engine-args JSON
                        engine args (MockEngineArgs JSON, inline or a path to a .json file)
  --aic-systems-path PATH
                        AIC systems folder (perf database); overrides aic_systems_path
  --prefill BATCH:ISL[:PREFIX]
                        a prefill pass of BATCH requests with ISL-token prompts of which PREFIX
                        tokens are cached (repeatable)
  --decode BATCH:CONTEXT
                        a decode step of BATCH requests at CONTEXT tokens each (repeatable)
  --breakdown           add each op's milliseconds to every point (AIC database model), under
                        AIC's op names; ops that run side by side (DeepSeek decode's routed and
                        shared experts) count once as the larger group
`;

interface Parsed {
  engineJson: string | null;
  systemsPath: string | undefined;
  prefill: [number, number, number][];
  decode: [number, number][];
  breakdown: boolean;
}

/** The largest count a point may hold (the core prices token counts up to 2^31). */
const MAX_POINT_VALUE = 2 ** 31;

function parseInts(flag: string, text: string, min: number, max: number): number[] {
  const parts = text.split(':');
  if (parts.length < min || parts.length > max || parts.some((p) => !/^\d+$/.test(p.trim())))
    throw new UsageError(`argument ${flag}: expected ${flag === '--prefill' ? 'BATCH:ISL[:PREFIX]' : 'BATCH:CONTEXT'} with non-negative integers, got '${text}'`);
  const values = parts.map((p) => Number(p.trim()));
  if (values.some((v) => v > MAX_POINT_VALUE)) throw new UsageError(`argument ${flag}: values must be at most ${MAX_POINT_VALUE}, got '${text}'`);
  return values;
}

function parseArgv(argv: string[]): Parsed | 'help' {
  const out: Parsed = { engineJson: null, systemsPath: undefined, prefill: [], decode: [], breakdown: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '-h' || arg === '--help') return 'help';
    const take = (): string => {
      if (value !== undefined) return value;
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`argument ${arg}: expected one argument`);
      return next;
    };
    switch (arg) {
      case '--extra-engine-args':
        out.engineJson = take();
        break;
      case '--aic-systems-path':
        out.systemsPath = take();
        break;
      case '--prefill': {
        const [batch, isl, prefix = 0] = parseInts(arg, take(), 2, 3) as [number, number, number?];
        if (batch < 1) throw new UsageError('argument --prefill: BATCH must be at least 1');
        if (isl < 1) throw new UsageError('argument --prefill: ISL must be at least 1');
        if (prefix >= isl) throw new UsageError('argument --prefill: PREFIX must be less than ISL');
        out.prefill.push([batch, isl, prefix]);
        break;
      }
      case '--breakdown':
        if (value !== undefined) throw new UsageError('argument --breakdown: ignored explicit argument');
        out.breakdown = true;
        break;
      case '--decode': {
        const [batch, context] = parseInts(arg, take(), 2, 2) as [number, number];
        if (batch < 1) throw new UsageError('argument --decode: BATCH must be at least 1');
        out.decode.push([batch, context]);
        break;
      }
      default:
        throw new UsageError(arg.startsWith('-') ? `unrecognized arguments: ${argv[i]}` : `unrecognized arguments: ${arg}`);
    }
  }
  return out;
}

function engineInput(text: string | null): string | Record<string, unknown> {
  if (text === null) return {};
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && fs.existsSync(trimmed) && fs.statSync(trimmed).isFile()) {
    try {
      return fs.readFileSync(trimmed, 'utf8');
    } catch (error) {
      throw new ReplayError(`--extra-engine-args: cannot read ${trimmed}: ${(error as Error).message}`);
    }
  }
  return text;
}

/**
 * One point's per-op milliseconds under AIC's op names (ops sharing a name add up). Side-by-side
 * groups appear once, as `<phase>_moe_overlap` = the larger group, with each group's ops under
 * `overlap_groups` so the top-level entries add up to the point's latency (before the 1 ms decode floor).
 */
function opBreakdown(names: string[], groups: number[], values: Float64Array, point: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const side: Record<string, number>[] = [{}, {}];
  names.forEach((name, j) => {
    const v = values[point * names.length + j]!;
    const g = groups[j] ?? 0;
    if (g === 0) out[name] = ((out[name] as number | undefined) ?? 0) + v;
    else side[g - 1]![name] = (side[g - 1]![name] ?? 0) + v;
  });
  if (Object.keys(side[0]!).length + Object.keys(side[1]!).length > 0) {
    const total = (g: Record<string, number>) => Object.values(g).reduce((a, b) => a + b, 0);
    const phase = names[0]!.startsWith('context') ? 'context' : 'generation';
    out[`${phase}_moe_overlap`] = Math.max(total(side[0]!), total(side[1]!));
    out.overlap_groups = side;
  }
  return out;
}

export async function perfModelMain(argv: string[], deps: PerfModelDeps): Promise<number> {
  try {
    const parsed = parseArgv(argv);
    if (parsed === 'help') {
      deps.stdout.write(HELP);
      return 0;
    }
    const args: EngineArgs = parseEngineArgs(engineInput(parsed.engineJson), '--extra-engine-args', {
      ...(parsed.systemsPath !== undefined ? { aicSystemsPath: parsed.systemsPath } : {}),
    });
    const perf = await resolvePerfModel(args, { warn: (line) => deps.stderr.write(`${line}\n`), env: deps.env });
    const engine = nativeEngineConfig(args, perf);
    let evaluation: PerfEvaluation;
    try {
      evaluation = evaluatePerfModel(engine, Float64Array.from(parsed.prefill.flat()), Float64Array.from(parsed.decode.flat()), parsed.breakdown);
    } catch (error) {
      throw new ReplayError(`perf model rejected by the core: ${(error as Error).message}`);
    }
    const i = perf.info;
    const blocksSource = args.num_gpu_blocks_explicit ? 'engine args' : perf.numGpuBlocks !== undefined ? 'estimated' : 'default';
    const report: Record<string, unknown> = {
      model: i.model,
      description: perf.description,
      engine_type: args.engine_type,
      block_size: args.block_size,
      // Dynamo's count (all attention-DP ranks of a worker when estimated); each rank holds an equal share.
      num_gpu_blocks: engine.numGpuBlocks * (blocksSource === 'estimated' ? Math.max(1, args.aic_attention_dp_size ?? 1) : 1),
      ...(engine.dpSize > 1 ? { num_gpu_blocks_per_rank: engine.numGpuBlocks } : {}),
      num_gpu_blocks_source: blocksSource,
    };
    if (i.model === 'aic_database' || i.model === 'analytical') {
      report.aic = {
        backend: i.backend,
        system: i.system,
        backend_version: i.backendVersion ?? null,
        systems_path: i.systemsPath ?? null,
        database_source: i.databaseSource ?? null,
        model_path: i.modelPath,
        model_source: i.modelSource,
        architecture: i.architecture,
        family: i.family ?? null,
        tp_size: i.tpSize,
        ...(i.parallelism
          ? {
              attention_dp_size: i.parallelism.attentionDp,
              moe_tp_size: i.parallelism.moeTp,
              moe_ep_size: i.parallelism.moeEp,
            }
          : {}),
        nextn: i.nextn ?? 0,
        quant_modes: i.quantModes
          ? {
              gemm: i.quantModes.gemm,
              moe: i.quantModes.moe,
              kv_cache: i.quantModes.kvCache,
              fmha: i.quantModes.fmha,
              comm: i.quantModes.comm,
            }
          : null,
        ...(i.tableVersions ? { table_versions: i.tableVersions } : {}),
        ...(i.fallbacks && i.fallbacks.length > 0 ? { fallbacks: i.fallbacks } : {}),
      };
      if (i.kvCapacity)
        report.kv_capacity = {
          kv_tokens: i.kvCapacity.kvTokens,
          kv_bytes_per_token: i.kvCapacity.kvBytesPerToken,
          weights_bytes: i.kvCapacity.weightsBytes,
          activation_bytes: i.kvCapacity.activationBytes,
          nccl_bytes: i.kvCapacity.ncclBytes,
          other_bytes: i.kvCapacity.otherBytes,
          [i.kvCapacity.fractionKey]: i.kvCapacity.fraction,
        };
    }
    if (i.model === 'profile') report.planner_profile_data = i.profilePath;
    const native = perf.native.kind === 'aic' ? perf.native : undefined;
    const ops = (phase: 'context' | 'generation', values: Float64Array | undefined, j: number) =>
      native && values ? { ops: opBreakdown(native[phase].opNames, native[phase].opGroups, values, j) } : {};
    report.prefill = parsed.prefill.map(([batch, isl, prefix], j) => ({
      batch, isl, prefix, ms: evaluation.prefillMs[j], ...ops('context', evaluation.prefillOps, j),
    }));
    report.decode = parsed.decode.map(([batch, context], j) => ({
      batch, context, ms: evaluation.decodeMs[j], ...ops('generation', evaluation.decodeOps, j),
    }));
    deps.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      deps.stderr.write(`${PERF_MODEL_USAGE}\n${PROG}: error: ${safeLine(error.message)}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    deps.stderr.write(`${PROG}: error: ${safeLine(message)}\n`);
    return 1;
  }
}
