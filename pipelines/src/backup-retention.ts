export interface RetentionPolicy {
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12 };

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7)}`;
}

/**
 * Which backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
 * `monthly` months that have one (UTC). Everything else may be deleted. The newest is always kept.
 */
export function backupsToKeep(times: readonly Date[], policy: RetentionPolicy = DEFAULT_RETENTION): Set<number> {
  const newestFirst = [...times].sort((a, b) => b.getTime() - a.getTime());
  const keep = new Set<number>();
  const pick = (bucket: (d: Date) => string, n: number) => {
    const seen = new Set<string>();
    for (const t of newestFirst) {
      const b = bucket(t);
      if (seen.has(b)) continue;
      if (seen.size >= n) break;
      seen.add(b);
      keep.add(t.getTime());
    }
  };
  pick((d) => d.toISOString().slice(0, 10), policy.daily);
  pick(isoWeek, policy.weekly);
  pick((d) => d.toISOString().slice(0, 7), policy.monthly);
  if (newestFirst[0]) keep.add(newestFirst[0].getTime());
  return keep;
}
