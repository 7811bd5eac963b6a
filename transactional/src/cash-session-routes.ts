import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import { cashReport, countedTotal } from './cash-report.js';
import type { CashSessionTable, Database } from './database.js';
import { canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { isUniqueViolation } from './sale-service.js';

export interface CashSessionDeps {
  readonly db: Kysely<Database>;
  readonly storeId: number;
  readonly now: () => Date;
  readonly audit: (entry: AuditEntry) => Promise<void>;
}

const Uuid = Type.String({ format: 'uuid' });
const RegisterId = Type.String({ minLength: 1, maxLength: 64 });
const OpenBody = Type.Object(
  { id: Uuid, registerId: RegisterId, openingFloat: Type.Integer({ minimum: 0, maximum: 100_000_000 }) },
  { additionalProperties: false },
);
/** Counted cash: denomination in minor units -> how many. */
const CloseBody = Type.Object(
  { counts: Type.Record(Type.String({ pattern: '^[1-9][0-9]{0,7}$' }), Type.Integer({ minimum: 0, maximum: 100_000 })) },
  { additionalProperties: false },
);
const DrawerBody = Type.Object(
  { kind: Type.Union([Type.Literal('no_sale'), Type.Literal('drawer_open')]), reason: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Uuid });

function present(row: Selectable<CashSessionTable>) {
  return {
    id: row.id,
    storeId: row.store_id,
    registerId: row.register_id,
    openedBy: row.opened_by,
    openedAt: row.opened_at.toISOString(),
    openingFloat: row.opening_float,
    closedAt: row.closed_at ? row.closed_at.toISOString() : null,
    closedBy: row.closed_by,
  };
}

/** The register a request acts for: an enrolled till is always its own register (`till:<id>`, as its sales are recorded). */
function registerOf(principal: Principal, asked: string): string {
  return principal.tillId ? `till:${principal.tillId}` : asked;
}

/** Cash sessions of a till: open with a float, X report mid-shift, count and close with a Z report, drawer events. */
export const cashSessionRoutes: FastifyPluginAsync<{ deps: CashSessionDeps }> = async (app, { deps }) => {
  const { db } = deps;
  const load = async (id: string, principal: Principal) => {
    const s = await db.selectFrom('cash_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s || !canSeeStore(principal, s.store_id)) throw new Problem('cash_session.not_found');
    return s;
  };

  app.post<{ Body: Static<typeof OpenBody> }>(
    '/api/v1/cash-sessions',
    { schema: { body: OpenBody }, config: { permission: 'cash.manage' } },
    async (request, reply) => {
      const principal = request.principal as Principal;
      const b = request.body;
      const same = await db.selectFrom('cash_sessions').selectAll().where('id', '=', b.id).executeTakeFirst();
      if (same) return present(same);
      try {
        const row = await db
          .insertInto('cash_sessions')
          .values({
            id: b.id,
            store_id: deps.storeId,
            register_id: registerOf(principal, b.registerId),
            opened_by: principal.id,
            opened_at: deps.now(),
            opening_float: b.openingFloat,
            closed_by: null,
            closed_at: null,
            counted: null,
            counted_total: null,
            expected_cash: null,
            z_report: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await deps.audit({
          actor: principal.id,
          action: 'cash.open',
          subject: b.id,
          detail: { registerId: registerOf(principal, b.registerId), openingFloat: b.openingFloat },
          requestId: request.id,
        });
        reply.code(201);
        return present(row);
      } catch (e) {
        if (isUniqueViolation(e, 'cash_sessions_one_open')) throw new Problem('cash_session.already_open');
        throw e;
      }
    },
  );

  app.get<{ Querystring: { registerId: string } }>(
    '/api/v1/cash-sessions/current',
    { schema: { querystring: Type.Object({ registerId: RegisterId }, { additionalProperties: false }) }, config: { permission: 'cash.manage' } },
    async (request) => {
      const s = await db
        .selectFrom('cash_sessions')
        .selectAll()
        .where('store_id', '=', deps.storeId)
        .where('register_id', '=', registerOf(request.principal as Principal, request.query.registerId))
        .where('closed_at', 'is', null)
        .executeTakeFirst();
      return { session: s ? present(s) : null };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/cash-sessions/:id/x-report',
    { schema: { params: IdParams }, config: { permission: 'cash.manage' } },
    async (request) => {
      const s = await load(request.params.id, request.principal as Principal);
      if (s.closed_at) return { kind: 'Z', ...(s.z_report as object) };
      return { kind: 'X', ...(await cashReport(db, s, deps.now())) };
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CloseBody> }>(
    '/api/v1/cash-sessions/:id/close',
    { schema: { params: IdParams, body: CloseBody }, config: { permission: 'cash.manage' } },
    async (request) => {
      const principal = request.principal as Principal;
      const s = await load(request.params.id, principal);
      if (s.closed_at) throw new Problem('cash_session.closed');
      const closedAt = deps.now();
      const report = await cashReport(db, s, closedAt);
      const counted = countedTotal(request.body.counts);
      const z = { ...report, counts: request.body.counts, counted, overShort: counted - report.expectedCash, closedBy: principal.id };
      const done = await db
        .updateTable('cash_sessions')
        .set({
          closed_at: closedAt,
          closed_by: principal.id,
          counted: JSON.stringify(request.body.counts),
          counted_total: counted,
          expected_cash: report.expectedCash,
          z_report: JSON.stringify(z),
        })
        .where('id', '=', s.id)
        .where('closed_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw new Problem('cash_session.closed');
      await deps.audit({
        actor: principal.id,
        action: 'cash.close',
        subject: s.id,
        detail: { expectedCash: report.expectedCash, counted, overShort: z.overShort, total: report.total },
        requestId: request.id,
      });
      return { kind: 'Z', ...z };
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof DrawerBody> }>(
    '/api/v1/cash-sessions/:id/drawer-events',
    { schema: { params: IdParams, body: DrawerBody }, config: { permission: 'drawer.open' } },
    async (request, reply) => {
      const principal = request.principal as Principal;
      const s = await load(request.params.id, principal);
      if (s.closed_at) throw new Problem('cash_session.closed');
      await deps.audit({
        actor: principal.id,
        action: `drawer.${request.body.kind}`,
        subject: s.id,
        detail: { registerId: s.register_id, reason: request.body.reason ?? null },
        requestId: request.id,
      });
      reply.code(204);
    },
  );
};
