import type { SaleRequest } from '@keel/core';

/**
 * How this till authenticates: the ONE place. A manager enrolls the browser as a till; its key is
 * kept in localStorage (`keel.tillKey`, where the back office's till page keeps it too) and sent as
 * `x-keel-till` on every request. Cashiers sign in and switch by PIN at the till: the server sets
 * the session cookie (HttpOnly) and answers a CSRF token, sent as `x-csrf-token` on every write.
 * The signed-in cashier (never the PIN) is remembered so that a till that starts while the server is
 * away keeps selling as them, and every journaled sale records its cashier: a sale whose cashier's
 * session has ended since is replayed by the till key for that cashier (POST /api/v1/terminal/replays).
 */
const TILL_KEY = 'keel.tillKey';
const TILL_NAME = 'keel.tillName';
const CASHIER = 'keel.till.cashier';
/** Fired on window when the server no longer knows this till's session (expired, signed out elsewhere). */
export const SESSION_ENDED = 'keel-session-ended';

/** The person signed in at this till, as the server presented them at sign-in. */
export interface Cashier {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly permissions: readonly string[];
  readonly maxDiscountBp: number;
  /** The enrolled till the session is bound to; sales and cash sessions are recorded under `till:<id>`. */
  readonly tillId: string;
}

/** A manager's username and PIN, kept in memory only for the sale they approve. */
export interface Approval {
  readonly username: string;
  readonly pin: string;
}

let csrfToken: string | null = null;

export const tillKey = (): string | null => localStorage.getItem(TILL_KEY);
export const tillName = (): string => localStorage.getItem(TILL_NAME) ?? 'Till';

export function currentCashier(): Cashier | undefined {
  try {
    const raw = localStorage.getItem(CASHIER);
    return raw ? (JSON.parse(raw) as Cashier) : undefined;
  } catch {
    return undefined;
  }
}

/** The register this till's sales and drawer belong to (as the server records them). */
export function registerId(): string {
  return `till:${currentCashier()?.tillId ?? 'unenrolled'}`;
}

/** A failed call: `status` 0 means the server could not be reached (offline). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get offline(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** fetch against the Keel API as this till and its signed-in cashier. */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; as?: 'json' | 'blob'; timeoutMs?: number } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = tillKey();
  if (key) headers['x-keel-till'] = key;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      cache: 'no-store',
      credentials: 'same-origin',
      ...(init.timeoutMs ? { signal: AbortSignal.timeout(init.timeoutMs) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'The Keel server cannot be reached');
  }
  if (res.status === 204) return undefined as T;
  if (init.as === 'blob' && res.ok) return (await res.blob()) as T;
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    if (!res.ok) throw new ApiError(res.status, 'unreadable', `The server answered ${res.status}`);
  }
  if (!res.ok) {
    const err = new ApiError(res.status, String(json.code ?? 'unknown'), String(json.detail ?? json.title ?? `HTTP ${res.status}`), json);
    if (res.status === 401 && !path.startsWith('/api/v1/auth/')) {
      csrfToken = null;
      window.dispatchEvent(new Event(SESSION_ENDED));
    }
    throw err;
  }
  return json as T;
}

interface SignedIn {
  user: { id: number | null; name: string; role: string; permissions: string[]; maxDiscountBp: number; tillId: string | null } | null;
  csrfToken: string | null;
}

function remember(answer: SignedIn): Cashier | undefined {
  csrfToken = answer.csrfToken;
  const u = answer.user;
  if (!u || u.id === null || u.tillId === null) {
    const had = localStorage.getItem(CASHIER) !== null;
    localStorage.removeItem(CASHIER);
    if (had) window.dispatchEvent(new Event(SESSION_ENDED));
    return undefined;
  }
  const cashier: Cashier = { id: u.id, name: u.name, role: u.role, permissions: u.permissions, maxDiscountBp: u.maxDiscountBp, tillId: String(u.tillId) };
  localStorage.setItem(CASHIER, JSON.stringify(cashier));
  return cashier;
}

/** Who the server says is signed in at this till (undefined: nobody). Throws an offline ApiError when unreachable. */
export async function sessionState(): Promise<Cashier | undefined> {
  return remember(await apiFetch<SignedIn>('/api/v1/auth/state'));
}

/** A cashier signs in, or takes over the till, with their PIN. */
export async function signInWithPin(username: string, pin: string): Promise<Cashier> {
  const cashier = remember(await apiFetch<SignedIn>('/api/v1/auth/pin', { method: 'POST', body: { username: username.trim(), pin } }));
  if (!cashier) throw new ApiError(403, 'till.required', 'This browser is not an enrolled till');
  return cashier;
}

export async function signOut(): Promise<void> {
  await apiFetch<void>('/api/v1/auth/sign-out', { method: 'POST' }).catch(() => undefined);
  csrfToken = null;
  localStorage.removeItem(CASHIER);
}

/**
 * A manager enrolls this browser as a till: signs in with their password, enrolls it in the
 * server's store, keeps the key, and signs out again (a cashier then signs in by PIN).
 */
export async function enrollThisTill(username: string, password: string, name: string): Promise<void> {
  localStorage.removeItem(TILL_KEY);
  remember(await apiFetch<SignedIn>('/api/v1/auth/sign-in', { method: 'POST', body: { username: username.trim(), password } }));
  try {
    const { storeId } = await apiFetch<{ storeId: number }>('/api/v1/terminal/config');
    const till = await apiFetch<{ id: number; name: string; key: string }>('/api/v1/tills', { method: 'POST', body: { name, storeId } });
    localStorage.setItem(TILL_KEY, till.key);
    localStorage.setItem(TILL_NAME, till.name);
  } finally {
    await signOut();
  }
}

/** Checks a manager's username and PIN now, so a typo shows at once; the sale then carries them. */
export function checkApproval(approval: Approval, purpose: 'discount' | 'refund' | 'price_override', basisPoints = 0): Promise<{ approverName: string }> {
  return apiFetch('/api/v1/terminal/approvals', { method: 'POST', body: { ...approval, purpose, basisPoints } });
}

export interface SaleAnswer {
  id: string;
  total: number;
  changeDue: number;
  replayed?: boolean;
}

/** A sale's send that has had no answer by then counts as failed (status 0): it is sent again, marked `deferred`. */
const SALE_TIMEOUT_MS = 20_000;

/**
 * Send a journaled sale: as the signed-in cashier when they took it (with a manager's approval if
 * one is held in memory), else — their session ended, or another cashier signed in since — by the
 * till key for the cashier recorded with the sale.
 */
export async function sendSale(sale: SaleRequest, cashierId: number | undefined, approval?: Approval): Promise<SaleAnswer> {
  if (cashierId !== undefined && currentCashier()?.id === cashierId && !csrfToken) {
    // Started while the server was away: learn whether the session lives on (and its CSRF token).
    await sessionState();
  }
  if (cashierId === undefined || (currentCashier()?.id === cashierId && csrfToken)) {
    try {
      return await apiFetch<SaleAnswer>('/api/v1/sales', { method: 'POST', body: approval ? { ...sale, approval } : sale, timeoutMs: SALE_TIMEOUT_MS });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401 && cashierId !== undefined)) throw e;
    }
  }
  return apiFetch<SaleAnswer>('/api/v1/terminal/replays', { method: 'POST', body: { cashierId, sale }, timeoutMs: SALE_TIMEOUT_MS });
}
