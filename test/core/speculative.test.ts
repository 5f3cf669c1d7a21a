// Speculative decoding (MTP): the burst sampler and its accounting (mocker_engine.md §4.4, §11;
// the user guide's accept-length example).
import { describe, expect, it } from 'vitest';
import { RequestStatus } from '../../src/core/results.js';
import { simulate, start, workload } from './build.js';

const one = (isl: number, osl: number) => workload([[{ isl, osl, ids: [1], at: 0 }]], 64);

function acceptLength(nextn: number, acceptRates: number[], osl: number) {
  const sim = start(one(64, osl), { engine: { nextn, acceptRates } });
  sim.runUntil(Infinity);
  const traffic = sim.drainTraffic();
  return { traffic, results: sim.results() };
}

describe('MTP burst sampler', () => {
  it('rates [0, 1]: the first draft is always rejected, one token per forward', () => {
    const { traffic } = acceptLength(2, [0, 1], 50);
    expect(traffic.decodeForwards).toBe(50);
    expect(traffic.avgAcceptLength).toBe(1);
  });

  it('rates [1, 1]: three tokens per forward', () => {
    const { traffic } = acceptLength(2, [1, 1], 60);
    expect(traffic.decodeForwards).toBe(20);
    expect(traffic.avgAcceptLength).toBe(3);
  });

  it('rates [1, 0, 1]: stops at the first rejection, two tokens per forward', () => {
    const { traffic } = acceptLength(3, [1, 0, 1], 40);
    expect(traffic.avgAcceptLength).toBe(2);
  });

  it('the last burst is clamped to the remaining output (guide: nextn 2, OSL 64 -> 64/22 = 2.91)', () => {
    const { traffic, results } = acceptLength(2, [1, 1], 64);
    expect(results.requests.outputTokens[0]).toBe(64);
    expect(traffic.visibleTokens).toBe(64);
    expect(traffic.decodeForwards).toBe(22);
    expect(traffic.avgAcceptLength!).toBeCloseTo(64 / 22, 12);
  });

  it('rates [0.7, 0.5, 0.2] average 1 + 0.7 + 0.35 + 0.07 = 2.12 tokens per forward', () => {
    const { traffic } = acceptLength(3, [0.7, 0.5, 0.2], 424_000);
    expect(traffic.decodeForwards).toBeGreaterThan(190_000);
    expect(Math.abs(traffic.avgAcceptLength! - 2.12)).toBeLessThan(0.01);
  });

  it('a 4-token prompt with max_output 3 emits all three tokens in its first pass (B = 4, rates 1,1)', () => {
    const w = workload([[{ isl: 4, osl: 3, ids: [1], at: 0 }]], 4);
    const r = simulate(w, { engine: { blockSize: 4, nextn: 2, acceptRates: [1, 1] } });
    expect(r.requests.outputTokens[0]).toBe(3);
    expect(r.requests.firstTokenMs[0]).toBe(r.requests.lastTokenMs[0]);
  });

  it('a request with max_output 0 completes after its prefill with no token', () => {
    const w = workload([[{ isl: 64, osl: 0, ids: [1], at: 0 }]], 64);
    const r = simulate(w, { engine: { nextn: 2, acceptRates: [1, 1] } });
    expect(r.requests.status[0]).toBe(RequestStatus.Completed);
    expect(r.requests.outputTokens[0]).toBe(0);
  });

  it('is seeded: two runs draw the same bursts', () => {
    const a = acceptLength(3, [0.7, 0.5, 0.2], 5000).results.requests.lastTokenMs[0];
    const b = acceptLength(3, [0.7, 0.5, 0.2], 5000).results.requests.lastTokenMs[0];
    expect(a).toBe(b);
  });
});
