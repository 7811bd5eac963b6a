import { getJson } from './dashboard-api.js';

/** Payloads of `/api/v1/analytics/*`: series as columns, money in minor units; cost and margin null without costs.view. */
export interface RangeQuery {
  from: string;
  to: string;
  storeId: number | null;
}

export interface Trend {
  currency: string;
  day: string[];
  revenue: number[];
  net: number[];
  discount: number[];
  cost: number[] | null;
  margin: number[] | null;
  tickets: number[];
  itemsMilli: number[];
  previousRevenue: number[];
}

export interface Compare {
  day: string;
  lastWeekDay: string;
  hour: number[];
  today: (number | null)[];
  lastWeek: number[];
  todayRevenue: number;
  lastWeekSameTime: number;
  lastWeekRevenue: number;
}

export interface RankingData {
  key: (number | string)[];
  name: string[];
  revenue: number[];
  margin: number[] | null;
  tickets: number[];
  itemsMilli: number[];
}

export interface HeatmapData {
  weekday: number[];
  hour: number[];
  revenue: number[][];
  tickets: number[][];
}

export interface TenderData {
  kind: string[];
  tenders: number[];
  amount: number[];
}

export interface ForecastData {
  measure: 'revenue' | 'items';
  day: string[];
  actual: number[];
  forecastDay: string[];
  mean: number[];
  lower: number[];
  upper: number[];
  alert: { level: 'above' | 'below'; actual: number; lower: number; upper: number } | null;
}

export interface StockAtRisk {
  leadDays: number;
  productId: number[];
  name: string[];
  onHandMilli: number[];
  daysOfCover: (number | null)[];
  orderMilli: number[];
  atRisk: boolean[];
}

function qs(params: Record<string, string | number | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) p.set(k, String(v));
  return p.toString();
}

const range = (q: RangeQuery) => ({ from: q.from, to: q.to, store: q.storeId });

export const fetchTrend = (q: RangeQuery, categoryId: number | null, signal?: AbortSignal) =>
  getJson<Trend>(`/api/v1/analytics/trend?${qs({ ...range(q), category: categoryId })}`, signal);
export const fetchCompare = (day: string, storeId: number | null, signal?: AbortSignal) =>
  getJson<Compare>(`/api/v1/analytics/compare?${qs({ day, store: storeId })}`, signal);
export const fetchRanking = (
  q: RangeQuery,
  dim: 'product' | 'category' | 'cashier',
  by: 'revenue' | 'margin',
  order: 'top' | 'bottom',
  limit: number,
  signal?: AbortSignal,
) => getJson<RankingData>(`/api/v1/analytics/ranking?${qs({ ...range(q), dim, by, order, limit })}`, signal);
export const fetchHeatmap = (q: RangeQuery, signal?: AbortSignal) => getJson<HeatmapData>(`/api/v1/analytics/heatmap?${qs(range(q))}`, signal);
export const fetchTenders = (q: RangeQuery, signal?: AbortSignal) => getJson<TenderData>(`/api/v1/analytics/tenders?${qs(range(q))}`, signal);
export const fetchForecast = (storeId: number | null, signal?: AbortSignal) =>
  getJson<ForecastData>(`/api/v1/analytics/forecast?${qs({ store: storeId, horizon: 14, history: 56 })}`, signal);
export const fetchStockAtRisk = (storeId: number | null, signal?: AbortSignal) =>
  getJson<StockAtRisk>(`/api/v1/analytics/stock-at-risk?${qs({ store: storeId, lead: 7, limit: 8 })}`, signal);
