import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface FileBackupReport {
  /** Objects in the store. */
  readonly objects: number;
  /** Objects copied by this run (the others were in the backup already). */
  readonly copied: number;
  readonly copiedBytes: number;
}

/**
 * Back up the file area's objects next to the database dump: `DATA_DIR/files/objects` → `dest`.
 * Objects are named by their sha256 and never change, so a backup is incremental and exact: only
 * objects missing from `dest` are copied (temp + fsync + rename), and each copy is read back and
 * its hash checked against its name.
 */
export async function backupFileObjects(objectsDir: string, dest: string): Promise<FileBackupReport> {
  let objects = 0;
  let copied = 0;
  let copiedBytes = 0;
  const walk = async (rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(path.join(objectsDir, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) {
        await walk(r);
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(e.name)) continue;
      objects++;
      const target = path.join(dest, r);
      const size = (await stat(path.join(objectsDir, r))).size;
      const have = await stat(target).catch(() => undefined);
      if (have?.size === size) continue;
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const tmp = `${target}.part`;
      await copyFile(path.join(objectsDir, r), tmp);
      const fh = await open(tmp, 'r+');
      await fh.sync();
      await fh.close();
      const hash = createHash('sha256');
      await pipeline(createReadStream(tmp), hash);
      if (hash.digest('hex') !== e.name) {
        await rm(tmp, { force: true });
        throw new Error(`object ${e.name} does not match its hash: the source may be damaged`);
      }
      await rename(tmp, target);
      copied++;
      copiedBytes += size;
    }
  };
  await walk('');
  return { objects, copied, copiedBytes };
}
