// Chooses the forward-pass latency model for an engine configuration and describes it to the
// core, once per engine configuration:
// - `aic_backend` set: AIC's model over its measured perf database when one is found
//   (aic_systems_path / --aic-systems-path, $AIC_SYSTEMS_PATH, an installed aiconfigurator_core),
//   else the built-in analytical roofline model (one stderr line says so);
// - else `planner_profile_data`: the profile's interpolation tables;
// - else the reference's default polynomial.
// With AIC args and no explicit num_gpu_blocks, the KV capacity is estimated too.
import fs from 'node:fs';
import path from 'node:path';
import type { EngineArgs } from '../config/engine-args.js';
import { ReplayError } from '../errors.js';
import type { AicBuildResult } from './aic.js';
import { cacheDir, cacheGet, cacheKey, cachePut, fileIdentity } from './cache.js';
import {
  DEFAULT_BACKEND_VERSIONS,
  declaredVersions,
  listSystems,
  locateDatabase,
  readSystemSpec,
  useYamlCache,
  VersionedDatabase,
  type LocateOptions,
} from './database.js';
import { estimateKvCapacity, kvBytesPerGpuToken, type KvCapacity } from './kv-capacity.js';
import { loadModel, resolveQuantModes, type ModelFacts, type QuantModes } from './models.js';
import { aicTables, modelOps } from './aic-ops.js';
import { resolveParallelism, type Parallelism } from './parallel.js';
import type { NativePerfConfig } from './native-types.js';

export type {
  NativeAicConfig,
  NativeAnalyticalConfig,
  NativeGrid,
  NativePerfConfig,
  NativeProfileConfig,
} from './native-types.js';

export type PerfModelKind = 'polynomial' | 'profile' | 'aic_database' | 'analytical';

/** What was resolved, for `dynosim perf-model` and notes. */
export interface PerfModelInfo {
  model: PerfModelKind;
  system?: string;
  backend?: string;
  backendVersion?: string;
  systemsPath?: string;
  databaseSource?: string;
  modelPath?: string;
  modelSource?: string;
  architecture?: string;
  /** AIC's model family (LLAMA, MOE, DEEPSEEK). */
  family?: string;
  tpSize?: number;
  /** Attention DP and the expert split (MoE models). */
  parallelism?: Parallelism;
  nextn?: number;
  quantModes?: QuantModes;
  /** Per table, the versions its rows came from (first wins). */
  tableVersions?: Record<string, string[]>;
  /** Tables read from a newer version because the requested one lacks them. */
  fallbacks?: { table: string; version: string }[];
  kvCapacity?: KvCapacity;
  profilePath?: string;
}

export interface ResolvedPerfModel {
  native: NativePerfConfig;
  /** KV capacity estimate when the engine args leave num_gpu_blocks unset (AIC), else undefined. */
  numGpuBlocks?: number;
  /** One line naming the model in use, for `dynosim perf-model` and stderr notes. */
  description: string;
  info: PerfModelInfo;
  /** KV bytes one token occupies (all layers, K and V), when the engine args name a model. */
  kvBytesPerToken?: number;
}

/**
 * KV bytes a token moves in a disaggregated hand-off: the reference CLI's layers × 2 (K and V) ×
 * KV heads × head dim × KV dtype bytes; for MLA models the compressed latent actually cached.
 */
function kvBytesPerToken(model: ModelFacts, quant: QuantModes): number {
  return kvBytesPerGpuToken(model, quant, 1);
}

export interface ResolvePerfOptions extends LocateOptions {
  /** Where notes for the user go (the CLI passes process.stderr). */
  warn?: (line: string) => void;
}

const BACKENDS = ['vllm', 'sglang', 'trtllm'];
const DEFAULT_SYSTEM = 'h200_sxm';

function modelConfigDirs(roots: string[], env: Record<string, string | undefined>): string[] {
  const dirs: string[] = [];
  const fromEnv = env.AICONFIGURATOR_MODEL_CONFIGS_PATH;
  if (fromEnv) dirs.push(fromEnv);
  for (const r of roots) dirs.push(path.join(r, '..', 'model_configs'));
  return dirs.filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
}

function parallelText(p: Parallelism): string {
  const parts = [`TP ${p.tp}`];
  if (p.attentionDp > 1) parts.push(`attention DP ${p.attentionDp}`);
  if (p.moeTp * p.moeEp > 1) parts.push(`MoE TP ${p.moeTp} × EP ${p.moeEp}`);
  return parts.join(', ');
}

function quantText(q: QuantModes): string {
  return `gemm ${q.gemm}, kv cache ${q.kvCache}, fmha ${q.fmha}`;
}

function overrides(args: EngineArgs) {
  return {
    gemm: args.aic_gemm_dtype,
    moe: args.aic_moe_dtype,
    fmha: args.aic_fmha_dtype,
    kvCache: args.aic_kv_cache_dtype,
    comm: args.aic_comm_dtype,
  };
}

// Without a database, a model outside the built-in registry is usually one whose config ships in
// the database's model_configs folder (every MoE model): say where it would come from.
function loadModelWithoutDatabase(modelId: string, dirs: string[]): ModelFacts {
  try {
    return loadModel(modelId, dirs);
  } catch (e) {
    if (!(e instanceof ReplayError) || !e.message.startsWith('unknown model')) throw e;
    throw new ReplayError(
      `${e.message}; no AIC perf database was found either: aic_systems_path (or --aic-systems-path, or AIC_SYSTEMS_PATH) ` +
        'pointing at an AIC systems folder brings the model_configs next to it',
    );
  }
}

// Built models are cached per configuration (and database file identity) for the process, and on
// disk across processes (cache.ts).
const built = new Map<string, Promise<AicBuildResult>>();
const BUILT_CACHE_LIMIT = 8;

async function resolveAic(args: EngineArgs, options: ResolvePerfOptions, warn: (line: string) => void): Promise<ResolvedPerfModel> {
  const env = options.env ?? process.env;
  useYamlCache(cacheDir(env));
  const backend = args.aic_backend!;
  if (!BACKENDS.includes(backend)) throw new ReplayError(`unknown aic_backend '${backend}' (expected vllm, sglang or trtllm)`);
  const system = args.aic_system ?? DEFAULT_SYSTEM;
  const tp = args.aic_tp_size ?? 1;
  if (tp < 1) throw new ReplayError('aic_tp_size must be at least 1');
  const modelId = args.aic_model_path;
  if (modelId === null || modelId.trim() === '') throw new ReplayError('the AIC perf model needs aic_model_path in the engine args');
  const nextn = args.aic_nextn ?? 0;
  if (args.planner_profile_data !== null) warn(`note: planner_profile_data is ignored because aic_backend is set (the AIC model takes precedence)`);

  const location = locateDatabase(args.aic_systems_path, options);
  let model: ModelFacts;
  let quant: QuantModes;
  const info: PerfModelInfo = { model: 'aic_database', system, backend, tpSize: tp, nextn };

  if (location === undefined) {
    warn(
      `note: no AIC perf database found, using the built-in analytical model for ${system}; ` +
        'point aic_systems_path (or --aic-systems-path, or AIC_SYSTEMS_PATH) at an AIC systems folder for measured latencies',
    );
    // The model builders are imported when used: a run whose AIC model is cached parses neither.
    const { buildAnalyticalModel, builtinGpu } = await import('./analytical.js');
    const gpu = builtinGpu(system);
    model = loadModelWithoutDatabase(modelId, modelConfigDirs([], env));
    quant = resolveQuantModes(model, overrides(args), backend);
    if (model.family !== 'LLAMA')
      throw new ReplayError(
        `model '${modelId}' (${model.family === 'MOE' ? 'mixture of experts' : 'MLA + mixture of experts'}) needs AIC's perf database: ` +
          'the built-in analytical model covers dense models only; set aic_systems_path (or --aic-systems-path, or AIC_SYSTEMS_PATH)',
      );
    const par = resolveParallelism(args, model, quant, backend);
    const native = buildAnalyticalModel(gpu, model, quant, tp, nextn);
    const kv = args.num_gpu_blocks_explicit
      ? undefined
      : estimateKvCapacity(args, backend, model, quant, par, modelOps(model, quant, par, backend, nextn), gpu.memory);
    Object.assign(info, {
      model: 'analytical',
      modelPath: modelId,
      modelSource: model.source,
      architecture: model.architecture,
      quantModes: quant,
      kvCapacity: kv,
    } satisfies Partial<PerfModelInfo>);
    return {
      native,
      numGpuBlocks: kv?.numGpuBlocks,
      kvBytesPerToken: kvBytesPerToken(model, quant),
      description: `built-in analytical model: ${system}, ${modelId}, TP ${tp}, ${quantText(quant)}`,
      info,
    };
  }

  const root = location.roots.find((r) => fs.existsSync(path.join(r, `${system}.yaml`)));
  if (root === undefined)
    throw new ReplayError(`unknown aic_system '${system}': no ${system}.yaml in ${location.roots.join(', ')} (known: ${listSystems(location.roots).join(', ') || 'none'})`);
  const spec = readSystemSpec(root, system);
  const versions = declaredVersions(spec, backend);
  if (versions.length === 0)
    throw new ReplayError(
      `AIC database has no ${backend} data for ${system} (${spec.dataDir}); ` +
        `without ${location.source} the built-in analytical model would be used`,
    );
  let version: string;
  if (args.aic_backend_version !== null) {
    version = args.aic_backend_version;
    if (!versions.includes(version))
      throw new ReplayError(`unknown aic_backend_version '${version}' for ${backend} on ${system} (available: ${versions.join(', ')})`);
  } else {
    const pinned = DEFAULT_BACKEND_VERSIONS[backend]!;
    version = versions.includes(pinned) ? pinned : versions[versions.length - 1]!;
    if (version !== pinned) warn(`note: ${system} has no ${backend} ${pinned} data (the default); using ${version}`);
  }
  model = loadModel(modelId, modelConfigDirs(location.roots, env));
  quant = resolveQuantModes(model, overrides(args), backend);
  const parallelism = resolveParallelism(args, model, quant, backend);
  const db = new VersionedDatabase(spec, backend, version);
  // SGLang and TRT-LLM run their own MoE dispatch (DeepEP, all-to-all); only vLLM's is modelled,
  // and the shared database has no SGLang/TRT-LLM MoE tables to price the experts with.
  if (model.family !== 'LLAMA' && backend !== 'vllm')
    throw new ReplayError(
      `aic_backend '${backend}': MoE models are modelled on vllm only ` +
        `(${db.sources('moe_perf') ? `${backend}'s expert dispatch is not modelled` : `the AIC database has no ${backend} moe_perf table for ${system}`}); ` +
        `use aic_backend vllm for '${modelId}'`,
    );
  const nccl = spec.misc.ncclVersion !== undefined ? new VersionedDatabase(spec, 'nccl', spec.misc.ncclVersion) : undefined;
  const ops = modelOps(model, quant, parallelism, backend, nextn);

  const fingerprint = aicTables(ops, quant).map((table) => {
    const found = (table === 'nccl_perf' ? nccl : db)?.sources(table);
    return [table, found?.fallbackVersion ?? null, (found?.sources ?? []).map((s) => fileIdentity(s.file))];
  });
  const key = cacheKey(['aic', fileIdentity(path.join(root, `${system}.yaml`)), backend, version, model, quant, parallelism, nextn, fingerprint]);
  const dir = cacheDir(env);
  let entry = built.get(key);
  if (!entry) {
    const cached = cacheGet<AicBuildResult>(dir, key);
    entry = cached
      ? Promise.resolve(cached)
      : import('./aic.js')
          .then(({ buildAicModel }) => buildAicModel({ spec, db, nccl, model, quant, parallelism, nextn }))
          .then((r) => {
            cachePut(dir, key, r);
            return r;
          });
    built.set(key, entry);
    entry.catch(() => built.delete(key));
    if (built.size > BUILT_CACHE_LIMIT) built.delete(built.keys().next().value!);
  }
  const result = await entry;
  if (result.fallbacks.length > 0) {
    const byVersion = new Map<string, string[]>();
    for (const f of result.fallbacks) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f.table]);
    const parts = [...byVersion].map(([v, tables]) => `${tables.join(', ')} from ${v}`);
    warn(`note: ${backend} ${version} on ${system} lacks tables the model needs; using the newest version that has them: ${parts.join('; ')}`);
  }
  const kv = args.num_gpu_blocks_explicit
    ? undefined
    : estimateKvCapacity(args, backend, model, quant, parallelism, ops, {
        memCapacity: spec.gpu.memCapacity,
        ncclMem: spec.misc.ncclMem,
        otherMem: spec.misc.otherMem,
      });
  Object.assign(info, {
    backendVersion: version,
    systemsPath: root,
    databaseSource: location.source,
    modelPath: modelId,
    modelSource: model.source,
    architecture: model.architecture,
    family: model.family,
    parallelism,
    quantModes: quant,
    tableVersions: result.tableVersions,
    fallbacks: result.fallbacks,
    kvCapacity: kv,
  } satisfies Partial<PerfModelInfo>);
  return {
    native: result.native,
    numGpuBlocks: kv?.numGpuBlocks,
    kvBytesPerToken: kvBytesPerToken(model, quant),
    description: `AIC database model: ${backend} ${version} on ${system} (${root}), ${modelId}, ${parallelText(parallelism)}, ${quantText(quant)}`,
    info,
  };
}

export async function resolvePerfModel(args: EngineArgs, options: ResolvePerfOptions = {}): Promise<ResolvedPerfModel> {
  if (args.aic_backend !== null) {
    // Notes are held back until the model is resolved: a failing run prints its error alone.
    const notes: string[] = [];
    const resolved = await resolveAic(args, options, (line) => notes.push(line));
    for (const line of notes) options.warn?.(line);
    return resolved;
  }
  const native =
    args.planner_profile_data === null
      ? null
      : (await import('./profile.js')).resolvePlannerProfile(args.planner_profile_data, (line) => options.warn?.(line));
  if (native !== null) {
    return {
      native,
      description: `planner profile ${args.planner_profile_data!} (interpolated)`,
      info: { model: 'profile', profilePath: args.planner_profile_data! },
    };
  }
  return { native: { kind: 'polynomial' }, description: 'polynomial (the reference default)', info: { model: 'polynomial' } };
}
