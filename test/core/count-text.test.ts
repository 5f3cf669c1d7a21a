import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countText } from '../../src/core/count-text.js';

describe('countText', () => {
  it('prints what toLocaleString("en-US") prints', () => {
    for (const x of [0, -0, 1, 12, 999, 1000, -1000, 12031, 1234567, -9876543210, Number.MAX_SAFE_INTEGER, 1e21, 1.5, NaN, Infinity])
      expect(countText(x)).toBe(x.toLocaleString('en-US'));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (x) => countText(x) === x.toLocaleString('en-US')));
  });
});
