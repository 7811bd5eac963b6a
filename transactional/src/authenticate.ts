import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { TokenVerifier } from './api-tokens.js';
import type { BasicCredentials } from './basic-credentials.js';
import type { Database } from './database.js';
import { builtInPrincipal, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { principalForUser } from './roles.js';
import type { Authenticate } from './route-permissions.js';
import { readSessionToken, type SessionStore } from './sessions.js';
import { TILL_KEY_HEADER } from './tills.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOCAL_OWNER = builtInPrincipal('local-owner', 'This machine', 'owner', 'loopback');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthenticatorDeps {
  readonly db: Kysely<Database>;
  readonly tokens: TokenVerifier;
  readonly sessions: SessionStore;
  /** Requests from this machine act as the owner (off by default; for in-process tools and tests). */
  readonly trustLoopback: boolean;
  /** HTTP Basic with a user's password, accepted under /dav/ only (WebDAV clients; never the API, which browsers could be tricked into). */
  readonly basic?: BasicCredentials;
}

/**
 * Who is asking: a bearer API token (scripts; exempt from CSRF, since browsers never send one by
 * themselves), else the session cookie (writes need the session's CSRF token in `x-csrf-token`; a
 * session opened at a till is valid only with that till's key), else — when trusted — loopback.
 */
export function authenticator(deps: AuthenticatorDeps): Authenticate {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic ')) {
      if (!deps.basic || !(request.url.startsWith('/dav/') || request.url === '/dav')) return null;
      const user = await deps.basic.verify(header, request.ip);
      return user ? principalForUser(deps.db, user, 'basic') : null;
    }
    if (header) {
      const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header);
      return m ? deps.tokens.verify(m[1] as string) : null;
    }
    const token = readSessionToken(request);
    if (token) return sessionPrincipal(deps, request, token);
    if (deps.trustLoopback && LOOPBACK.has(request.socket.remoteAddress ?? '')) return LOCAL_OWNER;
    return null;
  };
}

async function sessionPrincipal(deps: AuthenticatorDeps, request: FastifyRequest, token: string): Promise<Principal | null> {
  const session = await deps.sessions.find(token, request.headers[TILL_KEY_HEADER]);
  if (!session) return null;
  if (!SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== session.csrfToken) {
    throw new Problem('auth.csrf', 'send the x-csrf-token header given at sign-in');
  }
  if (session.tillId === null) return principalForUser(deps.db, session.user, 'session');
  const till = session.till;
  if (!till) return null;
  const p = await principalForUser(deps.db, session.user, 'till', till.id);
  const stores = p.storeIds === 'all' || p.storeIds.includes(till.storeId) ? [till.storeId] : [];
  return { ...p, storeIds: stores };
}
