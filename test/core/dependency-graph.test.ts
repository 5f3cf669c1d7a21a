// The core's request graph (agentic workloads) and variable-length hash-id runs (mooncake-delta's
// accumulated prompts), driven directly: release on dependencies as aisimulate's driver.rs
// releases agentic nodes (AgenticState::release_edges: a node is ready at the latest of its
// not-before time and every dependency's trigger + delay), and the addon's checks on both.
import { describe, expect, it } from 'vitest';
import type { Workload, WorkloadGraph } from '../../src/core/workload.js';
import { sglangEngine, simulate, start, workload } from './build.js';
import { agg, expectSame } from './equivalence.js';

interface Node {
  isl?: number;
  osl?: number;
  ids?: number[];
  at?: number;
  deps?: { src: number; delay?: number; dispatch?: boolean }[];
  play?: number;
}

function graphWorkload(nodes: Node[], lanes = 0): Workload {
  const w = workload(nodes.map((n) => [{ isl: n.isl ?? 64, osl: n.osl ?? 4, ids: n.ids ?? [1], at: n.at ?? 0 }]), 64);
  const offsets = [0];
  const sources: number[] = [];
  const delays: number[] = [];
  const onDispatch: number[] = [];
  for (const n of nodes) {
    for (const d of n.deps ?? []) {
      sources.push(d.src);
      delays.push(d.delay ?? 0);
      onDispatch.push(d.dispatch ? 1 : 0);
    }
    offsets.push(sources.length);
  }
  const graph: WorkloadGraph = {
    depOffsets: Uint32Array.from(offsets),
    depSources: Uint32Array.from(sources),
    depDelayMs: Float64Array.from(delays),
    depOnDispatch: Uint8Array.from(onDispatch),
    playOf: Uint32Array.from(nodes.map((n) => n.play ?? 0)),
    playIds: [],
    requestIds: nodes.map((_, i) => `r${i}`),
    lanes,
  };
  return { ...w, graph };
}

describe('release on dependencies', () => {
  it('waits for dispatch or completion triggers plus delays, the latest of several, and the not-before time', () => {
    const w = graphWorkload([
      { at: 10 },
      { deps: [{ src: 0, delay: 5, dispatch: true }] },
      { deps: [{ src: 0, delay: 7 }] },
      { deps: [{ src: 1 }, { src: 2, delay: 1 }] },
      { at: 1e6, deps: [{ src: 0 }] },
    ]);
    const r = simulate(w).requests;
    expect(r.arrivalMs[0]).toBe(10);
    expect(r.arrivalMs[1]).toBe(15);
    expect(r.arrivalMs[2]).toBeCloseTo(r.lastTokenMs[0]! + 7, 6);
    expect(r.arrivalMs[3]).toBeCloseTo(Math.max(r.lastTokenMs[1]!, r.lastTokenMs[2]! + 1), 6);
    // Its own not-before time is later than the trigger.
    expect(r.arrivalMs[4]).toBe(1e6);
    expect(Array.from(r.status)).toEqual([1, 1, 1, 1, 1]);
  });

  it('lanes run plays one after another: a lane moves on once every request of its play is done', () => {
    const nodes: Node[] = [{ play: 0, at: 50 }, { play: 0, deps: [{ src: 0, delay: 3 }] }, { play: 1, at: 20 }, { play: 2 }];
    const r = simulate(graphWorkload(nodes, 2)).requests;
    // Lanes 0 and 1 start plays 0 and 1 at once (their not-before times do not apply to roots).
    expect(r.arrivalMs[0]).toBe(0);
    expect(r.arrivalMs[2]).toBe(0);
    // Play 2 follows play 0 in lane 0, when its last request completes.
    expect(r.arrivalMs[3]).toBeCloseTo(r.lastTokenMs[1]!, 6);
    const free = simulate(graphWorkload(nodes)).requests;
    expect(free.arrivalMs[0]).toBe(50);
    expect(free.arrivalMs[2]).toBe(20);
    expect(free.arrivalMs[3]).toBe(0);
  });
});

describe('hash-id runs of varying length', () => {
  const prompt = (ids: number[], runs: number[] | null, isl: number): Workload => {
    const w = workload([[{ isl, osl: 2, ids, at: 0 }], [{ isl, osl: 2, ids, at: 1000 }]], 64);
    if (runs === null) return w;
    return { ...w, hashIds: Uint32Array.from([...ids, ...ids]), hashRunTokens: Uint32Array.from([...runs, ...runs]) };
  };

  it('runs of the trace block size hash as the uniform layout does, and a second identical prompt reuses it', () => {
    const uniform = simulate(prompt([1, 2, 3], null, 192)).requests.reusedTokens;
    const runs = simulate(prompt([1, 2, 3], [64, 64, 64], 192)).requests.reusedTokens;
    expect(Array.from(runs)).toEqual(Array.from(uniform));
    // 3 full blocks of 64; the last is recomputed (vLLM keeps one prompt token to compute).
    expect(runs[1]).toBe(128);
  });

  it('content is the runs: the same ids split differently are different tokens', () => {
    const w = workload([[{ isl: 128, osl: 2, ids: [1, 2], at: 0 }], [{ isl: 128, osl: 2, ids: [1, 2], at: 1000 }]], 64);
    // Request 1 holds 40 tokens of id 1 then 88 of id 2: its first block differs from request 0's.
    const split = { ...w, hashRunTokens: Uint32Array.from([64, 64, 40, 88]) };
    expect(simulate(split).requests.reusedTokens[1]).toBe(0);
  });
});

describe('generated tokens with content (outputRunIds)', () => {
  // Turn 1: 700 tokens of runs, 100 generated tokens of id 9; turn 2: those 800 tokens, then 50
  // more. Blocks of 64: turn 1's sequence fills 12 blocks (768 tokens), which turn 2 finds cached
  // once the generated blocks carry their content, as the reference's content-hashed blocks do.
  const turns = (): Workload => {
    const w = workload([[{ isl: 700, osl: 100, ids: [1, 2], at: 0 }, { isl: 850, osl: 4, ids: [1, 2, 9, 3], delay: 50 }]], 512);
    return { ...w, hashRunTokens: Uint32Array.from([512, 188, 512, 188, 100, 50]), outputRunIds: Uint32Array.from([9, 10]) };
  };

  it('a later prompt matches them (vLLM, TRT-LLM and SGLang), and decode runs promote them as stepping does', () => {
    const w = turns();
    expect(simulate(w).requests.reusedTokens[1]).toBe(768);
    expect(simulate({ ...w, outputRunIds: undefined }).requests.reusedTokens[1]).toBe(640);
    expect(simulate(w, { engine: { kind: 'trtllm' } }).requests.reusedTokens[1]).toBe(768);
    expect(simulate(w, { engine: sglangEngine({ blockSize: 64 }) }).requests.reusedTokens[1]).toBe(768);
    const { bulk } = expectSame(agg({}), w);
    expect(bulk.results.requests.reusedTokens[1]).toBe(768);
  });
});

describe('the addon checks the graph and the runs', () => {
  const fails = (w: Workload, message: string) => expect(() => start(w)).toThrow(`native config: workload.${message}`);

  it('refuses sources outside the play, out of range or itself, cycles and plays without a root', () => {
    fails(graphWorkload([{}, { deps: [{ src: 0 }], play: 1 }]), 'depSources must name another request of the same play, for request 1');
    fails(graphWorkload([{}, { deps: [{ src: 9 }] }]), 'depSources must name another request of the same play, for request 1');
    fails(graphWorkload([{}, { deps: [{ src: 1 }] }]), 'depSources must name another request of the same play, for request 1');
    fails(graphWorkload([{}, { deps: [{ src: 2 }] }, { deps: [{ src: 1 }] }]), 'depSources form a cycle');
    fails(graphWorkload([{ deps: [{ src: 1 }] }, { deps: [{ src: 0 }] }]), 'depOffsets must give play 0 a request without dependencies');
    fails(graphWorkload([{}, {}], 1), 'depOffsets must give play 0 exactly one request without dependencies with agenticLanes');
  });

  it('refuses offsets that decrease, delays past the limit and a closed loop', () => {
    const w = graphWorkload([{}, { deps: [{ src: 0 }] }, {}]);
    w.graph!.depOffsets = Uint32Array.from([0, 5, 0, 1]);
    fails(w, 'depOffsets decreases at request 1');
    fails(graphWorkload([{}, { deps: [{ src: 0, delay: 4e12 }] }]), 'depDelayMs is outside [0, 100 years] for request 1');
    fails(graphWorkload([{}, { deps: [{ src: 0, delay: 2e12 }] }, { deps: [{ src: 1, delay: 2e12 }] }]), 'depDelayMs puts request 2 past 100 years');
    fails({ ...graphWorkload([{}]), concurrency: 2 }, 'concurrency must be 0 with depOffsets');
  });

  it('refuses empty runs and runs that do not cover the prompt', () => {
    const w = workload([[{ isl: 100, osl: 1, ids: [1, 2], at: 0 }]], 64);
    fails({ ...w, hashRunTokens: Uint32Array.from([100, 0]) }, 'hashRunTokens has an empty run for request 0');
    fails({ ...w, hashRunTokens: Uint32Array.from([50, 49]) }, 'inputLength exceeds what its hash ids cover for request 0');
    fails({ ...w, hashRunTokens: Uint32Array.from([50]) }, 'hashRunTokens has length 1, expected 2');
    fails({ ...w, outputRunIds: Uint32Array.from([1]) }, 'outputRunIds needs hashRunTokens');
    // Offsets past the ids that fall back later: the runs were read out of bounds (fuzz case 8209).
    const two = workload([[{ isl: 10, osl: 1, ids: [1], at: 0 }], [{ isl: 10, osl: 1, ids: [2], at: 0 }]], 64);
    fails({ ...two, hashOffsets: Uint32Array.from([0, 100, 2]), hashRunTokens: Uint32Array.from([10, 10]) }, 'hashOffsets runs past hashIds at request 0');
    fails({ ...w, hashRunTokens: Uint32Array.from([60, 40]), outputRunIds: Uint32Array.from([1, 2]) }, 'outputRunIds has length 2, expected 1');
  });
});
