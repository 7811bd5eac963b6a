import { type Kysely, sql } from 'kysely';

/**
 * Built-in file sharing: folders (a root folder is a space: one per store, one chain-wide), grants by
 * role or user on a folder (inherited by subfolders), files with kept versions, and a trash
 * (deleted_at). Contents live on disk, content-addressed by sha256; rows only name them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE file_folders (
      id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
      parent_id text REFERENCES file_folders(id),
      -- Root folders only: the store whose space this is; NULL for the chain-wide space.
      store_id integer REFERENCES stores(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
      -- Root folders only: the space's quota in bytes (every version of every file counts).
      quota_bytes bigint CHECK (quota_bytes >= 0),
      -- Root folders only: bytes of every version of every file in the space, kept in step by each upload.
      used_bytes bigint NOT NULL DEFAULT 0,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      deleted_by text
    );
    CREATE UNIQUE INDEX file_folders_live_name ON file_folders (coalesce(parent_id, ''), lower(name)) WHERE deleted_at IS NULL;
    CREATE UNIQUE INDEX file_folders_one_store_space ON file_folders (coalesce(store_id, 0)) WHERE parent_id IS NULL;
    CREATE TABLE file_grants (
      folder_id text NOT NULL REFERENCES file_folders(id),
      role text,
      user_id integer REFERENCES users(id),
      level text NOT NULL CHECK (level IN ('none', 'read', 'write', 'manage')),
      CHECK ((role IS NULL) <> (user_id IS NULL))
    );
    CREATE UNIQUE INDEX file_grants_role ON file_grants (folder_id, role) WHERE role IS NOT NULL;
    CREATE UNIQUE INDEX file_grants_user ON file_grants (folder_id, user_id) WHERE user_id IS NOT NULL;
    CREATE TABLE files (
      id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
      folder_id text NOT NULL REFERENCES file_folders(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
      version integer NOT NULL DEFAULT 1,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint NOT NULL CHECK (size >= 0),
      media_type text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      deleted_by text
    );
    CREATE UNIQUE INDEX files_live_name ON files (folder_id, lower(name)) WHERE deleted_at IS NULL;
    CREATE INDEX files_name_trgm ON files USING gin (lower(name) gin_trgm_ops);
    CREATE TABLE file_versions (
      file_id text NOT NULL REFERENCES files(id),
      version integer NOT NULL,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint NOT NULL CHECK (size >= 0),
      media_type text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (file_id, version)
    );
    -- Product images and supplier documents, attached from the file area (the file keeps its folder's access).
    CREATE TABLE product_files (
      product_id bigint NOT NULL REFERENCES products(id),
      file_id text NOT NULL REFERENCES files(id),
      kind text NOT NULL CHECK (kind IN ('image', 'document')),
      attached_by text NOT NULL,
      attached_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (product_id, file_id)
    );
    CREATE INDEX product_files_file ON product_files (file_id);
  `.execute(db);
}
