import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SNIFF_BYTES, sniffMediaType } from './media-type.js';
import { Problem } from './problem.js';

export interface StoredObject {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * File contents on the server's disk, content-addressed: DATA_DIR/files/objects/ab/cd/<sha256>.
 * A write goes to tmp/ first, is fsynced, then renamed into place and the directory fsynced, so a
 * crash leaves either the whole object or nothing under objects/. Paths come only from the hash,
 * never from anything a user typed. Leftover temp files from a crash are removed at open.
 */
export class FileStore {
  readonly root: string;
  readonly #objects: string;
  readonly #tmp: string;

  private constructor(root: string) {
    this.root = root;
    this.#objects = path.join(root, 'objects');
    this.#tmp = path.join(root, 'tmp');
  }

  static async open(root: string): Promise<FileStore> {
    const store = new FileStore(root);
    await mkdir(store.#objects, { recursive: true, mode: 0o700 });
    await rm(store.#tmp, { recursive: true, force: true });
    await mkdir(store.#tmp, { recursive: true, mode: 0o700 });
    return store;
  }

  get tmpDir(): string {
    return this.#tmp;
  }

  objectPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a sha256');
    return path.join(this.#objects, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Stream `body` to disk, hashing and sniffing it on the way; refuses past `maxBytes` (file.too_large). */
  async write(body: Readable | AsyncIterable<Buffer>, maxBytes: number): Promise<StoredObject> {
    const tmp = path.join(this.#tmp, `${randomBytes(16).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new Problem('file.too_large', `files are limited to ${maxBytes} bytes`);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        hash.update(chunk);
        let written = 0;
        while (written < chunk.length) written += (await fh.write(chunk, written)).bytesWritten;
      }
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const sha256 = hash.digest('hex');
    const dest = this.objectPath(sha256);
    const dir = path.dirname(dest);
    if (await exists(dest)) {
      await rm(tmp, { force: true });
    } else {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(tmp, dest);
      await fsyncDir(dir);
    }
    return { sha256, size, mediaType: sniffMediaType(head) };
  }

  read(sha256: string): ReadStream {
    return createReadStream(this.objectPath(sha256));
  }

  /** Temp files of uploads in flight (or left by a crash before the next start). */
  async pending(): Promise<string[]> {
    return readdir(this.#tmp);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** A random, unguessable id for a file or folder: 128 bits, base64url (22 characters). */
export function newFileId(): string {
  return randomBytes(16).toString('base64url');
}
