import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import type { Database } from './database.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { isUniqueViolation } from './sale-service.js';

const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 100 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) },
  { additionalProperties: false },
);
const NewCustomer = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40, pattern: '^\\+?[0-9 ().-]+$' })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' })),
  },
  { additionalProperties: false },
);

export interface Customer {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  code: string | null;
}

/** `%`, `_` and `\` taken literally, then anything after: a LIKE prefix. */
const prefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The store's customers, as a till needs them: find one by the start of a name (or of any word of
 * it), e-mail, phone or customer code, and add one at the counter (audited). A sale names its
 * customer by id (`customerId`).
 */
export const customerRoutes: FastifyPluginAsync<{ deps: { db: Kysely<Database>; audit: (entry: AuditEntry) => Promise<void> } }> = async (app, { deps }) => {
  const { db } = deps;
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/v1/customers',
    { schema: { querystring: SearchQuery }, config: { permission: 'sales.create' } },
    async (request) => {
      const q = request.query.q.trim().toLowerCase();
      if (!q) return { items: [] };
      const p = prefix(q);
      const rows = await db
        .selectFrom('customers')
        .select(['id', 'name', 'email', 'phone', 'code'])
        .where((eb) =>
          eb.or([
            eb(sql`lower(name)`, 'like', p),
            eb(sql`lower(name)`, 'like', `% ${p}`),
            eb(sql`lower(email)`, 'like', p),
            eb('phone', 'like', p),
            eb(sql`lower(code)`, '=', q),
          ]),
        )
        .orderBy(sql`lower(name)`)
        .orderBy('id')
        .limit(request.query.limit ?? 20)
        .execute();
      return { items: rows satisfies Customer[] };
    },
  );

  app.post<{ Body: Static<typeof NewCustomer> }>(
    '/api/v1/customers',
    { schema: { body: NewCustomer }, config: { permission: 'sales.create' } },
    async (request, reply) => {
      const principal = request.principal as Principal;
      const b = request.body;
      const values = { name: b.name.trim(), email: b.email?.trim() || null, phone: b.phone?.trim() || null, code: b.code ?? null };
      let created: Customer;
      try {
        created = await db
          .insertInto('customers')
          .values({ ...values, created_by: principal.id })
          .returning(['id', 'name', 'email', 'phone', 'code'])
          .executeTakeFirstOrThrow();
      } catch (e) {
        if (isUniqueViolation(e)) throw new Problem('customer.code_taken', `customer code ${values.code} is taken`);
        throw e;
      }
      await deps.audit({
        actor: principal.id,
        action: 'customer.created',
        subject: `customer:${created.id}`,
        detail: { name: created.name },
        requestId: request.id,
      });
      reply.code(201).header('location', `/api/v1/customers/${created.id}`);
      return created;
    },
  );
};
