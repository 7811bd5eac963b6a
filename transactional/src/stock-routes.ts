import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database } from './database.js';
import { canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';

const Quantity = Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 });
const Movement = Type.Object(
  {
    storeId: Type.Integer({ minimum: 1 }),
    productId: Type.Integer({ minimum: 1 }),
    quantityMilli: Quantity,
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const Adjustment = Type.Composite(
  [Movement, Type.Object({ reason: Type.Union([Type.Literal('adjustment'), Type.Literal('transfer')]), note: Type.String({ minLength: 1, maxLength: 500 }) })],
  {
    additionalProperties: false,
  },
);
const Receipt = Type.Composite(
  [
    Movement,
    Type.Object({
      /** What one unit cost on this delivery, minor units. */
      unitCost: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })),
      /** The supplier's delivery note or invoice number. */
      reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    }),
  ],
  { additionalProperties: false },
);
const Count = Type.Object(
  { storeId: Type.Integer({ minimum: 1 }), productId: Type.Integer({ minimum: 1 }), countedMilli: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/**
 * Stock is the sum of movements, never an overwritten number. Receiving adds; adjustments and
 * transfers carry a reason; a count posts the difference between what was counted and the sum.
 */
export const stockRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  async function post(
    principal: Principal,
    requestId: string,
    m: {
      storeId: number;
      productId: number;
      quantityMilli: number;
      reason: string;
      note: string | null;
      unitCost?: number | undefined;
      reference?: string | undefined;
    },
  ) {
    if (!canSeeStore(principal, m.storeId)) throw new Problem('auth.forbidden', `not allowed in store ${m.storeId}`);
    return db.transaction().execute(async (tx) => {
      // Lock the product row: two counts of one product are applied one after the other.
      const product = await tx.selectFrom('products').select(['id', 'sku']).where('id', '=', m.productId).forUpdate().executeTakeFirst();
      if (!product) throw new Problem('product.not_found');
      const store = await tx.selectFrom('stores').select('id').where('id', '=', m.storeId).executeTakeFirst();
      if (!store) throw new Problem('stock.invalid', `store ${m.storeId} does not exist`);
      const level = await onHand(tx, m.productId, m.storeId);
      const quantity = m.reason === 'count' ? m.quantityMilli - level : m.quantityMilli;
      if (m.reason !== 'count' && quantity === 0) throw new Problem('stock.invalid', 'a movement of zero changes nothing');
      if (quantity !== 0) {
        await tx
          .insertInto('stock_movements')
          .values({
            store_id: m.storeId,
            product_id: m.productId,
            quantity_milli: quantity,
            reason: m.reason,
            sale_id: null,
            note: m.note,
            actor: principal.id,
            unit_cost: m.unitCost ?? null,
            reference: m.reference ?? null,
          })
          .execute();
      }
      await appendAudit(tx, {
        actor: principal.id,
        action: `stock.${m.reason}`,
        subject: product.sku,
        detail: {
          storeId: m.storeId,
          quantityMilli: quantity,
          before: level,
          note: m.note,
          ...(m.unitCost !== undefined ? { unitCost: m.unitCost } : {}),
          ...(m.reference !== undefined ? { reference: m.reference } : {}),
        },
        requestId,
      });
      return { productId: m.productId, storeId: m.storeId, movementMilli: quantity, onHandMilli: level + quantity };
    });
  }

  app.post<{ Body: Static<typeof Receipt> }>(
    '/api/v1/stock/receipts',
    { schema: { body: Receipt }, config: { permission: 'stock.receive' } },
    async (request, reply) => {
      if (request.body.quantityMilli <= 0) throw new Problem('stock.invalid', 'a receipt adds stock: the quantity must be positive');
      reply.code(201);
      return post(request.principal as Principal, request.id, { ...request.body, reason: 'receiving', note: request.body.note ?? null });
    },
  );

  app.post<{ Body: Static<typeof Adjustment> }>(
    '/api/v1/stock/adjustments',
    { schema: { body: Adjustment }, config: { permission: 'stock.adjust' } },
    async (request, reply) => {
      reply.code(201);
      return post(request.principal as Principal, request.id, { ...request.body });
    },
  );

  app.post<{ Body: Static<typeof Count> }>(
    '/api/v1/stock/counts',
    { schema: { body: Count }, config: { permission: 'stock.adjust' } },
    async (request, reply) => {
      const b = request.body;
      reply.code(201);
      return post(request.principal as Principal, request.id, {
        storeId: b.storeId,
        productId: b.productId,
        quantityMilli: b.countedMilli,
        reason: 'count',
        note: null,
      });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/products/:id/stock',
    { schema: { params: IdParams }, config: { permission: 'catalog.read' } },
    async (request) => {
      const r = await sql<{ store_id: number; on_hand: number }>`
      SELECT store_id, sum(quantity_milli)::bigint AS on_hand FROM stock_movements WHERE product_id = ${request.params.id} GROUP BY store_id ORDER BY store_id`.execute(
        db,
      );
      const principal = request.principal as Principal;
      return {
        productId: request.params.id,
        stores: r.rows.filter((x) => canSeeStore(principal, x.store_id)).map((x) => ({ storeId: x.store_id, onHandMilli: Number(x.on_hand) })),
      };
    },
  );
};

async function onHand(db: Kysely<Database>, productId: number, storeId: number): Promise<number> {
  const r = await sql<{
    q: number | null;
  }>`SELECT sum(quantity_milli)::bigint AS q FROM stock_movements WHERE product_id = ${productId} AND store_id = ${storeId}`.execute(db);
  return Number(r.rows[0]?.q ?? 0);
}
