import type { FastifyPluginAsync } from 'fastify';
import type { TrustInfo } from './lan-tls.js';
import { Problem } from './problem.js';
import { renderTrustPage } from './trust-page.js';

export interface TrustDeps {
  /** The current certificate facts; null when HTTPS is off. */
  readonly trust: () => TrustInfo | null;
  readonly storeName: string;
}

/**
 * Public, over HTTP and HTTPS: the page explaining how to trust Keel's local CA on a device, and
 * the CA certificate itself (PEM). Only the certificate is ever read here, never a key file.
 */
export const trustRoutes: FastifyPluginAsync<{ deps: TrustDeps }> = async (app, { deps }) => {
  app.get('/trust', { config: { permission: 'public' } }, async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache');
    return renderTrustPage(deps.trust(), deps.storeName, request.hostname.replace(/^\[|\]$/g, ''));
  });

  app.get('/trust/keel-ca.crt', { config: { permission: 'public' } }, async (_request, reply) => {
    const caCert = deps.trust()?.caCert;
    if (!caCert) throw new Problem('tls.no_local_ca');
    reply.type('application/x-x509-ca-cert').header('content-disposition', 'attachment; filename="keel-ca.crt"').header('cache-control', 'no-cache');
    return caCert;
  });
};
