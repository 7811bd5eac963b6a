import type { TenderKind } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import type { Database } from './database.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { refundableLines } from './refund-check.js';
import { loadSale } from './sale-service.js';

/** What a till may do while it cannot reach the server (TERMINAL_OFFLINE_* settings). */
export interface OfflineLimits {
  /** Largest sale total accepted offline, minor units. */
  readonly maxSaleTotal: number;
  readonly tenders: readonly TenderKind[];
  /** After this many hours without the server the till stops selling. */
  readonly maxHours: number;
}

export interface TerminalDeps {
  readonly db: Kysely<Database>;
  readonly reference: ReferenceData;
  readonly storeId: number;
  readonly offline: OfflineLimits;
  /** Cash totals are rounded to this many minor units (1 = no rounding; 5 = to 0.05). */
  readonly cashRounding: number;
  readonly audit: (entry: AuditEntry) => Promise<void>;
}

const ApprovalBody = Type.Object(
  {
    saleId: Type.String({ format: 'uuid' }),
    basisPoints: Type.Integer({ minimum: 0, maximum: 10000 }),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** What the checkout terminal needs from the server besides sales and the catalog. */
export const terminalRoutes: FastifyPluginAsync<{ deps: TerminalDeps }> = async (app, { deps }) => {
  app.get('/api/v1/terminal/config', { config: { permission: 'sales.create' } }, async (request) => {
    const p = request.principal as Principal;
    const store = await deps.reference.store(deps.storeId);
    const rows = await deps.db.selectFrom('tax_classes').selectAll().orderBy('code').execute();
    return {
      storeId: deps.storeId,
      storeName: store?.name ?? '',
      currency: store?.currency ?? 'EUR',
      taxClasses: rows.map((t) => ({ code: t.code, basisPoints: t.basis_points, inclusive: t.inclusive })),
      cashier: { id: p.id, name: p.name, role: p.role, maxDiscountBp: p.maxDiscountBp, permissions: [...p.permissions] },
      offline: deps.offline,
      cashRounding: deps.cashRounding,
    };
  });

  // Stand-in for the people-and-trust approval (manager PIN): the approver's own credential, checked
  // against their discount limit, and audited. The sale itself is posted by the cashier.
  app.post<{ Body: Static<typeof ApprovalBody> }>(
    '/api/v1/terminal/approvals',
    { schema: { body: ApprovalBody }, config: { permission: 'sales.discount' } },
    async (request) => {
      const p = request.principal as Principal;
      const b = request.body;
      if (p.maxDiscountBp < b.basisPoints) throw new Problem('approval.insufficient', `${p.name} may give up to ${p.maxDiscountBp / 100}%`);
      await deps.audit({
        actor: p.id,
        action: 'discount.approved',
        subject: b.saleId,
        detail: { basisPoints: b.basisPoints, reason: b.reason ?? null },
        requestId: request.id,
      });
      return { approvedBy: p.id, approverName: p.name, basisPoints: b.basisPoints };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/terminal/refundable/:id',
    { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) }, config: { permission: 'sales.refund' } },
    async (request) => {
      const lines = await refundableLines(deps.db, request.params.id, deps.storeId);
      const sale = lines ? await loadSale(deps.db, request.params.id) : undefined;
      if (!lines || !sale) throw new Problem('sale.not_found');
      return { sale: sale.result, lines };
    },
  );
};
