// The router policy YAML of `--router-policy-config` (env DYN_ROUTER_POLICY_CONFIG, or the router
// config's `router_policy_config`): policy classes, each a router queue of its own with a queue
// policy, a DRR quantum, busy thresholds and queue limits, bound to a (policy family, uncached-ISL
// bucket) pair, in a root profile and per-model profiles that `--model-name` selects. Read and
// validated as the reference does (lib/kv-router/src/scheduling/policy_config.rs:
// RouterPolicyConfig::from_path / resolve, resolve_profile, resolve_policy_class,
// resolve_uncached_isl_buckets, validate_identifier), with its messages.
//
// dynosim's requests name no policy family, so every request takes its profile's default family
// and the class of the bucket its uncached prompt falls in (FamilyBucketClassifier::class_index);
// explicit classes (no family or bucket) are validated but no request can ask for one.

import fs from 'node:fs';
import { ReplayError } from '../errors.js';
import { parseYamlText } from './yaml.js';

export type PolicyQueuePolicy = 'fcfs' | 'wspt';

export interface PolicyClass {
  name: string;
  queue_policy: PolicyQueuePolicy;
  /** DRR credit granted per round (scheduling-cost tokens). */
  quantum: number;
  /** A worker is busy above this many active prefill tokens, */
  prefill_busy_threshold: number | null;
  /** or above this multiple of its max_num_batched_tokens. */
  prefill_busy_threshold_frac: number | null;
  /** Share of eligible workers that must be busy for the pool to be (null: all of them). */
  busy_worker_ratio: number | null;
  request_queue_limit_per_worker: number | null;
  raw_isl_token_queue_limit_per_worker: number | null;
  cached_token_queue_limit_per_worker: number | null;
}

export interface PolicyProfile {
  classes: PolicyClass[];
  /** Lower bounds of the uncached-ISL buckets, strictly increasing from 0. */
  bucketMinTokens: number[];
  /** The class of each bucket for the profile's default policy family. */
  bucketClass: number[];
}

export interface RouterPolicyConfig {
  root: PolicyProfile | null;
  models: ReadonlyMap<string, PolicyProfile>;
}

const FLAG = '--router-policy-config';

class Invalid extends Error {}

const invalid = (message: string): never => {
  throw new Invalid(message);
};

type Raw = Record<string, unknown>;

/** serde's deny_unknown_fields and missing-field checks, named by where they are in the file. */
function fields(value: unknown, where: string, known: readonly string[], required: readonly string[]): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError(`${where}: expected a mapping`);
  const raw = value as Raw;
  for (const key of Object.keys(raw))
    if (!known.includes(key)) throw new SyntaxError(`${where}: unknown field \`${key}\`, expected one of ${known.map((k) => `\`${k}\``).join(', ')}`);
  for (const key of required) if (raw[key] === undefined) throw new SyntaxError(`${where}: missing field \`${key}\``);
  return raw;
}

function text(raw: Raw, key: string, where: string): string {
  const v = raw[key];
  if (typeof v !== 'string') throw new SyntaxError(`${where}.${key}: expected a string`);
  return v;
}

/** usize fields (an absent or null optional one is null). */
function count(raw: Raw, key: string, where: string): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) throw new SyntaxError(`${where}.${key}: expected a non-negative integer`);
  return v;
}

function real(raw: Raw, key: string, where: string): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') throw new SyntaxError(`${where}.${key}: expected a number`);
  return v;
}

function list(raw: Raw, key: string, where: string): unknown[] {
  const v = raw[key];
  if (!Array.isArray(v)) throw new SyntaxError(`${where}.${key}: expected a sequence`);
  return v;
}

/** validate_identifier: non-empty, [A-Za-z0-9_.-]+. */
function identifier(name: string, kind: string, location: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) invalid(`${location} ${kind} name ${JSON.stringify(name)} must match [A-Za-z0-9_.-]+`);
}

const CLASS_KEYS = [
  'name',
  'policy_family',
  'cache_bucket',
  'queue_policy',
  'quantum',
  'prefill_busy_threshold',
  'prefill_busy_threshold_frac',
  'busy_worker_ratio',
  'request_queue_limit_per_worker',
  'raw_isl_token_queue_limit_per_worker',
  'cached_token_queue_limit_per_worker',
] as const;

interface Binding {
  family: string;
  bucket: number;
}

function policyClass(value: unknown, where: string, buckets: ReadonlyMap<string, number>, location: string): { config: PolicyClass; binding: Binding | null } {
  const raw = fields(value, where, CLASS_KEYS, ['name', 'quantum']);
  const name = text(raw, 'name', where);
  const policy = raw.queue_policy === undefined ? 'fcfs' : text(raw, 'queue_policy', where);
  if (!['fcfs', 'lcfs', 'wspt'].includes(policy)) throw new SyntaxError(`${where}.queue_policy: unknown variant \`${policy}\`, expected one of \`fcfs\`, \`lcfs\`, \`wspt\``);
  const config: PolicyClass = {
    name,
    queue_policy: policy as PolicyQueuePolicy,
    quantum: count(raw, 'quantum', where)!,
    prefill_busy_threshold: count(raw, 'prefill_busy_threshold', where),
    prefill_busy_threshold_frac: real(raw, 'prefill_busy_threshold_frac', where),
    busy_worker_ratio: real(raw, 'busy_worker_ratio', where),
    request_queue_limit_per_worker: count(raw, 'request_queue_limit_per_worker', where),
    raw_isl_token_queue_limit_per_worker: count(raw, 'raw_isl_token_queue_limit_per_worker', where),
    cached_token_queue_limit_per_worker: count(raw, 'cached_token_queue_limit_per_worker', where),
  };
  const q = JSON.stringify(name);
  identifier(name, 'policy class', location);
  if (config.quantum === 0) invalid(`${location} policy class ${q} quantum must be greater than zero`);
  if (policy === 'lcfs') invalid(`${location} policy class ${q} queue_policy must be fcfs or wspt`);
  const frac = config.prefill_busy_threshold_frac;
  if (frac !== null && !(Number.isFinite(frac) && frac >= 0)) invalid(`${location} policy class ${q} prefill_busy_threshold_frac must be finite and non-negative`);
  const ratio = config.busy_worker_ratio;
  if (ratio !== null && !(Number.isFinite(ratio) && ratio > 0 && ratio <= 1))
    invalid(`${location} policy class ${q} busy_worker_ratio must be a finite fraction in (0.0, 1.0]`);
  if (ratio !== null && config.prefill_busy_threshold === null && frac === null)
    invalid(
      `${location} policy class ${q} sets busy_worker_ratio but no prefill_busy_threshold or prefill_busy_threshold_frac, so no worker can ever be considered busy`,
    );
  const family = raw.policy_family === undefined || raw.policy_family === null ? null : text(raw, 'policy_family', where);
  const bucket = raw.cache_bucket === undefined || raw.cache_bucket === null ? null : text(raw, 'cache_bucket', where);
  if (family === null && bucket === null) return { config, binding: null };
  if (family === null || bucket === null)
    invalid(`${location} policy class ${q} must specify both policy_family and cache_bucket or neither for an explicit class`);
  identifier(family!, 'policy family', location);
  identifier(bucket!, 'cache bucket', location);
  const index = buckets.get(bucket!);
  if (index === undefined) invalid(`${location} policy class ${q} references unknown cache bucket ${JSON.stringify(bucket)}`);
  return { config, binding: { family: family!, bucket: index! } };
}

/** resolve_profile: the bucket list, the classes, and a class for every (family, bucket). */
function profile(raw: Raw, where: string, location: string): PolicyProfile {
  const defaultFamily = text(raw, 'default_policy_family', where);
  identifier(defaultFamily, 'policy family', location);
  const rawClasses = list(raw, 'policy_classes', where);
  if (rawClasses.length === 0) invalid(`${location} policy_classes must not be empty`);

  const rawBuckets = list(raw, 'uncached_isl_buckets', where);
  if (rawBuckets.length === 0) invalid(`${location} uncached_isl_buckets must not be empty`);
  const parsed = rawBuckets.map((b, i) => {
    const at = `${where}.uncached_isl_buckets[${i}]`;
    const r = fields(b, at, ['min_tokens', 'bucket'], ['min_tokens', 'bucket']);
    return { minTokens: count(r, 'min_tokens', at)!, name: text(r, 'bucket', at) };
  });
  if (parsed[0]!.minTokens !== 0) invalid(`${location} uncached_isl_buckets must start at min_tokens 0`);
  for (let i = 1; i < parsed.length; i++)
    if (parsed[i]!.minTokens <= parsed[i - 1]!.minTokens) invalid(`${location} uncached_isl_buckets min_tokens must be strictly increasing`);
  const buckets = new Map<string, number>();
  for (const b of parsed) {
    identifier(b.name, 'cache bucket', location);
    if (buckets.has(b.name)) invalid(`${location} contains duplicate cache bucket ${JSON.stringify(b.name)}`);
    buckets.set(b.name, buckets.size);
  }

  const classes: PolicyClass[] = [];
  const bindings: (Binding | null)[] = [];
  rawClasses.forEach((c, i) => {
    const { config, binding } = policyClass(c, `${where}.policy_classes[${i}]`, buckets, location);
    if (classes.some((k) => k.name === config.name)) invalid(`${location} contains duplicate policy class ${JSON.stringify(config.name)}`);
    classes.push(config);
    bindings.push(binding);
  });

  const families: string[] = [];
  for (const b of bindings) if (b && !families.includes(b.family)) families.push(b.family);
  if (!families.includes(defaultFamily)) invalid(`${location} default_policy_family ${JSON.stringify(defaultFamily)} does not name a configured family`);
  const table = new Array<number | null>(families.length * parsed.length).fill(null);
  bindings.forEach((b, k) => {
    if (b === null) {
      const name = classes[k]!.name;
      if (families.includes(name)) invalid(`${location} explicit policy class ${JSON.stringify(name)} collides with a policy family`);
      return;
    }
    const cell = families.indexOf(b.family) * parsed.length + b.bucket;
    if (table[cell] !== null)
      invalid(`${location} contains duplicate policy classes for family ${JSON.stringify(b.family)} and bucket ${JSON.stringify(parsed[b.bucket]!.name)}`);
    table[cell] = k;
  });
  families.forEach((family, f) =>
    parsed.forEach((b, i) => {
      if (table[f * parsed.length + i] === null)
        invalid(`${location} is missing a policy class for family ${JSON.stringify(family)} and bucket ${JSON.stringify(b.name)}`);
    }),
  );
  const base = families.indexOf(defaultFamily) * parsed.length;
  return { classes, bucketMinTokens: parsed.map((b) => b.minTokens), bucketClass: parsed.map((_, i) => table[base + i]!) };
}

const PROFILE_KEYS = ['default_policy_family', 'policy_classes', 'uncached_isl_buckets'] as const;

/** RawRouterPolicyConfig::resolve. */
function resolve(doc: unknown): RouterPolicyConfig {
  const raw = fields(doc ?? {}, 'the document', [...PROFILE_KEYS, 'models', 'worker_selection'], []);
  if (raw.worker_selection !== undefined && raw.worker_selection !== null)
    throw new ReplayError(
      `${FLAG}: worker_selection is not supported: it picks pluggable worker-selection policy instances, which dynosim does not simulate (it routes with the KV router's cost)`,
    );
  const given = PROFILE_KEYS.filter((k) => raw[k] !== undefined);
  if (given.length > 0 && given.length < PROFILE_KEYS.length)
    invalid('root profile must specify default_policy_family, uncached_isl_buckets, and policy_classes when any root profile field is present');
  const root = given.length === 0 ? null : profile(raw, 'the document', 'root');
  const models = new Map<string, PolicyProfile>();
  if (raw.models !== undefined && raw.models !== null) {
    const entries = fields(raw.models, 'models', Object.keys(raw.models as object), []);
    for (const [name, value] of Object.entries(entries)) {
      if (name === '') invalid('model profile name must not be empty');
      const where = `models.${name}`;
      models.set(name, profile(fields(value, where, PROFILE_KEYS, PROFILE_KEYS), where, `model ${JSON.stringify(name)}`));
    }
  }
  if (root === null && models.size === 0) invalid('router policy config must define a root profile, at least one model profile, or worker_selection');
  return { root, models };
}

/** Reads and validates the policy YAML; every failure is one line naming the flag and the file. */
export function loadRouterPolicyConfig(file: string): RouterPolicyConfig {
  let contents: string;
  try {
    contents = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : error instanceof Error ? error.message : String(error);
    throw new ReplayError(`${FLAG}: failed to read router policy config ${file}: ${why}`);
  }
  let doc: unknown;
  try {
    doc = parseYamlText(contents, '1.2');
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new ReplayError(`${FLAG}: failed to parse router policy config ${file}: ${message}`);
  }
  try {
    return resolve(doc);
  } catch (error) {
    if (error instanceof SyntaxError) throw new ReplayError(`${FLAG}: failed to parse router policy config ${file}: ${error.message}`);
    if (error instanceof Invalid) throw new ReplayError(`${FLAG}: invalid router policy config: ${error.message}`);
    throw error;
  }
}

/**
 * RouterPolicyConfig::resolve_profile: the model's profile replaces the root wholesale; null when
 * neither applies (the router then keeps its single queue from router_queue_threshold/policy).
 */
export function resolvePolicyProfile(config: RouterPolicyConfig, modelName: string | undefined): PolicyProfile | null {
  return (modelName !== undefined ? config.models.get(modelName) : undefined) ?? config.root;
}
