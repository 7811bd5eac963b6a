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

/**
 * The business day and hour of an instant in a store's time zone. One rule for every report:
 * a sale belongs to the calendar day of its till time (occurredAt) in the store's zone.
 */
export function businessTime(instant: Date, timeZone: string): { day: string; hour: number } {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
}
