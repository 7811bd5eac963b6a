import { randomUUID } from 'node:crypto';
import { businessTime } from '@keel/core';
import pg from 'pg';
import type { FaultCount, FaultRig } from './fault-rig.js';

const HOUR = 3_600_000;
/** Till clocks: 5 h ahead, 7 h behind, right, 22 h behind (the store's local time is ~21:00). */
export const TILL_CLOCK_OFFSETS_MS: readonly number[] = [5 * HOUR, -7 * HOUR, 0, -22 * HOUR];

/**
 * A fixed-offset zone (Etc/GMT∓N) in which it is about 21:00 now, so a till 5 h ahead sells on
 * tomorrow's business day and one 22 h behind on yesterday's: the clocks cross midnight both ways.
 */
export function eveningTimeZone(now = new Date()): string {
  let east = 21 - now.getUTCHours();
  if (east > 14) east -= 24;
  if (east < -12) east += 24;
  // IANA's Etc zones have the sign reversed: Etc/GMT-3 is UTC+3.
  return east === 0 ? 'Etc/UTC' : `Etc/GMT${east > 0 ? '-' : '+'}${Math.abs(east)}`;
}

interface DayFigure {
  tickets: number;
  revenue: number;
}

/**
 * Scenario 8: tills whose clocks are hours off (TILL_CLOCK_OFFSETS_MS) sell under load, each in a
 * cash session opened on the server. Afterwards: every sale keeps its till time (occurredAt) and
 * the server's receipt time (recorded_at); its business day is the day of its till time in the
 * store's zone (core's businessTime), in PostgreSQL and in the warehouse alike; PostgreSQL's and
 * the warehouse's per-day figures agree exactly; each till's X and Z reports hold exactly its sales.
 */
export async function tillClock(rig: FaultRig, fields: { sellMs: number; timeZone: string; log: (m: string) => void; settleMs?: number }): Promise<FaultCount> {
  const sessions = new Map<string, string>();
  for (const till of rig.tills) {
    const id = randomUUID();
    await api(rig, 'POST', '/api/v1/cash-sessions', { id, registerId: till.name, openingFloat: 10_000 }, 201);
    sessions.set(till.name, id);
  }
  rig.startSelling();
  const from = Date.now();
  await new Promise((r) => setTimeout(r, fields.sellMs));
  const to = Date.now();
  const count = await rig.settle('till-clock', { runs: 1, faultEndedAt: to, faultWindow: [from, to], timeoutMs: fields.settleMs ?? 120_000 });

  const c = new pg.Client({ connectionString: rig.databaseUrl });
  await c.connect();
  try {
    const sales = (
      await c.query<{ register_id: string; occurred_at: Date; recorded_at: Date; business_day: string; business_hour: number; total: string }>(
        'SELECT register_id, occurred_at, recorded_at, business_day::text AS business_day, business_hour, total FROM sales',
      )
    ).rows;
    const offsetOf = new Map(rig.tills.map((t) => [t.name, t.clockOffsetMs]));
    let clockNotKept = 0;
    let ruleBroken = 0;
    const pgDays = new Map<string, DayFigure>();
    const pgRegisters = new Map<string, DayFigure>();
    for (const s of sales) {
      // Till time = receipt time + the till's error, give or take the time the sale waited in the
      // till's journal (minutes at most here; the errors are hours).
      const skew = s.occurred_at.getTime() - s.recorded_at.getTime();
      if (Math.abs(skew - (offsetOf.get(s.register_id) ?? 0)) > 5 * 60_000) clockNotKept++;
      const bt = businessTime(s.occurred_at, fields.timeZone);
      if (bt.day !== s.business_day || bt.hour !== s.business_hour) ruleBroken++;
      add(pgDays, s.business_day, Number(s.total));
      add(pgRegisters, s.register_id, Number(s.total));
    }
    const dayFigures: Record<string, { postgres: DayFigure; warehouse: DayFigure }> = {};
    let daysDisagree = 0;
    for (const [day, p] of [...pgDays].sort()) {
      const w = (await api(rig, 'GET', `/api/v1/dashboard/summary?day=${day}`, undefined, 200)) as { tickets: number; revenue: number };
      dayFigures[day] = { postgres: p, warehouse: { tickets: w.tickets, revenue: w.revenue } };
      if (w.tickets !== p.tickets || w.revenue !== p.revenue) daysDisagree++;
    }
    let cashReportsDisagree = 0;
    const cashReports: Record<string, { postgres: DayFigure; x: DayFigure; z: DayFigure }> = {};
    for (const [register, id] of sessions) {
      const x = (await api(rig, 'GET', `/api/v1/cash-sessions/${id}/x-report`, undefined, 200)) as { sales: number; total: number };
      const z = (await api(rig, 'POST', `/api/v1/cash-sessions/${id}/close`, { counts: {} }, 200)) as { sales: number; total: number };
      const p = pgRegisters.get(register) ?? { tickets: 0, revenue: 0 };
      cashReports[register] = { postgres: p, x: { tickets: x.sales, revenue: x.total }, z: { tickets: z.sales, revenue: z.total } };
      if (x.sales !== p.tickets || x.total !== p.revenue || z.sales !== p.tickets || z.total !== p.revenue) cashReportsDisagree++;
    }
    const checks = { timeZone: fields.timeZone, clockNotKept, ruleBroken, daysDisagree, cashReportsDisagree, dayFigures, cashReports };
    fields.log(`till-clock checks: ${JSON.stringify(checks)}`);
    const converged = count.converged && clockNotKept + ruleBroken + daysDisagree + cashReportsDisagree === 0;
    return { ...count, converged, notes: { ...count.notes, ...checks } };
  } finally {
    await c.end();
  }
}

function add(m: Map<string, DayFigure>, key: string, total: number): void {
  const f = m.get(key) ?? { tickets: 0, revenue: 0 };
  f.tickets++;
  f.revenue += total;
  m.set(key, f);
}

async function api(rig: FaultRig, method: string, path: string, body: unknown, expect: number): Promise<unknown> {
  const res = await fetch(`${rig.keel.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== expect) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
