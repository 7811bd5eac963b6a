import type { Readable } from 'node:stream';
import { type Kysely, type Selectable, sql } from 'kysely';
import { type AuditEntry, appendAudit } from './audit-log.js';
import type { Database, FileLevel } from './database.js';
import type { DiskGuard } from './disk-guard.js';
import { atLeast, ensureSpaces, folderPlace, type Level, requireFolder } from './file-access.js';
import { checkName } from './file-name.js';
import { type FileStore, newFileId } from './file-store.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';

export interface FileView {
  readonly id: string;
  readonly folderId: string;
  readonly name: string;
  readonly version: number;
  readonly size: number;
  readonly mediaType: string;
  readonly sha256: string;
  readonly updatedAt: string;
  readonly deletedAt: string | null;
}
export interface FolderView {
  readonly id: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly storeId: number | null;
  readonly createdAt: string;
  readonly deletedAt: string | null;
}
type FileRow = Selectable<Database['files']>;

export function fileView(r: {
  id: string;
  folder_id: string;
  name: string;
  version: number;
  size: number | string;
  media_type: string;
  sha256: string;
  updated_at: Date;
  deleted_at: Date | null;
}): FileView {
  return {
    id: r.id,
    folderId: r.folder_id,
    name: r.name,
    version: r.version,
    size: Number(r.size),
    mediaType: r.media_type,
    sha256: r.sha256,
    updatedAt: new Date(r.updated_at).toISOString(),
    deletedAt: r.deleted_at ? new Date(r.deleted_at).toISOString() : null,
  };
}
function folderView(r: { id: string; parent_id: string | null; name: string; store_id: number | null; created_at: Date; deleted_at: Date | null }): FolderView {
  return {
    id: r.id,
    parentId: r.parent_id,
    name: r.name,
    storeId: r.store_id,
    createdAt: new Date(r.created_at).toISOString(),
    deletedAt: r.deleted_at ? new Date(r.deleted_at).toISOString() : null,
  };
}

export interface FileServiceDeps {
  readonly db: Kysely<Database>;
  readonly store: FileStore;
  readonly disk: DiskGuard;
  readonly maxFileBytes: number;
}

/** Who does something and under which request: every change and every download goes to the audit log. */
export interface Actor {
  readonly principal: Principal;
  readonly requestId: string | null;
}

function uniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === '23505';
}

/**
 * Folders and files of every space, with per-folder access (file-access.ts), versions, a trash and
 * quotas. The REST routes and WebDAV both go through here, so both enforce and audit the same way.
 */
export class FileService {
  readonly #d: FileServiceDeps;

  constructor(deps: FileServiceDeps) {
    this.#d = deps;
  }

  get db(): Kysely<Database> {
    return this.#d.db;
  }

  async #audit(db: Kysely<Database>, actor: Actor, action: string, subject: string, detail: unknown): Promise<void> {
    const entry: AuditEntry = { actor: actor.principal.id, action, subject, detail, requestId: actor.requestId };
    await appendAudit(db, entry);
  }

  /** The spaces the principal can read, each with their level there. */
  async spaces(actor: Actor): Promise<Array<FolderView & { level: Level }>> {
    await ensureSpaces(this.#d.db, 'system');
    const roots = await this.#d.db.selectFrom('file_folders').selectAll().where('parent_id', 'is', null).orderBy('store_id', 'asc').execute();
    const out: Array<FolderView & { level: Level }> = [];
    for (const r of roots) {
      const place = await folderPlace(this.#d.db, actor.principal, r.id);
      if (place && atLeast(place.level, 'read')) out.push({ ...folderView(r), level: place.level });
    }
    return out;
  }

  async folder(actor: Actor, folderId: string) {
    const place = await requireFolder(this.#d.db, actor.principal, folderId, 'read');
    const db = this.#d.db;
    const [self, folders, files, trail] = await Promise.all([
      db.selectFrom('file_folders').selectAll().where('id', '=', folderId).executeTakeFirstOrThrow(),
      db.selectFrom('file_folders').selectAll().where('parent_id', '=', folderId).where('deleted_at', 'is', null).orderBy('name').execute(),
      db.selectFrom('files').selectAll().where('folder_id', '=', folderId).where('deleted_at', 'is', null).orderBy('name').execute(),
      this.#trail(folderId),
    ]);
    return { folder: { ...folderView(self), level: place.level }, path: trail, folders: folders.map(folderView), files: files.map(fileView) };
  }

  async #trail(folderId: string): Promise<Array<{ id: string; name: string }>> {
    const r = await sql<{ id: string; name: string; depth: number }>`
      WITH RECURSIVE up AS (
        SELECT id, parent_id, name, 0 AS depth FROM file_folders WHERE id = ${folderId}
        UNION ALL SELECT f.id, f.parent_id, f.name, up.depth + 1 FROM file_folders f JOIN up ON f.id = up.parent_id WHERE up.depth < 64
      ) SELECT id, name, depth FROM up ORDER BY depth DESC`.execute(this.#d.db);
    return r.rows.map(({ id, name }) => ({ id, name }));
  }

  /** A live child (folder or file) of `folderId` by name, case-insensitively, as WebDAV paths and name checks need. */
  async child(folderId: string, name: string): Promise<{ kind: 'folder'; id: string } | { kind: 'file'; id: string } | undefined> {
    const db = this.#d.db;
    const folder = await db
      .selectFrom('file_folders')
      .select('id')
      .where('parent_id', '=', folderId)
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .executeTakeFirst();
    if (folder) return { kind: 'folder', id: folder.id };
    const file = await db
      .selectFrom('files')
      .select('id')
      .where('folder_id', '=', folderId)
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .executeTakeFirst();
    return file ? { kind: 'file', id: file.id } : undefined;
  }

  async #nameFree(folderId: string, name: string, except?: string): Promise<void> {
    const taken = await this.child(folderId, name);
    if (taken && taken.id !== except) throw new Problem('file.name_taken', `"${name}" already exists in this folder`);
  }

  async createFolder(actor: Actor, parentId: string, rawName: string): Promise<FolderView> {
    const name = checkName(rawName);
    await requireFolder(this.#d.db, actor.principal, parentId, 'write');
    await this.#nameFree(parentId, name);
    try {
      return await this.#d.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('file_folders')
          .values({
            id: newFileId(),
            parent_id: parentId,
            store_id: null,
            name,
            quota_bytes: null,
            created_by: actor.principal.id,
            deleted_at: null,
            deleted_by: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.#audit(tx, actor, 'folder.create', row.id, { name, parentId });
        return folderView(row);
      });
    } catch (e) {
      if (uniqueViolation(e)) throw new Problem('file.name_taken', `"${name}" already exists in this folder`);
      throw e;
    }
  }

  /** Rename and/or move a folder: write where it is and where it goes; never into itself; spaces stay put. */
  async updateFolder(actor: Actor, folderId: string, change: { name?: string | undefined; parentId?: string | undefined }): Promise<FolderView> {
    const db = this.#d.db;
    const place = await requireFolder(db, actor.principal, folderId, 'write');
    const row = await db.selectFrom('file_folders').selectAll().where('id', '=', folderId).executeTakeFirstOrThrow();
    if (row.parent_id === null) throw new Problem('file.move_invalid', 'a space cannot be renamed or moved');
    const name = change.name === undefined ? row.name : checkName(change.name);
    const parentId = change.parentId ?? row.parent_id;
    let targetSpace = place.spaceId;
    if (parentId !== row.parent_id) {
      const target = await requireFolder(db, actor.principal, parentId, 'write');
      targetSpace = target.spaceId;
      if ((await this.#trail(parentId)).some((f) => f.id === folderId)) throw new Problem('file.move_invalid', 'a folder cannot move into itself');
      if (target.spaceId !== place.spaceId && !atLeast(place.level, 'manage'))
        throw new Problem('file.forbidden', 'moving a folder to another space needs manage access');
    }
    await this.#nameFree(parentId, name, folderId);
    return db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('file_folders')
        .set({ name, parent_id: parentId })
        .where('id', '=', folderId)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (targetSpace !== place.spaceId) {
        await this.#recount(tx, place.spaceId);
        await this.#recount(tx, targetSpace);
      }
      await this.#audit(tx, actor, parentId === row.parent_id ? 'folder.rename' : 'folder.move', folderId, {
        from: { name: row.name, parentId: row.parent_id },
        to: { name, parentId },
      });
      return folderView(updated);
    });
  }

  async trashFolder(actor: Actor, folderId: string): Promise<void> {
    await requireFolder(this.#d.db, actor.principal, folderId, 'write');
    await this.#d.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('file_folders')
        .set({ deleted_at: new Date(), deleted_by: actor.principal.id })
        .where('id', '=', folderId)
        .where('parent_id', 'is not', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new Problem('file.move_invalid', 'a space cannot be deleted');
      await this.#audit(tx, actor, 'folder.trash', folderId, {});
    });
  }

  async restoreFolder(actor: Actor, folderId: string): Promise<void> {
    const db = this.#d.db;
    const row = await db.selectFrom('file_folders').selectAll().where('id', '=', folderId).executeTakeFirst();
    if (!row?.parent_id) throw new Problem('file.not_found', 'no such folder');
    await requireFolder(db, actor.principal, row.parent_id, 'write');
    if (row.deleted_at === null) throw new Problem('file.not_in_trash');
    await this.#nameFree(row.parent_id, row.name);
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('file_folders').set({ deleted_at: null, deleted_by: null }).where('id', '=', folderId).execute();
      await this.#audit(tx, actor, 'folder.restore', folderId, { name: row.name });
    });
  }

  /** Who may do what here: grants by role or user; `none` narrows an inherited grant. Manage only. */
  async setGrants(
    actor: Actor,
    folderId: string,
    grants: ReadonlyArray<{ role?: string | undefined; userId?: number | undefined; level: FileLevel | 'none' }>,
  ): Promise<void> {
    await requireFolder(this.#d.db, actor.principal, folderId, 'manage');
    await this.#d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('file_grants').where('folder_id', '=', folderId).execute();
      if (grants.length > 0)
        await tx
          .insertInto('file_grants')
          .values(grants.map((g) => ({ folder_id: folderId, role: g.role ?? null, user_id: g.userId ?? null, level: g.level })))
          .execute();
      await this.#audit(tx, actor, 'folder.grants', folderId, { grants });
    });
  }

  async grants(actor: Actor, folderId: string) {
    await requireFolder(this.#d.db, actor.principal, folderId, 'manage');
    const rows = await this.#d.db.selectFrom('file_grants').selectAll().where('folder_id', '=', folderId).execute();
    return rows.map((g) => ({ ...(g.role ? { role: g.role } : { userId: g.user_id }), level: g.level }));
  }

  async #spaceUsage(spaceId: string, db: Kysely<Database> = this.#d.db): Promise<{ used: number; quota: number | null }> {
    const row = await db.selectFrom('file_folders').select(['used_bytes', 'quota_bytes']).where('id', '=', spaceId).executeTakeFirstOrThrow();
    return { used: Number(row.used_bytes), quota: row.quota_bytes === null ? null : Number(row.quota_bytes) };
  }

  /** Count `bytes` more against the space, or refuse (file.quota_exceeded); the row lock orders concurrent uploads. */
  async #charge(tx: Kysely<Database>, spaceId: string, bytes: number): Promise<void> {
    const r = await sql<{ used_bytes: string }>`
      UPDATE file_folders SET used_bytes = used_bytes + ${bytes}
      WHERE id = ${spaceId} AND (quota_bytes IS NULL OR used_bytes + ${bytes} <= quota_bytes)
      RETURNING used_bytes`.execute(tx);
    if (r.rows.length === 0) {
      const u = await this.#spaceUsage(spaceId, tx);
      throw new Problem('file.quota_exceeded', `the space has ${Math.max(0, (u.quota ?? 0) - u.used)} bytes left`);
    }
  }

  /** Recount a space's usage from its versions (after a move between spaces). */
  async #recount(tx: Kysely<Database>, spaceId: string): Promise<void> {
    await sql`
      WITH RECURSIVE down AS (
        SELECT id FROM file_folders WHERE id = ${spaceId}
        UNION ALL SELECT f.id FROM file_folders f JOIN down ON f.parent_id = down.id
      )
      UPDATE file_folders SET used_bytes = coalesce((SELECT sum(v.size) FROM file_versions v JOIN files fi ON fi.id = v.file_id WHERE fi.folder_id IN (SELECT id FROM down)), 0)
      WHERE id = ${spaceId}`.execute(tx);
  }

  async usage(actor: Actor, spaceId: string) {
    await requireFolder(this.#d.db, actor.principal, spaceId, 'read');
    return this.#spaceUsage(spaceId);
  }

  /**
   * Store a file from a stream: a new file, or a new version when the folder already holds one by
   * that name. The body is written to disk first (streamed, hashed, sniffed, fsynced); the rows
   * that make it visible are written after, in one transaction with the audit entry.
   */
  async upload(
    actor: Actor,
    folderId: string,
    rawName: string,
    body: Readable | AsyncIterable<Buffer>,
    declaredBytes?: number,
  ): Promise<FileView & { created: boolean }> {
    const name = checkName(rawName);
    const db = this.#d.db;
    const place = await requireFolder(db, actor.principal, folderId, 'write');
    if (declaredBytes !== undefined && declaredBytes > this.#d.maxFileBytes)
      throw new Problem('file.too_large', `files are limited to ${this.#d.maxFileBytes} bytes`);
    const existing = await this.child(folderId, name);
    if (existing?.kind === 'folder') throw new Problem('file.name_taken', `"${name}" is a folder here`);
    const usage = await this.#spaceUsage(place.spaceId);
    if (usage.quota !== null && usage.used + (declaredBytes ?? 0) > usage.quota)
      throw new Problem('file.quota_exceeded', `the space has ${usage.quota - usage.used} bytes left`);
    await this.#d.disk.ensureRoom('file upload', declaredBytes ?? 0);
    const object = await this.#d.store.write(body, this.#d.maxFileBytes);
    try {
      return await db.transaction().execute(async (tx) => {
        await this.#charge(tx, place.spaceId, object.size);
        const now = new Date();
        const current = existing
          ? await tx.selectFrom('files').selectAll().where('id', '=', existing.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst()
          : undefined;
        let row: FileRow;
        if (current) {
          row = (await tx
            .updateTable('files')
            .set({ version: current.version + 1, sha256: object.sha256, size: object.size, media_type: object.mediaType, updated_at: now })
            .where('id', '=', current.id)
            .returningAll()
            .executeTakeFirstOrThrow()) as FileRow;
        } else {
          row = (await tx
            .insertInto('files')
            .values({
              id: newFileId(),
              folder_id: folderId,
              name,
              version: 1,
              sha256: object.sha256,
              size: object.size,
              media_type: object.mediaType,
              created_by: actor.principal.id,
              updated_at: now,
              deleted_at: null,
              deleted_by: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow()) as FileRow;
        }
        await tx
          .insertInto('file_versions')
          .values({
            file_id: row.id,
            version: row.version,
            sha256: object.sha256,
            size: object.size,
            media_type: object.mediaType,
            created_by: actor.principal.id,
          })
          .execute();
        await this.#audit(tx, actor, 'file.upload', row.id, {
          name,
          folderId,
          version: row.version,
          size: object.size,
          sha256: object.sha256,
          mediaType: object.mediaType,
        });
        return { ...fileView(row as never), created: !current };
      });
    } catch (e) {
      if (uniqueViolation(e)) throw new Problem('file.name_taken', `"${name}" already exists in this folder`);
      throw e;
    }
  }

  /** The file and the caller's level in its folder; trashed files are visible to those who can write there (to restore them). */
  async #file(actor: Actor, fileId: string, needed: FileLevel, opts: { trashed?: boolean } = {}) {
    const row = await this.#d.db.selectFrom('files').selectAll().where('id', '=', fileId).executeTakeFirst();
    if (!row) throw new Problem('file.not_found');
    const place = await folderPlace(this.#d.db, actor.principal, row.folder_id);
    if (!place || !atLeast(place.level, 'read') || place.trashed) throw new Problem('file.not_found');
    if ((row.deleted_at !== null) !== (opts.trashed ?? false)) throw new Problem(row.deleted_at ? 'file.not_found' : 'file.not_in_trash');
    if (!atLeast(place.level, needed)) throw new Problem('file.forbidden', `this needs ${needed} access to the folder`);
    return { row, place };
  }

  async info(actor: Actor, fileId: string): Promise<FileView> {
    return fileView((await this.#file(actor, fileId, 'read')).row);
  }

  /** Open a file's content (current or an older version) for download; audited. */
  async download(actor: Actor, fileId: string, version?: number) {
    const { row } = await this.#file(actor, fileId, 'read');
    let v = { version: row.version, sha256: row.sha256, size: Number(row.size), mediaType: row.media_type };
    if (version !== undefined && version !== row.version) {
      const old = await this.#d.db.selectFrom('file_versions').selectAll().where('file_id', '=', fileId).where('version', '=', version).executeTakeFirst();
      if (!old) throw new Problem('file.not_found', 'no such version');
      v = { version: old.version, sha256: old.sha256, size: Number(old.size), mediaType: old.media_type };
    }
    await this.#audit(this.#d.db, actor, 'file.download', fileId, { name: row.name, version: v.version });
    return { file: fileView(row), ...v, stream: this.#d.store.read(v.sha256) };
  }

  async updateFile(actor: Actor, fileId: string, change: { name?: string | undefined; folderId?: string | undefined }): Promise<FileView> {
    const { row, place } = await this.#file(actor, fileId, 'write');
    const name = change.name === undefined ? row.name : checkName(change.name);
    const folderId = change.folderId ?? row.folder_id;
    const target = folderId === row.folder_id ? place : await requireFolder(this.#d.db, actor.principal, folderId, 'write');
    await this.#nameFree(folderId, name, fileId);
    try {
      return await this.#d.db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('files')
          .set({ name, folder_id: folderId, updated_at: new Date() })
          .where('id', '=', fileId)
          .returningAll()
          .executeTakeFirstOrThrow();
        if (target.spaceId !== place.spaceId) {
          await this.#recount(tx, place.spaceId);
          await this.#recount(tx, target.spaceId);
        }
        await this.#audit(tx, actor, folderId === row.folder_id ? 'file.rename' : 'file.move', fileId, {
          from: { name: row.name, folderId: row.folder_id },
          to: { name, folderId },
        });
        return fileView(updated);
      });
    } catch (e) {
      if (uniqueViolation(e)) throw new Problem('file.name_taken', `"${name}" already exists in this folder`);
      throw e;
    }
  }

  async trashFile(actor: Actor, fileId: string): Promise<void> {
    await this.#file(actor, fileId, 'write');
    await this.#d.db.transaction().execute(async (tx) => {
      await tx.updateTable('files').set({ deleted_at: new Date(), deleted_by: actor.principal.id }).where('id', '=', fileId).execute();
      await this.#audit(tx, actor, 'file.trash', fileId, {});
    });
  }

  async restoreFile(actor: Actor, fileId: string): Promise<FileView> {
    const { row } = await this.#file(actor, fileId, 'write', { trashed: true });
    await this.#nameFree(row.folder_id, row.name);
    return this.#d.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('files')
        .set({ deleted_at: null, deleted_by: null })
        .where('id', '=', fileId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#audit(tx, actor, 'file.restore', fileId, { name: row.name });
      return fileView(updated);
    });
  }

  async versions(actor: Actor, fileId: string) {
    await this.#file(actor, fileId, 'read');
    const rows = await this.#d.db.selectFrom('file_versions').selectAll().where('file_id', '=', fileId).orderBy('version', 'desc').execute();
    return rows.map((v) => ({
      version: v.version,
      size: Number(v.size),
      mediaType: v.media_type,
      sha256: v.sha256,
      createdBy: v.created_by,
      createdAt: new Date(v.created_at).toISOString(),
    }));
  }

  /** Make an older version current again, as a new version (history is never rewritten). */
  async restoreVersion(actor: Actor, fileId: string, version: number): Promise<FileView> {
    const { place } = await this.#file(actor, fileId, 'write');
    return this.#d.db.transaction().execute(async (tx) => {
      const cur = await tx.selectFrom('files').selectAll().where('id', '=', fileId).forUpdate().executeTakeFirstOrThrow();
      const old = await tx.selectFrom('file_versions').selectAll().where('file_id', '=', fileId).where('version', '=', version).executeTakeFirst();
      if (!old) throw new Problem('file.not_found', 'no such version');
      const next = cur.version + 1;
      await this.#charge(tx, place.spaceId, Number(old.size));
      const updated = await tx
        .updateTable('files')
        .set({ version: next, sha256: old.sha256, size: old.size, media_type: old.media_type, updated_at: new Date() })
        .where('id', '=', fileId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('file_versions')
        .values({ file_id: fileId, version: next, sha256: old.sha256, size: old.size, media_type: old.media_type, created_by: actor.principal.id })
        .execute();
      await this.#audit(tx, actor, 'file.version_restore', fileId, { restored: version, as: next });
      return fileView(updated);
    });
  }

  /** Trashed files and folders the principal could restore. */
  async trash(actor: Actor) {
    const db = this.#d.db;
    const files = await db.selectFrom('files').selectAll().where('deleted_at', 'is not', null).orderBy('deleted_at', 'desc').limit(500).execute();
    const folders = await db.selectFrom('file_folders').selectAll().where('deleted_at', 'is not', null).orderBy('deleted_at', 'desc').limit(500).execute();
    const levels = new Map<string, boolean>();
    const mayRestore = async (parent: string) => {
      if (!levels.has(parent)) {
        const p = await folderPlace(db, actor.principal, parent);
        levels.set(parent, !!p && !p.trashed && atLeast(p.level, 'write'));
      }
      return levels.get(parent) === true;
    };
    const out = { files: [] as FileView[], folders: [] as FolderView[] };
    for (const f of files) if (await mayRestore(f.folder_id)) out.files.push(fileView(f));
    for (const f of folders) if (f.parent_id && (await mayRestore(f.parent_id))) out.folders.push(folderView(f));
    return out;
  }

  /** Files by name (every word, any order) and type prefix (`image/`, `application/pdf`), among folders the principal can read. */
  async search(actor: Actor, q: string, type?: string): Promise<FileView[]> {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    let query = this.#d.db.selectFrom('files').selectAll().where('deleted_at', 'is', null);
    for (const w of words) query = query.where(sql<boolean>`lower(name) LIKE ${`%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
    if (type) query = query.where('media_type', 'like', `${type.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const rows = await query.orderBy('updated_at', 'desc').limit(1000).execute();
    const seen = new Map<string, boolean>();
    const out: FileView[] = [];
    for (const r of rows) {
      if (!seen.has(r.folder_id)) {
        const p = await folderPlace(this.#d.db, actor.principal, r.folder_id);
        seen.set(r.folder_id, !!p && !p.trashed && atLeast(p.level, 'read'));
      }
      if (seen.get(r.folder_id)) out.push(fileView(r));
      if (out.length >= 200) break;
    }
    return out;
  }
}
