import { formatMoney } from '@keel/core';
import type { TerminalConfig } from './terminal-api.js';

/**
 * Why an offline till may not take this sale, or undefined when it may: the store's limits on a
 * sale's value and on how long a till sells without hearing from the server.
 */
export function offlineRefusal(total: number, limits: TerminalConfig['offline'], lastContact: number, now: number, currency: string): string | undefined {
  if (total > limits.maxSaleTotal) return `Offline, a sale may not exceed ${formatMoney(limits.maxSaleTotal, currency)}`;
  if (now - lastContact > limits.maxHours * 3_600_000) return `The server has not answered for over ${limits.maxHours} hours: selling is stopped until it does`;
  return undefined;
}
