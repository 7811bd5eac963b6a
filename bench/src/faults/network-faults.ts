import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { CALM, FaultProxy, type NetworkFaults } from './fault-proxy.js';
import type { FaultCount, FaultRig } from './fault-rig.js';

/** What the network scenario checks beyond the counts: nobody was charged twice or charged wrong. */
export interface ChargeAudit {
  /** Acknowledgements that were replays (200): the till retried a sale the server had already recorded. */
  readonly replays: number;
  /** Replays whose answer was not the stored sale (id, lines, tenders, totals, times). Target 0. */
  readonly replaysNotOriginal: number;
  /** Sales with more tender rows than the till gave (a double charge). Target 0. */
  readonly chargedTwice: number;
  /** Acknowledged sales whose stored total or tendered sum differs from what the till was told / gave. Target 0. */
  readonly amountMismatches: number;
  readonly acknowledgedTotal: number;
  readonly storedTotal: number;
  readonly acknowledgedTendered: number;
  readonly storedTendered: number;
}

/**
 * Scenario 6: the till-to-server network slow, lossy and resetting. The tills reach the server
 * through a FaultProxy (latency, jitter, stalls, requests and answers cut, resets) for `durationMs`;
 * then the network heals and the tills drain. Beyond 0 lost / 0 duplicated, nobody is charged twice
 * (PostgreSQL's sale totals and tender sums equal what the tills were acknowledged) and every retry
 * of a sale the server had already committed got that original sale back.
 */
export async function networkFaults(
  rig: FaultRig,
  fields: { durationMs: number; faults: NetworkFaults; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount & { audit: ChargeAudit }> {
  const proxy = await FaultProxy.start(rig.keel.url);
  try {
    for (const t of rig.tills) t.useServer(proxy.url);
    proxy.faults = fields.faults;
    rig.startSelling();
    const from = Date.now();
    while (Date.now() - from < fields.durationMs) {
      await sleep(Math.min(10_000, fields.durationMs - (Date.now() - from)));
      fields.log(
        `network faults ${Math.round((Date.now() - from) / 1000)} s: ${rig.acknowledgedTotal()} acknowledged, injected ${JSON.stringify(proxy.counts)}`,
      );
    }
    const to = Date.now();
    proxy.faults = CALM;
    const count = await rig.settle('network', {
      runs: Object.values(proxy.counts).reduce((s, n) => s + n, 0) - proxy.counts.none,
      faultEndedAt: to,
      faultWindow: [from, to],
      timeoutMs: fields.settleMs ?? 120_000,
      notes: { injected: { ...proxy.counts }, faults: fields.faults },
    });
    const audit = await auditCharges(rig);
    fields.log(`network audit: ${JSON.stringify(audit)}`);
    const wrong = audit.chargedTwice + audit.amountMismatches + audit.replaysNotOriginal;
    return {
      ...count,
      duplicated: count.duplicated + audit.chargedTwice,
      converged: count.converged && wrong === 0,
      notes: { ...count.notes, ...audit },
      audit,
    };
  } finally {
    await proxy.close();
  }
}

/** Compares every acknowledgement the tills hold with what PostgreSQL and the API have stored. */
export async function auditCharges(rig: FaultRig): Promise<ChargeAudit> {
  const acks = rig.tills.flatMap((t) => t.acks());
  const c = new pg.Client({ connectionString: rig.databaseUrl });
  await c.connect();
  let stored: Map<string, { total: number; tendered: number; tenders: number }>;
  try {
    const { rows } = await c.query<{ id: string; total: string; tendered: string; tenders: string }>(
      `SELECT s.id::text AS id, s.total, coalesce(sum(t.amount), 0) AS tendered, count(t.sale_id) AS tenders
         FROM sales s LEFT JOIN sale_tenders t ON t.sale_id = s.id GROUP BY s.id, s.total`,
    );
    stored = new Map(rows.map((r) => [r.id, { total: Number(r.total), tendered: Number(r.tendered), tenders: Number(r.tenders) }]));
  } finally {
    await c.end();
  }
  let amountMismatches = 0;
  for (const a of acks) {
    const s = stored.get(a.id);
    if (!s || s.total !== a.total || s.tendered !== a.tendered) amountMismatches++;
  }
  let replaysNotOriginal = 0;
  const replays = acks.filter((a) => a.status !== 201);
  for (const a of replays) {
    const res = await fetch(`${rig.keel.url}/api/v1/sales/${a.id}`, { signal: AbortSignal.timeout(10_000) });
    const original = res.status === 200 ? await res.json() : undefined;
    const { replayed, ...answer } = JSON.parse(a.replayBody ?? '{}') as Record<string, unknown>;
    if (a.status !== 200 || replayed !== true || !isDeepStrictEqual(answer, original)) replaysNotOriginal++;
  }
  const sum = (xs: Iterable<number>) => [...xs].reduce((s, n) => s + n, 0);
  return {
    replays: replays.length,
    replaysNotOriginal,
    chargedTwice: [...stored.values()].filter((s) => s.tenders > 1).length,
    amountMismatches,
    acknowledgedTotal: sum(acks.map((a) => a.total)),
    storedTotal: sum([...stored.values()].map((s) => s.total)),
    acknowledgedTendered: sum(acks.map((a) => a.tendered)),
    storedTendered: sum([...stored.values()].map((s) => s.tendered)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
