import { kvSet } from './local-store.js';
import type { SaleSync } from './sale-sync.js';
import { type CashReport, type CashSession, closeSession, drawerEvent, openSession, xReport } from './terminal-api.js';
import { ApiError } from './till-session.js';

/**
 * The till's cash drawer: open it with a float, print an X report, count and close it, open it
 * without a sale. Every step needs the server; a failure is thrown as an Error worded for the cashier.
 */
const worded = (err: unknown, whenOffline?: string) =>
  new Error(whenOffline && err instanceof ApiError && err.offline ? whenOffline : String((err as Error).message));

export async function openDrawer(registerId: string, openingFloat: number): Promise<CashSession> {
  try {
    const session = await openSession(crypto.randomUUID(), registerId, openingFloat);
    await kvSet('session', session);
    return session;
  } catch (err) {
    throw worded(err, 'Opening the drawer needs the server');
  }
}

/** The X report, once the journal has been sent (so it counts every sale taken). */
export async function drawerXReport(session: CashSession, sync: SaleSync | undefined): Promise<CashReport> {
  try {
    await sync?.flush();
    return await xReport(session.id);
  } catch (err) {
    throw worded(err, 'The X report needs the server');
  }
}

/** Close with the counted amounts; refused while sales are still waiting to be sent. */
export async function closeDrawer(session: CashSession, counts: Record<string, number>, sync: SaleSync | undefined): Promise<CashReport> {
  await sync?.flush();
  if ((sync?.state.counts.pending ?? 0) > 0) throw new Error('Sales are still waiting to be sent: the drawer can be closed once the server has them all');
  try {
    const report = await closeSession(session.id, counts);
    await kvSet('session', null);
    return report;
  } catch (err) {
    throw worded(err);
  }
}

export async function openWithoutSale(session: CashSession): Promise<void> {
  try {
    await drawerEvent(session.id, 'no_sale');
  } catch (err) {
    throw worded(err, 'Opening the drawer without a sale needs the server');
  }
}
