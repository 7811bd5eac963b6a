import { spawn } from 'node:child_process';

/** libpq environment for a PostgreSQL URL, so no password appears on a command line. */
export function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/** Run a PostgreSQL client tool; rejects with its last stderr lines (never the connection URL). */
export function runPgTool(tool: 'pg_dump' | 'pg_restore', args: readonly string[], url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: libpqEnv(url), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', (e) => reject(new Error(`${tool} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`)),
    );
  });
}

/** pg_dump in custom format (compressed) to a file. */
export function pgDump(url: string, file: string, snapshot?: string): Promise<void> {
  const args = ['--format=custom', '--compress=6', '--no-owner', '--no-privileges', `--file=${file}`];
  if (snapshot) args.push(`--snapshot=${snapshot}`);
  return runPgTool('pg_dump', args, url);
}

/** pg_restore a custom-format dump into the (empty) database of `url`. */
export function pgRestore(url: string, file: string, jobs = 2): Promise<void> {
  return runPgTool(
    'pg_restore',
    ['--no-owner', '--no-privileges', '--exit-on-error', `--jobs=${jobs}`, `--dbname=${new URL(url).pathname.slice(1)}`, file],
    url,
  );
}
