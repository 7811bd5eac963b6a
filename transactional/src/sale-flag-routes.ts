import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { canSeeStore, type Principal } from './principal.js';

const FlagQuery = Type.Object(
  {
    store: Type.Optional(Type.Integer({ minimum: 1 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

/**
 * The conflicts sales were accepted with under the offline rule (a price or tax rate that changed,
 * a product retired, stock gone negative, a manager's approval that never arrived), newest first, for a manager to look at: each with the sale, the till, the cashier
 * and the till's price beside the server's. Only stores the manager may see.
 */
export const saleFlagRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get<{ Querystring: Static<typeof FlagQuery> }>(
    '/api/v1/sale-flags',
    { schema: { querystring: FlagQuery }, config: { permission: 'audit.view' } },
    async (request) => {
      const principal = request.principal as Principal;
      const { store, before, limit = 100 } = request.query;
      let query = db
        .selectFrom('sale_flags as f')
        .innerJoin('sales as s', 's.id', 'f.sale_id')
        .innerJoin('products as p', 'p.id', 'f.product_id')
        .leftJoin('users as u', (j) => j.on(sql<boolean>`s.cashier_id = 'user:' || u.id`))
        .select([
          'f.id',
          'f.kind',
          'f.sale_id as saleId',
          'f.store_id as storeId',
          'f.product_id as productId',
          'p.sku',
          'p.name',
          'f.till_price as tillPrice',
          'f.server_price as serverPrice',
          'f.on_hand_milli as onHandMilli',
          'f.till_tax_bp as tillTaxBp',
          'f.server_tax_bp as serverTaxBp',
          'f.approval_bp as approvalBp',
          'f.created_at as flaggedAt',
          's.occurred_at as occurredAt',
          's.register_id as registerId',
          's.cashier_id as cashierId',
          'u.display_name as cashierName',
          's.total',
        ])
        .orderBy('f.id', 'desc')
        .limit(limit);
      if (store !== undefined) query = query.where('f.store_id', '=', store);
      if (before !== undefined) query = query.where('f.id', '<', before);
      if (principal.storeIds !== 'all') query = query.where('f.store_id', 'in', principal.storeIds.length ? principal.storeIds : [-1]);
      const rows = await query.execute();
      return {
        items: rows
          .filter((r) => canSeeStore(principal, r.storeId))
          .map((r) => ({ ...r, flaggedAt: r.flaggedAt.toISOString(), occurredAt: r.occurredAt.toISOString() })),
      };
    },
  );
};
