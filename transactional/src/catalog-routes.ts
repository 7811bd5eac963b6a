import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, ProductRow } from './database.js';
import { can, type Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { isUniqueViolation } from './sale-service.js';

const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._/-]+$' });
const Barcode = Type.String({ pattern: '^[0-9]{6,14}$' });
const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });
const ProductInput = Type.Object(
  {
    sku: Sku,
    barcode: Type.Optional(Type.Union([Barcode, Type.Null()])),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    price: Price,
    cost: Price,
    taxClass: Type.String({ minLength: 1, maxLength: 32 }),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ProductPatch = Type.Composite([Type.Partial(ProductInput), Type.Object({ version: Type.Integer({ minimum: 1 }) })], { additionalProperties: false });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    barcode: Type.Optional(Barcode),
    sku: Type.Optional(Sku),
  },
  { additionalProperties: false },
);

export interface CatalogDeps {
  readonly db: Kysely<Database>;
  readonly reference: ReferenceData;
}

/** The product as the API shows it; cost only to those who may see costs. */
function present(p: ProductRow, principal: Principal) {
  return {
    id: p.id,
    sku: p.sku,
    barcode: p.barcode,
    name: p.name,
    price: p.price,
    ...(can(principal, 'costs.view') ? { cost: p.cost } : {}),
    taxClass: p.tax_class,
    active: p.active,
    version: p.version,
    updatedAt: p.updated_at.toISOString(),
  };
}

function conflictProblem(e: unknown): Problem | undefined {
  if (isUniqueViolation(e, 'products_sku_key')) return new Problem('product.sku_taken');
  if (isUniqueViolation(e, 'products_barcode_key')) return new Problem('product.barcode_taken');
  return undefined;
}

export const catalogRoutes: FastifyPluginAsync<{ deps: CatalogDeps }> = async (app, { deps }) => {
  const { db, reference } = deps;

  async function checkTaxClass(code: string | undefined): Promise<void> {
    if (code !== undefined && !(await reference.taxClass(code))) throw new Problem('tax_class.unknown', `no tax class "${code}"`);
  }

  app.post<{ Body: Static<typeof ProductInput> }>(
    '/api/v1/products',
    { schema: { body: ProductInput }, config: { permission: 'catalog.write' } },
    async (request, reply) => {
      const b = request.body;
      await checkTaxClass(b.taxClass);
      try {
        const row = await db
          .insertInto('products')
          .values({ sku: b.sku, barcode: b.barcode ?? null, name: b.name, price: b.price, cost: b.cost, tax_class: b.taxClass, active: b.active ?? true })
          .returningAll()
          .executeTakeFirstOrThrow();
        reply.code(201).header('location', `/api/v1/products/${row.id}`);
        return present(row, request.principal as Principal);
      } catch (e) {
        throw conflictProblem(e) ?? e;
      }
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/products',
    { schema: { querystring: ListQuery }, config: { permission: 'catalog.read' } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom('products')
        .selectAll()
        .where('id', '>', q.after ?? 0)
        .orderBy('id')
        .limit(limit);
      if (q.barcode) query = query.where('barcode', '=', q.barcode);
      if (q.sku) query = query.where('sku', '=', q.sku);
      const rows = await query.execute();
      const last = rows.at(-1);
      return { items: rows.map((r) => present(r, request.principal as Principal)), next: rows.length === limit && last ? last.id : null };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/products/:id',
    { schema: { params: IdParams }, config: { permission: 'catalog.read' } },
    async (request) => {
      const row = await db.selectFrom('products').selectAll().where('id', '=', request.params.id).executeTakeFirst();
      if (!row) throw new Problem('product.not_found');
      return present(row, request.principal as Principal);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof ProductPatch> }>(
    '/api/v1/products/:id',
    { schema: { params: IdParams, body: ProductPatch }, config: { permission: 'catalog.write' } },
    async (request) => {
      const b = request.body;
      await checkTaxClass(b.taxClass);
      try {
        // Optimistic concurrency: the edit applies only to the version the editor saw.
        const row = await db
          .updateTable('products')
          .set((eb) => ({
            ...(b.sku !== undefined ? { sku: b.sku } : {}),
            ...(b.barcode !== undefined ? { barcode: b.barcode } : {}),
            ...(b.name !== undefined ? { name: b.name } : {}),
            ...(b.price !== undefined ? { price: b.price } : {}),
            ...(b.cost !== undefined ? { cost: b.cost } : {}),
            ...(b.taxClass !== undefined ? { tax_class: b.taxClass } : {}),
            ...(b.active !== undefined ? { active: b.active } : {}),
            version: eb('version', '+', 1),
            updated_at: new Date(),
          }))
          .where('id', '=', request.params.id)
          .where('version', '=', b.version)
          .returningAll()
          .executeTakeFirst();
        if (row) return present(row, request.principal as Principal);
      } catch (e) {
        throw conflictProblem(e) ?? e;
      }
      const exists = await db.selectFrom('products').select('version').where('id', '=', request.params.id).executeTakeFirst();
      if (!exists) throw new Problem('product.not_found');
      throw new Problem('product.version_conflict', `the product is at version ${exists.version}`, { currentVersion: exists.version });
    },
  );
};
