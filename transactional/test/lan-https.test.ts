import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { terminalDist } from '@keel/terminal-ui/dist-path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { lanNames } from '../src/lan-names.js';
import { ensureServerCertificate } from '../src/local-certificate-authority.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * Tills reach Keel over HTTPS on the LAN: Keel makes its own CA on first start, a server certificate
 * for the machine's names and addresses, serves the same app on HTTP and HTTPS, and a page that
 * hands out the CA certificate (never a key). A real TLS client trusting only that CA must connect.
 */
let server: KeelServer;
let dataDir: string;
let dbUrl: string;
const cleanup: Array<() => Promise<void> | void> = [];

const start = (dir = dataDir, overrides = {}) =>
  startKeel(testConfig({ databaseUrl: dbUrl, dataDir: dir }, { httpsPort: 0, tlsExtraNames: ['keel.shop.test'], ...overrides }), {
    dashboardsDist: null,
    terminalDist,
  });

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  peer: tls.PeerCertificate;
}

/** GET over HTTPS trusting exactly `ca` (no system roots). */
function get(url: string, ca: string | undefined, servername?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, servername }, (res) => {
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, peer }));
    });
    req.on('error', reject);
  });
}

/** GET over plain HTTP as a device on the LAN would send it: with its own Host header. */
function getAs(url: string, host: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      })
      .on('error', reject);
  });
}

const machineAddresses = () =>
  Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal && a.family === 'IPv4')
    .map((a) => a.address);

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  dbUrl = db.url;
  dataDir = dir.dir;
  server = await start();
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

describe('HTTPS for tills on the LAN', () => {
  it('answers over HTTPS to a client that trusts only the generated CA, and over plain HTTP on localhost', async () => {
    const ca = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
    expect(server.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await get(`${server.httpsUrl}/health`, ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).ok).toBe(true);
    // By name too (SNI and host name check): localhost and the extra name the store added.
    expect((await get(`${server.httpsUrl?.replace('127.0.0.1', 'localhost')}/health`, ca)).status).toBe(200);
    // Without the CA the same request is refused: the certificate is not trusted by anything else.
    await expect(get(`${server.httpsUrl}/health`, undefined)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    // The HTTP listener serves the same app.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('sends a device that opens the checkout over plain HTTP on the LAN to the trust page', async () => {
    const lan = await getAs(`${server.url}/terminal/`, 'keel.shop.test:8080');
    expect(lan.status).toBe(302);
    expect(lan.location).toBe('/trust');
    expect((await fetch(`${server.url}/terminal/`)).status).toBe(200); // localhost: development as before
    const ca = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const secure = await get(`${server.httpsUrl}/terminal/`, ca);
    expect(secure.status).toBe(200);
    expect(secure.body).toContain('<keel-terminal');
  });

  it("names the machine's host name and every LAN address in the server certificate", async () => {
    const ca = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const { peer } = await get(`${server.httpsUrl}/health`, ca);
    const cert = new X509Certificate(peer.raw);
    expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
    const addresses = machineAddresses();
    expect(addresses.length).toBeGreaterThan(0);
    for (const ip of [...addresses, '127.0.0.1']) {
      expect(cert.subjectAltName).toContain(`IP Address:${ip}`);
      expect(tls.checkServerIdentity(ip, peer)).toBeUndefined(); // what a till's browser checks
    }
    const host = os.hostname().toLowerCase();
    for (const name of [host, 'localhost', 'keel.shop.test']) expect(cert.subjectAltName).toContain(`DNS:${name}`);
    if (!host.includes('.')) expect(cert.subjectAltName).toContain(`DNS:${host}.local`);
    // Valid at most 397 days, for server authentication only, not a CA.
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThanOrEqual(397 * 86_400_000);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('serves the trust page and the CA certificate with its fingerprint, never a key', async () => {
    const caFile = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const caKey = readFileSync(path.join(dataDir, 'tls', 'ca.key'), 'utf8');
    const serverKey = readFileSync(path.join(dataDir, 'tls', 'server.key'), 'utf8');
    expect(statSync(path.join(dataDir, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'tls', 'server.key')).mode & 0o777).toBe(0o600);

    const page = await get(`${server.httpsUrl}/trust`, caFile);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const fingerprint = new X509Certificate(caFile).fingerprint256;
    expect(page.body).toContain(fingerprint);
    for (const heading of ['Windows till', 'Linux till', 'iPhone or iPad', 'Android phone or tablet']) expect(page.body).toContain(heading);
    expect(page.body).toContain(`https://keel.shop.test:${server.tls?.trust.httpsPort}/terminal/`);
    for (const ip of machineAddresses()) expect(page.body).toContain(`https://${ip}:${server.tls?.trust.httpsPort}/terminal/`);

    // The button opens the checkout at the name the device used.
    const asked = await getAs(`${server.url}/trust`, 'keel.shop.test:8080');
    expect(asked.body).toMatch(new RegExp(`href="https://keel\\.shop\\.test:${server.tls?.trust.httpsPort}/terminal/" data-testid="open-terminal"`));

    const plain = await fetch(`${server.url}/trust/keel-ca.crt`); // reachable before the device trusts anything
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(plain.headers.get('content-disposition')).toContain('keel-ca.crt');
    const served = await plain.text();
    expect(served).toBe(caFile);
    expect(createHash('sha256').update(new X509Certificate(served).raw).digest('hex').toUpperCase().match(/../g)?.join(':')).toBe(fingerprint);

    const keyBody = (pem: string) => pem.split('\n')[1] as string;
    for (const url of ['/trust', '/trust/keel-ca.crt', '/trust/ca.key', '/trust/keel-ca.key', '/trust/../tls/ca.key', '/tls/ca.key']) {
      const r = await fetch(`${server.url}${url}`);
      const body = await r.text();
      expect(body).not.toContain('PRIVATE KEY');
      expect(body).not.toContain(keyBody(caKey));
      expect(body).not.toContain(keyBody(serverKey));
      if (url.includes('key')) expect(r.status).toBe(404);
    }
  });

  it('keeps the CA and the server certificate across a restart', async () => {
    const before = { ca: readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8'), cert: readFileSync(path.join(dataDir, 'tls', 'server.crt'), 'utf8') };
    await server.close();
    server = await start();
    expect(readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8')).toBe(before.ca);
    expect(readFileSync(path.join(dataDir, 'tls', 'server.crt'), 'utf8')).toBe(before.cert);
    expect((await get(`${server.httpsUrl}/health`, before.ca)).status).toBe(200);
  });

  it('issues a new server certificate from the same CA when the addresses change or the end nears', async () => {
    const dir = tempDataDir();
    cleanup.push(dir.remove);
    const names = lanNames([], 'till-server', { eth0: [{ address: '10.1.2.3', family: 'IPv4', internal: false } as os.NetworkInterfaceInfo] });
    const first = await ensureServerCertificate(dir.dir, names, 'Shop');
    expect(first).toMatchObject({ caCreated: true, issued: true });
    expect(await ensureServerCertificate(dir.dir, names, 'Shop')).toMatchObject({ caCreated: false, issued: false });
    const moved = lanNames([], 'till-server', { eth0: [{ address: '10.1.2.77', family: 'IPv4', internal: false } as os.NetworkInterfaceInfo] });
    const second = await ensureServerCertificate(dir.dir, moved, 'Shop');
    expect(second).toMatchObject({ caCreated: false, issued: true, caFingerprint: first.caFingerprint });
    expect(new X509Certificate(second.cert).subjectAltName).toContain('IP Address:10.1.2.77');
    expect(new X509Certificate(second.cert).checkIssued(new X509Certificate(first.caCert))).toBe(true);
    const late = await ensureServerCertificate(dir.dir, moved, 'Shop', Date.now() + 370 * 86_400_000);
    expect(late).toMatchObject({ caCreated: false, issued: true, caFingerprint: first.caFingerprint });
  });

  it("serves the store's own certificate when TLS_CERT_FILE and TLS_KEY_FILE are given, and refuses a key that does not match", async () => {
    const other = tempDataDir();
    cleanup.push(other.remove);
    const made = await ensureServerCertificate(path.join(other.dir, 'store-ca'), lanNames(), 'Store PKI');
    const tlsCertFile = path.join(other.dir, 'store-ca', 'server.crt');
    const tlsKeyFile = path.join(other.dir, 'store-ca', 'server.key');
    await server.close(); // chDB: one data directory per process
    const provided = await start(other.dir, { tlsCertFile, tlsKeyFile });
    try {
      const r = await get(`${provided.httpsUrl}/health`, made.caCert);
      expect(r.status).toBe(200);
      expect(new X509Certificate(r.peer.raw).fingerprint256).toBe(new X509Certificate(made.cert).fingerprint256);
      const ca = await fetch(`${provided.url}/trust/keel-ca.crt`);
      expect(ca.status).toBe(404);
      expect((await ca.json()).code).toBe('tls.no_local_ca');
      expect(await (await fetch(`${provided.url}/trust`)).text()).toContain(new X509Certificate(made.cert).fingerprint256);
      // The store renews its certificate: the next check serves the new one, no restart.
      const renewed = await ensureServerCertificate(path.join(other.dir, 'store-ca'), lanNames(['renewed.shop.test']), 'Store PKI');
      expect(await provided.tls?.refresh()).toBe(true);
      const again = await get(`${provided.httpsUrl}/health`, made.caCert);
      expect(new X509Certificate(again.peer.raw).fingerprint256).toBe(new X509Certificate(renewed.cert).fingerprint256);
      expect(await provided.tls?.refresh()).toBe(false);
    } finally {
      await provided.close();
    }
    await expect(start(other.dir, { tlsCertFile, tlsKeyFile: path.join(dataDir, 'tls', 'server.key') })).rejects.toThrow(
      /TLS_CERT_FILE\/TLS_KEY_FILE cannot be used/,
    );
    server = await start();
  });
});
