import type { SaleRequest } from '@keel/core';
import type { JournalEntry, JournalStatus, SaleJournal } from './sale-journal.js';
import { ApiError, type Approval, apiFetch, currentCashier, sendSale } from './till-session.js';

export interface SyncState {
  readonly online: boolean;
  readonly counts: Record<JournalStatus, number>;
  /** When the server last answered (ms since epoch). */
  readonly lastContact: number;
}

const PARALLEL = 4;

/**
 * Sends journaled sales to the server, oldest first, with their original UUIDs; keeps trying while
 * the server is away (the server answers a sale it already has with the original result, so a
 * sale whose answer was lost is never recorded twice). Emits `change` with a SyncState.
 */
export class SaleSync extends EventTarget {
  readonly #journal: SaleJournal;
  #online = true;
  #lastContact = Date.now();
  #counts: Record<JournalStatus, number> = { pending: 0, synced: 0, conflict: 0, quarantined: 0 };
  #running: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Managers' approvals for sales not yet sent: in memory only, never in the journal. */
  readonly #approvals = new Map<string, Approval>();
  /**
   * Sales journaled in this page and not yet tried: their first send goes out as taken. Every later
   * send (a retry after no answer, a reload, a pass that stopped before them) is marked `deferred`.
   */
  readonly #fresh = new Set<string>();

  constructor(journal: SaleJournal, lastContact = Date.now()) {
    super();
    this.#journal = journal;
    this.#lastContact = lastContact;
  }

  get state(): SyncState {
    return { online: this.#online, counts: this.#counts, lastContact: this.#lastContact };
  }

  /** Journal a sale under the signed-in cashier (committed locally first), then try to send it. */
  async record(request: SaleRequest, approval?: Approval): Promise<JournalEntry> {
    const entry = await this.#journal.append(request, !this.#online, currentCashier()?.id);
    this.#fresh.add(request.id);
    if (approval) this.#approvals.set(request.id, approval);
    this.#counts = { ...this.#counts, pending: this.#counts.pending + 1 };
    this.#emit();
    void this.flush();
    return entry;
  }

  /** Send what is pending; concurrent calls coalesce into one more pass. */
  flush(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
    return this.#running;
  }

  async refreshCounts(): Promise<void> {
    this.#counts = await this.#journal.counts();
    this.#emit();
  }

  async #pass(): Promise<void> {
    const pending = (await this.#journal.entries()).filter((e) => e.status === 'pending');
    if (pending.length === 0) {
      if (!this.#online) await this.#probe();
      await this.refreshCounts();
      return;
    }
    let next = 0;
    let reachable = true;
    const worker = async () => {
      while (reachable && next < pending.length) {
        const entry = pending[next++] as JournalEntry;
        reachable = await this.#send(entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, pending.length) }, worker));
    // Whatever this pass did not get an answer for is a retry from now on.
    for (const e of pending) this.#fresh.delete(e.id);
    await this.refreshCounts();
  }

  /** Returns false when the server could not be reached (stop this pass). */
  async #send(entry: JournalEntry): Promise<boolean> {
    // The customer paid before the first send: a sale sent again (its first send had no answer:
    // network error, timeout, server error or gone) is accepted under the offline rule, never
    // refused for a price or tax changed meanwhile. The server's fingerprint ignores the mark, so a
    // first send that was recorded after all is answered as a replay.
    const retry = !this.#fresh.delete(entry.id);
    const request: SaleRequest = retry ? { ...entry.request, deferred: true } : entry.request;
    try {
      await sendSale(request, entry.cashierId, this.#approvals.get(entry.id));
      this.#approvals.delete(entry.id);
      await this.#journal.update({ ...entry, status: 'synced', attempts: entry.attempts + 1, syncedAt: Date.now() });
      this.#contact(true);
      return true;
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'network', String(e));
      if (err.offline) {
        this.#contact(false);
        return false;
      }
      this.#contact(true);
      // The till's credential, not the sale: keep it pending until someone signs in again.
      if (err.status === 401 || (err.status === 403 && !err.code.startsWith('sale.'))) return false;
      // The server refuses this sale (an online sale at a stale price on its first send, an approval lost in a
      // reload, ...): keep it, flagged for a manager. (A sale taken offline or sent again is accepted at its
      // prices and tax; the server flags the differences.)
      await this.#journal.update({ ...entry, status: 'conflict', attempts: entry.attempts + 1, problem: `${err.code}: ${err.message}` });
      return true;
    }
  }

  async #probe(): Promise<void> {
    try {
      await apiFetch('/health');
      this.#contact(true);
    } catch (e) {
      this.#contact(e instanceof ApiError && e.status === 503);
    }
  }

  #contact(ok: boolean): void {
    if (ok) this.#lastContact = Date.now();
    if (ok !== this.#online) {
      this.#online = ok;
      this.#emit();
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#online && this.#counts.pending === 0) return;
    this.#timer = setTimeout(() => void this.flush(), this.#online ? 1000 : 1500);
  }

  #emit(): void {
    this.dispatchEvent(new CustomEvent('change', { detail: this.state }));
  }
}
