import { hourlySales, salesSummary, type Warehouse } from '@keel/warehouse';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { LiveFeed } from './live-feed.js';
import { can, type Principal } from './principal.js';
import type { ReferenceData } from './reference-data.js';

const DayQuery = Type.Object(
  {
    day: Type.String({ format: 'date' }),
    store: Type.Optional(Type.Integer({ minimum: 1, maximum: 4_294_967_295 })),
  },
  { additionalProperties: false },
);

export interface DashboardDeps {
  readonly warehouse: Warehouse;
  readonly feed: LiveFeed;
  readonly reference: ReferenceData;
  readonly currency: string;
  readonly pingMs?: number;
}

/** The live dashboard's API: figures from the warehouse views, and a server-sent event stream that says when to refetch. */
export const dashboardRoutes: FastifyPluginAsync<{ deps: DashboardDeps }> = async (app, { deps }) => {
  // Open event streams never finish by themselves: end them when the server closes, so it can.
  const streams = new Set<{ end(): void }>();
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  app.get('/api/v1/stores', { config: { permission: 'dashboards.view' } }, async () => {
    return (await deps.reference.stores()).map((s) => ({ id: s.id, name: s.name }));
  });

  app.get<{ Querystring: Static<typeof DayQuery> }>(
    '/api/v1/dashboard/summary',
    { schema: { querystring: DayQuery }, config: { permission: 'dashboards.view' } },
    async (request) => {
      const { day, store } = request.query;
      const s = await salesSummary(deps.warehouse, { day, storeId: store });
      const seesCosts = can(request.principal as Principal, 'costs.view');
      return {
        day,
        storeId: store ?? null,
        currency: deps.currency,
        revenue: s.revenue,
        net: s.net,
        tax: s.tax,
        discount: s.discount,
        cost: seesCosts ? s.cost : null,
        margin: seesCosts ? s.margin : null,
        tickets: s.tickets,
        lines: s.lines,
        itemsMilli: s.itemsMilli,
        asOf: new Date().toISOString(),
      };
    },
  );

  app.get<{ Querystring: Static<typeof DayQuery> }>(
    '/api/v1/dashboard/hourly',
    { schema: { querystring: DayQuery }, config: { permission: 'dashboards.view' } },
    async (request) => {
      const { day, store } = request.query;
      const h = await hourlySales(deps.warehouse, { day, storeId: store });
      const seesCosts = can(request.principal as Principal, 'costs.view');
      return { day, hour: h.hour, revenue: h.revenue, tickets: h.tickets, margin: seesCosts ? h.margin : null };
    },
  );

  app.get('/api/v1/dashboard/stream', { config: { permission: 'dashboards.view' } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const unsubscribe = deps.feed.subscribe((storeIds) => {
      res.write(`event: sales\ndata: ${JSON.stringify({ storeIds, at: new Date().toISOString() })}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), deps.pingMs ?? 15_000);
    streams.add(res);
    request.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
  });
};
