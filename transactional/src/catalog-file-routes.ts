import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import { EXPORT_KINDS, exportData } from './catalog-export.js';
import { type ImportProgress, importCatalog } from './catalog-import.js';
import { catalogSnapshot, catalogVersion, type PreparedSnapshots } from './catalog-snapshot.js';
import type { Database } from './database.js';
import { ImportProgressBoard } from './import-progress.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { type ColumnMapping, PRODUCT_FIELDS, type ProductField } from './product-file-layouts.js';

const ProgressId = Type.String({ pattern: '^[A-Za-z0-9-]{8,64}$' });
const ProgressParams = Type.Object({ id: ProgressId });
const ImportQuery = Type.Object(
  {
    layout: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('generic'), Type.Literal('shopify'), Type.Literal('square')])),
    mode: Type.Optional(Type.Union([Type.Literal('all-or-nothing'), Type.Literal('skip-bad-rows')])),
    dryRun: Type.Optional(Type.Boolean()),
    /** Column mapping, `field:Header` pairs separated by commas. */
    map: Type.Optional(Type.String({ maxLength: 2000 })),
    fileName: Type.Optional(Type.String({ maxLength: 200 })),
    /** An id the uploader chose to follow this import's progress at /api/v1/catalog/imports/progress/:id. */
    progressId: Type.Optional(ProgressId),
  },
  { additionalProperties: false },
);
const ExportParams = Type.Object({ kind: Type.Union(EXPORT_KINDS.map((k) => Type.Literal(k))) });
const ExportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('arrow'), Type.Literal('parquet')])) },
  { additionalProperties: false },
);
const EXPORT_TYPES = { csv: 'text/csv; charset=utf-8', arrow: 'application/vnd.apache.arrow.stream', parquet: 'application/vnd.apache.parquet' } as const;
const SnapshotQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
const IndexQuery = Type.Object({ version: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

const FILE_TYPES = ['text/csv', 'application/octet-stream', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file'];

function parseMapping(text: string | undefined): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const i = pair.indexOf(':');
    const field = pair.slice(0, i);
    if (i < 1 || !(PRODUCT_FIELDS as readonly string[]).includes(field))
      throw new Problem('request.invalid', `map takes field:Header pairs; fields: ${PRODUCT_FIELDS.join(', ')}`);
    mapping[field as ProductField] = pair.slice(i + 1);
  }
  return mapping;
}

/** Catalog files: import (streamed upload), exports (streamed download) and the terminals' Arrow snapshot. */
export const catalogFileRoutes: FastifyPluginAsync<{ db: Kysely<Database>; snapshots?: PreparedSnapshots | undefined }> = async (app, { db, snapshots }) => {
  // The upload stays a stream: the importer reads it chunk by chunk, never the whole file.
  app.addContentTypeParser(FILE_TYPES, (_request, payload, done) => done(null, payload));
  const progress = new ImportProgressBoard();

  app.post<{ Querystring: Static<typeof ImportQuery>; Body: Readable }>(
    '/api/v1/catalog/imports',
    { schema: { querystring: ImportQuery }, config: { permission: 'catalog.write' } },
    async (request, reply) => {
      if (!(request.body instanceof Readable)) throw new Problem('request.unsupported_media_type', `send the file as ${FILE_TYPES.join(', ')}`);
      const q = request.query;
      const actor = (request.principal as Principal).id;
      const { progressId } = q;
      const mapping = parseMapping(q.map);
      let last: ImportProgress = { phase: 'reading', bytes: 0, rows: 0 };
      const follow = (p: ImportProgress, finished = false) => {
        last = p;
        if (progressId) progress.update(actor, progressId, p, finished);
      };
      follow(last);
      const report = await importCatalog(db, request.body, {
        layout: q.layout ?? 'auto',
        mapping,
        mode: q.mode ?? 'all-or-nothing',
        dryRun: q.dryRun ?? false,
        ...(q.fileName ? { fileName: q.fileName } : {}),
        actor,
        requestId: request.id,
        onProgress: (p) => follow(p),
      }).finally(() => follow(last, true));
      if (report.fileError) throw new Problem(report.fileError.code, report.fileError.message, { report });
      if (!report.applied && !report.dryRun)
        throw new Problem('import.rows_invalid', `${report.badRowCount} of ${report.rows} rows are bad; nothing was imported`, { report });
      reply.code(200);
      return report;
    },
  );

  app.get<{ Params: Static<typeof ProgressParams> }>(
    '/api/v1/catalog/imports/progress/:id',
    { schema: { params: ProgressParams }, config: { permission: 'catalog.write' } },
    async (request) => {
      const p = progress.get((request.principal as Principal).id, request.params.id);
      if (!p) throw new Problem('import.progress_unknown');
      return p;
    },
  );

  app.get<{ Params: Static<typeof ExportParams>; Querystring: Static<typeof ExportQuery> }>(
    '/api/v1/exports/:kind',
    { schema: { params: ExportParams, querystring: ExportQuery }, config: { permission: 'exports.run' } },
    async (request, reply) => {
      const format = request.query.format ?? 'csv';
      const { kind } = request.params;
      if (kind === 'customers') {
        const actor = (request.principal as Principal).id;
        await appendAudit(db, { actor, action: 'export.customers', subject: null, detail: { format }, requestId: request.id });
      }
      reply.type(EXPORT_TYPES[format]).header('content-disposition', `attachment; filename="keel-${kind}.${format}"`);
      return reply.send(Readable.from(exportData(db, kind, format)));
    },
  );

  app.get<{ Querystring: Static<typeof IndexQuery> }>(
    '/api/v1/catalog/snapshot/index',
    { schema: { querystring: IndexQuery }, config: { permission: 'catalog.read' } },
    async (request, reply) => {
      const prepared = await snapshots?.index(request.query.version);
      if (!prepared) throw new Problem('catalog.index_unavailable', `no prepared index for catalog version ${request.query.version}`);
      reply.type('application/octet-stream').header('x-catalog-version', String(prepared.version)).header('content-length', String(prepared.bytes));
      return reply.send(createReadStream(prepared.file));
    },
  );

  app.get<{ Querystring: Static<typeof SnapshotQuery> }>(
    '/api/v1/catalog/snapshot',
    { schema: { querystring: SnapshotQuery }, config: { permission: 'catalog.read' } },
    async (request, reply) => {
      const since = request.query.since ?? 0;
      reply.type('application/vnd.apache.arrow.stream').header('x-catalog-since', String(since));
      if (since === 0 && snapshots) {
        // The whole catalog: the prepared file (its version may trail the catalog; the till's next delta covers the gap).
        const prepared = await snapshots.latest();
        reply.header('x-catalog-version', String(prepared.version)).header('content-length', String(prepared.bytes));
        return reply.send(createReadStream(prepared.file));
      }
      // Never behind what the till already has (a version another process of the server gave it).
      const version = Math.max(await catalogVersion(db), since);
      reply.header('x-catalog-version', String(version));
      return reply.send(Readable.from(catalogSnapshot(db, since, version)));
    },
  );
};
