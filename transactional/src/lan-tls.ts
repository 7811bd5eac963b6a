import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { type LanNames, lanNames } from './lan-names.js';
import { ensureServerCertificate, tlsDir } from './local-certificate-authority.js';

/** What the trust page shows and serves: the CA certificate (never a key) and fingerprints. */
export interface TrustInfo {
  /** 'local-ca': Keel's own CA signs the server certificate; 'provided': the store's certificate. */
  readonly source: 'local-ca' | 'provided';
  /** PEM of Keel's local CA certificate; null with a provided certificate. */
  readonly caCert: string | null;
  /** SHA-256 fingerprint of what a device should trust (the CA, or the provided certificate). */
  readonly fingerprint: string;
  readonly names: readonly string[];
  readonly validTo: string;
  /** The HTTPS port tills use; null until listening. */
  readonly httpsPort: number | null;
}

export interface LanTlsOptions {
  readonly dataDir: string;
  readonly storeName: string;
  readonly extraNames: readonly string[];
  /** A store-provided certificate and key (TLS_CERT_FILE and TLS_KEY_FILE). */
  readonly provided?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Where the host's names come from (tests give fixed ones). */
  readonly names?: () => LanNames;
}

/**
 * HTTPS for the store LAN: a certificate (Keel's local CA's or the store's), and an HTTPS listener
 * that hands every request to the same Fastify app as the HTTP one. `refresh()` re-checks the host's
 * names and the certificate's expiry and swaps a new certificate in without a restart.
 */
export class LanTls {
  #material: { cert: string; key: string };
  #trust: TrustInfo;
  #server: https.Server | undefined;
  readonly #options: LanTlsOptions;

  private constructor(options: LanTlsOptions, material: { cert: string; key: string }, trust: TrustInfo) {
    this.#options = options;
    this.#material = material;
    this.#trust = trust;
  }

  static async open(options: LanTlsOptions): Promise<LanTls> {
    const { material, trust } = options.provided ? LanTls.#provided(options.provided, null) : await LanTls.#local(options, null);
    return new LanTls(options, material, trust);
  }

  static #provided(files: { certFile: string; keyFile: string }, httpsPort: number | null): { material: { cert: string; key: string }; trust: TrustInfo } {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(files.certFile, 'utf8');
      key = readFileSync(files.keyFile, 'utf8');
      tls.createSecureContext({ cert, key }); // a key that does not match the certificate fails here
    } catch (e) {
      throw new Error(`TLS_CERT_FILE/TLS_KEY_FILE cannot be used: ${(e as Error).message}`);
    }
    const x = new X509Certificate(cert);
    const names = (x.subjectAltName ?? '').split(', ').filter(Boolean);
    return { material: { cert, key }, trust: { source: 'provided', caCert: null, fingerprint: x.fingerprint256, names, validTo: x.validTo, httpsPort } };
  }

  static async #local(
    options: LanTlsOptions,
    httpsPort: number | null,
  ): Promise<{ material: { cert: string; key: string }; trust: TrustInfo; issued: boolean }> {
    const names = (options.names ?? (() => lanNames(options.extraNames)))();
    const c = await ensureServerCertificate(tlsDir(options.dataDir), names, options.storeName);
    return {
      material: { cert: c.cert, key: c.key },
      trust: { source: 'local-ca', caCert: c.caCert, fingerprint: c.caFingerprint, names: c.names, validTo: c.validTo, httpsPort },
      issued: c.issued,
    };
  }

  get trust(): TrustInfo {
    return this.#trust;
  }

  /**
   * Issue a new server certificate when the host's addresses changed or it nears its end (or reload the
   * store's certificate when its files changed); true when the served certificate changed.
   */
  async refresh(): Promise<boolean> {
    if (this.#options.provided) {
      // The store renewed its certificate (certbot, its own CA): serve the new one without a restart.
      const { material, trust } = LanTls.#provided(this.#options.provided, this.#trust.httpsPort);
      if (material.cert === this.#material.cert && material.key === this.#material.key) return false;
      this.#material = material;
      this.#trust = trust;
      this.#server?.setSecureContext(material);
      return true;
    }
    const { material, trust, issued } = await LanTls.#local(this.#options, this.#trust.httpsPort);
    this.#material = material;
    this.#trust = trust;
    if (issued) this.#server?.setSecureContext(material);
    return issued;
  }

  /** Serve `app` over HTTPS too (call after the app is ready); returns the https URL. */
  async listen(app: FastifyInstance, host: string, port: number): Promise<string> {
    const server = https.createServer({ ...this.#material, minVersion: 'TLSv1.2' }, (req, res) => app.routing(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const bound = (server.address() as AddressInfo).port;
    this.#trust = { ...this.#trust, httpsPort: bound };
    const shown = host.includes(':') ? `[${host}]` : host;
    return `https://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${bound}`;
  }

  /** Stop taking connections; the idle ones close now, the rest once `closeAll` is called. */
  stopAccepting(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    return closed;
  }

  closeAll(): void {
    this.#server?.closeAllConnections();
  }
}
