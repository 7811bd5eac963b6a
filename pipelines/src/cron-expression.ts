/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in a time
 * zone, as pure functions of the time given: the scheduler's clock is injected, never read here.
 * Fields take `*`, numbers, ranges `a-b`, steps `*\/n` or `a-b/n`, and lists `a,b`; day-of-week 0 or
 * 7 is Sunday. When both day fields are restricted, either may match (as in Vixie cron).
 */
export interface CronExpression {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

export class CronError extends Error {}

function parseField(field: string, min: number, max: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`cron ${name} field "${field}" is not valid`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new CronError(`cron ${name} field "${field}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export function parseCron(source: string): CronExpression {
  const fields = source.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError(`cron expression "${source}" needs 5 fields (minute hour day month weekday)`);
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  const daysOfWeek = parseField(dow, 0, 7, 'day-of-week');
  if (daysOfWeek.has(7)) daysOfWeek.add(0);
  return {
    source,
    minutes: parseField(mi, 0, 59, 'minute'),
    hours: parseField(h, 0, 23, 'hour'),
    daysOfMonth: parseField(dom, 1, 31, 'day-of-month'),
    months: parseField(mo, 1, 12, 'month'),
    daysOfWeek,
    domRestricted: dom !== '*',
    dowRestricted: dow !== '*',
  };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall clock of an instant in a time zone. */
export function wallClock(at: Date, timeZone: string): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: WEEKDAYS[p.weekday ?? ''] ?? 0,
  };
}

function dayMatches(c: CronExpression, w: WallClock): boolean {
  if (!c.months.has(w.month)) return false;
  const dom = c.daysOfMonth.has(w.day);
  const dow = c.daysOfWeek.has(w.weekday);
  if (c.domRestricted && c.dowRestricted) return dom || dow;
  return dom && dow;
}

const MINUTE = 60_000;

/**
 * The latest minute at or before `now` that the expression fires, or undefined when none lies
 * within `lookbackDays`. Walks back skipping whole days and hours that cannot match.
 */
export function latestOccurrence(c: CronExpression, timeZone: string, now: Date, lookbackDays = 400): Date | undefined {
  let t = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const limit = t - lookbackDays * 24 * 60 * MINUTE;
  while (t >= limit) {
    const w = wallClock(new Date(t), timeZone);
    if (!dayMatches(c, w)) {
      t -= (w.hour * 60 + w.minute + 1) * MINUTE;
    } else if (!c.hours.has(w.hour)) {
      t -= (w.minute + 1) * MINUTE;
    } else if (!c.minutes.has(w.minute)) {
      t -= MINUTE;
    } else {
      return new Date(t);
    }
  }
  return undefined;
}
