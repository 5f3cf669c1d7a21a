// JSON knobs take inline JSON or a file path the same way everywhere (issue 13, item 6): a file is
// read, a missing one is "no such file" naming the flag — never a JSON syntax error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { parseRouterConfig } from '../../src/config/router-config.js';
import { parsePlannerConfig } from '../../src/planner/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dynosim-knobs-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('JSON knobs given as file paths', () => {
  it('reads engine args and router config from a file', () => {
    expect(parseEngineArgs(file('engine.json', '{"block_size": 32}'), '--extra-engine-args').block_size).toBe(32);
    expect(parseRouterConfig(file('router.json', '{"router_temperature": 0.5}')).router_temperature).toBe(0.5);
  });

  it('a missing file is "no such file" for every knob', () => {
    const missing = path.join(dir, 'absent.json');
    expect(() => parseEngineArgs(missing, '--extra-engine-args')).toThrow(`--extra-engine-args: no such file: ${missing}`);
    expect(() => parseRouterConfig(missing)).toThrow(`--router-config: no such file: ${missing}`);
    expect(() => parsePlannerConfig(missing)).toThrow(`--planner-config: no such file: ${missing}`);
  });

  it('a file that is not JSON names the file; inline JSON keeps its messages', () => {
    const bad = file('bad.json', '{"block_size": ');
    expect(() => parseEngineArgs(bad, '--extra-engine-args')).toThrow(`--extra-engine-args: could not parse JSON file '${bad}'`);
    expect(() => parseEngineArgs('{"block_size": ', '--extra-engine-args')).toThrow('--extra-engine-args: invalid JSON');
    expect(() => parseEngineArgs('64', '--extra-engine-args')).toThrow('engine-args must be a JSON object');
  });
});
