import { type Job, JobRunner, type PipelinesDatabase, recentJobRuns } from '@keel/pipelines';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.js';
import { openDatabase } from '../src/open-database.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/** The scheduler with the clock in the test's hands: missed runs catch up once, a job never overlaps itself. */
const TZ = 'Europe/Paris';
let db: Kysely<PipelinesDatabase>;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const t = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(t.drop, dir.remove);
  const opened = await openDatabase({ databaseUrl: t.url, dataDir: dir.dir, poolSize: 4 });
  await migrate(opened.db);
  db = opened.db as unknown as Kysely<PipelinesDatabase>;
});

afterAll(async () => {
  await db?.destroy();
  for (const c of cleanup.reverse()) await c();
});

/** A controllable clock. */
function clock(iso: string) {
  let t = new Date(iso);
  return { now: () => t, set: (next: string) => (t = new Date(next)) };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe('job scheduling', () => {
  it('runs at its time, once per minute, and a run missed while the server was off runs once at start', async () => {
    const runs: Date[] = [];
    const job: Job = {
      name: 'nightly',
      description: 'test',
      schedule: '0 6 * * *',
      run: async (ctx) => {
        runs.push(ctx.scheduledFor);
        return {};
      },
    };
    const c = clock('2026-11-02T04:30:00Z'); // 05:30 in Paris, Monday
    const first = new JobRunner(db, [job], { timeZone: TZ, now: c.now });
    expect((await first.tick())[0]?.status).toBe('not-due');
    c.set('2026-11-02T05:00:10Z'); // 06:00:10 Paris
    const [started] = await first.tick();
    expect(started?.status).toBe('started');
    if (started?.status === 'started') {
      expect(started.trigger).toBe('schedule');
      await started.done;
    }
    expect((await first.tick())[0]?.status).toBe('not-due'); // same minute again: nothing

    // The server is off from Monday to Thursday 10:00: three 06:00 runs were missed.
    c.set('2026-11-05T09:00:00Z');
    const restarted = new JobRunner(db, [job], { timeZone: TZ, now: c.now });
    const [caught] = await restarted.tick();
    expect(caught?.status).toBe('started');
    if (caught?.status === 'started') {
      expect(caught.trigger).toBe('catch-up');
      expect(caught.scheduledFor.toISOString()).toBe('2026-11-05T05:00:00.000Z');
      await caught.done;
    }
    c.set('2026-11-05T09:01:00Z');
    expect((await restarted.tick())[0]?.status).toBe('not-due');
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-11-02T05:00:00.000Z', '2026-11-05T05:00:00.000Z']);
  });

  it('does not catch up on time before a job first existed', async () => {
    let ran = 0;
    const c = clock('2026-11-10T12:00:00Z');
    const runner = new JobRunner(db, [{ name: 'new-job', description: 'test', schedule: '0 6 * * *', run: async () => ({ n: ++ran }) }], {
      timeZone: TZ,
      now: c.now,
    });
    expect((await runner.tick())[0]?.status).toBe('not-due');
    expect(ran).toBe(0);
  });

  it('never overlaps itself, in this process or another, and records duration, outcome and errors', async () => {
    const g = gate();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const job: Job = {
      name: 'slow',
      description: 'test',
      schedule: '*/5 * * * *',
      run: async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        if (calls === 1) await g.opened;
        active--;
        if (calls === 2) throw new Error('disk full');
        return { calls };
      },
    };
    const c = clock('2026-11-11T09:00:00Z');
    const a = new JobRunner(db, [job], { timeZone: TZ, now: c.now });
    const b = new JobRunner(db, [job], { timeZone: TZ, now: c.now }); // a second server on the same database
    await a.init();
    await b.init();
    c.set('2026-11-11T09:00:05Z');
    const [first] = await a.tick();
    expect(first?.status).toBe('started');
    c.set('2026-11-11T09:05:00Z'); // the next occurrence comes while the first run is still going
    expect((await a.tick())[0]?.status).toBe('running');
    expect((await b.tick())[0]?.status).toBe('running');
    expect((await a.runNow('slow')).status).toBe('running');

    c.set('2026-11-11T09:07:00Z');
    g.open();
    if (first?.status === 'started') expect((await first.done).outcome).toBe('ok');
    // The 09:05 occurrence was missed while the job was busy: it runs once now.
    const [late] = await b.tick();
    expect(late?.status).toBe('started');
    if (late?.status === 'started') {
      expect(late.scheduledFor.toISOString()).toBe('2026-11-11T09:05:00.000Z');
      expect(await late.done).toMatchObject({ outcome: 'failed', error: 'disk full' });
    }
    expect(maxActive).toBe(1);
    expect(calls).toBe(2);

    const recorded = (await recentJobRuns(db)).filter((r) => r.job === 'slow');
    expect(recorded.map((r) => [r.scheduledFor, r.outcome, r.error])).toEqual([
      ['2026-11-11T09:05:00.000Z', 'failed', 'disk full'],
      ['2026-11-11T09:00:00.000Z', 'ok', null],
    ]);
    expect(recorded.every((r) => r.durationMs !== null && r.finishedAt !== null)).toBe(true);
  });
});
