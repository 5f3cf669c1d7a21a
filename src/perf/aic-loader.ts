// Reads the AIC perf tables one model build needs, remembering which versions fed each table and
// which tables came from a newer version than the requested one (the caller reports those).
import { ReplayError } from '../errors.js';
import type { SystemSpec, TableSource, VersionedDatabase } from './database.js';
import { readSources, type TableRows } from './tables.js';

export class Loader {
  readonly tableVersions: Record<string, string[]> = {};
  readonly fallbacks: { table: string; version: string }[] = [];

  constructor(
    readonly spec: SystemSpec,
    readonly db: VersionedDatabase,
    /** The system's NCCL tables (comm/nccl/<misc.nccl_version>), when the model needs them. */
    readonly nccl?: VersionedDatabase,
  ) {}

  where(): string {
    return `${this.db.backend} ${this.db.version} on ${this.spec.name}`;
  }

  async read(table: string, wanted: string[], optional: string[] = []): Promise<{ rows: TableRows[]; sources: TableSource[] }> {
    const db = table === 'nccl_perf' && this.nccl ? this.nccl : this.db;
    const found = db.sources(table);
    if (!found) throw new ReplayError(`AIC database has no ${table} table for ${db.backend} on ${this.spec.name} (${this.spec.dataDir})`);
    if (found.fallbackVersion !== undefined) this.fallbacks.push({ table, version: found.fallbackVersion });
    this.tableVersions[table] = found.sources.map((s) => s.version);
    return { rows: await readSources(found.sources, wanted, optional), sources: found.sources };
  }
}

/** AIC's memory-bound op time: bytes at the derated bandwidth plus a constant per call. */
export function memOpMs(spec: SystemSpec, bytes: number): number {
  return (bytes / (spec.gpu.memBw * spec.gpu.memBwScale) + spec.gpu.memConstLatency) * 1000;
}
