import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Passwords and PINs are stored as scrypt hashes at OWASP's recommended cost (N=2^17, r=8, p=1:
 * 128 MiB and a few hundred milliseconds per guess), with a 16-byte random salt. The stored text
 * names its parameters, so the cost can be raised later and old hashes still verify.
 */
export const SCRYPT_PARAMS = { logN: 17, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

function scryptAsync(secret: string, salt: Buffer, logN: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const N = 2 ** logN;
  // maxmem must exceed 128 * N * r bytes.
  const maxmem = 256 * N * r;
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$<logN>$<r>$<p>$<salt base64url>$<hash base64url>` */
export async function hashSecret(secret: string): Promise<string> {
  const { logN, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await scryptAsync(secret, salt, logN, r, p, keyLength);
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function parseHash(stored: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return undefined;
  return {
    logN: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
    salt: Buffer.from(m[4] as string, 'base64url'),
    key: Buffer.from(m[5] as string, 'base64url'),
  };
}

let dummy: Promise<string> | undefined;

/**
 * Check a secret against a stored hash in constant time. With no stored hash (unknown user, no PIN
 * set) it still spends the same work, so timing does not tell which usernames exist.
 */
export async function verifySecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  dummy ??= hashSecret('keel-dummy-secret');
  const parsed = parseHash(stored ?? (await dummy));
  if (!parsed || parsed.logN > 20 || parsed.r > 32 || parsed.p > 16) return false;
  const key = await scryptAsync(secret, parsed.salt, parsed.logN, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key) && stored !== null && stored !== undefined;
}
