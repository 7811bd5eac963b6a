import { describe, expect, it } from 'vitest';
import { backupsToKeep } from '../src/backup-retention.js';
import { latestOccurrence, parseCron } from '../src/cron-expression.js';
import { reportPeriod } from '../src/report-period.js';

describe('cron expressions in a time zone', () => {
  it('finds the latest occurrence at or before a time', () => {
    const at = (expr: string, now: string, tz = 'Europe/Paris') => latestOccurrence(parseCron(expr), tz, new Date(now))?.toISOString();
    expect(at('0 7 * * 1', '2026-11-25T12:00:00Z')).toBe('2026-11-23T06:00:00.000Z'); // Monday 07:00 Paris
    expect(at('0 7 1 * *', '2026-11-25T12:00:00Z')).toBe('2026-11-01T06:00:00.000Z');
    expect(at('*/15 * * * *', '2026-11-25T12:14:59Z')).toBe('2026-11-25T12:00:00.000Z');
    expect(at('30 2 * * *', '2026-03-29T12:00:00Z')).toBe('2026-03-28T01:30:00.000Z'); // 02:30 does not exist on the spring-forward day
    expect(at('0 6 * * *', '2026-11-25T12:00:00Z', 'America/New_York')).toBe('2026-11-25T11:00:00.000Z');
  });

  it('refuses a malformed expression with the field named', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/minute/);
    expect(() => parseCron('* * *')).toThrow(/5 fields/);
  });

  it('reports the last whole week, day or month', () => {
    expect(reportPeriod('weekly', new Date('2026-11-23T06:00:00Z'), 'Europe/Paris')).toMatchObject({
      from: '2026-11-16',
      to: '2026-11-22',
      previousFrom: '2026-11-09',
    });
    expect(reportPeriod('daily', new Date('2026-11-23T05:00:00Z'), 'Europe/Paris')).toMatchObject({
      from: '2026-11-22',
      to: '2026-11-22',
      previousFrom: '2026-11-15',
    });
    expect(reportPeriod('monthly', new Date('2026-03-01T06:00:00Z'), 'Europe/Paris')).toMatchObject({
      from: '2026-02-01',
      to: '2026-02-28',
      previousFrom: '2026-01-01',
      days: 28,
    });
  });
});

describe('backup retention', () => {
  it('keeps 7 daily, 4 weekly and 12 monthly backups', () => {
    const times = Array.from({ length: 400 }, (_, i) => new Date(Date.UTC(2026, 10, 25, 2, 30) - i * 86_400_000));
    const keep = backupsToKeep(times, { daily: 7, weekly: 4, monthly: 12 });
    const kept = times.filter((t) => keep.has(t.getTime())).map((t) => t.toISOString().slice(0, 10));
    expect(kept.slice(0, 7)).toEqual(['2026-11-25', '2026-11-24', '2026-11-23', '2026-11-22', '2026-11-21', '2026-11-20', '2026-11-19']);
    // Weeks beyond the daily ones are represented by their newest (Sunday) backup; months by their last day.
    expect(kept).toContain('2026-11-15');
    expect(kept).toContain('2026-11-08');
    expect(kept).toContain('2026-10-31');
    expect(kept).toContain('2025-12-31');
    expect(kept).not.toContain('2025-11-30');
    expect(kept.length).toBeLessThanOrEqual(7 + 4 + 12);
  });
});
