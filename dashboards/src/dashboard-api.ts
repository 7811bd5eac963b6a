/**
 * The dashboards' view of the Keel API: payload types and small fetchers.
 * Money is integer minor units; errors arrive as RFC 9457 problem+json and become `ApiProblem`.
 */

export interface StoreRef {
  id: number;
  name: string;
}

export interface DashboardSummary {
  day: string;
  storeId: number | null;
  currency: string;
  revenue: number;
  net: number;
  tax: number;
  discount: number;
  /** Absent or null when the user may not see costs. */
  cost?: number | null;
  /** Absent or null when the user may not see costs. */
  margin?: number | null;
  tickets: number;
  lines: number;
  itemsMilli: number;
  asOf: string;
}

/** One row per hour 0-23, as columns (straight into uPlot). */
export interface HourlySeries {
  day: string;
  hour: number[];
  revenue: number[];
  tickets: number[];
  margin: (number | null)[];
}

/** `sales` event of `/api/v1/dashboard/stream`. */
export interface SalesEvent {
  storeIds: number[];
  at: string;
}

/** A failed API call, carrying the problem+json fields (or what we could tell without them). */
export class ApiProblem extends Error {
  constructor(
    readonly title: string,
    readonly status: number,
    readonly code?: string,
    readonly detail?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiProblem';
  }
}

export interface DashboardQuery {
  day: string;
  storeId: number | null;
}

function queryString({ day, storeId }: DashboardQuery): string {
  const params = new URLSearchParams({ day });
  if (storeId !== null) params.set('store', String(storeId));
  return params.toString();
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiProblem('Cannot reach the Keel server', 0, 'NETWORK', String(err));
  }
  if (res.status === 401) {
    // Not signed in (or the session ended): the back office signs in and comes back.
    location.assign('/dashboards/admin/');
  }
  if (!res.ok) throw await problemFrom(res);
  return (await res.json()) as T;
}

async function problemFrom(res: Response): Promise<ApiProblem> {
  const fallback = `Request failed (HTTP ${res.status})`;
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { title?: unknown; code?: unknown; detail?: unknown };
    return new ApiProblem(
      typeof body.title === 'string' && body.title ? body.title : fallback,
      res.status,
      typeof body.code === 'string' ? body.code : undefined,
      typeof body.detail === 'string' ? body.detail : undefined,
    );
  } catch {
    return new ApiProblem(fallback, res.status, undefined, text.slice(0, 200) || undefined);
  }
}

export function fetchStores(signal?: AbortSignal): Promise<StoreRef[]> {
  return getJson<StoreRef[]>('/api/v1/stores', signal);
}

export function fetchSummary(q: DashboardQuery, signal?: AbortSignal): Promise<DashboardSummary> {
  return getJson<DashboardSummary>(`/api/v1/dashboard/summary?${queryString(q)}`, signal);
}

export function fetchHourly(q: DashboardQuery, signal?: AbortSignal): Promise<HourlySeries> {
  return getJson<HourlySeries>(`/api/v1/dashboard/hourly?${queryString(q)}`, signal);
}

export const STREAM_URL = '/api/v1/dashboard/stream';
