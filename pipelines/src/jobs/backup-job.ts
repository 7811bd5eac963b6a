import { type BackupOptions, type BackupSources, createBackup } from '../backup.js';
import type { Job } from '../job.js';

/** Nightly backup (see backup.ts), retention applied and copied to the second directory. */
export function backupJob(sources: BackupSources, opts: Omit<BackupOptions, 'now'>, schedule = '30 2 * * *'): Job {
  return {
    name: 'backup',
    description: 'Back up PostgreSQL, the warehouse, files and configuration',
    schedule,
    async run(ctx) {
      const r = await createBackup(sources, { ...opts, now: ctx.now() });
      return { path: r.path, bytes: r.bytes, parts: r.manifest.parts.length, pruned: r.pruned.length };
    },
  };
}
