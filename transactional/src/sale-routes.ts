import { type SaleRequest, TENDER_KINDS } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { loadSale, recordSale, type SaleServiceDeps } from './sale-service.js';

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
    refund: Type.Optional(Type.Object({ of: Uuid, reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
type SaleBody = Static<typeof SaleRequestSchema>;

/** A card number pattern (13-19 digits, Luhn-valid): refused in a tender reference so it is never stored. */
function looksLikeCardNumber(text: string): boolean {
  const digits = text.replace(/-/g, '');
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const saleRoutes: FastifyPluginAsync<{ deps: SaleServiceDeps }> = async (app, { deps }) => {
  app.post<{ Body: SaleBody }>('/api/v1/sales', { schema: { body: SaleRequestSchema }, config: { permission: 'sales.create' } }, async (request, reply) => {
    const body = request.body;
    if (body.tenders.some((t) => t.reference && looksLikeCardNumber(t.reference))) {
      throw new Problem('sale.tender_invalid', 'a tender reference must not be a card number');
    }
    const { sale, replayed } = await recordSale(deps, request.principal as Principal, body as SaleRequest, request.id);
    reply.code(replayed ? 200 : 201).header('location', `/api/v1/sales/${sale.id}`);
    return { ...sale, replayed };
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/sales/:id',
    { schema: { params: Type.Object({ id: Uuid }) }, config: { permission: 'sales.create' } },
    async (request) => {
      const found = await loadSale(deps.db, request.params.id);
      if (!found) throw new Problem('sale.not_found');
      return found.result;
    },
  );
};
