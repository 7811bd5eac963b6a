import { isPermission, type Permission } from '@keel/core';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { can, type Principal } from './principal.js';
import { Problem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs, or 'public'. Every route must declare one. */
    permission?: Permission | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route with the permission it declared, for audits of the route table. */
    declaredRoutes(): Array<{ method: string; url: string; permission: Permission | 'public' | undefined }>;
  }
}

export type Authenticate = (request: FastifyRequest) => Promise<Principal | null>;

/**
 * Deny by default. Every route declares `config.permission`; `ready()` fails (the server refuses
 * to start) when one does not. Each request is authenticated and checked before its handler runs.
 */
export function enforceRoutePermissions(app: FastifyInstance, authenticate: Authenticate): void {
  const routes: RouteOptions[] = [];
  app.decorateRequest('principal', null);
  app.decorate('declaredRoutes', () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method: String(method), url: r.url, permission: r.config?.permission })),
    ),
  );
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    const undeclared = routes.filter((r) => !(r.config?.permission === 'public' || isPermission(r.config?.permission)));
    if (undeclared.length > 0) {
      const list = undeclared.map((r) => `${String(r.method)} ${r.url}`).join(', ');
      throw new Error(`refusing to start: routes without a declared permission: ${list}`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config?.permission;
    if (permission === undefined || permission === 'public') return; // unmatched routes go on to the 404 handler
    const principal = await authenticate(request);
    if (!principal) throw new Problem('auth.required');
    if (!can(principal, permission)) throw new Problem('auth.forbidden', `this needs the ${permission} permission`);
    request.principal = principal;
  });
}

/** Mark every route registered inside this (encapsulated) plugin as public, e.g. static files. */
export function publicRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, permission: 'public' };
  });
}
