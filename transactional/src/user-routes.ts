import { isPermission, PERMISSIONS, type Permission } from '@keel/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import { DisplayName, Password, Pin, Username } from './auth-routes.js';
import type { Database, UserRow } from './database.js';
import { hashSecret } from './password-hash.js';
import { canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { findRole, listRoles } from './roles.js';
import { isUniqueViolation } from './sale-service.js';
import type { SessionStore } from './sessions.js';

const StoreIds = Type.Union([
  Type.Array(Type.Integer({ minimum: 1, maximum: 4_294_967_295 }), { minItems: 1, maxItems: 1000, uniqueItems: true }),
  Type.Null(),
]);
const Bp = Type.Integer({ minimum: 0, maximum: 10000 });
const RoleName = Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' });
const NewUser = Type.Object(
  {
    username: Username,
    displayName: DisplayName,
    role: RoleName,
    password: Type.Optional(Password),
    pin: Type.Optional(Pin),
    storeIds: Type.Optional(StoreIds),
    maxDiscountBp: Type.Optional(Type.Union([Bp, Type.Null()])),
  },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    role: Type.Optional(RoleName),
    password: Type.Optional(Password),
    pin: Type.Optional(Pin),
    storeIds: Type.Optional(StoreIds),
    maxDiscountBp: Type.Optional(Type.Union([Bp, Type.Null()])),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const NewRole = Type.Object(
  {
    name: RoleName,
    permissions: Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { maxItems: PERMISSIONS.length, uniqueItems: true }),
    maxDiscountBp: Bp,
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export interface UserDeps {
  readonly db: Kysely<Database>;
  readonly sessions: SessionStore;
}

function present(u: UserRow) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    storeIds: u.store_ids,
    maxDiscountBp: u.max_discount_bp,
    hasPassword: u.password_hash !== null,
    hasPin: u.pin_hash !== null,
    active: u.active,
  };
}

/** A user is visible to an actor who may act in every store the user may. Others answer 404. */
function visible(actor: Principal, u: UserRow): boolean {
  if (actor.storeIds === 'all') return true;
  return u.store_ids?.every((s) => canSeeStore(actor, s)) ?? false;
}

/** Nobody grants more than they hold: every permission, the discount limit, the stores, and 'owner' itself. */
async function checkGrant(db: Kysely<Database>, actor: Principal, role: string, storeIds: number[] | null | undefined): Promise<void> {
  const def = await findRole(db, role);
  if (!def) throw new Problem('role.unknown', `no role named ${role}`);
  if (role === 'owner' && actor.role !== 'owner') throw new Problem('user.grant_not_permitted', 'only an owner can make an owner');
  const missing = def.permissions.filter((p) => !actor.permissions.has(p));
  if (missing.length > 0 || def.maxDiscountBp > actor.maxDiscountBp) throw new Problem('user.grant_not_permitted', `the role ${role} holds more than you do`);
  if (actor.storeIds !== 'all' && (storeIds === null || storeIds === undefined || !storeIds.every((s) => canSeeStore(actor, s)))) {
    throw new Problem('user.grant_not_permitted', 'you can only grant stores you act in');
  }
}

/** Users and roles, for owners and managers (users.manage). Every change is audited with the change. */
export const userRoutes: FastifyPluginAsync<{ deps: UserDeps }> = async (app, { deps }) => {
  const { db } = deps;

  app.get('/api/v1/users', { config: { permission: 'users.manage' } }, async (request) => {
    const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.filter((u) => visible(request.principal as Principal, u)).map(present);
  });

  app.post<{ Body: Static<typeof NewUser> }>('/api/v1/users', { schema: { body: NewUser }, config: { permission: 'users.manage' } }, async (request, reply) => {
    const actor = request.principal as Principal;
    const b = request.body;
    await checkGrant(db, actor, b.role, b.storeIds);
    const [passwordHash, pinHash] = await Promise.all([b.password ? hashSecret(b.password) : null, b.pin ? hashSecret(b.pin) : null]);
    try {
      const row = await db.transaction().execute(async (tx) => {
        const u = await tx
          .insertInto('users')
          .values({
            username: b.username,
            display_name: b.displayName,
            role: b.role,
            store_ids: b.storeIds ?? null,
            max_discount_bp: b.maxDiscountBp ?? null,
            password_hash: passwordHash,
            pin_hash: pinHash,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await appendAudit(tx, {
          actor: actor.id,
          action: 'user.created',
          subject: u.username,
          detail: {
            userId: u.id,
            displayName: u.display_name,
            role: u.role,
            storeIds: u.store_ids,
            maxDiscountBp: u.max_discount_bp,
            password: !!passwordHash,
            pin: !!pinHash,
          },
          requestId: request.id,
        });
        return u;
      });
      reply.code(201);
      return present(row);
    } catch (e) {
      if (isUniqueViolation(e, 'users_username_key')) throw new Problem('user.username_taken');
      throw e;
    }
  });

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UserPatch> }>(
    '/api/v1/users/:id',
    { schema: { params: IdParams, body: UserPatch }, config: { permission: 'users.manage' } },
    async (request) => {
      const actor = request.principal as Principal;
      const b = request.body;
      const current = await db.selectFrom('users').selectAll().where('id', '=', request.params.id).executeTakeFirst();
      if (!current || !visible(actor, current)) throw new Problem('user.not_found');
      if (current.role === 'owner' && actor.role !== 'owner') throw new Problem('user.grant_not_permitted', 'only an owner can change an owner');
      if (b.role !== undefined || b.storeIds !== undefined)
        await checkGrant(db, actor, b.role ?? current.role, b.storeIds === undefined ? current.store_ids : b.storeIds);
      const [passwordHash, pinHash] = await Promise.all([b.password ? hashSecret(b.password) : undefined, b.pin ? hashSecret(b.pin) : undefined]);
      const row = await db.transaction().execute(async (tx) => {
        const u = await tx
          .updateTable('users')
          .set({
            ...(b.displayName !== undefined ? { display_name: b.displayName } : {}),
            ...(b.role !== undefined ? { role: b.role } : {}),
            ...(b.storeIds !== undefined ? { store_ids: b.storeIds } : {}),
            ...(b.maxDiscountBp !== undefined ? { max_discount_bp: b.maxDiscountBp } : {}),
            ...(b.active !== undefined ? { active: b.active } : {}),
            ...(passwordHash ? { password_hash: passwordHash } : {}),
            ...(pinHash ? { pin_hash: pinHash } : {}),
            updated_at: new Date(),
          })
          .where('id', '=', current.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const { password: _p, pin: _n, ...changes } = b;
        await appendAudit(tx, {
          actor: actor.id,
          action: 'user.updated',
          subject: u.username,
          detail: {
            userId: u.id,
            changes,
            before: { role: current.role, storeIds: current.store_ids, maxDiscountBp: current.max_discount_bp, active: current.active },
            passwordChanged: !!passwordHash,
            pinChanged: !!pinHash,
          },
          requestId: request.id,
        });
        return u;
      });
      // A change of who may do what, or of the password, ends the user's open sessions.
      if (b.role !== undefined || b.storeIds !== undefined || b.active === false || passwordHash) await deps.sessions.endAllFor(row.id);
      return present(row);
    },
  );

  app.get('/api/v1/roles', { config: { permission: 'users.manage' } }, async () => ({ roles: await listRoles(db), permissions: PERMISSIONS }));

  app.post<{ Body: Static<typeof NewRole> }>('/api/v1/roles', { schema: { body: NewRole }, config: { permission: 'users.manage' } }, async (request, reply) => {
    const actor = request.principal as Principal;
    const b = request.body;
    const permissions = b.permissions.filter(isPermission) as Permission[];
    if (permissions.some((p) => !actor.permissions.has(p)) || b.maxDiscountBp > actor.maxDiscountBp) {
      throw new Problem('user.grant_not_permitted', 'a role cannot hold more than you do');
    }
    if (await findRole(db, b.name)) throw new Problem('role.name_taken');
    try {
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('roles').values({ name: b.name, permissions, max_discount_bp: b.maxDiscountBp }).execute();
        await appendAudit(tx, {
          actor: actor.id,
          action: 'role.created',
          subject: b.name,
          detail: { permissions, maxDiscountBp: b.maxDiscountBp },
          requestId: request.id,
        });
      });
    } catch (e) {
      if (isUniqueViolation(e, 'roles_pkey')) throw new Problem('role.name_taken');
      throw e;
    }
    reply.code(201);
    return { name: b.name, permissions, maxDiscountBp: b.maxDiscountBp, builtIn: false };
  });
};
