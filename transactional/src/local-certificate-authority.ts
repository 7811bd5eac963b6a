import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LanNames } from './lan-names.js';

const crypto = webcrypto as unknown as Crypto;

/**
 * @peculiar/x509, loaded on first use (over a second at start otherwise), after the Reflect metadata
 * polyfill it needs (its README says so).
 */
async function x509Lib(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** Apple refuses TLS server certificates valid for more than 825 days; 397 keeps every browser content. */
const SERVER_DAYS = 397;
const CA_YEARS = 10;
/** A server certificate this close to its end is issued anew at the next check. */
const RENEW_BEFORE_DAYS = 30;

export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
  /** The local CA's certificate (PEM), what tills trust; never its key. */
  readonly caCert: string;
  /** SHA-256 fingerprint of the CA certificate, colon-separated hex, to compare on a device. */
  readonly caFingerprint: string;
  readonly names: readonly string[];
  readonly validTo: string;
  /** True when this call issued the server certificate (first start, new address, near expiry). */
  readonly issued: boolean;
  /** True when this call created the CA (first start only). */
  readonly caCreated: boolean;
}

/** Where the local CA and the server certificate live: DATA_DIR/tls. The keys are mode 0600. */
export function tlsDir(dataDir: string): string {
  return path.join(dataDir, 'tls');
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
}

function derOf(pemText: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

/** Write atomically; secrets (keys) readable by the owner only. */
function writeFile(file: string, text: string, secret: boolean): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function sanKey(names: LanNames): string[] {
  return [...names.dns.map((n) => `DNS:${n}`), ...names.ips.map((n) => `IP:${n}`)];
}

async function createCa(dir: string, storeName: string): Promise<void> {
  const x509 = await x509Lib();
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=Keel local CA (${storeName.replace(/[,=+<>#;"\\]/g, ' ')}), O=Keel`,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + CA_YEARS * 365 * DAY),
      signingAlgorithm: SIGN,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  writeFile(path.join(dir, 'ca.key'), pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)), true);
  writeFile(path.join(dir, 'ca.crt'), cert.toString('pem'), false);
}

async function issueServer(dir: string, names: LanNames): Promise<void> {
  const x509 = await x509Lib();
  const caCert = new x509.X509Certificate(readFileSync(path.join(dir, 'ca.crt'), 'utf8'));
  const caKey = await crypto.subtle.importKey('pkcs8', derOf(readFileSync(path.join(dir, 'ca.key'), 'utf8')), EC, false, ['sign']);
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const first = names.dns.find((n) => n !== 'localhost') ?? 'localhost';
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${first}`,
      issuer: caCert.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + SERVER_DAYS * DAY),
      signingAlgorithm: SIGN,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          ...names.dns.map((value) => ({ type: 'dns' as const, value })),
          ...names.ips.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  writeFile(path.join(dir, 'server.key'), pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)), true);
  writeFile(path.join(dir, 'server.crt'), cert.toString('pem'), false);
  writeFile(path.join(dir, 'server.json'), `${JSON.stringify({ names: sanKey(names) })}\n`, false);
}

function needsNewServer(dir: string, names: LanNames, ca: NodeX509, now: number): boolean {
  const certFile = path.join(dir, 'server.crt');
  if (!existsSync(certFile) || !existsSync(path.join(dir, 'server.key')) || !existsSync(path.join(dir, 'server.json'))) return true;
  try {
    const cert = new NodeX509(readFileSync(certFile));
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return true;
    if (Date.parse(cert.validTo) - now < RENEW_BEFORE_DAYS * DAY) return true;
    const made = (JSON.parse(readFileSync(path.join(dir, 'server.json'), 'utf8')) as { names?: string[] }).names ?? [];
    return made.join(',') !== sanKey(names).join(',');
  } catch {
    return true;
  }
}

/**
 * Keel's own certificate authority for the store LAN. The first call creates the CA (10 years) under
 * `dir`; every call makes sure a server certificate signed by it covers `names` and has more than 30
 * days left, issuing a new one (397 days) when not. The CA is kept across restarts and renewals, so
 * a till trusts it once.
 */
export async function ensureServerCertificate(dir: string, names: LanNames, storeName: string, now = Date.now()): Promise<ServerCertificate> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let caCreated = false;
  if (!existsSync(path.join(dir, 'ca.crt')) || !existsSync(path.join(dir, 'ca.key'))) {
    await createCa(dir, storeName);
    caCreated = true;
  }
  const caPem = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  const ca = new NodeX509(caPem);
  const issued = needsNewServer(dir, names, ca, now);
  if (issued) await issueServer(dir, names);
  const cert = readFileSync(path.join(dir, 'server.crt'), 'utf8');
  return {
    cert,
    key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
    caCert: caPem,
    caFingerprint: ca.fingerprint256,
    names: sanKey(names),
    validTo: new NodeX509(cert).validTo,
    issued,
    caCreated,
  };
}
