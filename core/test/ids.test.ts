import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from '../src/index.js';

const RUNS = { numRuns: 500 };

const MAX_MS = 2 ** 48 - 1; // 48-bit timestamp: until the year 10889
const nowArb = fc.oneof(fc.integer({ min: 0, max: MAX_MS }), fc.integer({ min: 1_500_000_000_000, max: 4_000_000_000_000 }));
const randomArb = fc.uint8Array({ minLength: 10, maxLength: 10 });
const RFC_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('is a valid lower-case RFC 9562 UUID, version 7, variant 10', () => {
    fc.assert(
      fc.property(nowArb, randomArb, (now, random) => {
        const id = uuidv7(now, random);
        expect(id).toMatch(RFC_V7);
        expect(isUuid(id)).toBe(true);
      }),
      RUNS,
    );
  });

  it('carries the millisecond timestamp in its first 48 bits', () => {
    fc.assert(
      fc.property(nowArb, randomArb, (now, random) => {
        expect(Number.parseInt(uuidv7(now, random).replace(/-/g, '').slice(0, 12), 16)).toBe(now);
      }),
      RUNS,
    );
  });

  it('keeps 74 random bits: different random bytes give different ids', () => {
    fc.assert(
      fc.property(nowArb, randomArb, fc.integer({ min: 0, max: 9 }), (now, random, i) => {
        const other = Uint8Array.from(random);
        // Flip a bit that survives the version/variant masks of its byte.
        other[i] = (other[i] as number) ^ (i === 0 ? 0x01 : i === 2 ? 0x20 : 0x80);
        expect(uuidv7(now, other)).not.toBe(uuidv7(now, random));
      }),
      RUNS,
    );
  });

  it('sorts by time, as text and as bytes, whatever the random part', () => {
    fc.assert(
      fc.property(nowArb, nowArb, randomArb, randomArb, (t1, t2, r1, r2) => {
        fc.pre(t1 !== t2);
        const [a, b] = [uuidv7(t1, r1), uuidv7(t2, r2)];
        expect(a < b).toBe(t1 < t2);
      }),
      RUNS,
    );
  });

  it('a batch made over time sorts back into creation order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5_000 }), randomArb), { minLength: 2, maxLength: 50 }), (steps) => {
        let now = 1_764_000_000_000;
        const ids = steps.map(([step, random]) => {
          now += step;
          return uuidv7(now, random);
        });
        expect([...ids].sort()).toEqual(ids);
      }),
      RUNS,
    );
  });

  it('known value', () => {
    const random = Uint8Array.from([0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66]);
    // 2026-11-25T00:00:00.000Z = 1795564800000 ms = 0x01a2_1000_8800; random bytes fill the rest around the version and variant bits
    expect(uuidv7(Date.UTC(2026, 10, 25), random)).toBe('01a21000-8800-7fee-9dcc-bbaa99887766');
  });

  it('needs 10 random bytes', () => {
    expect(() => uuidv7(0, new Uint8Array(9))).toThrow(RangeError);
  });
});

describe('isUuid', () => {
  it('accepts canonical UUIDs of versions 1-8, any case', () => {
    expect(isUuid('01a2b9d1-7400-7fee-9dcc-bbaa99887766')).toBe(true);
    expect(isUuid('8C1A5B8E-0000-4000-8000-000000000001')).toBe(true);
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(true);
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000', // nil: version 0
      '01a2b9d1-7400-9fee-9dcc-bbaa99887766', // version 9
      '01a2b9d1-7400-7fee-cdcc-bbaa99887766', // variant 110
      '01a2b9d17400-7fee-9dcc-bbaa99887766',
      '{01a2b9d1-7400-7fee-9dcc-bbaa99887766}',
      '01a2b9d1-7400-7fee-9dcc-bbaa99887766\n',
      42,
      null,
      undefined,
    ]) {
      expect(isUuid(bad)).toBe(false);
    }
  });

  it('accepts every uuidv7', () => {
    fc.assert(
      fc.property(nowArb, randomArb, (now, random) => {
        expect(isUuid(uuidv7(now, random))).toBe(true);
      }),
      RUNS,
    );
  });
});
