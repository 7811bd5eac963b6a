import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { verifyAuditChain } from './audit-log.js';
import type { Database } from './database.js';

const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

/** `%`, `_` and `\` taken literally in an ILIKE pattern. */
function likeLiteral(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Searching the audit log (audit.view), newest first, and checking its hash chain. */
export const auditRoutes: FastifyPluginAsync<{ deps: { db: Kysely<Database> } }> = async (app, { deps }) => {
  const { db } = deps;

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/v1/audit',
    { schema: { querystring: AuditQuery }, config: { permission: 'audit.view' } },
    async (request) => {
      const { action, actor, q, before, limit = 100 } = request.query;
      let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
      if (action) query = query.where('action', 'like', `${action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      if (actor) query = query.where('actor', '=', actor);
      if (before) query = query.where('id', '<', before);
      // The detail is matched in its JSON text, where quotes and backslashes appear escaped.
      if (q) {
        const inJson = JSON.stringify(q).slice(1, -1);
        query = query.where((eb) => eb.or([eb('subject', 'ilike', likeLiteral(q)), eb(sql<string>`detail::text`, 'ilike', likeLiteral(inJson))]));
      }
      const rows = await query.execute();
      const userIds = [...new Set(rows.map((r) => /^user:(\d+)$/.exec(r.actor)?.[1]).filter((x): x is string => x !== undefined))].map(Number);
      const names = new Map<number, string>();
      if (userIds.length > 0) {
        for (const u of await db.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).execute()) names.set(u.id, u.username);
      }
      return rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        actorName: names.get(Number(/^user:(\d+)$/.exec(r.actor)?.[1])) ?? null,
        action: r.action,
        subject: r.subject,
        detail: r.detail,
        hash: r.hash,
      }));
    },
  );

  app.get('/api/v1/audit/verify', { config: { permission: 'audit.view' } }, async () => verifyAuditChain(db));
};
