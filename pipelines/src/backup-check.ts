import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type BackupManifest, MANIFEST } from './backup-manifest.js';
import { fileSha256, readPart } from './part-cipher.js';

/** A backup that must not be restored: a part is missing or its checksum differs. */
export class BackupDamagedError extends Error {}

/** Read the manifest and check every part against its sha256; throws BackupDamagedError with a clear message. */
export async function checkBackup(dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as BackupManifest;
  } catch (e) {
    throw new BackupDamagedError(
      `${dir} is not a readable Keel backup: ${MANIFEST} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is damaged'}`,
    );
  }
  if (manifest.format !== 'keel-backup' || manifest.version !== 1) throw new BackupDamagedError(`${dir}: unknown backup format or version`);
  const damaged: string[] = [];
  for (const part of manifest.parts) {
    let actual: string;
    try {
      actual = await fileSha256(path.join(dir, part.name));
    } catch {
      damaged.push(`${part.name} is missing`);
      continue;
    }
    if (actual !== part.sha256) damaged.push(`${part.name} is corrupt (sha256 ${actual.slice(0, 12)}..., expected ${part.sha256.slice(0, 12)}...)`);
  }
  if (damaged.length > 0) {
    throw new BackupDamagedError(`backup ${path.basename(dir)} is damaged and was refused: ${damaged.join('; ')}. Use another backup or its copy.`);
  }
  return manifest;
}

/** Decrypt (when encrypted) a part into `to`. */
export async function extractPart(dir: string, part: string, to: string, key: Buffer | undefined): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  await readPart(path.join(dir, part), to, key);
}

/** Decrypt and gunzip a shared file's part to `to` (0600). */
export async function extractFile(dir: string, part: string, to: string, key: Buffer | undefined, scratch: string): Promise<void> {
  const gz = path.join(scratch, `${path.basename(part)}.tmp`);
  await extractPart(dir, part, gz, key);
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  await pipeline(createReadStream(gz), createGunzip(), createWriteStream(to, { mode: 0o600 }));
}
