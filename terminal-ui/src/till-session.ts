/**
 * How this till authenticates: ONE module, so it can move from a bearer token (an API token
 * standing in for an enrolled till, `npx keel token create --role cashier`) to till keys and
 * cashier PINs when people-and-trust lands. Everything the terminal sends goes through `apiFetch`.
 */
const TOKEN_KEY = 'keel.till.token';
const REGISTER_KEY = 'keel.till.register';

export interface TillIdentity {
  readonly token: string;
  readonly registerId: string;
}

export function savedIdentity(): TillIdentity | undefined {
  const token = localStorage.getItem(TOKEN_KEY);
  const registerId = localStorage.getItem(REGISTER_KEY);
  return token && registerId ? { token, registerId } : undefined;
}

export function saveIdentity(identity: TillIdentity): void {
  localStorage.setItem(TOKEN_KEY, identity.token);
  localStorage.setItem(REGISTER_KEY, identity.registerId);
}

export function forgetIdentity(): void {
  localStorage.removeItem(TOKEN_KEY);
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

/** fetch against the Keel API with this till's credential (or `asToken`, a manager's, for one call). */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; asToken?: string } = {}): Promise<T> {
  const token = init.asToken ?? savedIdentity()?.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'The Keel server cannot be reached');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    if (!res.ok) throw new ApiError(res.status, 'unreadable', `The server answered ${res.status}`);
  }
  if (!res.ok) throw new ApiError(res.status, String(json.code ?? 'unknown'), String(json.detail ?? json.title ?? `HTTP ${res.status}`), json);
  return json as T;
}

export interface Approval {
  readonly approvedBy: string;
  readonly approverName: string;
  readonly basisPoints: number;
}

/**
 * A manager approves a discount above the cashier's limit. Today the manager's code is their own
 * API token, checked by the server against their limit and audited (POST /api/v1/terminal/approvals).
 * When people-and-trust lands this becomes the manager's PIN and the sale carries `approval`.
 */
export function requestManagerApproval(managerCode: string, saleId: string, basisPoints: number, reason: string): Promise<Approval> {
  return apiFetch<Approval>('/api/v1/terminal/approvals', { method: 'POST', body: { saleId, basisPoints, reason }, asToken: managerCode.trim() });
}
