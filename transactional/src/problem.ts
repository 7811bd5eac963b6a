/**
 * Every error the API answers, with a stable code. Responses are RFC 9457 problem+json:
 * { type, title, status, code, detail? , errors? }. Clients branch on `code`, never on text.
 * docs/api-errors.md lists the same catalogue; a test keeps the two in step.
 */
export const PROBLEMS = {
  'request.malformed': { status: 400, title: 'The request body is not valid JSON' },
  'request.invalid': { status: 400, title: 'The request does not match the expected shape' },
  'request.too_large': { status: 413, title: 'The request body is too large' },
  'request.unsupported_media_type': { status: 415, title: 'Send JSON with Content-Type: application/json' },
  'route.not_found': { status: 404, title: 'No such endpoint' },
  'auth.required': { status: 401, title: 'Sign in or send a valid token' },
  'auth.forbidden': { status: 403, title: 'Your role does not allow this' },
  'request.card_number': { status: 422, title: 'A card number must never be sent to Keel' },
  'auth.invalid_credentials': { status: 401, title: 'Wrong username, password or PIN' },
  'auth.locked': { status: 429, title: 'Too many failed attempts; wait before trying again' },
  'auth.rate_limited': { status: 429, title: 'Too many sign-in attempts from this address' },
  'auth.csrf': { status: 403, title: 'Missing or wrong x-csrf-token header' },
  'auth.setup_done': { status: 409, title: 'The owner account already exists; sign in' },
  'till.required': { status: 403, title: 'Sales from a signed-in user must come from an enrolled till' },
  'till.not_found': { status: 404, title: 'No such till' },
  'user.not_found': { status: 404, title: 'No such user' },
  'user.username_taken': { status: 409, title: 'Another user already has this username' },
  'user.grant_not_permitted': { status: 403, title: 'You cannot grant a role or permission you do not hold' },
  'role.unknown': { status: 422, title: 'Unknown role' },
  'role.name_taken': { status: 409, title: 'A role with this name already exists' },
  'sale.approval_required': { status: 403, title: "A discount over the cashier's limit needs a manager's approval" },
  'sale.approval_invalid': { status: 403, title: 'The approval is not valid for this discount' },
  'sale.price_mismatch': { status: 422, title: "The till's price differs from the server's" },
  'sale.override_approval_required': { status: 403, title: "A price override outside the cashier's permission or limit needs a manager's approval" },
  'sale.override_invalid': { status: 422, title: 'A price override needs a reason and cannot be on a refund line' },
  'sale.customer_unknown': { status: 422, title: 'The sale names a customer that does not exist' },
  'customer.code_taken': { status: 409, title: 'Another customer already has this code' },
  'product.not_found': { status: 404, title: 'No such product' },
  'product.sku_taken': { status: 409, title: 'Another product already has this SKU' },
  'product.barcode_taken': { status: 409, title: 'Another product already has this barcode' },
  'product.barcode_invalid': { status: 422, title: 'The barcode is not valid (GS1 check digit or characters)' },
  'product.version_conflict': { status: 409, title: 'The product was changed by someone else; reload and try again' },
  'import.empty_file': { status: 422, title: 'The file is empty' },
  'import.not_csv': { status: 422, title: 'The file is not a CSV or Arrow file' },
  'import.bad_encoding': { status: 422, title: 'The file is not UTF-8 text' },
  'import.missing_columns': { status: 422, title: 'The file lacks a required column' },
  'import.unsupported_format': { status: 422, title: 'This file format cannot be imported' },
  'import.rows_invalid': { status: 422, title: 'Some rows are bad; nothing was imported' },
  'import.progress_unknown': { status: 404, title: 'No import with this progress id is running or recently finished for you' },
  'catalog.index_unavailable': { status: 404, title: 'No prepared search index for that catalog version' },
  'catalog.busy': { status: 503, title: 'The catalog is being changed; try again shortly' },
  'stock.invalid': { status: 422, title: 'The stock movement is not valid' },
  'tax_class.unknown': { status: 422, title: 'Unknown tax class' },
  'sale.not_found': { status: 404, title: 'No such sale' },
  'sale.unknown_product': { status: 422, title: 'A line names a product that does not exist or is not for sale' },
  'sale.refund_not_permitted': { status: 403, title: 'A negative quantity is a refund, which your role may not do' },
  'sale.total_mismatch': { status: 422, title: "The till's total differs from the server's" },
  'sale.tender_invalid': { status: 422, title: 'The tenders do not settle the sale' },
  'sale.discount_invalid': { status: 422, title: 'A discount is out of range' },
  'sale.id_conflict': { status: 422, title: 'This sale id was already used for a different sale' },
  'sale.store_unknown': { status: 404, title: 'No such store' },
  'analytics.range_invalid': { status: 400, title: 'The date range or filter is not one the dashboards can answer' },
  'job.not_found': { status: 404, title: 'No such scheduled job' },
  'job.running': { status: 409, title: 'This job is running already; it never overlaps itself' },
  'refund.original_not_found': { status: 422, title: 'The sale to refund does not exist in this store' },
  'refund.exceeds_sold': { status: 422, title: 'A refund cannot return more than was sold' },
  'refund.invalid': { status: 422, title: 'A refund has only negative lines of products on the original sale' },
  'cash_session.not_found': { status: 404, title: 'No such cash session' },
  'cash_session.already_open': { status: 409, title: 'This till already has an open cash session' },
  'cash_session.closed': { status: 409, title: 'This cash session is already closed' },
  'replay.not_signed_in': { status: 422, title: 'The cashier had not signed in at this till when the sale was taken' },
  'file.not_found': { status: 404, title: 'No such file or folder' },
  'file.forbidden': { status: 403, title: 'Your access to this folder does not allow this' },
  'file.name_invalid': { status: 422, title: 'The name is not allowed (path characters, control characters, too long)' },
  'file.name_taken': { status: 409, title: 'Something in this folder already has this name' },
  'file.too_large': { status: 413, title: 'The file is larger than the server accepts' },
  'file.quota_exceeded': { status: 507, title: "The space's quota would be exceeded" },
  'file.move_invalid': { status: 422, title: 'This cannot be moved, renamed or deleted there' },
  'file.parent_missing': { status: 409, title: 'A parent folder on the path does not exist' },
  'file.not_in_trash': { status: 409, title: 'The file or folder is not in the trash' },
  'storage.low': { status: 507, title: 'The data volume is nearly full; free space before uploading or backing up' },
  'receipt.email_invalid': { status: 422, title: 'The e-mail address is not valid' },
  'receipt.mail_rate_limited': { status: 429, title: 'Too many receipt mails; wait before sending more' },
  'tls.no_local_ca': { status: 404, title: 'This server serves a certificate the store provided, not one from its own CA' },
  'storage.full': { status: 503, title: 'The data volume is full; nothing was recorded, retry once space is freed' },
  'service.unavailable': { status: 503, title: 'A backend is unavailable; retry shortly' },
  internal: { status: 500, title: 'Something went wrong on the server' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ProblemCode, detail?: string, extra?: Record<string, unknown>) {
    super(PROBLEMS[code].title);
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.detail = detail;
    this.extra = extra;
  }

  toJSON(): Record<string, unknown> {
    return {
      type: `https://keel.invalid/problems/${this.code}`,
      title: PROBLEMS[this.code].title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...this.extra,
    };
  }
}
