import type { AnalystAccess, AnalystCredentials } from '@keel/warehouse';
import type { TokenVerifier } from './api-tokens.js';
import { can } from './principal.js';

/**
 * The analyst endpoint's one access check: the password is a Keel API token whose holder has
 * `analyst.sql`. When people sign in as users (people-and-trust), only this function changes.
 */
export function analystAccess(tokens: TokenVerifier): (credentials: AnalystCredentials | null) => Promise<AnalystAccess> {
  return async (credentials) => {
    if (!credentials || !/^[A-Za-z0-9_-]{10,200}$/.test(credentials.key)) return { ok: false, reason: 'unauthenticated' };
    const principal = await tokens.verify(credentials.key);
    if (!principal) return { ok: false, reason: 'unauthenticated' };
    if (!can(principal, 'analyst.sql')) return { ok: false, reason: 'forbidden' };
    return { ok: true, who: principal.id };
  };
}
