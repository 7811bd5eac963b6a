import { businessTime } from '@keel/core';
import {
  addDays,
  dailyTrend,
  demandForecast,
  forecastAlert,
  hourlySales,
  type RangeFilter,
  ranking,
  reorderSuggestion,
  tenderMix,
  type Warehouse,
  WarehouseError,
  weekdayHourHeatmap,
} from '@keel/warehouse';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { can, canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';

export interface AnalyticsDeps {
  readonly warehouse: Warehouse;
  readonly db: Kysely<Database>;
  readonly currency: string;
  /** The store zone that says which day "today" is. */
  readonly timeZone: string;
  /** The store stock questions default to. */
  readonly storeId: number;
  readonly now: () => Date;
}

const Store = Type.Optional(Type.Integer({ minimum: 1, maximum: 4_294_967_295 }));
const Day = Type.String({ format: 'date' });
const RangeQuery = Type.Object({ from: Day, to: Day, store: Store }, { additionalProperties: false });
const TrendQuery = Type.Object(
  { from: Day, to: Day, store: Store, category: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })) },
  { additionalProperties: false },
);
const CompareQuery = Type.Object({ day: Day, store: Store }, { additionalProperties: false });
const RankingQuery = Type.Object(
  {
    from: Day,
    to: Day,
    store: Store,
    dim: Type.Union([Type.Literal('product'), Type.Literal('category'), Type.Literal('cashier')]),
    by: Type.Optional(Type.Union([Type.Literal('revenue'), Type.Literal('margin'), Type.Literal('items')])),
    order: Type.Optional(Type.Union([Type.Literal('top'), Type.Literal('bottom')])),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
  },
  { additionalProperties: false },
);
const ForecastQuery = Type.Object(
  {
    store: Store,
    product: Type.Optional(Type.Integer({ minimum: 1 })),
    category: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
    measure: Type.Optional(Type.Union([Type.Literal('revenue'), Type.Literal('items')])),
    horizon: Type.Optional(Type.Integer({ minimum: 7, maximum: 28 })),
    history: Type.Optional(Type.Integer({ minimum: 21, maximum: 730 })),
  },
  { additionalProperties: false },
);
const StockQuery = Type.Object(
  {
    store: Store,
    lead: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

const VIEW = { config: { permission: 'dashboards.view' as const } };

/**
 * The analytics dashboards' API: trends, week-on-week, rankings, mix, heatmap, forecast and stock
 * at risk, all from the warehouse views, series as columns. Cost and margin are null (and ranking
 * by margin refused) without `costs.view`.
 */
export const analyticsRoutes: FastifyPluginAsync<{ deps: AnalyticsDeps }> = async (app, { deps }) => {
  const seesCosts = (request: FastifyRequest) => can(request.principal as Principal, 'costs.view');
  const today = () => businessTime(deps.now(), deps.timeZone).day;

  app.get<{ Querystring: Static<typeof TrendQuery> }>('/api/v1/analytics/trend', { ...VIEW, schema: { querystring: TrendQuery } }, async (request) => {
    const f = { ...rangeOf(request, request.query), categoryId: request.query.category };
    const [t, previous] = await Promise.all([answer(dailyTrend(deps.warehouse, f)), answer(dailyTrend(deps.warehouse, shiftRange(f)))]);
    const costs = seesCosts(request);
    return {
      ...f,
      currency: deps.currency,
      day: t.day,
      revenue: t.revenue,
      net: t.net,
      discount: t.discount,
      cost: costs ? t.cost : null,
      margin: costs ? t.margin : null,
      tickets: t.tickets,
      itemsMilli: t.itemsMilli,
      lines: t.lines,
      /** The same length of time just before, for "vs previous period". */
      previousRevenue: previous.revenue,
    };
  });

  app.get<{ Querystring: Static<typeof CompareQuery> }>('/api/v1/analytics/compare', { ...VIEW, schema: { querystring: CompareQuery } }, async (request) => {
    const { day, store } = request.query;
    checkStore(request, store);
    const lastWeekDay = addDays(day, -7);
    const [now, before] = await Promise.all([
      answer(hourlySales(deps.warehouse, { day, storeId: store })),
      answer(hourlySales(deps.warehouse, { day: lastWeekDay, storeId: store })),
    ]);
    const cumulative = (xs: number[]) =>
      xs.map(
        (
          (s) => (v: number) =>
            (s += v)
        )(0),
      );
    // Up to the same hour: today's curve stops at the current hour.
    const isToday = day === today();
    const hourNow = isToday ? businessTime(deps.now(), deps.timeZone).hour : 23;
    const todayCum = cumulative(now.revenue).map((v, h) => (h <= hourNow ? v : null));
    const lastWeekCum = cumulative(before.revenue);
    return {
      day,
      lastWeekDay,
      storeId: store ?? null,
      currency: deps.currency,
      hour: now.hour,
      today: todayCum,
      lastWeek: lastWeekCum,
      todayRevenue: now.revenue.reduce((s, v) => s + v, 0),
      lastWeekSameTime: lastWeekCum[hourNow] ?? 0,
      lastWeekRevenue: lastWeekCum[23] ?? 0,
      todayTickets: now.tickets.reduce((s, v) => s + v, 0),
    };
  });

  app.get<{ Querystring: Static<typeof RankingQuery> }>('/api/v1/analytics/ranking', { ...VIEW, schema: { querystring: RankingQuery } }, async (request) => {
    const q = request.query;
    const by = q.by ?? 'revenue';
    const costs = seesCosts(request);
    if (by === 'margin' && !costs) throw new Problem('auth.forbidden', 'ranking by margin needs the costs.view permission');
    const f = rangeOf(request, q);
    const r = await answer(ranking(deps.warehouse, q.dim, f, { by, order: q.order ?? 'top', limit: q.limit ?? 10 }));
    let name: string[] = r.key.map((k) => String(k));
    if (q.dim === 'product' && r.key.length > 0) {
      const rows = await deps.db
        .selectFrom('products')
        .select(['id', 'name'])
        .where(
          'id',
          'in',
          r.key.map((k) => Number(k)),
        )
        .execute();
      const names = new Map(rows.map((p) => [Number(p.id), p.name]));
      name = r.key.map((k) => names.get(Number(k)) ?? `Product ${k}`);
    } else if (q.dim === 'category') {
      const ids = r.key.map(Number).filter((k) => k > 0);
      const rows = ids.length > 0 ? await deps.db.selectFrom('categories').select(['id', 'path']).where('id', 'in', ids).execute() : [];
      const names = new Map(rows.map((c) => [Number(c.id), c.path]));
      name = r.key.map((k) => (Number(k) === 0 ? 'Uncategorised' : (names.get(Number(k)) ?? `Category ${k}`)));
    } else if (q.dim === 'cashier') {
      name = await cashierNames(deps.db, r.key.map(String));
    }
    return {
      ...f,
      dim: q.dim,
      by,
      order: q.order ?? 'top',
      currency: deps.currency,
      key: r.key,
      name,
      revenue: r.revenue,
      margin: costs ? r.margin : null,
      tickets: r.tickets,
      itemsMilli: r.itemsMilli,
    };
  });

  app.get<{ Querystring: Static<typeof RangeQuery> }>('/api/v1/analytics/heatmap', { ...VIEW, schema: { querystring: RangeQuery } }, async (request) => {
    const f = rangeOf(request, request.query);
    return { ...f, currency: deps.currency, ...(await answer(weekdayHourHeatmap(deps.warehouse, f))) };
  });

  app.get<{ Querystring: Static<typeof RangeQuery> }>('/api/v1/analytics/tenders', { ...VIEW, schema: { querystring: RangeQuery } }, async (request) => {
    const f = rangeOf(request, request.query);
    return { ...f, currency: deps.currency, ...(await answer(tenderMix(deps.warehouse, f))) };
  });

  app.get<{ Querystring: Static<typeof ForecastQuery> }>('/api/v1/analytics/forecast', { ...VIEW, schema: { querystring: ForecastQuery } }, async (request) => {
    const q = request.query;
    checkStore(request, q.store);
    const day = today();
    const measure = q.measure ?? (q.product !== undefined ? 'items' : 'revenue');
    // Fitted on history up to yesterday, so today's actual can be held against today's forecast.
    const fc = await answer(
      demandForecast(deps.warehouse, {
        through: addDays(day, -1),
        historyDays: q.history ?? 112,
        horizon: q.horizon ?? 14,
        storeId: q.store,
        productId: q.product,
        categoryId: q.category,
        measure,
      }),
    );
    let alert = null;
    if (measure === 'revenue' && q.product === undefined && q.category === undefined) {
      const hourly = await answer(hourlySales(deps.warehouse, { day, storeId: q.store }));
      const profile = await answer(weekdayHourHeatmap(deps.warehouse, { from: addDays(day, -56), to: addDays(day, -1), storeId: q.store }));
      const hourNow = businessTime(deps.now(), deps.timeZone).hour;
      const all = profile.revenue.flat().reduce((s, v) => s + v, 0);
      const done = profile.revenue.reduce((s, row) => s + row.slice(0, hourNow + 1).reduce((a, v) => a + v, 0), 0);
      alert = forecastAlert(
        hourly.revenue.reduce((s, v) => s + v, 0),
        fc.lower[0] ?? 0,
        fc.upper[0] ?? 0,
        all > 0 ? done / all : 0,
      );
    }
    return { today: day, storeId: q.store ?? null, productId: q.product ?? null, currency: deps.currency, ...fc, alert };
  });

  app.get<{ Querystring: Static<typeof StockQuery> }>('/api/v1/analytics/stock-at-risk', { ...VIEW, schema: { querystring: StockQuery } }, async (request) => {
    const storeId = request.query.store ?? deps.storeId;
    checkStore(request, storeId);
    const lead = request.query.lead ?? 7;
    const day = today();
    const top = await answer(
      ranking(
        deps.warehouse,
        'product',
        { from: addDays(day, -56), to: addDays(day, -1), storeId },
        { by: 'items', order: 'top', limit: request.query.limit ?? 20 },
      ),
    );
    const ids = top.key.map((k) => Number(k));
    if (ids.length === 0) return { storeId, leadDays: lead, productId: [], name: [], onHandMilli: [], daysOfCover: [], orderMilli: [], atRisk: [] };
    const stock = await sql<{ id: string; name: string; on_hand: string }>`
      SELECT p.id, p.name, coalesce(sum(m.quantity_milli), 0) AS on_hand
      FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id AND m.store_id = ${storeId}
      WHERE p.id = ANY(${ids}) GROUP BY p.id, p.name`.execute(deps.db);
    const byId = new Map(stock.rows.map((r) => [Number(r.id), r]));
    const rows = [];
    for (const id of ids) {
      const fc = await answer(
        demandForecast(deps.warehouse, { through: addDays(day, -1), historyDays: 56, horizon: 28, storeId, productId: id, measure: 'items' }),
      );
      const onHand = Number(byId.get(id)?.on_hand ?? 0);
      const s = reorderSuggestion({ mean: fc.mean, upper: fc.upper, onHand, leadTimeDays: lead });
      rows.push({ id, name: byId.get(id)?.name ?? `Product ${id}`, onHand, ...s });
    }
    rows.sort((a, b) => a.daysOfCover - b.daysOfCover || b.order - a.order);
    return {
      storeId,
      leadDays: lead,
      productId: rows.map((r) => r.id),
      name: rows.map((r) => r.name),
      onHandMilli: rows.map((r) => r.onHand),
      daysOfCover: rows.map((r) => (Number.isFinite(r.daysOfCover) ? r.daysOfCover : null)),
      orderMilli: rows.map((r) => r.order),
      atRisk: rows.map((r) => r.atRisk),
    };
  });
};

function checkStore(request: FastifyRequest, store: number | undefined): void {
  const p = request.principal as Principal;
  if (store === undefined ? p.storeIds !== 'all' : !canSeeStore(p, store)) throw new Problem('auth.forbidden', 'you may not see this store');
}

function rangeOf(request: FastifyRequest, q: { from: string; to: string; store?: number | undefined }): RangeFilter {
  checkStore(request, q.store);
  if (q.from > q.to) throw new Problem('analytics.range_invalid', '`from` must not be after `to`');
  return { from: q.from, to: q.to, storeId: q.store };
}

/** The same number of days ending the day before `f.from`. */
function shiftRange<F extends RangeFilter>(f: F): F {
  const days = Math.round((Date.parse(f.to) - Date.parse(f.from)) / 86_400_000) + 1;
  return { ...f, from: addDays(f.from, -days), to: addDays(f.from, -1) };
}

async function answer<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof WarehouseError && err.code === 'WAREHOUSE_BAD_ARGUMENT') throw new Problem('analytics.range_invalid', err.message);
    if (err instanceof WarehouseError && err.code === 'WAREHOUSE_UNREACHABLE') throw new Problem('service.unavailable', 'the warehouse cannot be reached');
    throw err;
  }
}

async function cashierNames(db: Kysely<Database>, ids: string[]): Promise<string[]> {
  const numbers = (prefix: string) =>
    ids
      .map((id) => new RegExp(`^${prefix}:(\\d+)$`).exec(id)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number);
  const tokenIds = numbers('token');
  const userIds = numbers('user');
  const tokens = tokenIds.length > 0 ? await db.selectFrom('api_tokens').select(['id', 'name']).where('id', 'in', tokenIds).execute() : [];
  const users = userIds.length > 0 ? await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', userIds).execute() : [];
  const names = new Map<string, string>([
    ...tokens.map((r) => [`token:${r.id}`, r.name] as const),
    ...users.map((u) => [`user:${u.id}`, u.display_name] as const),
  ]);
  return ids.map((id) => names.get(id) ?? (id === 'local-owner' ? 'This machine' : id === '' ? 'Unknown' : id));
}
