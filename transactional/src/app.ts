import { randomUUID } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WarehouseError } from '@keel/warehouse';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type AnalyticsDeps, analyticsRoutes } from './analytics-routes.js';
import { auditRoutes } from './audit-routes.js';
import { type AuthDeps, authRoutes } from './auth-routes.js';
import { findCardNumber } from './card-number.js';
import { type CashSessionDeps, cashSessionRoutes } from './cash-session-routes.js';
import { catalogFacetRoutes } from './catalog-facet-routes.js';
import { catalogFileRoutes } from './catalog-file-routes.js';
import { type CatalogDeps, catalogRoutes } from './catalog-routes.js';
import { customerRoutes } from './customer-routes.js';
import { type DashboardDeps, dashboardRoutes } from './dashboard-routes.js';
import { fileRoutes } from './file-routes.js';
import type { FileService } from './file-service.js';
import { type KeelMetrics, registerMetrics } from './metrics.js';
import { Problem } from './problem.js';
import { productFileRoutes } from './product-file-routes.js';
import { type ReceiptDeps, receiptRoutes } from './receipt-routes.js';
import { type Authenticate, enforceRoutePermissions, publicRoutes } from './route-permissions.js';
import { saleFlagRoutes } from './sale-flag-routes.js';
import { saleRoutes } from './sale-routes.js';
import type { SaleServiceDeps } from './sale-service.js';
import { secureContext } from './sessions.js';
import { stockRoutes } from './stock-routes.js';
import { type TerminalDeps, terminalRoutes } from './terminal-routes.js';
import { type TillDeps, tillRoutes } from './till-routes.js';
import { type TrustDeps, trustRoutes } from './trust-routes.js';
import { type UserDeps, userRoutes } from './user-routes.js';
import { webdavRoutes } from './webdav-routes.js';

export interface AppDeps {
  readonly sales: SaleServiceDeps;
  readonly catalog: CatalogDeps;
  readonly dashboards: DashboardDeps;
  readonly analytics: AnalyticsDeps;
  readonly authenticate: Authenticate;
  readonly auth: AuthDeps;
  readonly users: UserDeps;
  readonly tills: TillDeps;
  /** Built-in file sharing (REST and WebDAV); absent, neither is served. */
  readonly files?: FileService;
  readonly health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  readonly cashSessions: CashSessionDeps;
  readonly terminal: TerminalDeps;
  readonly dashboardsDist: string | undefined;
  /** The built checkout terminal (terminal-ui's `vite build`), served at /terminal/. */
  readonly terminalDist: string | undefined;
  readonly bodyLimit: number;
  readonly logger: FastifyServerOptions['logger'];
  /** Receipt copies: PDF and e-mail. */
  readonly receipts?: ReceiptDeps;
  /** The /trust page and the local CA certificate (HTTPS for tills). */
  readonly trust?: TrustDeps;
  /** Prometheus metrics; when given, requests are timed and GET /metrics is served. */
  readonly metrics?: KeelMetrics;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Errors that mean a backend is down, not that the request was wrong. */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

export function problemFromError(error: FastifyError & { code?: string }): Problem {
  if (error instanceof Problem) return error;
  if (error.validation) {
    const errors = error.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
    return new Problem('request.invalid', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('request.too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem('request.unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Problem('request.malformed');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && !error.code?.startsWith('FST_ERR_VALIDATION'))) return new Problem('request.malformed');
  if (error.code && UNAVAILABLE.has(error.code)) return new Problem('service.unavailable');
  // The warehouse server down (CLICKHOUSE_URL): figures are unavailable for now, not a Keel fault.
  if (error instanceof WarehouseError && error.code === 'WAREHOUSE_UNREACHABLE') return new Problem('service.unavailable', 'the warehouse cannot be reached');
  // PostgreSQL's disk_full (or a write of Keel's own): the transaction rolled back; retry once space is back.
  if (error.code === '53100' || error.code === 'ENOSPC') return new Problem('storage.full');
  if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message)) return new Problem('service.unavailable');
  return new Problem('internal');
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = problemFromError(error);
    if (problem.status >= 500 && problem.status !== 507) {
      // Type, code and message only: never a stack trace, body or header.
      request.log.error({ err: { type: error.name, code: error.code, message: error.message } }, 'request failed');
    } else {
      request.log.info({ problem: problem.code }, 'request refused');
    }
    if (problem.status === 503) reply.header('retry-after', '2');
    if (problem.status === 429 && typeof problem.extra?.retryAfterSeconds === 'number') reply.header('retry-after', String(problem.extra.retryAfterSeconds));
    reply.code(problem.status).type('application/problem+json').send(problem.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .type('application/problem+json')
      .send(new Problem('route.not_found', `${request.method} ${request.url.split('?')[0]}`).toJSON());
  });
  // Keel never takes a card number, in any field: refused before anything is stored or logged.
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && request.body !== null && typeof request.body === 'object') {
      const at = findCardNumber(request.body);
      if (at) throw new Problem('request.card_number', `${at} holds a card number pattern`);
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // No HSTS: it binds a host name on every port, and the LAN keeps plain HTTP on PORT (localhost, the trust page).
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // A route may set a stricter policy (file downloads: sandbox).
    if (!reply.hasHeader('content-security-policy'))
      reply.header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
  });

  enforceRoutePermissions(app, deps.authenticate);
  if (deps.metrics) registerMetrics(app, deps.metrics);

  app.get('/health', { config: { permission: 'public' } }, async (_request, reply) => {
    const report = await deps.health();
    reply.code(report.ok ? 200 : 503);
    return report;
  });
  await app.register(authRoutes, { deps: deps.auth });
  await app.register(userRoutes, { deps: deps.users });
  await app.register(tillRoutes, { deps: deps.tills });
  await app.register(auditRoutes, { deps: { db: deps.auth.db } });
  await app.register(saleRoutes, { deps: deps.sales });
  await app.register(catalogRoutes, { deps: deps.catalog });
  await app.register(catalogFileRoutes, { db: deps.catalog.db, snapshots: deps.catalog.snapshots });
  await app.register(catalogFacetRoutes, { db: deps.catalog.db });
  await app.register(stockRoutes, { db: deps.catalog.db });
  await app.register(dashboardRoutes, { deps: deps.dashboards });
  await app.register(analyticsRoutes, { deps: deps.analytics });
  await app.register(cashSessionRoutes, { deps: deps.cashSessions });
  await app.register(terminalRoutes, { deps: deps.terminal });
  if (deps.trust) await app.register(trustRoutes, { deps: deps.trust });
  if (deps.receipts) await app.register(receiptRoutes, { deps: deps.receipts });
  await app.register(customerRoutes, { deps: { db: deps.terminal.db, audit: deps.terminal.audit } });
  await app.register(saleFlagRoutes, { db: deps.terminal.db });
  if (deps.terminalDist) {
    const root = deps.terminalDist;
    const trust = deps.trust;
    await app.register(async (scope) => {
      publicRoutes(scope);
      // Over plain HTTP from another machine the checkout cannot keep selling offline: send the device to /trust.
      if (trust)
        scope.addHook('onRequest', async (request, reply) => {
          if (!secureContext(request) && trust.trust()?.httpsPort) return reply.redirect('/trust');
        });
      // The service worker must never be served stale: it decides what the till runs offline.
      await scope.register(fastifyStatic, {
        root,
        prefix: '/terminal/',
        wildcard: false,
        index: ['index.html'],
        setHeaders: (res, file) => {
          if (file.endsWith('sw.js') || file.endsWith('.html')) res.setHeader('cache-control', 'no-cache');
        },
      });
      scope.get('/terminal', (_request, reply) => reply.redirect('/terminal/'));
    });
  }
  if (deps.files) {
    await app.register(fileRoutes, { files: deps.files });
    await app.register(webdavRoutes, { files: deps.files });
    await app.register(productFileRoutes, { files: deps.files });
  }
  if (deps.dashboardsDist) {
    const root = deps.dashboardsDist;
    await app.register(async (scope) => {
      publicRoutes(scope);
      await scope.register(fastifyStatic, { root, prefix: '/dashboards/', wildcard: false, index: ['index.html'] });
      scope.get('/', (_request, reply) => reply.redirect('/dashboards/'));
      scope.get('/dashboards', (_request, reply) => reply.redirect('/dashboards/'));
      scope.get('/admin', (_request, reply) => reply.redirect('/dashboards/admin/'));
      scope.get('/admin/', (_request, reply) => reply.redirect('/dashboards/admin/'));
      scope.get('/files', (_request, reply) => reply.redirect('/dashboards/files/'));
      scope.get('/files/', (_request, reply) => reply.redirect('/dashboards/files/'));
    });
  }
  return app;
}
