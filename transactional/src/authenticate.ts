import type { FastifyRequest } from 'fastify';
import type { TokenVerifier } from './api-tokens.js';
import { builtInPrincipal } from './principal.js';
import type { Authenticate } from './route-permissions.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOCAL_OWNER = builtInPrincipal('local-owner', 'This machine', 'owner', 'loopback');

/**
 * A bearer token names its role. Without one, a request from this machine itself acts as the
 * store owner when trustLoopback is on (like PostgreSQL's local trust); anything else is refused.
 */
export function authenticator(tokens: TokenVerifier, trustLoopback: boolean): Authenticate {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header) {
      const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header);
      return m ? tokens.verify(m[1] as string) : null;
    }
    if (trustLoopback && LOOPBACK.has(request.socket.remoteAddress ?? '')) return LOCAL_OWNER;
    return null;
  };
}
