/**
 * The warehouse package's error catalogue: every failure it raises carries a stable `code`,
 * the HTTP status an API should answer with, and a message safe to log (no credentials).
 */
export const WAREHOUSE_ERRORS = {
  WAREHOUSE_UNKNOWN_TABLE: { status: 500, message: 'Table is not one the warehouse accepts inserts into' },
  WAREHOUSE_UNREACHABLE: { status: 503, message: 'The warehouse cannot be reached' },
  WAREHOUSE_QUERY_FAILED: { status: 500, message: 'A warehouse query failed' },
  WAREHOUSE_INSERT_FAILED: { status: 503, message: 'A warehouse insert failed' },
  WAREHOUSE_BAD_ARGUMENT: { status: 400, message: 'A warehouse query argument is invalid' },
} as const;

export type WarehouseErrorCode = keyof typeof WAREHOUSE_ERRORS;

export class WarehouseError extends Error {
  readonly code: WarehouseErrorCode;
  readonly status: number;

  constructor(code: WarehouseErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${WAREHOUSE_ERRORS[code].message}: ${detail}`, options);
    this.name = 'WarehouseError';
    this.code = code;
    this.status = WAREHOUSE_ERRORS[code].status;
  }
}

/** The message of anything thrown, for an error detail. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
