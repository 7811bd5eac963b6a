import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Encrypted backup parts: "KEELENC1", a 12-byte IV, AES-256-GCM ciphertext, the 16-byte tag. */
const MAGIC = Buffer.from('KEELENC1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class BackupKeyError extends Error {}

/** Parse a backup key: 64 hex digits or base64 of 32 bytes. */
export function parseBackupKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new BackupKeyError('the backup key must be 32 bytes: 64 hex digits or base64');
  return key;
}

/** Copy `from` to `to` (mode 0600), encrypting when a key is given; returns sha256 and size of what was written. */
export async function writePart(from: string, to: string, key: Buffer | undefined): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  async function* encrypted(k: Buffer) {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    yield Buffer.concat([MAGIC, iv]);
    for await (const chunk of createReadStream(from)) yield cipher.update(chunk as Buffer);
    yield cipher.final();
    yield cipher.getAuthTag();
  }
  await pipeline(key ? encrypted(key) : createReadStream(from), tap, createWriteStream(to, { mode: 0o600 }));
  return { sha256: hash.digest('hex'), bytes };
}

/** sha256 of a file's bytes. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Whether a stored part is encrypted (starts with the magic). */
export async function isEncryptedPart(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && buf.equals(MAGIC);
  } finally {
    await fh.close();
  }
}

/** Copy a stored part back to plain bytes at `to` (decrypting when it is encrypted). */
export async function readPart(from: string, to: string, key: Buffer | undefined): Promise<void> {
  if (!(await isEncryptedPart(from))) {
    await pipeline(createReadStream(from), createWriteStream(to, { mode: 0o600 }));
    return;
  }
  if (!key) throw new BackupKeyError('this backup is encrypted: give its key (BACKUP_KEY or --key)');
  const size = (await stat(from)).size;
  const fh = await open(from, 'r');
  const iv = Buffer.alloc(IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await fh.read(iv, 0, IV_BYTES, MAGIC.length);
    await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await fh.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    await pipeline(createReadStream(from, { start: MAGIC.length + IV_BYTES, end: size - TAG_BYTES - 1 }), decipher, createWriteStream(to, { mode: 0o600 }));
  } catch {
    throw new BackupKeyError(`${to.split('/').pop()}: cannot decrypt: wrong key or damaged part`);
  }
}
