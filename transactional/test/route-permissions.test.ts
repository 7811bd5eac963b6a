import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { enforceRoutePermissions, publicRoutes } from '../src/route-permissions.js';

const nobody = async () => null;

describe('deny by default', () => {
  it('refuses to start when a route declares no permission', async () => {
    const app = Fastify();
    enforceRoutePermissions(app, nobody);
    app.get('/declared', { config: { permission: 'catalog.read' } }, async () => 'ok');
    app.get('/forgotten', async () => 'oops');
    await expect(app.ready()).rejects.toThrow(/routes without a declared permission: GET \/forgotten/);
  });

  it('starts when every route declares one, and refuses an anonymous caller', async () => {
    const app = Fastify();
    enforceRoutePermissions(app, nobody);
    app.get('/declared', { config: { permission: 'catalog.read' } }, async () => 'ok');
    await app.register(async (scope) => {
      publicRoutes(scope);
      scope.get('/open', async () => 'open');
    });
    await app.ready();
    expect((await app.inject('/open')).body).toBe('open');
    expect((await app.inject('/declared')).statusCode).toBe(401);
  });
});
