import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

const FacetQuery = Type.Object(
  {
    /** Names (category paths) starting with this text, case-insensitive. */
    prefix: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

function likePrefix(text: string | undefined): string {
  return `${(text ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Categories and brands to filter the catalog by: a bounded, ordered list, never the whole table of a huge chain. */
export const catalogFacetRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get<{ Querystring: Static<typeof FacetQuery> }>(
    '/api/v1/catalog/categories',
    { schema: { querystring: FacetQuery }, config: { permission: 'catalog.read' } },
    async (request) => {
      const rows = await db
        .selectFrom('categories')
        .select(['id', 'path', 'parent_id'])
        .where('path', 'ilike', likePrefix(request.query.prefix))
        .orderBy('path')
        .limit(request.query.limit ?? 500)
        .execute();
      return { items: rows.map((r) => ({ id: r.id, path: r.path, parentId: r.parent_id })) };
    },
  );

  app.get<{ Querystring: Static<typeof FacetQuery> }>(
    '/api/v1/catalog/brands',
    { schema: { querystring: FacetQuery }, config: { permission: 'catalog.read' } },
    async (request) => {
      const rows = await db
        .selectFrom('brands')
        .select(['id', 'name'])
        .where('name', 'ilike', likePrefix(request.query.prefix))
        .orderBy('name')
        .limit(request.query.limit ?? 500)
        .execute();
      return { items: rows };
    },
  );
};
