/**
 * The back office's view of the Keel API. Remembers the session's CSRF token (sent on every write)
 * and, in a browser enrolled as a till, the till key (sent on every request).
 */

export interface SignedInUser {
  id: number | null;
  name: string;
  role: string;
  permissions: string[];
  storeIds: number[] | 'all';
  maxDiscountBp: number;
  tillId: string | null;
}

export interface AuthState {
  setupNeeded: boolean;
  user: SignedInUser | null;
  csrfToken: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : `HTTP ${status}`);
  }
}

const TILL_KEY = 'keel.tillKey';
const TILL_NAME = 'keel.tillName';
let csrfToken: string | null = null;

export function tillKey(): string | null {
  return localStorage.getItem(TILL_KEY);
}
export function tillName(): string | null {
  return localStorage.getItem(TILL_NAME);
}
export function rememberTill(key: string, name: string): void {
  localStorage.setItem(TILL_KEY, key);
  localStorage.setItem(TILL_NAME, name);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const key = tillKey();
  const res = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(csrfToken && method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
      ...(key ? { 'x-keel-till': key } : {}),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, typeof json.code === 'string' ? json.code : 'unknown', json);
  if (typeof json.csrfToken === 'string') csrfToken = json.csrfToken;
  return json as T;
}

/** The session's CSRF token, for requests made outside `api` (uploads with progress). */
export function csrf(): string | null {
  return csrfToken;
}

export async function authState(): Promise<AuthState> {
  const s = await api<AuthState>('GET', '/api/v1/auth/state');
  csrfToken = s.csrfToken;
  return s;
}

export async function signOut(): Promise<void> {
  await api('POST', '/api/v1/auth/sign-out');
  csrfToken = null;
}

/** Minor units to a display amount (two decimals, the store's currency is shown elsewhere). */
export function amount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
