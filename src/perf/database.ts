// AIC's on-disk perf database: finding it, reading a system spec, and deciding which files feed
// each table. Layout: <systems>/<system>.yaml (its `data_dir`, normally data/<system>) and
// <data_dir>/<family>/<backend>/<version>/<table>.parquet, families gemm, attention, comm,
// quantize, ... (the legacy <data_dir>/<backend>/<version>/ layout is read too). A version
// directory whose collection_meta.yaml marks a table `partial` is skipped; reuse.yaml declares
// donor versions. Rows of one table are unioned first-wins from: the requested version, its
// declared donors, then strictly older versions of the same backend (nearest first), then other
// backends' rows of the kernels AIC's op_kernel_source_manifest.yaml declares shared with this
// backend (newest version first, only those kernel sources); comm tables are never borrowed. When a table the model needs has no source at all, the newest version
// that has it is used instead and the caller says so once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ReplayError } from '../errors.js';
import { cacheGet, cacheKey, cachePut, fileIdentity } from './cache.js';
import { parseYamlText } from '../config/yaml.js';

/** Backend directories of the legacy layout (anything else at the top of data_dir is a family). */
const BACKEND_DIRS = new Set(['trtllm', 'sglang', 'vllm', 'nccl', 'oneccl']);

/** Dynamo's AIC session pins these versions when `aic_backend_version` is unset. */
export const DEFAULT_BACKEND_VERSIONS: Readonly<Record<string, string>> = {
  vllm: '0.19.0',
  sglang: '0.5.10',
  trtllm: '1.3.0rc10',
};

export interface SystemSpec {
  name: string;
  /** The systems folder holding `<name>.yaml`. */
  root: string;
  dataDir: string;
  gpu: {
    memBw: number;
    memBwScale: number;
    memConstLatency: number;
    memCapacity: number;
    bf16Flops: number;
    fp8Flops?: number;
    fp4Flops?: number;
    int8Flops?: number;
  };
  node: { gpusPerNode: number; intraNodeBw: number; interNodeBw: number; gpusPerRack?: number; interRackBw?: number };
  misc: { ncclMem: Map<number, number>; otherMem: number; ncclVersion?: string };
}

export interface DatabaseLocation {
  /** Systems folders searched in order (AIC accepts a comma-separated list). */
  roots: string[];
  /** Where the path came from, for messages. */
  source: string;
}

export interface LocateOptions {
  env?: Record<string, string | undefined>;
  /** Finds an installed `aiconfigurator_core` package directory; default asks python3. */
  findPythonPackage?: (env: Record<string, string | undefined>) => string | undefined;
}

/**
 * Asks python3 where `aiconfigurator_core` lives (undefined when python3 or the package is
 * missing). Only the package's location is looked up; nothing of it is imported.
 */
export function findAicPythonPackage(env: Record<string, string | undefined> = process.env): string | undefined {
  const script =
    'import importlib.util as u, os\n' +
    's = u.find_spec("aiconfigurator_core")\n' +
    'print(os.path.dirname(s.origin) if s and s.origin else (list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else ""))';
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 15_000, env: env as NodeJS.ProcessEnv });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const dir = r.stdout.trim();
  return dir !== '' && fs.existsSync(dir) ? dir : undefined;
}

function splitRoots(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The database to use: `aic_systems_path` (or --aic-systems-path), else $AIC_SYSTEMS_PATH, else an
 * installed `aiconfigurator_core` package's systems folder; undefined when there is none.
 */
export function locateDatabase(systemsPath: string | null, options: LocateOptions = {}): DatabaseLocation | undefined {
  const env = options.env ?? process.env;
  if (systemsPath !== null && systemsPath.trim() !== '') {
    const roots = splitRoots(systemsPath);
    for (const r of roots)
      if (!fs.existsSync(r) || !fs.statSync(r).isDirectory())
        throw new ReplayError(`aic_systems_path: '${r}' is not a directory`);
    return { roots, source: 'aic_systems_path' };
  }
  const fromEnv = env.AIC_SYSTEMS_PATH;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const roots = splitRoots(fromEnv);
    for (const r of roots)
      if (!fs.existsSync(r) || !fs.statSync(r).isDirectory())
        throw new ReplayError(`AIC_SYSTEMS_PATH: '${r}' is not a directory`);
    return { roots, source: 'AIC_SYSTEMS_PATH' };
  }
  const pkg = (options.findPythonPackage ?? findAicPythonPackage)(env);
  if (pkg !== undefined) {
    const systems = path.join(pkg, 'systems');
    if (fs.existsSync(systems)) return { roots: [systems], source: `python package aiconfigurator_core (${pkg})` };
  }
  return undefined;
}

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

let yamlCache: string | undefined;

/**
 * Where parsed YAML files are kept (the perf-model cache's directory; undefined: nowhere). Parsing
 * the kernel manifest and the systems' files costs ~300 ms of every AIC run, reading them back
 * as JSON a few.
 */
export function useYamlCache(dir: string | undefined): void {
  yamlCache = dir;
}

/** AIC's YAML files, parsed once and then read back from the cache. */
function readYamlFile(file: string): YamlValue {
  const key = yamlCache === undefined ? '' : cacheKey(['yaml', fileIdentity(file)]);
  const cached = yamlCache === undefined ? undefined : cacheGet<{ value: YamlValue }>(yamlCache, key);
  if (cached !== undefined) return cached.value;
  let value: YamlValue;
  try {
    value = parseYamlText(fs.readFileSync(file, 'utf8'), '1.2') as YamlValue;
  } catch (error) {
    throw new ReplayError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // JSON keeps every YAML value but the non-finite numbers (.inf, .nan): such files are not kept.
  if (yamlCache !== undefined && allFinite(value)) cachePut(yamlCache, key, { value });
  return value;
}

function allFinite(v: YamlValue): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v !== 'object') return true;
  return Array.isArray(v) ? v.every(allFinite) : Object.values(v).every(allFinite);
}

function num(v: YamlValue | undefined, file: string, key: string, required = true): number | undefined {
  if (v === undefined || v === null) {
    if (required) throw new ReplayError(`${file}: missing ${key}`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReplayError(`${file}: ${key} must be a number`);
  return v;
}

function obj(v: YamlValue | undefined): Record<string, YamlValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** Names of the systems (`*.yaml`) in the given roots. */
export function listSystems(roots: string[]): string[] {
  const names = new Set<string>();
  for (const r of roots) {
    for (const f of fs.readdirSync(r)) if (f.endsWith('.yaml')) names.add(f.slice(0, -5));
  }
  return [...names].sort();
}

export function readSystemSpec(root: string, name: string): SystemSpec {
  const file = path.join(root, `${name}.yaml`);
  const doc = obj(readYamlFile(file));
  const gpu = obj(doc.gpu);
  const node = obj(doc.node);
  const misc = obj(doc.misc);
  const ncclMem = new Map<number, number>();
  for (const [k, v] of Object.entries(obj(misc.nccl_mem))) ncclMem.set(Number(k), num(v, file, `misc.nccl_mem.${k}`)!);
  const dataDir = typeof doc.data_dir === 'string' ? doc.data_dir : `data/${name}`;
  return {
    name,
    root,
    dataDir: path.join(root, dataDir),
    gpu: {
      memBw: num(gpu.mem_bw, file, 'gpu.mem_bw')!,
      memBwScale: num(gpu.mem_bw_empirical_scaling_factor, file, 'gpu.mem_bw_empirical_scaling_factor')!,
      memConstLatency: num(gpu.mem_empirical_constant_latency, file, 'gpu.mem_empirical_constant_latency')!,
      memCapacity: num(gpu.mem_capacity, file, 'gpu.mem_capacity')!,
      bf16Flops: num(gpu.bfloat16_tc_flops, file, 'gpu.bfloat16_tc_flops')!,
      fp8Flops: num(gpu.fp8_tc_flops, file, 'gpu.fp8_tc_flops', false),
      fp4Flops: num(gpu.fp4_tc_flops, file, 'gpu.fp4_tc_flops', false),
      int8Flops: num(gpu.int8_tc_flops, file, 'gpu.int8_tc_flops', false),
    },
    node: {
      gpusPerNode: num(node.num_gpus_per_node, file, 'node.num_gpus_per_node')!,
      intraNodeBw: num(node.intra_node_bw, file, 'node.intra_node_bw')!,
      interNodeBw: num(node.inter_node_bw, file, 'node.inter_node_bw')!,
      gpusPerRack: num(node.num_gpus_per_rack, file, 'node.num_gpus_per_rack', false),
      interRackBw: num(node.inter_rack_bw, file, 'node.inter_rack_bw', false),
    },
    misc: {
      ncclMem,
      otherMem: num(misc.other_mem, file, 'misc.other_mem')!,
      ...(misc.nccl_version !== undefined && misc.nccl_version !== null ? { ncclVersion: String(misc.nccl_version) } : {}),
    },
  };
}

/** Link bandwidth per GPU for a collective over `gpus` GPUs (NVLink inside a node). */
export function p2pBandwidth(spec: SystemSpec, gpus: number): number {
  if (gpus <= spec.node.gpusPerNode) return spec.node.intraNodeBw;
  if (gpus <= (spec.node.gpusPerRack ?? Infinity)) return spec.node.interNodeBw;
  return spec.node.interRackBw ?? spec.node.interNodeBw;
}

// ---- versions -------------------------------------------------------------------------------------

/** PEP 440-ish ordering for backend versions: release numbers, then pre-releases before finals. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] | undefined => {
    const m = /^v?(\d+(?:\.\d+)*)(?:(a|b|rc|\.?post|\.?dev)(\d*))?$/i.exec(v.trim());
    if (!m) return undefined;
    const release = m[1]!.split('.').map(Number);
    while (release.length < 4) release.push(0);
    const tag = (m[2] ?? '').toLowerCase().replace('.', '');
    const n = Number(m[3] || 0);
    const phase = tag === 'dev' ? -4 : tag === 'a' ? -3 : tag === 'b' ? -2 : tag === 'rc' ? -1 : tag === 'post' ? 1 : 0;
    return [...release.slice(0, 4), phase, n];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  return 0;
}

interface VersionDir {
  family: string | null;
  version: string;
  dir: string;
}

function isPartial(dir: string): boolean {
  const meta = path.join(dir, 'collection_meta.yaml');
  if (fs.existsSync(meta)) {
    const tables = obj(obj(readYamlFile(meta)).tables);
    return Object.values(tables).some((t) => obj(t).status === 'partial');
  }
  return fs.existsSync(path.join(dir, 'INCOMPLETE.txt'));
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function versionDirs(dataDir: string, backend: string): VersionDir[] {
  const out: VersionDir[] = [];
  for (const entry of listDirs(dataDir)) {
    if (entry === backend) {
      for (const v of listDirs(path.join(dataDir, entry)))
        if (!v.startsWith('_')) out.push({ family: null, version: v, dir: path.join(dataDir, entry, v) });
    } else if (!BACKEND_DIRS.has(entry)) {
      const backendDir = path.join(dataDir, entry, backend);
      for (const v of listDirs(backendDir))
        if (!v.startsWith('_')) out.push({ family: entry, version: v, dir: path.join(backendDir, v) });
    }
  }
  return out;
}

const METADATA_FILES = new Set(['collection_meta.yaml', 'reuse.yaml', 'SHARED_LAYER_REUSE.txt', 'INCOMPLETE.txt']);

function hasPerfFiles(dir: string): boolean {
  return fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isFile() && !e.name.startsWith('.') && !METADATA_FILES.has(e.name));
}

function declaredReuse(dir: string): { table: string; from: string }[] {
  const file = path.join(dir, 'reuse.yaml');
  if (!fs.existsSync(file)) return [];
  const doc = obj(readYamlFile(file));
  if (!Array.isArray(doc.reuse)) throw new ReplayError(`${file}: missing required top-level 'reuse' list`);
  return doc.reuse.map((e, i) => {
    const entry = obj(e);
    if (typeof entry.table !== 'string' || entry.from_version === undefined || entry.from_version === null)
      throw new ReplayError(`${file}: reuse[${i}] needs 'table' and 'from_version'`);
    return { table: entry.table, from: String(entry.from_version) };
  });
}

/** Versions of a backend with data (or declared reuse) on a system, oldest first. */
export function declaredVersions(spec: SystemSpec, backend: string): string[] {
  const versions = new Set<string>();
  for (const v of versionDirs(spec.dataDir, backend)) {
    if (versions.has(v.version) || isPartial(v.dir)) continue;
    if (hasPerfFiles(v.dir) || fs.existsSync(path.join(v.dir, 'reuse.yaml')) || fs.existsSync(path.join(v.dir, 'SHARED_LAYER_REUSE.txt')))
      versions.add(v.version);
  }
  return [...versions].sort(compareVersions);
}

/** One file feeding a table, in priority order (earlier sources win on duplicate keys). */
export interface TableSource {
  file: string;
  version: string;
  /** Cross-backend fill: only rows of these kernel sources. */
  kernelSources?: string[];
}

// Parsed kernel-source manifests by file identity (read once per process).
const manifests = new Map<string, YamlValue[]>();

function manifestGroups(root: string): YamlValue[] {
  const file = path.join(root, 'op_kernel_source_manifest.yaml');
  if (!fs.existsSync(file)) return [];
  const st = fs.statSync(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  let groups = manifests.get(key);
  if (!groups) {
    const g = obj(readYamlFile(file)).groups;
    manifests.set(key, (groups = Array.isArray(g) ? g : []));
  }
  return groups;
}

/** Kernel sources another backend shares with `backend`, per backend, for one table file. */
function sharedKernels(root: string, backend: string, tableFile: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const g of manifestGroups(root)) {
    const entry = obj(g);
    const frameworks = (Array.isArray(entry.frameworks) ? entry.frameworks : []).map((f) => String(f).toLowerCase());
    const ks = entry.kernel_source;
    if (entry.op_file !== tableFile || !frameworks.includes(backend) || typeof ks !== 'string' || ks === '') continue;
    if (entry.tier !== 'shared' && entry.tier !== 'shared_fallback') continue;
    for (const fw of frameworks) {
      if (fw === backend) continue;
      let set = out.get(fw);
      if (!set) out.set(fw, (set = new Set()));
      set.add(ks);
    }
  }
  return out;
}

/** Resolves table files for one (system, backend, version). */
export class VersionedDatabase {
  private readonly dirs: VersionDir[];

  constructor(
    readonly spec: SystemSpec,
    readonly backend: string,
    readonly version: string,
  ) {
    this.dirs = versionDirs(spec.dataDir, backend).filter((d) => !isPartial(d.dir));
  }

  /** The table file of one version (family layout first, then legacy), or undefined. */
  private fileOf(version: string, table: string): string | undefined {
    const candidates = this.dirs.filter((d) => d.version === version).sort((a, b) => (a.family === null ? 1 : 0) - (b.family === null ? 1 : 0));
    for (const d of candidates) {
      for (const ext of ['.parquet', '.txt']) {
        const f = path.join(d.dir, table + ext);
        if (fs.existsSync(f)) return f;
      }
    }
    return undefined;
  }

  private familyOf(file: string): string | null {
    const rel = path.relative(this.spec.dataDir, file).split(path.sep);
    return rel.length >= 4 ? rel[0]! : null;
  }

  /** Sources of `table` when `version` is the requested one: itself, donors, older versions. */
  private sourcesFor(version: string, table: string): TableSource[] {
    const out: TableSource[] = [];
    const primary = this.fileOf(version, table);
    if (primary) out.push({ file: primary, version });
    // AIC never borrows comm rows from other versions — but it tells comm tables apart by the
    // family folder of the requested version's file, so when that file is missing the usual
    // donors and older versions apply.
    if (primary && this.familyOf(primary) === 'comm') return out;
    const seen = new Set([version]);
    for (const d of this.dirs.filter((x) => x.version === version)) {
      for (const r of declaredReuse(d.dir)) {
        if (r.table !== table || seen.has(r.from)) continue;
        const donor = this.fileOf(r.from, table);
        if (donor) {
          out.push({ file: donor, version: r.from });
          seen.add(r.from);
        }
      }
    }
    const older = [...new Set(this.dirs.map((d) => d.version))]
      .filter((v) => !seen.has(v) && compareVersions(v, version) < 0)
      .sort((a, b) => compareVersions(b, a));
    for (const v of older) {
      const f = this.fileOf(v, table);
      if (f) out.push({ file: f, version: v });
    }
    const shared = sharedKernels(this.spec.root, this.backend, `${table}.parquet`);
    for (const fw of [...shared.keys()].sort()) {
      const other = new VersionedDatabase(this.spec, fw, version);
      const versions = [...new Set(other.dirs.map((d) => d.version))].sort((a, b) => compareVersions(b, a));
      for (const v of versions) {
        const f = other.fileOf(v, table);
        if (f) out.push({ file: f, version: `${fw} ${v}`, kernelSources: [...shared.get(fw)!].sort() });
      }
    }
    return out;
  }

  /**
   * Files feeding `table` for the requested version; when it has none, the sources of the newest
   * version that does (`fallbackVersion` set). Undefined when no version has the table.
   */
  sources(table: string): { sources: TableSource[]; fallbackVersion?: string } | undefined {
    const own = this.sourcesFor(this.version, table);
    if (own.length > 0) return { sources: own };
    const versions = [...new Set(this.dirs.map((d) => d.version))].sort((a, b) => compareVersions(b, a));
    for (const v of versions) {
      if (!this.fileOf(v, table)) continue;
      return { sources: this.sourcesFor(v, table), fallbackVersion: v };
    }
    return undefined;
  }
}
