import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFileObjects } from '../src/file-backup.js';
import { type FileWorld, fileWorld, type Person, upload } from './support/file-people.js';
import type { SessionClient } from './support/session-client.js';

/**
 * Built-in file sharing over the REST API, on the real server (PostgreSQL, disk): who may do what in a
 * store's space, names that try to climb out, HTML that must never render, trash and versions.
 */
let world: FileWorld;
let space: string;
let invoices: string;
let archive: string;

async function json(res: Response) {
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}
async function folder(c: SessionClient, id: string) {
  const res = await c.get(`/api/v1/files/folders/${id}`);
  expect(res.status).toBe(200);
  return json(res);
}
async function make(name: string, text: string, versions = 1): Promise<string> {
  let id = '';
  for (let v = 1; v <= versions; v++) {
    const res = await upload(world.clients.owner, invoices, name, `${text} v${v}`);
    expect(res.status).toBe(v === 1 ? 201 : 200);
    id = (await json(res)).id;
  }
  return id;
}
async function auditCount(action: string, subject?: string): Promise<number> {
  let q = world.server.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action', '=', action);
  if (subject) q = q.where('subject', '=', subject);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

beforeAll(async () => {
  world = await fileWorld();
  space = world.storeSpaceId;
  const o = world.clients.owner;
  const inv = await o.post('/api/v1/files/folders', { parentId: space, name: 'Invoices' });
  expect(inv.status).toBe(201);
  invoices = (await json(inv)).id;
  archive = (await json(await o.post('/api/v1/files/folders', { parentId: space, name: 'Archive' }))).id;
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe('spaces', () => {
  it("shows each person the spaces of their stores and the chain's, never another store's", async () => {
    const names = async (who: Person) =>
      ((await json(await world.clients[who].get('/api/v1/files/spaces'))).spaces as Array<{ name: string }>).map((s) => s.name).sort();
    expect(await names('owner')).toEqual(['Chain', 'Harbour store', 'Main store']);
    expect(await names('manager')).toEqual(['Chain', 'Main store']);
    expect(await names('cashier')).toEqual(['Chain', 'Main store']);
    expect(await names('otherManager')).toEqual(['Chain', 'Harbour store']);
  });
});

/** Every operation, for each person, on store 1's space: allowed (2xx) or refused with the code, and nothing changed when refused. */
type Op = { name: string; run: (c: SessionClient, who: Person) => Promise<Response>; check?: (who: Person, allowed: boolean) => Promise<void> };
const ops: Op[] = [
  { name: 'list a folder', run: (c) => c.get(`/api/v1/files/folders/${invoices}`) },
  {
    name: 'download a file',
    run: async (c, who) => c.get(`/api/v1/files/${await make(`dl-${who}.txt`, 'download me')}/content`),
  },
  { name: 'list versions', run: async (c, who) => c.get(`/api/v1/files/${await make(`ver-${who}.txt`, 'versions')}/versions`) },
  { name: 'search', run: (c) => c.get('/api/v1/files/search?q=dl-') },
  {
    name: 'upload',
    run: (c, who) => upload(c, invoices, `up-${who}.txt`, 'new invoice'),
    check: async (who, allowed) => {
      const names = (await folder(world.clients.owner, invoices)).files.map((f: { name: string }) => f.name);
      expect(names.includes(`up-${who}.txt`)).toBe(allowed);
    },
  },
  { name: 'create a folder', run: (c, who) => c.post('/api/v1/files/folders', { parentId: invoices, name: `sub-${who}` }) },
  {
    name: 'rename a file',
    run: async (c, who) => c.patch(`/api/v1/files/${await make(`ren-${who}.txt`, 'rename me')}`, { name: `renamed-${who}.txt` }),
    check: async (who, allowed) => {
      const names = (await folder(world.clients.owner, invoices)).files.map((f: { name: string }) => f.name);
      expect(names.includes(`renamed-${who}.txt`)).toBe(allowed);
      expect(names.includes(`ren-${who}.txt`)).toBe(!allowed);
    },
  },
  { name: 'move a file', run: async (c, who) => c.patch(`/api/v1/files/${await make(`mv-${who}.txt`, 'move me')}`, { folderId: archive }) },
  {
    name: 'delete a file to the trash',
    run: async (c, who) => c.request('DELETE', `/api/v1/files/${await make(`del-${who}.txt`, 'delete me')}`),
    check: async (who, allowed) => {
      const names = (await folder(world.clients.owner, invoices)).files.map((f: { name: string }) => f.name);
      expect(names.includes(`del-${who}.txt`)).toBe(!allowed);
    },
  },
  {
    name: 'restore from the trash',
    run: async (c, who) => {
      const id = await make(`tr-${who}.txt`, 'trash me');
      expect((await world.clients.owner.request('DELETE', `/api/v1/files/${id}`)).status).toBe(204);
      return c.post(`/api/v1/files/${id}/restore`, {});
    },
  },
  { name: 'restore a version', run: async (c, who) => c.post(`/api/v1/files/${await make(`rv-${who}.txt`, 'version', 2)}/versions/1/restore`, {}) },
  { name: 'read grants', run: (c) => c.get(`/api/v1/files/folders/${invoices}/grants`) },
  {
    name: 'set grants',
    run: async (c, who) => {
      const sub = (await json(await world.clients.owner.post('/api/v1/files/folders', { parentId: invoices, name: `grants-${who}` }))).id;
      return c.request('PUT', `/api/v1/files/folders/${sub}/grants`, { grants: [{ role: 'cashier', level: 'write' }] });
    },
  },
];
const READS = new Set(['list a folder', 'download a file', 'list versions', 'search']);
const expected: Record<Person, (op: string) => 'ok' | 'file.forbidden' | 'file.not_found'> = {
  owner: () => 'ok',
  manager: () => 'ok',
  cashier: (op) => (READS.has(op) ? 'ok' : 'file.forbidden'),
  otherManager: (op) => (op === 'search' ? 'ok' : 'file.not_found'),
};

describe('permission matrix: owner, manager, cashier, and another store’s manager, for every operation', () => {
  const cases = (['owner', 'manager', 'cashier', 'otherManager'] as const).flatMap((who) => ops.map((op) => [who, op.name, op] as const));
  it.each(cases)('%s: %s', async (who, opName, op) => {
    const before = await auditCount('file.upload');
    const res = await op.run(world.clients[who], who);
    const want = expected[who](opName);
    const body = res.headers.get('content-type')?.includes('json') ? await json(res) : await res.text();
    if (want === 'ok') {
      expect({ status: res.status, body }).toMatchObject({ status: expect.toSatisfy((s: number) => s >= 200 && s < 300) });
      if (opName === 'search') {
        const names = (body.files as Array<{ name: string }>).map((f) => f.name);
        // Another store's manager finds nothing of store 1's files.
        if (who === 'otherManager') expect(names.filter((n) => n.startsWith('dl-'))).toEqual([]);
        else expect(names.some((n) => n.startsWith('dl-'))).toBe(true);
      }
    } else {
      expect({ status: res.status, code: body?.code }).toEqual({ status: want === 'file.forbidden' ? 403 : 404, code: want });
      // A refusal writes nothing (the only uploads are the owner's setup ones).
      expect(await auditCount('file.upload')).toBeGreaterThanOrEqual(before);
    }
    await op.check?.(who, want === 'ok');
  });

  it('inherits grants down the tree; a subfolder can narrow them, and a grant to one user widens them for that user', async () => {
    const o = world.clients.owner;
    const payroll = (await json(await o.post('/api/v1/files/folders', { parentId: space, name: 'Payroll' }))).id;
    const deep = (await json(await o.post('/api/v1/files/folders', { parentId: payroll, name: '2026' }))).id;
    expect((await world.clients.manager.get(`/api/v1/files/folders/${deep}`)).status).toBe(200); // inherited manage
    expect((await o.request('PUT', `/api/v1/files/folders/${payroll}/grants`, { grants: [{ role: 'manager', level: 'none' }] })).status).toBe(204);
    expect((await world.clients.manager.get(`/api/v1/files/folders/${deep}`)).status).toBe(404);
    const rosters = (await json(await o.post('/api/v1/files/folders', { parentId: space, name: 'Rosters' }))).id;
    expect((await upload(world.clients.cashier, rosters, 'swap.txt', 'x')).status).toBe(403);
    const carl = await world.server.db.selectFrom('users').select('id').where('username', '=', 'carl').executeTakeFirstOrThrow();
    expect((await o.request('PUT', `/api/v1/files/folders/${rosters}/grants`, { grants: [{ userId: carl.id, level: 'write' }] })).status).toBe(204);
    expect((await upload(world.clients.cashier, rosters, 'swap.txt', 'x')).status).toBe(201);
    expect(await auditCount('folder.grants', rosters)).toBe(1);
  });

  it('audits every download and every change', async () => {
    const id = await make('audited.txt', 'audit me');
    expect((await world.clients.cashier.get(`/api/v1/files/${id}/content`)).status).toBe(200);
    expect((await world.clients.manager.patch(`/api/v1/files/${id}`, { name: 'audited-2.txt' })).status).toBe(200);
    expect(await auditCount('file.upload', id)).toBe(1);
    expect(await auditCount('file.download', id)).toBe(1);
    expect(await auditCount('file.rename', id)).toBe(1);
    const rows = await world.server.db.selectFrom('audit_log').select(['actor', 'action']).where('subject', '=', id).orderBy('id').execute();
    expect(rows.map((r) => r.action)).toEqual(['file.upload', 'file.download', 'file.rename']);
    expect(rows[1]?.actor).toMatch(/^user:\d+$/);
  });
});

describe('names that try to climb out of the tree', () => {
  const BAD = [
    '../../etc/passwd',
    '..',
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    'a\u0000b.txt',
    'x'.repeat(256),
    'é'.repeat(200), // 400 bytes in UTF-8
    '\uff0e\uff0e\uff0fsecret.txt', // fullwidth "../"
    '\u2024\u2024\u2215secret.txt', // one-dot leaders and a division slash
    'invoice\u202Etxt.exe', // right-to-left override hides the real extension
    'CON',
    'line\nbreak.txt',
    '   ',
  ];
  it.each(BAD.map((n) => [JSON.stringify(n).slice(0, 40), n]))('refuses %s as a file or folder name, and stores nothing', async (_label, name) => {
    const o = world.clients.owner;
    const files = (await folder(o, invoices)).files.length;
    const up = await upload(o, invoices, name, 'root:x:0:0');
    expect({ status: up.status, code: (await json(up)).code }).toEqual({ status: 422, code: 'file.name_invalid' });
    const mk = await o.post('/api/v1/files/folders', { parentId: invoices, name });
    expect({ status: mk.status, code: (await json(mk)).code }).toEqual({ status: 422, code: 'file.name_invalid' });
    expect((await folder(o, invoices)).files.length).toBe(files);
  });

  it('keeps contents under DATA_DIR/files by hash only: no user-chosen name ever reaches the disk', async () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [e.name]));
    const names = walk(path.join(world.dataDir, 'files'));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives files and folders random, unguessable ids', async () => {
    const ids = (await folder(world.clients.owner, invoices)).files.map((f: { id: string }) => f.id);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('dangerous content', () => {
  it('serves an HTML file with a script only as a download (attachment, nosniff, never text/html), even when asked inline and named .txt', async () => {
    const html = '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>';
    for (const name of ['menu.html', 'notes.txt']) {
      const up = await upload(world.clients.owner, invoices, name, html);
      expect(up.status).toBe(201);
      const file = await json(up);
      expect(file.mediaType).toBe('text/html'); // sniffed from the bytes, not the name
      for (const q of ['', '?inline=true']) {
        const res = await world.clients.cashier.get(`/api/v1/files/${file.id}/content${q}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-type')).not.toMatch(/html/);
        expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
        expect(await res.text()).toBe(html);
      }
    }
  });

  it('previews an image inline only when its bytes are an image', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const file = await json(await upload(world.clients.owner, invoices, 'logo.png', png));
    expect(file.mediaType).toBe('image/png');
    const res = await world.clients.cashier.get(`/api/v1/files/${file.id}/content?inline=true`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
    const svg = await json(await upload(world.clients.owner, invoices, 'fake.png', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'));
    expect(svg.mediaType).toBe('image/svg+xml');
    const res2 = await world.clients.cashier.get(`/api/v1/files/${svg.id}/content?inline=true`);
    expect(res2.headers.get('content-disposition')).toMatch(/^attachment;/);
  });
});

describe('trash and versions', () => {
  it('deletes to the trash and restores from it', async () => {
    const m = world.clients.manager;
    const id = await make('price-list.csv', 'sku,price');
    expect((await m.request('DELETE', `/api/v1/files/${id}`)).status).toBe(204);
    expect((await folder(m, invoices)).files.some((f: { id: string }) => f.id === id)).toBe(false);
    expect((await m.get(`/api/v1/files/${id}/content`)).status).toBe(404);
    const trash = await json(await m.get('/api/v1/files/trash'));
    expect(trash.files.map((f: { id: string }) => f.id)).toContain(id);
    expect((await json(await world.clients.cashier.get('/api/v1/files/trash'))).files).toEqual([]); // read-only: nothing to restore
    expect((await m.post(`/api/v1/files/${id}/restore`, {})).status).toBe(200);
    expect(await (await m.get(`/api/v1/files/${id}/content`)).text()).toBe('sku,price v1');
    const sub = (await json(await m.post('/api/v1/files/folders', { parentId: invoices, name: 'Old' }))).id;
    expect((await m.request('DELETE', `/api/v1/files/folders/${sub}`)).status).toBe(204);
    expect((await m.get(`/api/v1/files/folders/${sub}`)).status).toBe(404);
    expect((await m.post(`/api/v1/files/folders/${sub}/restore`, {})).status).toBe(204);
    expect((await m.get(`/api/v1/files/folders/${sub}`)).status).toBe(200);
  });

  it('keeps every version and restores an old one as the newest', async () => {
    const m = world.clients.manager;
    const id = await make('roster.txt', 'week', 3);
    const versions = (await json(await m.get(`/api/v1/files/${id}/versions`))).versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(await (await m.get(`/api/v1/files/${id}/content?version=1`)).text()).toBe('week v1');
    const restored = await json(await m.post(`/api/v1/files/${id}/versions/1/restore`, {}));
    expect(restored.version).toBe(4);
    expect(await (await m.get(`/api/v1/files/${id}/content`)).text()).toBe('week v1');
    expect(await (await m.get(`/api/v1/files/${id}/content?version=3`)).text()).toBe('week v3');
  });

  it("counts every version against its space's quota, and moves the count with a file moved to another space", async () => {
    const o = world.clients.owner;
    const spaces = (await json(await o.get('/api/v1/files/spaces'))).spaces as Array<{ id: string; storeId: number | null }>;
    const chain = spaces.find((s) => s.storeId === null)?.id as string;
    const used = async (id: string) => (await json(await o.get(`/api/v1/files/spaces/${id}/usage`))).used as number;
    const [store0, chain0] = [await used(space), await used(chain)];
    const id = (await json(await upload(o, invoices, 'ledger.txt', '12345'))).id;
    await upload(o, invoices, 'ledger.txt', '1234567890');
    expect(await used(space)).toBe(store0 + 15);
    expect((await o.patch(`/api/v1/files/${id}`, { folderId: chain })).status).toBe(200);
    expect([await used(space), await used(chain)]).toEqual([store0, chain0 + 15]);
  });

  it("refuses an upload past the space's quota and stores nothing", async () => {
    await world.server.db.updateTable('file_folders').set({ quota_bytes: 1 }).where('id', '=', space).execute();
    try {
      const res = await upload(world.clients.owner, invoices, 'big.bin', 'more than a byte');
      expect({ status: res.status, code: (await json(res)).code }).toEqual({ status: 507, code: 'file.quota_exceeded' });
      expect((await folder(world.clients.owner, invoices)).files.some((f: { name: string }) => f.name === 'big.bin')).toBe(false);
    } finally {
      await world.server.db
        .updateTable('file_folders')
        .set({ quota_bytes: 50 * 1024 ** 3 })
        .where('id', '=', space)
        .execute();
    }
  });
});

describe('product images and supplier documents', () => {
  it('attaches files from the file area to a product; each person sees only the attachments they may read', async () => {
    const o = world.clients.owner;
    const product = await o.post('/api/v1/products', { sku: 'TEA-GREEN', name: 'Green tea', price: 1000, cost: 400, taxClass: 'standard' });
    expect(product.status).toBe(201);
    const productId = (await json(product)).id;
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const image = (await json(await upload(o, invoices, 'green-tea.png', png))).id;
    const spec = (await json(await upload(o, invoices, 'green-tea-spec.pdf', '%PDF-1.4 supplier spec'))).id;
    const m = world.clients.manager;
    expect((await m.request('PUT', `/api/v1/products/${productId}/files/${image}`, { kind: 'image' })).status).toBe(204);
    expect((await m.request('PUT', `/api/v1/products/${productId}/files/${spec}`, { kind: 'document' })).status).toBe(204);
    const wrong = await m.request('PUT', `/api/v1/products/${productId}/files/${spec}`, { kind: 'image' });
    expect({ status: wrong.status, code: (await json(wrong)).code }).toEqual({ status: 400, code: 'request.invalid' });

    const seen = async (who: Person) =>
      ((await json(await world.clients[who].get(`/api/v1/products/${productId}/files`))).files as Array<{ kind: string; file: { name: string } }>).map(
        (a) => `${a.kind}:${a.file.name}`,
      );
    expect(await seen('cashier')).toEqual(['image:green-tea.png', 'document:green-tea-spec.pdf']);
    expect(await seen('otherManager')).toEqual([]); // store 1's folder: not theirs to read
    // A cashier may not attach (catalog.write), another store's manager cannot reach the file.
    expect((await world.clients.cashier.request('PUT', `/api/v1/products/${productId}/files/${image}`, { kind: 'image' })).status).toBe(403);
    expect((await world.clients.otherManager.request('PUT', `/api/v1/products/${productId}/files/${image}`, { kind: 'image' })).status).toBe(404);
    expect((await m.request('DELETE', `/api/v1/products/${productId}/files/${spec}`)).status).toBe(204);
    expect(await seen('manager')).toEqual(['image:green-tea.png']);
    expect(await auditCount('product.file_attach', String(productId))).toBe(2);
  });
});

describe('backups', () => {
  it('copies every stored version into the backup, checked against its hash, and only new objects the next time', async () => {
    const objects = path.join(world.dataDir, 'files', 'objects');
    const dest = path.join(world.dataDir, 'backup-test', 'files', 'objects');
    const first = await backupFileObjects(objects, dest);
    expect(first.copied).toBe(first.objects);
    const versions = await world.server.db.selectFrom('file_versions').select('sha256').distinct().execute();
    for (const { sha256 } of versions) {
      const copy = readFileSync(path.join(dest, sha256.slice(0, 2), sha256.slice(2, 4), sha256));
      expect(createHash('sha256').update(copy).digest('hex')).toBe(sha256);
    }
    await upload(world.clients.owner, invoices, 'after-backup.txt', 'new since the last backup');
    const second = await backupFileObjects(objects, dest);
    expect({ objects: second.objects, copied: second.copied }).toEqual({ objects: first.objects + 1, copied: 1 });
  });
});
