import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database } from './database.js';
import { canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { enrollTill } from './tills.js';

const NewTill = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), storeId: Type.Integer({ minimum: 1, maximum: 4_294_967_295 }) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export interface TillDeps {
  readonly db: Kysely<Database>;
  readonly reference: ReferenceData;
}

/** Enrolling tills (tills.enroll): each gets its own key, shown once, and can be revoked. */
export const tillRoutes: FastifyPluginAsync<{ deps: TillDeps }> = async (app, { deps }) => {
  const { db } = deps;

  app.get('/api/v1/tills', { config: { permission: 'tills.enroll' } }, async (request) => {
    const rows = await db.selectFrom('tills').select(['id', 'name', 'store_id', 'revoked_at', 'created_at']).orderBy('id').execute();
    return rows
      .filter((t) => canSeeStore(request.principal as Principal, t.store_id))
      .map((t) => ({ id: t.id, name: t.name, storeId: t.store_id, revoked: t.revoked_at !== null, enrolledAt: t.created_at.toISOString() }));
  });

  app.post<{ Body: Static<typeof NewTill> }>('/api/v1/tills', { schema: { body: NewTill }, config: { permission: 'tills.enroll' } }, async (request, reply) => {
    const actor = request.principal as Principal;
    if (!canSeeStore(actor, request.body.storeId) || !(await deps.reference.store(request.body.storeId))) throw new Problem('sale.store_unknown');
    const result = await db.transaction().execute(async (tx) => {
      const r = await enrollTill(tx, request.body.name, request.body.storeId, actor.userId ?? null);
      await appendAudit(tx, {
        actor: actor.id,
        action: 'till.enrolled',
        subject: `till:${r.till.id}`,
        detail: { name: r.till.name, storeId: r.till.storeId },
        requestId: request.id,
      });
      return r;
    });
    reply.code(201);
    return { ...result.till, key: result.key };
  });

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/v1/tills/:id/revoke',
    { schema: { params: IdParams }, config: { permission: 'tills.enroll' } },
    async (request, reply) => {
      const actor = request.principal as Principal;
      const till = await db.selectFrom('tills').select(['id', 'store_id']).where('id', '=', request.params.id).executeTakeFirst();
      if (!till || !canSeeStore(actor, till.store_id)) throw new Problem('till.not_found');
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('tills').set({ revoked_at: new Date() }).where('id', '=', till.id).execute();
        await tx.deleteFrom('sessions').where('till_id', '=', till.id).execute();
        await appendAudit(tx, { actor: actor.id, action: 'till.revoked', subject: `till:${till.id}`, detail: null, requestId: request.id });
      });
      reply.code(204);
    },
  );
};
