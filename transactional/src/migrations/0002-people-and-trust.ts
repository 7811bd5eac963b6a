import { type Kysely, sql } from 'kysely';
import { auditHash, GENESIS_HASH } from '../audit-log.js';

/**
 * People and trust: users (scrypt password and PIN hashes), custom roles, sign-in failure counters,
 * sessions (token hashes only), enrolled tills (key hashes only), API tokens tied to a user, and the
 * audit log made append-only and hash-chained.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE roles (
      name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,31}$'),
      permissions text[] NOT NULL,
      max_discount_bp integer NOT NULL CHECK (max_discount_bp BETWEEN 0 AND 10000),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE users (
      id bigserial PRIMARY KEY,
      username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{2,64}$'),
      display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
      role text NOT NULL,
      store_ids integer[],
      max_discount_bp integer CHECK (max_discount_bp BETWEEN 0 AND 10000),
      password_hash text,
      pin_hash text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE sign_in_failures (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      locked_until timestamptz
    );
    CREATE TABLE tills (
      id bigserial PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      store_id integer NOT NULL REFERENCES stores(id),
      key_sha256 text NOT NULL UNIQUE,
      enrolled_by bigint REFERENCES users(id),
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE sessions (
      token_sha256 text PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users(id),
      csrf_token text NOT NULL,
      till_id bigint REFERENCES tills(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    ALTER TABLE api_tokens ADD COLUMN user_id bigint REFERENCES users(id);
    ALTER TABLE api_tokens ALTER COLUMN role DROP NOT NULL;
    ALTER TABLE audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
  `.execute(db);

  // Chain the entries written before this migration, in order.
  const rows = await sql<{ id: number; at: Date; actor: string; action: string; subject: string | null; detail: unknown; request_id: string | null }>`
    SELECT id, date_trunc('milliseconds', at) AS at, actor, action, subject, detail, request_id FROM audit_log ORDER BY id`.execute(db);
  let prev = GENESIS_HASH;
  for (const r of rows.rows) {
    const at = new Date(r.at).toISOString();
    const hash = auditHash(prev, at, { actor: r.actor, action: r.action, subject: r.subject, detail: r.detail, requestId: r.request_id });
    await sql`UPDATE audit_log SET at = ${at}::timestamptz, prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`.execute(db);
    prev = hash;
  }

  await sql`
    ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
    CREATE INDEX audit_log_action ON audit_log (action, id);
    CREATE INDEX audit_log_actor ON audit_log (actor, id);
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}
