import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { appendAudit } from './audit-log.js';
import { actorOf } from './file-routes.js';
import type { FileService, FileView } from './file-service.js';
import { Problem } from './problem.js';

const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const AttachParams = Type.Object({ id: Type.Integer({ minimum: 1 }), fileId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }) });
const Attach = Type.Object({ kind: Type.Union([Type.Literal('image'), Type.Literal('document')]) }, { additionalProperties: false });

/**
 * Product images and supplier documents, attached from the file area. The file stays where it is and
 * keeps its folder's access: a product lists only the attachments the caller may read.
 */
export const productFileRoutes: FastifyPluginAsync<{ files: FileService }> = async (app, { files }) => {
  const db = files.db;

  async function product(id: number): Promise<void> {
    const p = await db.selectFrom('products').select('id').where('id', '=', id).executeTakeFirst();
    if (!p) throw new Problem('product.not_found');
  }

  app.get<{ Params: Static<typeof Params> }>(
    '/api/v1/products/:id/files',
    { schema: { params: Params }, config: { permission: 'catalog.read' } },
    async (request) => {
      await product(request.params.id);
      const rows = await db.selectFrom('product_files').selectAll().where('product_id', '=', request.params.id).orderBy('attached_at').execute();
      const out: Array<{ kind: string; file: FileView }> = [];
      for (const r of rows) {
        try {
          out.push({ kind: r.kind, file: await files.info(actorOf(request), r.file_id) });
        } catch (e) {
          if (!(e instanceof Problem) || (e.code !== 'file.not_found' && e.code !== 'file.forbidden')) throw e;
        }
      }
      return { files: out };
    },
  );

  app.put<{ Params: Static<typeof AttachParams>; Body: Static<typeof Attach> }>(
    '/api/v1/products/:id/files/:fileId',
    { schema: { params: AttachParams, body: Attach }, config: { permission: 'catalog.write' } },
    async (request, reply) => {
      const { id, fileId } = request.params;
      await product(id);
      const file = await files.info(actorOf(request), fileId);
      if (request.body.kind === 'image' && !/^image\/(png|jpeg|gif|webp)$/.test(file.mediaType))
        throw new Problem('request.invalid', `a product image must be PNG, JPEG, GIF or WebP; this file is ${file.mediaType}`);
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('product_files')
          .values({ product_id: id, file_id: fileId, kind: request.body.kind, attached_by: actorOf(request).principal.id })
          .onConflict((oc) => oc.columns(['product_id', 'file_id']).doUpdateSet({ kind: request.body.kind }))
          .execute();
        await appendAudit(tx, {
          actor: actorOf(request).principal.id,
          action: 'product.file_attach',
          subject: String(id),
          detail: { fileId, kind: request.body.kind },
          requestId: request.id,
        });
      });
      reply.code(204);
    },
  );

  app.delete<{ Params: Static<typeof AttachParams> }>(
    '/api/v1/products/:id/files/:fileId',
    { schema: { params: AttachParams }, config: { permission: 'catalog.write' } },
    async (request, reply) => {
      const { id, fileId } = request.params;
      await db.transaction().execute(async (tx) => {
        const r = await tx.deleteFrom('product_files').where('product_id', '=', id).where('file_id', '=', fileId).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new Problem('file.not_found', 'the file is not attached to this product');
        await appendAudit(tx, {
          actor: actorOf(request).principal.id,
          action: 'product.file_detach',
          subject: String(id),
          detail: { fileId },
          requestId: request.id,
        });
      });
      reply.code(204);
    },
  );
};
