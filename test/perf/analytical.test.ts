// The built-in analytical model (no AIC database anywhere) and the database search order.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { findAicPythonPackage, locateDatabase } from '../../src/perf/database.js';
import { resolvePerfModel } from '../../src/perf/resolve.js';
import { evaluate, hasSharedAic, systemsPath, testEnv } from './helpers.js';

const base = { aic_backend: 'vllm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8' };

describe('built-in analytical model', () => {
  it('is used, with one note, when no database is configured or installed', async () => {
    const r = await evaluate({ ...base, aic_system: 'h200_sxm' }, [[1, 1024, 0]], [[8, 2000]]);
    expect(r.perf.info.model).toBe('analytical');
    expect(r.perf.native.kind).toBe('analytical');
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/no AIC perf database found, using the built-in analytical model for h200_sxm; point aic_systems_path/);
    expect(r.prefill[0]).toBeGreaterThan(1);
    expect(r.decode[0]).toBeGreaterThan(1);
  });

  it('estimates the KV capacity with the same memory model (h200 specs match AIC’s)', async () => {
    const r = await evaluate({ ...base, aic_system: 'h200_sxm', aic_tp_size: 1 });
    expect(r.perf.numGpuBlocks).toBe(29249);
  });

  it('grows with work: longer prompts, bigger batches, longer contexts', async () => {
    const r = await evaluate(
      { ...base, aic_system: 'h100_sxm', aic_model_path: 'meta-llama/Llama-3.1-70B-Instruct', aic_tp_size: 4, num_gpu_blocks: 100 },
      [[1, 128, 0], [1, 1024, 0], [1, 8192, 0], [1, 1024, 4096]],
      [[1, 1000], [64, 1000], [64, 8000]],
    );
    expect(r.prefill[1]).toBeGreaterThan(r.prefill[0]!);
    expect(r.prefill[2]).toBeGreaterThan(r.prefill[1]!);
    expect(r.prefill[3]).toBeGreaterThan(r.prefill[1]!); // attention over the cached prefix
    expect(r.decode[1]).toBeGreaterThan(r.decode[0]!);
    expect(r.decode[2]).toBeGreaterThan(r.decode[1]!);
  });

  it('covers h100_sxm, h200_sxm, b200_sxm and a100_sxm; other systems fail clearly', async () => {
    for (const system of ['h100_sxm', 'h200_sxm', 'b200_sxm', 'a100_sxm']) {
      const r = await evaluate({ ...base, aic_system: system, aic_model_path: 'Qwen/Qwen3-8B', num_gpu_blocks: 100 }, [[1, 512, 0]], [[4, 512]]);
      expect(r.prefill[0]).toBeGreaterThan(0);
    }
    const err = await evaluate({ ...base, aic_system: 'gb300', num_gpu_blocks: 100 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/unknown aic_system 'gb300' for the built-in analytical model \(known: h100_sxm, h200_sxm, b200_sxm, a100_sxm\)/);
  });

  it('an unknown model id says how to provide its config', async () => {
    const err = await evaluate({ ...base, aic_model_path: 'acme/Mystery-3B', num_gpu_blocks: 100 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/unknown model 'acme\/Mystery-3B': .*set aic_model_path to a directory holding its config\.json/);
  });
});

describe('finding the database', () => {
  it('aic_systems_path, then $AIC_SYSTEMS_PATH, then the python package, else none', () => {
    const none = () => undefined;
    expect(locateDatabase('/tmp', { env: { AIC_SYSTEMS_PATH: '/' }, findPythonPackage: none })).toEqual({ roots: ['/tmp'], source: 'aic_systems_path' });
    expect(locateDatabase(null, { env: { AIC_SYSTEMS_PATH: '/tmp,/' }, findPythonPackage: none })).toEqual({ roots: ['/tmp', '/'], source: 'AIC_SYSTEMS_PATH' });
    expect(locateDatabase(null, { env: {}, findPythonPackage: none })).toBeUndefined();
    expect(() => locateDatabase(null, { env: { AIC_SYSTEMS_PATH: '/no/such/dir' }, findPythonPackage: none })).toThrow(
      "AIC_SYSTEMS_PATH: '/no/such/dir' is not a directory",
    );
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python || !hasSharedAic)('an installed aiconfigurator_core package is found through python3', () => {
    // A stand-in package: python3 only has to locate it (find_spec does not import it).
    const site = mkdtempSync(path.join(os.tmpdir(), 'dynosim-py-'));
    try {
      mkdirSync(path.join(site, 'aiconfigurator_core'));
      writeFileSync(path.join(site, 'aiconfigurator_core', '__init__.py'), 'raise ImportError("not importable")\n');
      symlinkSync(systemsPath, path.join(site, 'aiconfigurator_core', 'systems'));
      const env = { PATH: process.env.PATH, PYTHONPATH: site };
      const found = locateDatabase(null, { env });
      expect(found?.roots).toEqual([path.join(realpathSync(site), 'aiconfigurator_core', 'systems')]);
      expect(found?.source).toMatch(/^python package aiconfigurator_core/);
      expect(findAicPythonPackage({ PATH: process.env.PATH, PYTHONPATH: path.join(site, 'nothing-here') })).toBeUndefined();
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasSharedAic)('$AIC_SYSTEMS_PATH selects the database model', async () => {
    const args = parseEngineArgs({ ...base, aic_system: 'h200_sxm', num_gpu_blocks: 100 }, '--extra-engine-args');
    const perf = await resolvePerfModel(args, { env: { ...testEnv, AIC_SYSTEMS_PATH: systemsPath }, findPythonPackage: () => undefined });
    expect(perf.info.model).toBe('aic_database');
    expect(perf.info.databaseSource).toBe('AIC_SYSTEMS_PATH');
  });

  it('engine args without AIC keep the polynomial', async () => {
    const r = await evaluate({ num_gpu_blocks: 100 }, [[1, 1000, 0]], [[1, 10]]);
    expect(r.perf.native).toEqual({ kind: 'polynomial' });
    expect(r.prefill[0]).toBeCloseTo(4.209989e-7 * 1e6 + 1.518344e-2 * 1000 + 16.50142, 9);
  });
});
