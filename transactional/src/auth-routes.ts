import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database, UserRow } from './database.js';
import { hashSecret, verifySecret } from './password-hash.js';
import type { Principal } from './principal.js';
import { Problem } from './problem.js';
import { principalForUser } from './roles.js';
import { clearSessionCookie, readSessionToken, type SessionStore, setSessionCookie } from './sessions.js';
import type { RateLimiter, SignInLockout } from './sign-in-lockout.js';
import { type EnrolledTill, findTill, TILL_KEY_HEADER } from './tills.js';

export const Username = Type.String({ pattern: '^[a-z0-9._-]{2,64}$' });
export const Password = Type.String({ minLength: 10, maxLength: 200 });
export const Pin = Type.String({ pattern: '^[0-9]{4,8}$' });
export const DisplayName = Type.String({ minLength: 1, maxLength: 200 });

const SetupBody = Type.Object({ username: Username, displayName: DisplayName, password: Password, pin: Type.Optional(Pin) }, { additionalProperties: false });
const SignInBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const PinBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), pin: Type.String({ minLength: 1, maxLength: 8 }) },
  { additionalProperties: false },
);

export interface AuthDeps {
  readonly db: Kysely<Database>;
  readonly sessions: SessionStore;
  readonly lockout: SignInLockout;
  readonly signInLimiter: RateLimiter;
}

/** Arbitrary constant: the advisory lock that lets only one first-run owner be created. */
const SETUP_LOCK = 7_245_003;

/** What the pages need to know about who is signed in. */
export function presentPrincipal(p: Principal) {
  return {
    id: p.userId ?? null,
    name: p.name,
    role: p.role,
    permissions: [...p.permissions].sort(),
    storeIds: p.storeIds,
    maxDiscountBp: p.maxDiscountBp,
    tillId: p.tillId ?? null,
  };
}

async function userCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Sign-in, PIN switching at a till, sign-out, and the first-run owner. Each sign-in rotates the
 * session: the one presented (if any) ends and a fresh token is issued.
 */
export const authRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  const { db, sessions, lockout } = deps;

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: UserRow, till: EnrolledTill | undefined, how: string) {
    const old = readSessionToken(request);
    if (old) await sessions.end(old);
    const { token, csrfToken } = await sessions.create(user.id, till?.id ?? null);
    setSessionCookie(request, reply, token, sessions.idleSeconds);
    await appendAudit(db, {
      actor: `user:${user.id}`,
      action: 'auth.signed_in',
      subject: user.username,
      detail: { how, tillId: till?.id ?? null, ip: request.ip },
      requestId: request.id,
    });
    const principal = await principalForUser(db, user, till ? 'till' : 'session', till?.id);
    return { user: presentPrincipal(principal), csrfToken };
  }

  async function refuse(request: FastifyRequest, key: string, username: string, how: string): Promise<never> {
    const failures = await lockout.failed(key);
    await appendAudit(db, {
      actor: 'anonymous',
      action: 'auth.sign_in_failed',
      subject: username,
      detail: { how, failures, ip: request.ip },
      requestId: request.id,
    });
    throw new Problem('auth.invalid_credentials');
  }

  app.get('/api/v1/auth/state', { config: { permission: 'public' } }, async (request) => {
    const setupNeeded = (await userCount(db)) === 0;
    const token = readSessionToken(request);
    const session = token ? await sessions.find(token, request.headers[TILL_KEY_HEADER]) : undefined;
    if (!session || (session.tillId !== null && !session.till)) return { setupNeeded, user: null, csrfToken: null };
    const till = session.till;
    const principal = await principalForUser(db, session.user, till ? 'till' : 'session', till?.id);
    return { setupNeeded, user: presentPrincipal(principal), csrfToken: session.csrfToken };
  });

  app.post<{ Body: Static<typeof SetupBody> }>(
    '/api/v1/auth/setup',
    { schema: { body: SetupBody }, config: { permission: 'public' } },
    async (request, reply) => {
      const b = request.body;
      const [passwordHash, pinHash] = await Promise.all([hashSecret(b.password), b.pin ? hashSecret(b.pin) : null]);
      const user = await db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`.execute(tx);
        if ((await userCount(tx)) > 0) throw new Problem('auth.setup_done');
        const row = await tx
          .insertInto('users')
          .values({
            username: b.username,
            display_name: b.displayName,
            role: 'owner',
            store_ids: null,
            max_discount_bp: null,
            password_hash: passwordHash,
            pin_hash: pinHash,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await appendAudit(tx, {
          actor: `user:${row.id}`,
          action: 'user.created',
          subject: row.username,
          detail: { role: 'owner', firstRun: true },
          requestId: request.id,
        });
        return row;
      });
      reply.code(201);
      return startSession(request, reply, user, undefined, 'first-run');
    },
  );

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/api/v1/auth/sign-in',
    { schema: { body: SignInBody }, config: { permission: 'public' } },
    async (request, reply) => {
      deps.signInLimiter.hit(request.ip);
      const { username, password } = request.body;
      const key = `password:${username.toLowerCase()}`;
      await lockout.check(key);
      const user = await db.selectFrom('users').selectAll().where('username', '=', username.toLowerCase()).where('active', '=', true).executeTakeFirst();
      const ok = await verifySecret(password, user?.password_hash);
      if (!ok || !user) return refuse(request, key, username, 'password');
      await lockout.succeeded(key);
      const till = await findTill(db, request.headers[TILL_KEY_HEADER]);
      return startSession(request, reply, user, till, 'password');
    },
  );

  app.post<{ Body: Static<typeof PinBody> }>('/api/v1/auth/pin', { schema: { body: PinBody }, config: { permission: 'public' } }, async (request, reply) => {
    deps.signInLimiter.hit(request.ip);
    const till = await findTill(db, request.headers[TILL_KEY_HEADER]);
    if (!till) throw new Problem('till.required', 'PIN sign-in works only at an enrolled till');
    const { username, pin } = request.body;
    const key = `pin:${username.toLowerCase()}`;
    await lockout.check(key);
    const user = await db.selectFrom('users').selectAll().where('username', '=', username.toLowerCase()).where('active', '=', true).executeTakeFirst();
    const ok = await verifySecret(pin, user?.pin_hash);
    if (!ok || !user) return refuse(request, key, username, 'pin');
    await lockout.succeeded(key);
    return startSession(request, reply, user, till, 'pin');
  });

  app.post('/api/v1/auth/sign-out', { config: { permission: 'public' } }, async (request, reply) => {
    const token = readSessionToken(request);
    if (token) await sessions.end(token);
    clearSessionCookie(request, reply);
    reply.code(204);
  });
};
