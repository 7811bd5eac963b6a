import { wallClock } from './cron-expression.js';

export type Cadence = 'daily' | 'weekly' | 'monthly';

/** A reporting period of whole business days, inclusive, and the period before it. */
export interface ReportPeriod {
  readonly cadence: Cadence;
  readonly from: string;
  readonly to: string;
  readonly previousFrom: string;
  readonly previousTo: string;
  readonly days: number;
}

const DAY = 86_400_000;

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/**
 * The period a report sent at `at` covers, in the store's zone: yesterday (daily), the last whole
 * week Monday to Sunday (weekly), or the last whole month (monthly).
 */
export function reportPeriod(cadence: Cadence, at: Date, timeZone: string): ReportPeriod {
  const w = wallClock(at, timeZone);
  const today = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  if (cadence === 'daily') {
    const d = addDays(today, -1);
    return { cadence, from: d, to: d, previousFrom: addDays(d, -7), previousTo: addDays(d, -7), days: 1 };
  }
  if (cadence === 'weekly') {
    const mondayOffset = (w.weekday + 6) % 7; // days since Monday
    const from = addDays(today, -mondayOffset - 7);
    return { cadence, from, to: addDays(from, 6), previousFrom: addDays(from, -7), previousTo: addDays(from, -1), days: 7 };
  }
  const firstThis = `${today.slice(0, 8)}01`;
  const to = addDays(firstThis, -1);
  const from = `${to.slice(0, 8)}01`;
  const previousTo = addDays(from, -1);
  const previousFrom = `${previousTo.slice(0, 8)}01`;
  return { cadence, from, to, previousFrom, previousTo, days: Number(to.slice(8, 10)) };
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
