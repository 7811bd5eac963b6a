import { type Kysely, sql } from 'kysely';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { PipelinesDatabase } from './pipelines-database.js';

export interface OutgoingMail {
  /** Same key twice: the second is not queued (a report is sent once per subscriber and period). */
  readonly dedupKey: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly inlineImages?: readonly { readonly cid: string; readonly filename: string; readonly png: Buffer }[];
  /** Files attached to the mail (a receipt's PDF). */
  readonly attachments?: readonly { readonly filename: string; readonly contentType: string; readonly content: Buffer }[];
}

/** Build the MIME message once and queue it; returns false when the key was already queued. */
export async function enqueueMail(db: Kysely<PipelinesDatabase>, mail: OutgoingMail): Promise<boolean> {
  const message = await new MailComposer({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${mail.dedupKey.replace(/[^A-Za-z0-9.-]/g, '.')}@keel>`,
    attachments: [
      ...(mail.inlineImages ?? []).map((i) => ({
        filename: i.filename,
        content: i.png,
        contentType: 'image/png',
        cid: i.cid,
        contentDisposition: 'inline' as const,
      })),
      ...(mail.attachments ?? []).map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
    ],
  })
    .compile()
    .build();
  const row = await db
    .insertInto('mail_queue')
    .values({ dedup_key: mail.dedupKey, to_address: mail.to, subject: mail.subject, message, last_error: null, sent_at: null, smtp_response: null })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
  waiting: number;
}

/**
 * Send what is due, oldest first, through SMTP. A failure keeps the mail queued with the error and
 * a later next attempt (1, 2, 4 ... minutes, at most an hour); nothing is ever dropped. Each mail
 * is claimed with SKIP LOCKED, so two deliverers never send the same one.
 */
export async function deliverQueuedMail(db: Kysely<PipelinesDatabase>, smtpUrl: string | undefined, now: Date, limit = 50): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: 0, waiting: 0 };
  if (!smtpUrl) {
    result.waiting = await countQueued(db);
    return result;
  }
  const transport = nodemailer.createTransport(smtpUrl);
  try {
    for (let i = 0; i < limit; i++) {
      const outcome = await db.transaction().execute(async (tx) => {
        const { rows } = await sql<{ id: number; to_address: string; message: Buffer; attempts: number }>`
          SELECT id, to_address, message, attempts FROM mail_queue
          WHERE status = 'queued' AND next_attempt_at <= ${now}
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`.execute(tx);
        const mail = rows[0];
        if (!mail) return 'none' as const;
        try {
          const info = await transport.sendMail({ envelope: { from: envelopeFrom(mail.message), to: [mail.to_address] }, raw: mail.message });
          await tx
            .updateTable('mail_queue')
            .set({ status: 'sent', sent_at: now, attempts: mail.attempts + 1, last_error: null, smtp_response: String(info.response ?? '').slice(0, 500) })
            .where('id', '=', mail.id)
            .execute();
          return 'sent' as const;
        } catch (e) {
          const attempts = mail.attempts + 1;
          const waitMin = Math.min(60, 2 ** (attempts - 1));
          await tx
            .updateTable('mail_queue')
            .set({ attempts, last_error: ((e as Error).message ?? String(e)).slice(0, 500), next_attempt_at: new Date(now.getTime() + waitMin * 60_000) })
            .where('id', '=', mail.id)
            .execute();
          return 'failed' as const;
        }
      });
      if (outcome === 'none') break;
      result[outcome]++;
      if (outcome === 'failed') break; // the server is down: the rest waits for the next run
    }
  } finally {
    transport.close();
  }
  result.waiting = await countQueued(db);
  return result;
}

async function countQueued(db: Kysely<PipelinesDatabase>): Promise<number> {
  const row = await db
    .selectFrom('mail_queue')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The address of the From header of a built message (the envelope sender). */
function envelopeFrom(message: Buffer): string {
  const head = message.subarray(0, 4096).toString('utf8');
  const from = /^From:\s*(.*)$/im.exec(head)?.[1] ?? '';
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}
