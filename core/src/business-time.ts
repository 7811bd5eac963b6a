/** Building an Intl.DateTimeFormat costs far more than using one: one per time zone, reused. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Per time zone, the last second asked for and its answer: under load, sales come many to a second. */
const lastSecond = new Map<string, { second: number; day: string; hour: number }>();

/**
 * The business day and hour of an instant in a store's time zone. One rule for every report:
 * a sale belongs to the calendar day of its till time (occurredAt) in the store's zone.
 */
export function businessTime(instant: Date, timeZone: string): { day: string; hour: number } {
  // UTC offsets are whole seconds, so every instant of one UTC second has the same local day and hour.
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastSecond.get(timeZone);
  if (last?.second === second) return { day: last.day, hour: last.hour };
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  const hour = Number(get('hour'));
  lastSecond.set(timeZone, { second, day, hour });
  return { day, hour };
}
