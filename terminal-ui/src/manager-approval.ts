import { ApiError } from './till-session.js';

/**
 * A manager's approval (a discount above the cashier's limit, a price override beyond their
 * permission, a refund) is checked by the server, online only: a PIN verifier kept on the till
 * could be guessed offline at leisure. While the till cannot reach the server it says so plainly.
 */
export function needsManagerOffline(what: string): string {
  return `${what} needs a manager: only while connected (the server checks their PIN). Go on without it, or wait until the till is online.`;
}

/** What the till says when checking a manager's PIN failed. */
export function approvalFailure(e: unknown, what: string): string {
  if (e instanceof ApiError && e.offline) return needsManagerOffline(what);
  return e instanceof Error ? e.message : String(e);
}
