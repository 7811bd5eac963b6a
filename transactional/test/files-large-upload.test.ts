import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../src/file-store.js';
import { type FileWorld, fileWorld } from './support/file-people.js';
import type { SessionClient } from './support/session-client.js';

/**
 * Large uploads stream from the socket to disk: a 1 GiB file (generated on the fly, never a file in
 * the repo) goes in and out while the process's memory stays within a small bound, and an upload cut
 * off half-way leaves nothing anyone can see.
 */
const GIB = 1024 ** 3;
const CHUNK = 1024 * 1024;
let world: FileWorld;

/** `total` bytes of varying content, produced chunk by chunk as the reader pulls, with their sha256. */
function generated(total: number, failAt?: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) block[i] = (i * 31 + 7) & 0xff;
  let sent = 0;
  return {
    sha256: () => hash.digest('hex'),
    stream: new Readable({
      read() {
        if (failAt !== undefined && sent >= failAt) {
          this.destroy(new Error('the till lost its connection'));
          return;
        }
        if (sent >= total) {
          this.push(null);
          return;
        }
        const n = Math.min(CHUNK, total - sent);
        const chunk = Buffer.from(block.subarray(0, n));
        chunk.writeUInt32BE(sent / CHUNK, 0);
        hash.update(chunk);
        sent += n;
        this.push(chunk);
      },
    }),
  };
}

/** POST a stream with node:http, which honours backpressure (fetch's streamed bodies are buffered by the client). */
function upload(
  client: SessionClient,
  folderId: string,
  name: string,
  body: Readable,
): Promise<{ status: number; json: () => Promise<{ id: string; size: number; sha256: string }> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${client.base}/api/v1/files/folders/${folderId}/files?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', cookie: client.cookie ?? '', 'x-csrf-token': client.csrf ?? '' },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(Buffer.concat(parts).toString()) }));
    });
    req.on('error', reject);
    body.on('error', (e) => req.destroy(e));
    body.pipe(req);
  });
}

function objects(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [e.name]));
  return walk(path.join(world.dataDir, 'files', 'objects'));
}

beforeAll(async () => {
  world = await fileWorld({ diskMinFreeBytes: 0 });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe('large uploads', () => {
  it('streams a 1 GiB upload and its download without the server’s memory growing past 96 MiB', async () => {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const body = generated(GIB);
      const res = await upload(world.clients.manager, world.storeSpaceId, 'cctv-export.bin', body.stream);
      const file = await res.json();
      expect(res.status).toBe(201);
      expect(file.size).toBe(GIB);
      expect(file.sha256).toBe(body.sha256());

      const down = await world.clients.manager.get(`/api/v1/files/${file.id}/content`);
      expect(down.headers.get('content-length')).toBe(String(GIB));
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
      }
      expect({ size, sha256: hash.digest('hex') }).toEqual({ size: GIB, sha256: file.sha256 });
    } finally {
      clearInterval(sampler);
    }
    expect((peak - baseline) / 1024 / 1024).toBeLessThan(96);
  }, 300_000);

  it('an upload cut off half-way leaves no file, no object and no temp file', async () => {
    const before = objects();
    const body = generated(64 * CHUNK, 32 * CHUNK);
    await expect(upload(world.clients.manager, world.storeSpaceId, 'half.bin', body.stream)).rejects.toThrow(/lost its connection/);
    const store = world.server.files.db;
    await vi.waitFor(async () => expect(await readdirSync(path.join(world.dataDir, 'files', 'tmp'))).toEqual([]), { timeout: 10_000 });
    const rows = await store.selectFrom('files').select('name').where('name', '=', 'half.bin').execute();
    expect(rows).toEqual([]);
    const listing = await (await world.clients.manager.get(`/api/v1/files/folders/${world.storeSpaceId}`)).json();
    expect(listing.files.map((f: { name: string }) => f.name)).not.toContain('half.bin');
    expect(objects()).toEqual(before);
  });

  it('a crash mid-write leaves only a temp file, which the next start removes', async () => {
    // What a killed server leaves behind: a .part file in tmp/, never anything under objects/.
    const tmp = path.join(world.dataDir, 'files', 'tmp', 'deadbeef.part');
    writeFileSync(tmp, Buffer.alloc(4096, 1));
    const reopened = await FileStore.open(path.join(world.dataDir, 'files'));
    expect(await reopened.pending()).toEqual([]);
  });
});
