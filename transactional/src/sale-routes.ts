import { OVERRIDE_REASON_MAX, SALE_NOTE_MAX, TENDER_KINDS } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { noteNewSale } from './metrics.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { readableSale } from './sale-access.js';
import { recordSale, type SaleServiceDeps, type SaleSubmission } from './sale-service.js';

const Uuid = Type.String({ format: 'uuid' });
const Amount = Type.Integer({ minimum: -1_000_000_000_000, maximum: 1_000_000_000_000 });
const DiscountSchema = Type.Union([
  Type.Object({ kind: Type.Literal('percent'), basisPoints: Type.Integer({ minimum: 0, maximum: 10000 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('amount'), amount: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }) }, { additionalProperties: false }),
]);

export const SaleRequestSchema = Type.Object(
  {
    id: Uuid,
    storeId: Type.Integer({ minimum: 1, maximum: 4_294_967_295 }),
    registerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
    lines: Type.Array(
      Type.Object(
        {
          productId: Type.Integer({ minimum: 1 }),
          quantityMilli: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, not: { const: 0 } }),
          discount: Type.Optional(DiscountSchema),
          /** The unit price the till showed; refused (and audited) when it is not the server's. */
          unitPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })),
          /** The cashier's price for one unit instead of the list price, and why (audited; may need approval). */
          priceOverride: Type.Optional(
            Type.Object(
              {
                unitPrice: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
                reason: Type.String({ minLength: 1, maxLength: OVERRIDE_REASON_MAX, pattern: '\\S' }),
              },
              { additionalProperties: false },
            ),
          ),
          /** The tax rate the till applied; kept (and flagged) only for a sale accepted under the offline rule. */
          tax: Type.Optional(
            Type.Object(
              {
                code: Type.String({ minLength: 1, maxLength: 32 }),
                basisPoints: Type.Integer({ minimum: 0, maximum: 10000 }),
                inclusive: Type.Boolean(),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    orderDiscount: Type.Optional(DiscountSchema),
    tenders: Type.Array(
      Type.Object(
        {
          kind: Type.Union(TENDER_KINDS.map((k) => Type.Literal(k))),
          amount: Amount,
          // An external terminal's reference: letters, digits and dashes, never a card number.
          reference: Type.Optional(Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9-]*$' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    expectedTotal: Type.Optional(Amount),
    customerId: Type.Optional(Type.Integer({ minimum: 1 })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: SALE_NOTE_MAX })),
    /** Taken while the till could not reach the server: accepted at the till's prices, differences flagged. */
    offline: Type.Optional(Type.Boolean()),
    /** Sent before without an answer (the customer has paid and left): accepted under the offline rule. */
    deferred: Type.Optional(Type.Boolean()),
    refund: Type.Optional(Type.Object({ of: Uuid, reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })),
    /** A manager's approval for a discount over the cashier's limit, entered at the till. */
    approval: Type.Optional(
      Type.Object(
        { username: Type.String({ minLength: 1, maxLength: 64 }), pin: Type.String({ minLength: 1, maxLength: 8 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type SaleBody = Static<typeof SaleRequestSchema>;

export const saleRoutes: FastifyPluginAsync<{ deps: SaleServiceDeps }> = async (app, { deps }) => {
  app.post<{ Body: SaleBody }>('/api/v1/sales', { schema: { body: SaleRequestSchema }, config: { permission: 'sales.create' } }, async (request, reply) => {
    const principal = request.principal as Principal;
    // A signed-in person sells only from an enrolled till (API tokens and trusted loopback are scripts).
    if (principal.via === 'session') throw new Problem('till.required');
    const { sale, replayed } = await recordSale(deps, principal, request.body as SaleSubmission, request.id);
    if (!replayed) noteNewSale(request, sale.total);
    reply.code(replayed ? 200 : 201).header('location', `/api/v1/sales/${sale.id}`);
    return { ...sale, replayed };
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/sales/:id',
    { schema: { params: Type.Object({ id: Uuid }) }, config: { permission: 'sales.create' } },
    async (request) => readableSale(deps.db, request.principal as Principal, request.params.id),
  );
};
