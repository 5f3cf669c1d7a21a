// Parsed AIC YAML files kept in the perf-model cache (src/perf/database.ts, readYamlFile): read
// back as they were parsed, never served for a changed file, not kept when JSON would lose a value.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSystemSpec, useYamlCache } from '../../src/perf/database.js';

const dir = mkdtempSync(join(tmpdir(), 'dynosim-yaml-cache-'));
afterAll(() => {
  useYamlCache(undefined);
  rmSync(dir, { recursive: true, force: true });
});

const system = (memBw: string, extra = '') => `data_dir: data/x
gpu:
  mem_bw: ${memBw}
  mem_bw_empirical_scaling_factor: 0.8
  mem_empirical_constant_latency: 0.000003
  mem_capacity: 151397597184
  bfloat16_tc_flops: 989000000000000${extra}
node:
  num_gpus_per_node: 8
  inter_node_bw: 50000000000
  intra_node_bw: 450000000000
misc:
  nccl_mem:
    1: 0
    2: 358612992
  other_mem: 3758096384
`;

describe('the YAML cache', () => {
  const roots = join(dir, 'systems');
  const cache = join(dir, 'cache');
  it('reads a kept file back as parsed, and a changed file afresh', () => {
    rmSync(roots, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(roots);
    writeFileSync(join(roots, 'x.yaml'), system('4800000000000'));
    useYamlCache(cache);
    const first = readSystemSpec(roots, 'x');
    expect(readdirSync(cache).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    const again = readSystemSpec(roots, 'x');
    expect(again).toEqual(first);
    expect(again.gpu.memBw).toBe(4.8e12);
    // A different size is a different file: parsed again, not served from the cache.
    writeFileSync(join(roots, 'x.yaml'), system('3350000000000'));
    expect(readSystemSpec(roots, 'x').gpu.memBw).toBe(3.35e12);
    expect(readdirSync(cache).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
  });

  it('does not keep a file holding .inf or .nan (JSON would turn them into null)', () => {
    rmSync(cache, { recursive: true, force: true });
    writeFileSync(join(roots, 'x.yaml'), system('4800000000000', '\n  power: .inf'));
    useYamlCache(cache);
    readSystemSpec(roots, 'x');
    let kept: string[] = [];
    try {
      kept = readdirSync(cache).filter((f) => f.endsWith('.bin'));
    } catch {
      kept = [];
    }
    expect(kept).toHaveLength(0);
  });
});
