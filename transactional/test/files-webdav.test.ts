import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileWorld, fileWorld, PEOPLE } from './support/file-people.js';
import { tempDataDir } from './support/test-env.js';

/**
 * WebDAV with a real client from Debian (rclone, installed by .ci/services): the same tree, the same
 * accounts and the same folder permissions as the API.
 */
const run = promisify(execFile);
let world: FileWorld;
let scratch: { dir: string; remove: () => void };

async function rclone(who: { username: string; password: string }, args: string[]): Promise<{ ok: boolean; out: string }> {
  const obscured = (await run('rclone', ['obscure', who.password])).stdout.trim();
  const env = {
    ...process.env,
    RCLONE_CONFIG: path.join(scratch.dir, 'rclone.conf'),
    RCLONE_WEBDAV_URL: `${world.server.url}/dav/`,
    RCLONE_WEBDAV_VENDOR: 'other',
    RCLONE_WEBDAV_USER: who.username,
    RCLONE_WEBDAV_PASS: obscured,
  };
  try {
    const r = await run('rclone', ['--retries', '1', '--low-level-retries', '1', ...args], { env, timeout: 60_000 });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = readFileSync(path.join(d, e.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

beforeAll(async () => {
  world = await fileWorld();
  scratch = tempDataDir();
  writeFileSync(path.join(scratch.dir, 'rclone.conf'), '');
  const src = path.join(scratch.dir, 'out', 'Supplier docs');
  mkdirSync(path.join(src, 'Price lists', '2026'), { recursive: true });
  writeFileSync(path.join(src, 'Price lists', '2026', 'spring.csv'), 'sku,price\nTEA,1000\n');
  writeFileSync(path.join(src, 'Price lists', 'café menu.txt'), 'Espresso 2,20 €\n');
  writeFileSync(path.join(src, 'logo.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  writeFileSync(path.join(src, 'contract.pdf'), Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 7)]));
}, 60_000);

afterAll(async () => {
  await world?.close();
  scratch?.remove();
});

describe('WebDAV with rclone', () => {
  it('copies a folder tree in and back out unchanged, and the API sees what WebDAV wrote', async () => {
    const copyIn = await rclone(PEOPLE.manager, ['copy', path.join(scratch.dir, 'out'), ':webdav:Main store']);
    expect(copyIn, copyIn.out).toMatchObject({ ok: true });
    const listing = await rclone(PEOPLE.manager, ['lsf', '-R', ':webdav:Main store/Supplier docs']);
    expect(listing.out.split('\n').filter(Boolean).sort()).toEqual(
      ['Price lists/', 'Price lists/2026/', 'Price lists/2026/spring.csv', 'Price lists/café menu.txt', 'contract.pdf', 'logo.png'].sort(),
    );
    const back = path.join(scratch.dir, 'back');
    const copyOut = await rclone(PEOPLE.cashier, ['copy', ':webdav:Main store/Supplier docs', back]);
    expect(copyOut, copyOut.out).toMatchObject({ ok: true });
    expect(tree(back)).toEqual(tree(path.join(scratch.dir, 'out', 'Supplier docs')));

    const found = await (await world.clients.owner.get('/api/v1/files/search?q=contract')).json();
    expect(found.files).toMatchObject([{ name: 'contract.pdf', mediaType: 'application/pdf', size: 300_009 }]);
    const uploads = await world.server.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'file.upload').execute();
    expect(uploads.length).toBe(4);
    const manon = await world.server.db.selectFrom('users').select('id').where('username', '=', 'manon').executeTakeFirstOrThrow();
    for (const u of uploads) expect(u.actor).toBe(`user:${manon.id}`);
  });

  it('refuses a user without write access, and another store’s manager sees nothing of the store', async () => {
    const src = path.join(scratch.dir, 'cashier-out');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'sneaky.txt'), 'hello');
    const put = await rclone(PEOPLE.cashier, ['copy', src, ':webdav:Main store/Supplier docs']);
    expect(put.ok).toBe(false);
    expect(put.out).toMatch(/403|Forbidden|forbidden/);
    const names = (await rclone(PEOPLE.owner, ['lsf', ':webdav:Main store/Supplier docs'])).out;
    expect(names).not.toContain('sneaky.txt');

    const del = await rclone(PEOPLE.cashier, ['delete', ':webdav:Main store/Supplier docs/logo.png']);
    expect(del.ok).toBe(false);
    expect((await rclone(PEOPLE.owner, ['lsf', ':webdav:Main store/Supplier docs'])).out).toContain('logo.png');

    const other = await rclone(PEOPLE.otherManager, ['lsf', ':webdav:']);
    expect(other.ok).toBe(true);
    expect(other.out).not.toContain('Main store');
    expect((await rclone(PEOPLE.otherManager, ['lsf', ':webdav:Main store/Supplier docs'])).ok).toBe(false);
  });

  it('refuses a wrong password with a Basic challenge, and never takes Basic on the API', async () => {
    const wrong = await rclone({ username: 'manon', password: 'not her password' }, ['lsf', ':webdav:']);
    expect(wrong.ok).toBe(false);
    const res = await fetch(`${world.server.url}/dav/`, { method: 'PROPFIND', headers: { depth: '1' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const basic = `Basic ${Buffer.from(`manon:${PEOPLE.manager.password}`).toString('base64')}`;
    expect((await fetch(`${world.server.url}/api/v1/files/spaces`, { headers: { authorization: basic } })).status).toBe(401);
    const traversal = await fetch(`${world.server.url}/dav/Main%20store/..%2F..%2Fetc%2Fpasswd`, {
      method: 'PUT',
      headers: { authorization: basic },
      body: 'x',
    });
    expect(traversal.status).toBe(422);
  });
});
