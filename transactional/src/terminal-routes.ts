import type { TenderKind } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import type { Database } from './database.js';
import { verifyApproval } from './discount-approval.js';
import { replayCashier } from './journal-replay.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { refundableLines } from './refund-check.js';
import { loadSale } from './sale-result.js';
import { SaleRequestSchema } from './sale-routes.js';
import { recordSale, type SaleServiceDeps, type SaleSubmission } from './sale-service.js';
import { findTill, TILL_KEY_HEADER } from './tills.js';

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
  readonly sales: SaleServiceDeps;
}

const ApprovalBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    pin: Type.String({ minLength: 1, maxLength: 8 }),
    /** What the manager approves: a discount of `basisPoints`, a refund, or a price override lowering a price by `basisPoints`. */
    purpose: Type.Union([Type.Literal('discount'), Type.Literal('refund'), Type.Literal('price_override')]),
    basisPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false },
);

const { approval: _approval, ...saleFields } = SaleRequestSchema.properties;
const ReplayBody = Type.Object(
  { cashierId: Type.Integer({ minimum: 1 }), sale: Type.Object(saleFields, { additionalProperties: false }) },
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

  // Checks a manager's username and PIN at the till before the cashier goes on (the same check,
  // lockout included, as the sale's `approval`, which the sale then carries and which is audited with it).
  app.post<{ Body: Static<typeof ApprovalBody> }>(
    '/api/v1/terminal/approvals',
    { schema: { body: ApprovalBody }, config: { permission: 'sales.create' } },
    async (request) => {
      const p = request.principal as Principal;
      const { username, pin, purpose, basisPoints } = request.body;
      const approval = { username, pin };
      try {
        const approver = await verifyApproval(deps.db, deps.sales.lockout, approval, {
          purpose,
          storeId: deps.storeId,
          cashier: p,
          neededBp: basisPoints ?? 0,
        });
        return { approverName: approver.name };
      } catch (e) {
        if (e instanceof Problem) {
          const detail = { purpose, basisPoints: basisPoints ?? null, approver: username, reason: e.code };
          await deps.audit({ actor: p.id, action: 'sale.approval_failed', subject: null, detail, requestId: request.id });
        }
        throw e;
      }
    },
  );

  // A journaled sale whose cashier's session has ended, replayed by its enrolled till (journal-replay.ts).
  app.post<{ Body: Static<typeof ReplayBody> }>(
    '/api/v1/terminal/replays',
    { schema: { body: ReplayBody }, config: { permission: 'public' } },
    async (request, reply) => {
      const till = await findTill(deps.db, request.headers[TILL_KEY_HEADER]);
      if (!till) throw new Problem('auth.required', 'a journal replay needs an enrolled till key');
      const { cashierId, sale: submission } = request.body;
      const principal = await replayCashier(deps.db, till, cashierId, submission.occurredAt, deps.offline.maxHours, deps.sales.now());
      const { sale, replayed } = await recordSale(deps.sales, principal, submission as SaleSubmission, request.id);
      if (!replayed) {
        await deps.audit({
          actor: `till:${till.id}`,
          action: 'sale.journal_replay',
          subject: sale.id,
          detail: { cashier: principal.id },
          requestId: request.id,
        });
      }
      reply.code(replayed ? 200 : 201).header('location', `/api/v1/sales/${sale.id}`);
      return { ...sale, replayed };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/terminal/refundable/:id',
    { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) }, config: { permission: 'sales.create' } },
    async (request) => {
      const lines = await refundableLines(deps.db, request.params.id, deps.storeId);
      const sale = lines ? await loadSale(deps.db, request.params.id) : undefined;
      if (!lines || !sale) throw new Problem('sale.not_found');
      return { sale: sale.result, lines };
    },
  );
};
