import { checkBarcode } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { CatalogMemory } from './catalog-memory.js';
import { categorySubtree, productByBarcode, searchProducts } from './catalog-search.js';
import type { PreparedSnapshots } from './catalog-snapshot.js';
import type { Database, ProductRow } from './database.js';
import { can, type Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { isUniqueViolation } from './sale-service.js';

const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._/-]+$' });
const Barcode = Type.String({ pattern: '^[0-9A-Za-z-]{4,32}$' });
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
const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100 }),
    category: Type.Optional(Type.Integer({ minimum: 1 })),
    brand: Type.Optional(Type.Integer({ minimum: 1 })),
    active: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
const BarcodeParams = Type.Object({ barcode: Barcode });
const ListQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    barcode: Type.Optional(Barcode),
    sku: Type.Optional(Sku),
    category: Type.Optional(Type.Integer({ minimum: 1 })),
    brand: Type.Optional(Type.Integer({ minimum: 1 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export interface CatalogDeps {
  readonly db: Kysely<Database>;
  readonly reference: ReferenceData;
  /** The terminals' prepared snapshot files; without them every full snapshot is queried live. */
  readonly snapshots?: PreparedSnapshots;
  /** The tills' barcode lookups and name searches answer from it (server PostgreSQL only). */
  readonly memory?: CatalogMemory;
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
    categoryId: p.category_id,
    brandId: p.brand_id,
    version: p.version,
    updatedAt: p.updated_at.toISOString(),
  };
}

function checkedBarcode(code: string | null | undefined): string | null | undefined {
  if (code === null || code === undefined) return code;
  const c = checkBarcode(code);
  if (!c.ok) throw new Problem('product.barcode_invalid', c.reason);
  return code;
}

/** Keep product_barcodes (every code of every product, unique) in step with the primary barcode. */
async function setPrimaryBarcode(tx: Transaction<Database>, productId: number, old: string | null, code: string | null): Promise<void> {
  if (old === code) return;
  if (old) await tx.deleteFrom('product_barcodes').where('barcode', '=', old).where('product_id', '=', productId).execute();
  if (code) {
    const kind = checkBarcode(code);
    await tx
      .insertInto('product_barcodes')
      .values({ barcode: code, product_id: productId, kind: kind.ok ? kind.kind : 'internal' })
      .execute();
  }
}

function conflictProblem(e: unknown): Problem | undefined {
  if (isUniqueViolation(e, 'product_barcodes_pkey')) return new Problem('product.barcode_taken');
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
      checkedBarcode(b.barcode);
      try {
        const row = await db.transaction().execute(async (tx) => {
          const created = await tx
            .insertInto('products')
            .values({ sku: b.sku, barcode: b.barcode ?? null, name: b.name, price: b.price, cost: b.cost, tax_class: b.taxClass, active: b.active ?? true })
            .returningAll()
            .executeTakeFirstOrThrow();
          await setPrimaryBarcode(tx, created.id, null, created.barcode);
          await appendAudit(tx, {
            actor: (request.principal as Principal).id,
            action: 'product.create',
            subject: created.sku,
            detail: b,
            requestId: request.id,
          });
          return created;
        });
        await deps.memory?.refresh();
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
      // One page of the products matching every filter but the category.
      const page = <Q extends SelectQueryBuilder<Database, 'products', ProductRow>>(query: Q): Q => {
        let p = query.where('products.id', '>', q.after ?? 0);
        if (q.barcode) {
          const code = q.barcode;
          p = p.where('products.id', '=', (eb) => eb.selectFrom('product_barcodes').select('product_id').where('barcode', '=', code));
        }
        if (q.sku) p = p.where('products.sku', '=', q.sku);
        if (q.brand !== undefined) p = p.where('products.brand_id', '=', q.brand);
        if (q.active !== undefined) p = p.where('products.active', '=', q.active);
        return p.orderBy('products.id').limit(limit) as Q;
      };
      // Each filter pages through its own (filter, id) index, so a page costs the same at any depth. A
      // category includes its sub-categories: one bounded page per category of the subtree, each
      // planned with its own id (an empty parent category walks its index, not the whole catalog),
      // merged in id order.
      const pageOf = async (): Promise<ProductRow[]> => {
        if (q.category === undefined) return page(db.selectFrom('products').selectAll()).execute();
        const categories = (await categorySubtree(q.category).execute(db)).rows.map((r) => r.id);
        const one = (category: number) => page(db.selectFrom('products').selectAll().where('category_id', '=', category));
        if (categories.length <= 1) return categories[0] === undefined ? [] : one(categories[0]).execute();
        const union = sql.join(
          categories.map((c) => sql`(${one(c)})`),
          sql` UNION ALL `,
        );
        return (await sql<ProductRow>`SELECT * FROM (${union}) p ORDER BY p.id LIMIT ${limit}`.execute(db)).rows;
      };
      const rows = await pageOf();
      const last = rows.at(-1);
      return { items: rows.map((r) => present(r, request.principal as Principal)), next: rows.length === limit && last ? last.id : null };
    },
  );

  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/v1/products/search',
    { schema: { querystring: SearchQuery }, config: { permission: 'catalog.read' } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 20;
      const hits = await searchProducts(db, q.q, { categoryId: q.category, brandId: q.brand, active: q.active }, limit, q.offset ?? 0, deps.memory);
      const principal = request.principal as Principal;
      return {
        items: hits.map((h) => ({
          id: h.id,
          sku: h.sku,
          barcode: h.barcode,
          name: h.name,
          price: h.price,
          ...(can(principal, 'costs.view') ? { cost: h.cost } : {}),
          taxClass: h.tax_class,
          active: h.active,
          categoryId: h.category_id,
          brandId: h.brand_id,
          unit: h.unit,
          version: h.version,
          match: h.match,
        })),
      };
    },
  );

  app.get<{ Params: Static<typeof BarcodeParams> }>(
    '/api/v1/products/by-barcode/:barcode',
    { schema: { params: BarcodeParams }, config: { permission: 'catalog.read' } },
    async (request) => {
      const hit = await productByBarcode(db, request.params.barcode, deps.memory);
      if (!hit) throw new Problem('product.not_found', `no product has barcode ${request.params.barcode}`);
      return { id: hit.id, sku: hit.sku, name: hit.name, price: hit.price, taxClass: hit.tax_class, active: hit.active, unit: hit.unit, version: hit.version };
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
      checkedBarcode(b.barcode);
      try {
        // Optimistic concurrency: the edit applies only to the version the editor saw.
        const row = await db.transaction().execute(async (tx) => {
          const before = await tx.selectFrom('products').select(['barcode', 'version']).where('id', '=', request.params.id).forUpdate().executeTakeFirst();
          if (!before || before.version !== b.version) return undefined;
          const updated = await tx
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
            .executeTakeFirstOrThrow();
          if (b.barcode !== undefined) await setPrimaryBarcode(tx, updated.id, before.barcode, updated.barcode);
          const { version: _v, ...changes } = b;
          await appendAudit(tx, {
            actor: (request.principal as Principal).id,
            action: 'product.update',
            subject: updated.sku,
            detail: { id: updated.id, fromVersion: b.version, changes },
            requestId: request.id,
          });
          return updated;
        });
        if (row) {
          await deps.memory?.refresh();
          return present(row, request.principal as Principal);
        }
      } catch (e) {
        throw conflictProblem(e) ?? e;
      }
      const exists = await db.selectFrom('products').select('version').where('id', '=', request.params.id).executeTakeFirst();
      if (!exists) throw new Problem('product.not_found');
      throw new Problem('product.version_conflict', `the product is at version ${exists.version}`, { currentVersion: exists.version });
    },
  );
};
