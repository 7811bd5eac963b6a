import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overrideNeedsApproval, overrideReductionBp } from '../src/index.js';

describe('price override', () => {
  it('measures how far a price is lowered, rounding up, and never counts a raise', () => {
    expect(overrideReductionBp(1000, 800)).toBe(2000);
    expect(overrideReductionBp(1290, 1000)).toBe(2249); // 22.48…% rounds up
    expect(overrideReductionBp(1000, 0)).toBe(10000);
    expect(overrideReductionBp(1000, 1200)).toBe(0);
    expect(overrideReductionBp(0, 0)).toBe(0);
  });

  it('an override within the limit never lowers a price by more than the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10000 }),
        (list, price, limit) => {
          if (!overrideNeedsApproval(true, limit, list, price)) {
            expect((list - price) * 10000).toBeLessThanOrEqual(list * limit);
          }
        },
      ),
    );
  });

  it('without the permission every override needs a manager', () => {
    expect(overrideNeedsApproval(false, 10000, 1000, 1200)).toBe(true);
    expect(overrideNeedsApproval(true, 1000, 1000, 900)).toBe(false);
    expect(overrideNeedsApproval(true, 1000, 1000, 899)).toBe(true);
  });
});
