import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { can, canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { loadSale, type SaleResult } from './sale-result.js';

/**
 * A sale this principal may read, or `sale.not_found`. Another store's sale, or (for those who see
 * no figures) another cashier's, answers exactly like a sale that does not exist: no enumeration.
 */
export async function readableSale(db: Kysely<Database>, principal: Principal, id: string): Promise<SaleResult> {
  const found = await loadSale(db, id);
  const mayRead = found && canSeeStore(principal, found.result.storeId) && (can(principal, 'dashboards.view') || found.result.cashierId === principal.id);
  if (!found || !mayRead) throw new Problem('sale.not_found');
  return found.result;
}
