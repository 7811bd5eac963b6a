import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { businessTime, type SaleTender, settleTenders, TENDER_KINDS, type TenderKind } from '../src/index.js';

const RUNS = { numRuns: 500 };

const amount = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10_000_000 }));
const tenderArb = (kinds: readonly TenderKind[] = TENDER_KINDS): fc.Arbitrary<SaleTender> => fc.record({ kind: fc.constantFrom(...kinds), amount });
const tendersArb = fc.array(tenderArb(), { maxLength: 6 });
const totalArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 30_000_000 }));

const sum = (tenders: readonly SaleTender[], pick: (t: SaleTender) => boolean = () => true) => tenders.filter(pick).reduce((s, t) => s + t.amount, 0);

describe('settleTenders', () => {
  it('accepts exactly when the tenders cover the total and only cash goes over it', () => {
    fc.assert(
      fc.property(totalArb, tendersArb, (total, tenders) => {
        const paid = sum(tenders);
        const nonCash = sum(tenders, (t) => t.kind !== 'cash');
        expect(settleTenders(total, tenders).ok).toBe(paid >= total && nonCash <= total);
      }),
      RUNS,
    );
  });

  it('refuses short tenders', () => {
    fc.assert(
      fc.property(
        totalArb,
        tendersArb.filter((t) => t.length > 0),
        (extra, tenders) => {
          const total = sum(tenders) + 1 + extra; // always one minor unit or more short
          const r = settleTenders(total, tenders);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.reason).toMatch(/short/);
        },
      ),
      RUNS,
    );
  });

  it('change is paid - total, and never more than the cash handed over', () => {
    fc.assert(
      fc.property(totalArb, tendersArb, (total, tenders) => {
        const r = settleTenders(total, tenders);
        if (!r.ok) return;
        const cash = sum(tenders, (t) => t.kind === 'cash');
        expect(r.change).toBe(sum(tenders) - total);
        expect(r.change).toBeGreaterThanOrEqual(0);
        expect(r.change).toBeLessThanOrEqual(cash);
      }),
      RUNS,
    );
  });

  it('refuses non-cash tenders that go over the total, even with cash alongside', () => {
    fc.assert(
      fc.property(totalArb, tenderArb(['card', 'voucher', 'store_credit']), fc.array(tenderArb(), { maxLength: 3 }), (total, over, others) => {
        const tender = { ...over, amount: total + over.amount }; // at least 1 over on its own
        expect(settleTenders(total, [tender, ...others]).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('examples', () => {
    expect(settleTenders(1250, [{ kind: 'cash', amount: 2000 }])).toEqual({ ok: true, change: 750 });
    expect(settleTenders(1250, [{ kind: 'card', amount: 1250 }])).toEqual({ ok: true, change: 0 });
    expect(
      settleTenders(1250, [
        { kind: 'voucher', amount: 1000 },
        { kind: 'cash', amount: 500 },
      ]),
    ).toEqual({ ok: true, change: 250 });
    expect(settleTenders(1250, [{ kind: 'card', amount: 1300 }]).ok).toBe(false);
    expect(settleTenders(1250, [{ kind: 'cash', amount: 1249 }]).ok).toBe(false);
    expect(settleTenders(0, [])).toEqual({ ok: true, change: 0 });
  });

  it('refuses zero, negative and fractional tender amounts', () => {
    for (const bad of [0, -100, 10.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = settleTenders(100, [
        { kind: 'cash', amount: 200 },
        { kind: 'card', amount: bad },
      ]);
      expect(r.ok).toBe(false);
    }
  });
});

describe('businessTime', () => {
  const at = (iso: string, zone: string) => businessTime(new Date(iso), zone);

  it('Europe/Paris: winter UTC+1, summer UTC+2, across the March and October changes', () => {
    expect(at('2026-01-15T22:59:59Z', 'Europe/Paris')).toEqual({ day: '2026-01-15', hour: 23 });
    expect(at('2026-01-15T23:00:00Z', 'Europe/Paris')).toEqual({ day: '2026-01-16', hour: 0 });
    // 29 March 2026: 02:00 local jumps to 03:00 (01:00Z).
    expect(at('2026-03-29T00:59:59Z', 'Europe/Paris')).toEqual({ day: '2026-03-29', hour: 1 });
    expect(at('2026-03-29T01:00:00Z', 'Europe/Paris')).toEqual({ day: '2026-03-29', hour: 3 });
    expect(at('2026-06-30T21:59:00Z', 'Europe/Paris')).toEqual({ day: '2026-06-30', hour: 23 });
    expect(at('2026-06-30T22:00:00Z', 'Europe/Paris')).toEqual({ day: '2026-07-01', hour: 0 });
    // 25 October 2026: 03:00 local falls back to 02:00 (01:00Z); hour 2 happens twice.
    expect(at('2026-10-25T00:30:00Z', 'Europe/Paris')).toEqual({ day: '2026-10-25', hour: 2 });
    expect(at('2026-10-25T01:30:00Z', 'Europe/Paris')).toEqual({ day: '2026-10-25', hour: 2 });
  });

  it('America/New_York: a late sale belongs to the local day, not the UTC one', () => {
    expect(at('2026-07-04T03:30:00Z', 'America/New_York')).toEqual({ day: '2026-07-03', hour: 23 });
    expect(at('2026-07-04T04:00:00Z', 'America/New_York')).toEqual({ day: '2026-07-04', hour: 0 });
    expect(at('2026-12-31T23:59:59Z', 'America/New_York')).toEqual({ day: '2026-12-31', hour: 18 });
    expect(at('2027-01-01T05:00:00Z', 'America/New_York')).toEqual({ day: '2027-01-01', hour: 0 });
    // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00Z).
    expect(at('2026-03-08T06:59:59Z', 'America/New_York')).toEqual({ day: '2026-03-08', hour: 1 });
    expect(at('2026-03-08T07:00:00Z', 'America/New_York')).toEqual({ day: '2026-03-08', hour: 3 });
  });

  it('midnight is hour 0, never 24; UTC and half-hour zones', () => {
    expect(at('2026-02-01T00:00:00Z', 'UTC')).toEqual({ day: '2026-02-01', hour: 0 });
    expect(at('2026-02-28T23:59:59.999Z', 'UTC')).toEqual({ day: '2026-02-28', hour: 23 });
    expect(at('2026-02-01T18:29:00Z', 'Asia/Kolkata')).toEqual({ day: '2026-02-01', hour: 23 });
    expect(at('2026-02-01T18:30:00Z', 'Asia/Kolkata')).toEqual({ day: '2026-02-02', hour: 0 });
  });

  it('answers from its last second only for that same second, zone by zone', () => {
    // The same second twice, then the next second across a local midnight, in two zones in turn.
    expect(at('2026-01-15T22:59:59.001Z', 'Europe/Paris')).toEqual({ day: '2026-01-15', hour: 23 });
    expect(at('2026-01-15T22:59:59.999Z', 'Europe/Paris')).toEqual({ day: '2026-01-15', hour: 23 });
    expect(at('2026-01-15T22:59:59.500Z', 'UTC')).toEqual({ day: '2026-01-15', hour: 22 });
    expect(at('2026-01-15T23:00:00.000Z', 'Europe/Paris')).toEqual({ day: '2026-01-16', hour: 0 });
    expect(at('2026-01-15T23:00:00.000Z', 'UTC')).toEqual({ day: '2026-01-15', hour: 23 });
    // Against a fresh formatter, for instants that often share a second.
    const reference = (d: Date, zone: string) => {
      const parts = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        hourCycle: 'h23',
      }).formatToParts(d);
      const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
      return { day: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('UTC', 'Europe/Paris', 'Asia/Kolkata'))),
        (steps) => {
          for (const [s, ms, zone] of steps) {
            const d = new Date(Date.parse('2026-03-29T00:59:58Z') + s * 1000 + ms);
            expect(businessTime(d, zone)).toEqual(reference(d, zone));
          }
        },
      ),
      RUNS,
    );
  });

  it('always gives a YYYY-MM-DD day and an hour in 0..23', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland', 'America/St_Johns'),
        (d, zone) => {
          const { day, hour } = businessTime(d, zone);
          expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(Number.isInteger(hour) && hour >= 0 && hour <= 23).toBe(true);
          // The local day is the UTC day or one next to it.
          const diff = (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${d.toISOString().slice(0, 10)}T00:00:00Z`)) / 86_400_000;
          expect([-1, 0, 1]).toContain(diff);
          expect(businessTime(d, 'UTC')).toEqual({ day: d.toISOString().slice(0, 10), hour: d.getUTCHours() });
        },
      ),
      RUNS,
    );
  });
});
