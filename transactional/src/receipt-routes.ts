import { deliverQueuedMail, enqueueMail, type PipelinesDatabase } from '@keel/pipelines';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import type { Database } from './database.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { isMailAddress, maskAddress, receiptMail } from './receipt-mail.js';
import { receiptPdf } from './receipt-pdf.js';
import { readableSale } from './sale-access.js';
import { saleReceipt } from './sale-receipt.js';
import { RateLimiter } from './sign-in-lockout.js';

export interface ReceiptDeps {
  readonly db: Kysely<Database>;
  readonly audit: (entry: AuditEntry) => Promise<void>;
  /** SMTP server; unset, the mail waits in the queue for the mail delivery job. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly now: () => Date;
}

const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const MailBody = Type.Object({ to: Type.String({ maxLength: 320 }) }, { additionalProperties: false });
const limited = (what: string) => (seconds: number) =>
  new Problem('receipt.mail_rate_limited', `too many receipt mails ${what}; wait ${seconds} s`, { retryAfterSeconds: seconds });

/**
 * A copy of a sale's receipt: as a PDF to download, or by e-mail (PDF attached) to an address the
 * cashier typed. Who may read the sale may have its copy; each copy is audited.
 */
export const receiptRoutes: FastifyPluginAsync<{ deps: ReceiptDeps }> = async (app, { deps }) => {
  // A till sends a few receipts a minute; a script looping over addresses does not get far.
  const perPrincipal = new RateLimiter(20, 10 * 60_000, limited('from you'));
  const perSale = new RateLimiter(3, 60 * 60_000, limited('for this sale'));

  app.get<{ Params: Static<typeof Params> }>(
    '/api/v1/sales/:id/receipt.pdf',
    { schema: { params: Params }, config: { permission: 'sales.create' } },
    async (request, reply) => {
      const p = request.principal as Principal;
      const sale = await readableSale(deps.db, p, request.params.id);
      const pdf = await receiptPdf(await saleReceipt(deps.db, sale));
      await deps.audit({ actor: p.id, action: 'sale.receipt_copy', subject: sale.id, detail: { as: 'pdf' }, requestId: request.id });
      reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="receipt-${sale.id.slice(0, 8)}.pdf"`)
        .header('content-security-policy', "sandbox; default-src 'none'");
      return pdf;
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof MailBody> }>(
    '/api/v1/sales/:id/receipt-mail',
    { schema: { params: Params, body: MailBody }, config: { permission: 'sales.create' } },
    async (request, reply) => {
      const p = request.principal as Principal;
      const to = request.body.to.trim();
      if (!isMailAddress(to)) throw new Problem('receipt.email_invalid', 'type an address like name@example.com');
      const sale = await readableSale(deps.db, p, request.params.id);
      perPrincipal.hit(p.id);
      perSale.hit(sale.id);
      const receipt = await saleReceipt(deps.db, sale);
      const mail = receiptMail(receipt);
      const pdf = await receiptPdf(receipt);
      const dedupKey = `receipt:${sale.id}:${request.id}`;
      const queue = deps.db as unknown as Kysely<PipelinesDatabase>;
      await enqueueMail(queue, {
        dedupKey,
        from: deps.mailFrom,
        to,
        ...mail,
        attachments: [{ filename: `receipt-${sale.id.slice(0, 8)}.pdf`, contentType: 'application/pdf', content: pdf }],
      });
      await deps.audit({ actor: p.id, action: 'sale.receipt_copy', subject: sale.id, detail: { as: 'mail', to: maskAddress(to) }, requestId: request.id });
      // Try to send now; when the SMTP server is away the mail stays queued and the delivery job retries it.
      await deliverQueuedMail(queue, deps.smtpUrl, deps.now(), 5);
      const row = await queue.selectFrom('mail_queue').select('status').where('dedup_key', '=', dedupKey).executeTakeFirst();
      reply.code(202);
      return { status: row?.status === 'sent' ? 'sent' : 'queued' };
    },
  );
};
