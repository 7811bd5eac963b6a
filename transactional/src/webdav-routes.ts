import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { atLeast, folderPlace } from './file-access.js';
import { actorOf, sendFile } from './file-routes.js';
import type { FileService, FileView, FolderView } from './file-service.js';
import { Problem } from './problem.js';

const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;
const ALL_METHODS = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', ...DAV_METHODS] as const;
const ALLOW = ALL_METHODS.join(', ');

type Node =
  | { kind: 'root' }
  | { kind: 'folder'; id: string; view: FolderView }
  | { kind: 'file'; id: string; view: FileView }
  | { kind: 'missing'; parentId: string | null; name: string };

function xml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** `/dav/a/b%20c/` → ['a', 'b c']; a segment that is empty, `.` or `..` after decoding is refused. */
function segments(url: string): string[] {
  const pathname = (url.split('?')[0] as string).replace(/^\/dav\/?/, '');
  const parts = pathname.split('/').filter((p) => p !== '');
  return parts.map((p) => {
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      throw new Problem('file.name_invalid', 'the path is not valid percent-encoding');
    }
    if (s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'))
      throw new Problem('file.name_invalid', 'the path climbs out of the tree');
    return s;
  });
}

function hrefOf(parts: readonly string[], folder: boolean): string {
  const p = parts.map((s) => encodeURIComponent(s)).join('/');
  return `/dav/${p}${folder && p !== '' ? '/' : ''}`;
}

function propResponse(
  href: string,
  props: { name: string; folder: boolean; size?: number; type?: string; etag?: string; modified?: string; created?: string },
): string {
  return [
    `<D:response><D:href>${xml(href)}</D:href><D:propstat><D:prop>`,
    `<D:displayname>${xml(props.name)}</D:displayname>`,
    props.folder ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>',
    props.size === undefined ? '' : `<D:getcontentlength>${props.size}</D:getcontentlength>`,
    props.type ? `<D:getcontenttype>${xml(props.type)}</D:getcontenttype>` : '',
    props.etag ? `<D:getetag>"${props.etag}"</D:getetag>` : '',
    props.modified ? `<D:getlastmodified>${new Date(props.modified).toUTCString()}</D:getlastmodified>` : '',
    props.created ? `<D:creationdate>${new Date(props.created).toISOString()}</D:creationdate>` : '',
    '<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry></D:supportedlock>',
    '</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>',
  ].join('');
}

/**
 * The same tree over WebDAV (RFC 4918 subset: OPTIONS, PROPFIND depth 0/1, GET, HEAD, PUT, DELETE,
 * MKCOL, MOVE, COPY of files, and no-op LOCK/UNLOCK for Windows and macOS), so staff can mount it as
 * a network drive. Same accounts (HTTP Basic against their password), same folder permissions, same
 * audit: every operation goes through FileService.
 */
export const webdavRoutes: FastifyPluginAsync<{ files: FileService }> = async (app, { files }) => {
  for (const m of DAV_METHODS) app.addHttpMethod(m, { hasBody: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Basic realm="Keel files", charset="UTF-8"');
    reply.header('dav', '1, 2');
  });

  async function resolve(request: FastifyRequest, parts: readonly string[]): Promise<Node> {
    if (parts.length === 0) return { kind: 'root' };
    const actor = actorOf(request);
    const spaces = await files.spaces(actor);
    const space = spaces.find((s) => s.name.toLowerCase() === (parts[0] as string).toLowerCase());
    if (!space) return { kind: 'missing', parentId: null, name: parts[0] as string };
    let node: Node = { kind: 'folder', id: space.id, view: space };
    for (let i = 1; i < parts.length; i++) {
      const name = parts[i] as string;
      if (node.kind !== 'folder') throw new Problem('file.parent_missing', `"${parts[i - 1]}" is a file`);
      const child = await files.child(node.id, name);
      if (!child) {
        if (i < parts.length - 1) throw new Problem('file.parent_missing', `"${name}" does not exist`);
        return { kind: 'missing', parentId: node.id, name };
      }
      if (child.kind === 'folder') {
        const listing = await files.folder(actor, child.id);
        node = { kind: 'folder', id: child.id, view: listing.folder };
      } else {
        node = { kind: 'file', id: child.id, view: await files.info(actor, child.id) };
      }
    }
    return node;
  }

  function drain(request: FastifyRequest): void {
    if (request.body instanceof Readable) request.body.resume();
  }

  const handlers: Record<(typeof ALL_METHODS)[number], (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>> = {
    OPTIONS: async (request, reply) => {
      drain(request);
      return reply.code(200).header('allow', ALLOW).header('ms-author-via', 'DAV').send();
    },
    PROPFIND: async (request, reply) => {
      drain(request);
      const parts = segments(request.url);
      const depth = request.headers.depth === '0' ? 0 : 1;
      const node = await resolve(request, parts);
      const actor = actorOf(request);
      const out: string[] = [];
      if (node.kind === 'missing') throw new Problem('file.not_found');
      if (node.kind === 'file') {
        const f = node.view;
        out.push(propResponse(hrefOf(parts, false), { name: f.name, folder: false, size: f.size, type: f.mediaType, etag: f.sha256, modified: f.updatedAt }));
      } else {
        out.push(propResponse(hrefOf(parts, true), { name: node.kind === 'root' ? 'Keel' : node.view.name, folder: true }));
        if (depth === 1) {
          if (node.kind === 'root') {
            for (const s of await files.spaces(actor)) out.push(propResponse(hrefOf([s.name], true), { name: s.name, folder: true, created: s.createdAt }));
          } else {
            const listing = await files.folder(actor, node.id);
            for (const d of listing.folders)
              out.push(propResponse(hrefOf([...parts, d.name], true), { name: d.name, folder: true, created: d.createdAt, modified: d.createdAt }));
            for (const f of listing.files)
              out.push(
                propResponse(hrefOf([...parts, f.name], false), {
                  name: f.name,
                  folder: false,
                  size: f.size,
                  type: f.mediaType,
                  etag: f.sha256,
                  modified: f.updatedAt,
                }),
              );
          }
        }
      }
      return reply
        .code(207)
        .type('application/xml; charset=utf-8')
        .send(`<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${out.join('')}</D:multistatus>`);
    },
    PROPPATCH: async (request, reply) => {
      // Clients set modification times and Windows attributes; Keel keeps its own: answer that nothing changed.
      drain(request);
      const parts = segments(request.url);
      const node = await resolve(request, parts);
      if (node.kind === 'missing') throw new Problem('file.not_found');
      return reply
        .code(207)
        .type('application/xml; charset=utf-8')
        .send(
          `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:"><D:response><D:href>${xml(hrefOf(parts, node.kind !== 'file'))}</D:href><D:propstat><D:prop/><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`,
        );
    },
    GET: async (request, reply) => {
      const node = await resolve(request, segments(request.url));
      if (node.kind !== 'file') throw new Problem(node.kind === 'missing' ? 'file.not_found' : 'file.move_invalid', 'GET a file; list folders with PROPFIND');
      return sendFile(reply, await files.download(actorOf(request), node.id), false);
    },
    HEAD: async (request, reply) => {
      const node = await resolve(request, segments(request.url));
      if (node.kind !== 'file') throw new Problem('file.not_found');
      const f = node.view;
      return reply.type('application/octet-stream').header('content-length', String(f.size)).header('etag', `"${f.sha256}"`).send();
    },
    PUT: async (request, reply) => {
      const node = await resolve(request, segments(request.url));
      if (node.kind === 'root' || node.kind === 'folder' || (node.kind === 'missing' && node.parentId === null))
        throw new Problem('file.move_invalid', 'PUT a file inside a space');
      const folderId = node.kind === 'file' ? node.view.folderId : (node.parentId as string);
      const name = node.kind === 'file' ? node.view.name : node.name;
      const body = request.body instanceof Readable ? request.body : Readable.from([]);
      const length = Number(request.headers['content-length']);
      const file = await files.upload(actorOf(request), folderId, name, body, Number.isFinite(length) ? length : undefined);
      return reply
        .code(file.created ? 201 : 204)
        .header('etag', `"${file.sha256}"`)
        .send();
    },
    DELETE: async (request, reply) => {
      drain(request);
      const node = await resolve(request, segments(request.url));
      if (node.kind === 'missing') throw new Problem('file.not_found');
      if (node.kind === 'root') throw new Problem('file.move_invalid', 'the root cannot be deleted');
      if (node.kind === 'file') await files.trashFile(actorOf(request), node.id);
      else await files.trashFolder(actorOf(request), node.id);
      return reply.code(204).send();
    },
    MKCOL: async (request, reply) => {
      drain(request);
      const node = await resolve(request, segments(request.url));
      if (node.kind !== 'missing') return reply.code(405).header('allow', ALLOW).send();
      if (node.parentId === null) throw new Problem('file.forbidden', 'spaces are made by Keel, one per store');
      await files.createFolder(actorOf(request), node.parentId, node.name);
      return reply.code(201).send();
    },
    MOVE: async (request, reply) => moveOrCopy(request, reply, 'move'),
    COPY: async (request, reply) => moveOrCopy(request, reply, 'copy'),
    LOCK: async (request, reply) => {
      // A token-only lock: Windows and macOS refuse to write without one; Keel's versions keep every write.
      drain(request);
      const parts = segments(request.url);
      const node = await resolve(request, parts);
      const actor = actorOf(request);
      if (node.kind === 'folder' || node.kind === 'file') {
        const place = await folderPlace(files.db, actor.principal, node.kind === 'file' ? node.view.folderId : node.id);
        if (!place || !atLeast(place.level, 'write')) throw new Problem('file.forbidden', 'locking needs write access');
      }
      const token = `opaquelocktoken:${crypto.randomUUID()}`;
      return reply
        .code(200)
        .header('lock-token', `<${token}>`)
        .type('application/xml; charset=utf-8')
        .send(
          `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope><D:depth>0</D:depth><D:timeout>Second-3600</D:timeout><D:locktoken><D:href>${token}</D:href></D:locktoken><D:lockroot><D:href>${xml(hrefOf(parts, false))}</D:href></D:lockroot></D:activelock></D:lockdiscovery></D:prop>`,
        );
    },
    UNLOCK: async (request, reply) => {
      drain(request);
      return reply.code(204).send();
    },
  };

  async function moveOrCopy(request: FastifyRequest, reply: FastifyReply, how: 'move' | 'copy') {
    drain(request);
    const from = await resolve(request, segments(request.url));
    const destination = request.headers.destination;
    if (typeof destination !== 'string') throw new Problem('request.invalid', 'the Destination header is missing');
    let destPath: string;
    try {
      destPath = new URL(destination, 'http://x').pathname;
    } catch {
      throw new Problem('request.invalid', 'the Destination header is not a URL');
    }
    if (!destPath.startsWith('/dav/')) throw new Problem('file.move_invalid', 'the destination is outside /dav/');
    const to = await resolve(request, segments(destPath));
    if (from.kind === 'missing') throw new Problem('file.not_found');
    if (from.kind === 'root' || (from.kind === 'folder' && from.view.parentId === null)) throw new Problem('file.move_invalid', 'spaces stay where they are');
    const actor = actorOf(request);
    let replaced = false;
    if (to.kind === 'file' || to.kind === 'folder') {
      if (to.id === from.id) return reply.code(204).send();
      if (request.headers.overwrite === 'F') return reply.code(412).send();
      if (to.kind === 'file') await files.trashFile(actor, to.id);
      else await files.trashFolder(actor, to.id);
      replaced = true;
    }
    const target =
      to.kind === 'missing'
        ? { parentId: to.parentId, name: to.name }
        : to.kind === 'file'
          ? { parentId: to.view.folderId, name: to.view.name }
          : to.kind === 'folder'
            ? { parentId: to.view.parentId, name: to.view.name }
            : { parentId: null, name: '' };
    if (!target.parentId) throw new Problem('file.move_invalid', 'the destination must be inside a space');
    if (how === 'move') {
      if (from.kind === 'file') await files.updateFile(actor, from.id, { name: target.name, folderId: target.parentId });
      else await files.updateFolder(actor, from.id, { name: target.name, parentId: target.parentId });
    } else {
      if (from.kind !== 'file') throw new Problem('file.move_invalid', 'only files can be copied');
      const d = await files.download(actor, from.id);
      await files.upload(actor, target.parentId, target.name, d.stream, d.size);
    }
    return reply.code(replaced ? 204 : 201).send();
  }

  for (const method of ALL_METHODS) {
    const handler = handlers[method];
    for (const url of ['/dav', '/dav/*']) {
      app.route({ method, url, config: { permission: 'files.use' }, exposeHeadRoute: false, handler });
    }
  }
};
