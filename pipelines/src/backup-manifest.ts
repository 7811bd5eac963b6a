import type { StoreFingerprint, WarehouseFingerprint } from './store-fingerprint.js';

/** manifest.json of a backup directory: what each part is and the figures a restore must reproduce. */
export interface BackupManifest {
  format: 'keel-backup';
  version: 1;
  createdAt: string;
  storeId: number;
  encrypted: boolean;
  /** pg_dump custom format, or the embedded database's data directory (PGlite, tar.gz). */
  postgres: { kind: 'postgresql' | 'pglite'; part: string };
  warehouse: { table: 'sale_lines'; part: string } | null;
  parts: { name: string; sha256: string; bytes: number }[];
  /** Shared files (DATA_DIR/files): each stored gzipped as files/<index>.gz. */
  files: { path: string; sha256: string; bytes: number; part: string }[];
  fingerprint: Omit<StoreFingerprint, 'files'>;
  warehouseFingerprint: WarehouseFingerprint | null;
  /** Configuration without secrets, for the record. */
  config: Record<string, unknown>;
}

export const MANIFEST = 'manifest.json';
export const BACKUP_NAME = /^keel-(\d{8}T\d{6}Z)$/;

/** keel-20261124T020000Z */
export function backupName(at: Date): string {
  return `keel-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}`;
}

export function backupTime(name: string): Date | undefined {
  const m = BACKUP_NAME.exec(name);
  if (!m?.[1]) return undefined;
  const s = m[1];
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}
