import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from './support/test-env.js';

/**
 * `npx keel service install|status|uninstall` run for real (as root, the way an administrator runs
 * them) against a scratch root: a directory with its own /etc/passwd, so the host is untouched.
 */
const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEEL = path.join(REPO, 'transactional/bin/keel.mjs');
let root: { dir: string; remove: () => void };

async function keel(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KEEL, ...args], { cwd: REPO });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}
const at = (p: string) => path.join(root.dir, p);
const mode = (p: string) => statSync(at(p)).mode & 0o777;

beforeAll(() => {
  root = tempDataDir();
  mkdirSync(at('etc'));
  writeFileSync(at('etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(at('etc/group'), 'root:x:0:\n');
  writeFileSync(at('etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(at('etc/gshadow'), 'root:*::\n', { mode: 0o600 });
});

afterAll(() => root?.remove());

describe('keel service', () => {
  it('install creates the user, private config, data directory and a unit that systemd-analyze verifies', async () => {
    const r = await keel('service', 'install', '--root', root.dir);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('created system user keel');

    const passwd = readFileSync(at('etc/passwd'), 'utf8');
    const user = passwd.split('\n').find((l) => l.startsWith('keel:'));
    expect(user).toMatch(/^keel:x:(\d+):(\d+)::\/var\/lib\/keel:\/usr\/sbin\/nologin$/);
    const uid = Number(user?.split(':')[2]);
    expect(uid).toBeLessThan(1000); // a system user

    expect(statSync(at('var/lib/keel')).uid).toBe(uid);
    expect(mode('var/lib/keel')).toBe(0o750);
    expect(mode('etc/keel/keel.env')).toBe(0o600);
    expect(statSync(at('etc/keel/keel.env')).uid).toBe(0);
    expect(readFileSync(at('etc/keel/keel.env'), 'utf8')).toContain('DATA_DIR=/var/lib/keel');

    const unitFile = at('etc/systemd/system/keel.service');
    const unit = readFileSync(unitFile, 'utf8');
    for (const line of [
      'User=keel',
      'Restart=on-failure',
      'WantedBy=multi-user.target',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'ReadWritePaths=/var/lib/keel',
      'StandardOutput=journal',
      'EnvironmentFile=/etc/keel/keel.env',
      `ExecStart=${process.execPath} --import tsx ${REPO}/transactional/src/main.ts`,
    ]) {
      expect(unit).toContain(line);
    }
    // systemd's own checker: exit 0 and not one complaint about the unit.
    const verify = await run('systemd-analyze', ['verify', unitFile]).then(
      (x) => ({ code: 0, err: x.stderr }),
      (e) => ({ code: e.code as number, err: String(e.stderr) }),
    );
    expect(verify).toEqual({ code: 0, err: '' });
  });

  it('status reports an installed service; a reinstall keeps the edited configuration', async () => {
    const s = await keel('service', 'status', '--root', root.dir);
    expect(s.code, s.out).toBe(0);
    expect(s.out).toMatch(/ok {3}unit \/etc\/systemd\/system\/keel.service/);
    expect(s.out).toMatch(/ok {3}config \/etc\/keel\/keel.env mode 0600/);

    writeFileSync(at('etc/keel/keel.env'), 'DATABASE_URL=postgres://keel:secret@127.0.0.1/keel\n', { mode: 0o644 });
    const again = await keel('service', 'install', '--root', root.dir);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('system user keel exists');
    expect(again.out).toContain('kept /etc/keel/keel.env');
    expect(readFileSync(at('etc/keel/keel.env'), 'utf8')).toContain('secret');
    expect(mode('etc/keel/keel.env')).toBe(0o600); // put back to private
    expect(readFileSync(at('etc/passwd'), 'utf8').match(/^keel:/gm)).toHaveLength(1);
  });

  it('uninstall removes the unit and keeps the data; --purge removes data, config and user', async () => {
    writeFileSync(at('var/lib/keel/backups/keep.dump'), 'sales');
    const u = await keel('service', 'uninstall', '--root', root.dir);
    expect(u.code, u.out).toBe(0);
    expect(existsSync(at('etc/systemd/system/keel.service'))).toBe(false);
    expect(existsSync(at('var/lib/keel/backups/keep.dump'))).toBe(true);
    const s = await keel('service', 'status', '--root', root.dir);
    expect(s.code).toBe(3);
    expect(s.out).toMatch(/FAIL unit \/etc\/systemd\/system\/keel.service/);

    const p = await keel('service', 'uninstall', '--purge', '--root', root.dir);
    expect(p.code, p.out).toBe(0);
    expect(existsSync(at('var/lib/keel'))).toBe(false);
    expect(existsSync(at('etc/keel'))).toBe(false);
    expect(readFileSync(at('etc/passwd'), 'utf8')).not.toMatch(/^keel:/m);
  });

  it('refuses a bad option with a usage message and changes nothing', async () => {
    const r = await keel('service', 'install', '--root', root.dir, '--data-dir', 'relative/path');
    expect(r.code).toBe(2);
    expect(r.out).toContain('--data-dir must be an absolute path');
    expect(existsSync(at('etc/systemd/system/keel.service'))).toBe(false);
  });
});
