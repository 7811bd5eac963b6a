import { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { extensionOf } from './file-name.js';
import type { Actor, FileService } from './file-service.js';
import { contentDisposition, servedInline } from './media-type.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' });
const IdParams = Type.Object({ id: Id });
const Level = Type.Union([Type.Literal('none'), Type.Literal('read'), Type.Literal('write'), Type.Literal('manage')]);
const NewFolder = Type.Object({ parentId: Id, name: Type.String({ maxLength: 1000 }) }, { additionalProperties: false });
const FolderChange = Type.Object({ name: Type.Optional(Type.String({ maxLength: 1000 })), parentId: Type.Optional(Id) }, { additionalProperties: false });
const FileChange = Type.Object({ name: Type.Optional(Type.String({ maxLength: 1000 })), folderId: Type.Optional(Id) }, { additionalProperties: false });
const Grants = Type.Object(
  {
    grants: Type.Array(
      Type.Object(
        { role: Type.Optional(Type.String({ maxLength: 100 })), userId: Type.Optional(Type.Integer({ minimum: 1 })), level: Level },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
const UploadQuery = Type.Object({ name: Type.String({ maxLength: 1000 }) }, { additionalProperties: false });
const ContentQuery = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })), inline: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const SearchQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 200 })), type: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
const VersionParams = Type.Object({ id: Id, version: Type.Integer({ minimum: 1 }) });

export function actorOf(request: FastifyRequest): Actor {
  return { principal: request.principal as Principal, requestId: request.id };
}

/**
 * Send a stored file. Only images and PDFs are ever shown inline (and only when asked); everything
 * else — HTML, SVG, scripts above all — is an attachment, with nosniff and a sandboxing CSP.
 */
export function sendFile(
  reply: FastifyReply,
  d: { file: { name: string }; size: number; mediaType: string; sha256: string; stream: Readable },
  inline: boolean,
) {
  const showInline = inline && servedInline(d.mediaType, extensionOf(d.file.name));
  return reply
    .type(showInline ? d.mediaType : d.mediaType.startsWith('text/') || d.mediaType.includes('xml') ? 'application/octet-stream' : d.mediaType)
    .header('content-length', String(d.size))
    .header('etag', `"${d.sha256}"`)
    .header('content-disposition', contentDisposition(showInline ? 'inline' : 'attachment', d.file.name))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
    .header('cache-control', 'private, no-store')
    .send(d.stream);
}

/** The files API: spaces, folders, uploads (streamed), downloads, versions, trash, grants, search. */
export const fileRoutes: FastifyPluginAsync<{ files: FileService }> = async (app, { files }) => {
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const permission = 'files.use' as const;

  app.get('/api/v1/files/spaces', { config: { permission } }, async (request) => ({ spaces: await files.spaces(actorOf(request)) }));
  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/files/folders/:id', { schema: { params: IdParams }, config: { permission } }, async (request) =>
    files.folder(actorOf(request), request.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/files/spaces/:id/usage', { schema: { params: IdParams }, config: { permission } }, async (request) =>
    files.usage(actorOf(request), request.params.id),
  );
  app.post<{ Body: Static<typeof NewFolder> }>('/api/v1/files/folders', { schema: { body: NewFolder }, config: { permission } }, async (request, reply) => {
    reply.code(201);
    return files.createFolder(actorOf(request), request.body.parentId, request.body.name);
  });
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof FolderChange> }>(
    '/api/v1/files/folders/:id',
    { schema: { params: IdParams, body: FolderChange }, config: { permission } },
    async (request) => files.updateFolder(actorOf(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/v1/files/folders/:id',
    { schema: { params: IdParams }, config: { permission } },
    async (request, reply) => {
      await files.trashFolder(actorOf(request), request.params.id);
      reply.code(204);
    },
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/v1/files/folders/:id/restore',
    { schema: { params: IdParams }, config: { permission } },
    async (request, reply) => {
      await files.restoreFolder(actorOf(request), request.params.id);
      reply.code(204);
    },
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/files/folders/:id/grants',
    { schema: { params: IdParams }, config: { permission } },
    async (request) => ({
      grants: await files.grants(actorOf(request), request.params.id),
    }),
  );
  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof Grants> }>(
    '/api/v1/files/folders/:id/grants',
    { schema: { params: IdParams, body: Grants }, config: { permission } },
    async (request, reply) => {
      if (request.body.grants.some((g) => (g.role === undefined) === (g.userId === undefined)))
        throw new Problem('request.invalid', 'each grant names a role or a userId');
      await files.setGrants(actorOf(request), request.params.id, request.body.grants);
      reply.code(204);
    },
  );

  // The body stays a stream from the socket to the temp file: a 1 GB upload never sits in memory.
  app.post<{ Params: Static<typeof IdParams>; Querystring: Static<typeof UploadQuery>; Body: Readable }>(
    '/api/v1/files/folders/:id/files',
    { schema: { params: IdParams, querystring: UploadQuery }, config: { permission } },
    async (request, reply) => {
      if (!(request.body instanceof Readable)) throw new Problem('request.unsupported_media_type', 'send the file as the raw request body');
      const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
      const file = await files.upload(actorOf(request), request.params.id, request.query.name, request.body, Number.isFinite(length) ? length : undefined);
      reply.code(file.created ? 201 : 200);
      return file;
    },
  );
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/v1/files/search',
    { schema: { querystring: SearchQuery }, config: { permission } },
    async (request) => ({
      files: await files.search(actorOf(request), request.query.q ?? '', request.query.type),
    }),
  );
  app.get('/api/v1/files/trash', { config: { permission } }, async (request) => files.trash(actorOf(request)));
  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/files/:id', { schema: { params: IdParams }, config: { permission } }, async (request) =>
    files.info(actorOf(request), request.params.id),
  );
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ContentQuery> }>(
    '/api/v1/files/:id/content',
    { schema: { params: IdParams, querystring: ContentQuery }, config: { permission } },
    async (request, reply) => sendFile(reply, await files.download(actorOf(request), request.params.id, request.query.version), request.query.inline === true),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof FileChange> }>(
    '/api/v1/files/:id',
    { schema: { params: IdParams, body: FileChange }, config: { permission } },
    async (request) => files.updateFile(actorOf(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof IdParams> }>('/api/v1/files/:id', { schema: { params: IdParams }, config: { permission } }, async (request, reply) => {
    await files.trashFile(actorOf(request), request.params.id);
    reply.code(204);
  });
  app.post<{ Params: Static<typeof IdParams> }>('/api/v1/files/:id/restore', { schema: { params: IdParams }, config: { permission } }, async (request) =>
    files.restoreFile(actorOf(request), request.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/files/:id/versions', { schema: { params: IdParams }, config: { permission } }, async (request) => ({
    versions: await files.versions(actorOf(request), request.params.id),
  }));
  app.post<{ Params: Static<typeof VersionParams> }>(
    '/api/v1/files/:id/versions/:version/restore',
    { schema: { params: VersionParams }, config: { permission } },
    async (request) => files.restoreVersion(actorOf(request), request.params.id, request.params.version),
  );
};
