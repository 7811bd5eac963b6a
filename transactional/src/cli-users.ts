import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database } from './database.js';
import { hashSecret } from './password-hash.js';
import { findRole } from './roles.js';

export class UsageError extends Error {}

export type WithDatabase = <T>(work: (db: Kysely<Database>) => Promise<T>) => Promise<T>;

/** Secrets come from stdin, never from arguments (which other users can read in the process list). */
async function readLines(count: number): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  for await (const line of rl) {
    lines.push(line);
    if (lines.length === count) break;
  }
  rl.close();
  return lines;
}

function checkPassword(p: string | undefined): string {
  if (!p || p.length < 10 || p.length > 200) throw new UsageError('a password needs 10 to 200 characters');
  return p;
}

function checkPin(p: string | undefined): string | null {
  if (!p) return null;
  if (!/^[0-9]{4,8}$/.test(p)) throw new UsageError('a PIN is 4 to 8 digits');
  return p;
}

/** `npx keel users ...`: manage people from the server's own shell (audited as actor "cli"). */
export async function usersCommand(args: string[], withDatabase: WithDatabase): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const rows = await withDatabase((db) => db.selectFrom('users').selectAll().orderBy('username').execute());
      for (const u of rows) {
        console.log(
          [u.username, u.display_name, u.role, u.store_ids ? `stores ${u.store_ids.join(',')}` : 'all stores', u.active ? 'active' : 'inactive'].join('\t'),
        );
      }
      return;
    }
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          username: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string' },
          stores: { type: 'string' },
          'max-discount-bp': { type: 'string' },
        },
      });
      if (!values.username || !values.name || !values.role) throw new UsageError('usage: npx keel users create --username <u> --name <display> --role <role>');
      if (!/^[a-z0-9._-]{2,64}$/.test(values.username)) throw new UsageError('a username is 2-64 of a-z 0-9 . _ -');
      const stores = values.stores ? values.stores.split(',').map(Number) : null;
      if (stores?.some((s) => !Number.isInteger(s) || s < 1)) throw new UsageError('--stores is a comma-separated list of store ids');
      const maxBp = values['max-discount-bp'] === undefined ? null : Number(values['max-discount-bp']);
      if (maxBp !== null && (!Number.isInteger(maxBp) || maxBp < 0 || maxBp > 10000)) throw new UsageError('--max-discount-bp is 0 to 10000');
      const [password, pin] = await readLines(2);
      const passwordHash = await hashSecret(checkPassword(password));
      const pinValue = checkPin(pin);
      const pinHash = pinValue ? await hashSecret(pinValue) : null;
      await withDatabase(async (db) => {
        if (!(await findRole(db, values.role as string))) throw new UsageError(`no role named ${values.role}`);
        await db.transaction().execute(async (tx) => {
          const u = await tx
            .insertInto('users')
            .values({
              username: values.username as string,
              display_name: values.name as string,
              role: values.role as string,
              store_ids: stores,
              max_discount_bp: maxBp,
              password_hash: passwordHash,
              pin_hash: pinHash,
            })
            .returning(['id', 'username'])
            .executeTakeFirstOrThrow();
          await appendAudit(tx, {
            actor: 'cli',
            action: 'user.created',
            subject: u.username,
            detail: { userId: u.id, role: values.role, storeIds: stores, maxDiscountBp: maxBp },
            requestId: null,
          });
        });
      });
      console.error(`Created ${values.username} (${values.role}).`);
      return;
    }
    case 'set-password':
    case 'set-pin':
    case 'deactivate': {
      const username = rest[0];
      if (!username) throw new UsageError(`usage: npx keel users ${sub} <username>`);
      const [secret] = sub === 'deactivate' ? [undefined] : await readLines(1);
      const hash = sub === 'set-password' ? await hashSecret(checkPassword(secret)) : sub === 'set-pin' ? await hashSecret(checkPin(secret) ?? '') : null;
      if (sub === 'set-pin' && !checkPin(secret)) throw new UsageError('a PIN is 4 to 8 digits');
      await withDatabase(async (db) => {
        await db.transaction().execute(async (tx) => {
          const u = await tx
            .updateTable('users')
            .set(sub === 'set-password' ? { password_hash: hash } : sub === 'set-pin' ? { pin_hash: hash } : { active: false })
            .where('username', '=', username)
            .returning('id')
            .executeTakeFirst();
          if (!u) throw new UsageError(`no user named ${username}`);
          if (sub !== 'set-pin') await tx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
          await appendAudit(tx, { actor: 'cli', action: `user.${sub}`, subject: username, detail: { userId: u.id }, requestId: null });
        });
      });
      console.error(`${sub}: done for ${username}.`);
      return;
    }
    default:
      throw new UsageError('usage: npx keel users (list | create | set-password | set-pin | deactivate)');
  }
}
