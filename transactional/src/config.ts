import path from 'node:path';
import { TENDER_KINDS, type TenderKind } from '@keel/core';

/** Keel's whole configuration, read once in the composition root. Nothing else reads process.env. */
export interface KeelConfig {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL URL; when unset, an embedded PostgreSQL (PGlite) under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** NATS URL; when unset, the in-process bus hands outbox events straight to the loader. */
  readonly natsUrl: string | undefined;
  /** ClickHouse server URL; when unset, chDB under dataDir. */
  readonly clickhouseUrl: string | undefined;
  readonly dataDir: string;
  /** The store this server runs (one Keel server per store). */
  readonly storeId: number;
  readonly storeName: string;
  readonly timeZone: string;
  readonly currency: string;
  /** Subject prefix and stream name on NATS (tests use their own). */
  readonly natsSubjectPrefix: string;
  readonly natsStream: string;
  readonly natsConsumer: string;
  /** A full loader batch loads at once; a partial one at most once per loaderBatchMs (see JetStreamLoader). */
  readonly loaderBatchRows: number;
  readonly loaderBatchMs: number;
  /**
   * With NATS, while nobody looks at a dashboard or analytics page (warehouse-watch.ts), a partial
   * batch loads at most once per loaderUnwatchedMs, a full one at the same rows per second.
   */
  readonly loaderUnwatchedMs: number;
  readonly relayBatchRows: number;
  readonly relayIdleMs: number;
  /** After a partial batch the relay waits this long before the next, so one batch carries many sales. */
  readonly relayLingerMs: number;
  /** Largest request body accepted, bytes. */
  readonly bodyLimit: number;
  /** Requests from this machine (loopback) act as the store owner. Off by default: people sign in. */
  readonly trustLoopback: boolean;
  /** A session ends after this many minutes without a request. */
  readonly sessionIdleMinutes: number;
  /** Sign-in attempts (password or PIN) allowed per client address per minute. */
  readonly signInRatePerMinute: number;
  readonly logLevel: string;
  /** Port of the read-only ClickHouse-HTTP analyst endpoint; null = off. */
  readonly analystPort: number | null;
  /** Limits of every analyst query. */
  readonly analystMaxExecutionSeconds: number;
  readonly analystMaxMemoryBytes: number;
  readonly analystMaxResultRows: number;
  /** Scheduled jobs (reports, backups, exports, reconciliation) run in this process. */
  readonly jobsEnabled: boolean;
  /** SMTP server for reports, e.g. smtp://user:pass@mail.example:587; unset: mail waits in the queue. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** A second directory or mount that receives a copy of every backup. */
  readonly backupCopyDir: string | undefined;
  /** AES-256-GCM key for backups (32 bytes); unset: backups are not encrypted. */
  readonly backupKey: Buffer | undefined;
  readonly backupRetention: { readonly daily: number; readonly weekly: number; readonly monthly: number };
  readonly exportDir: string;
  /** Checkout terminal offline limits: largest sale (minor units), tenders allowed, hours without the server. */
  readonly terminalOfflineMaxSale: number;
  readonly terminalOfflineTenders: readonly TenderKind[];
  readonly terminalOfflineMaxHours: number;
  /** Cash totals rounded to this many minor units at the till (1 = none, 5 = to 0.05). */
  readonly terminalCashRounding: number;
  /** Where backups go (pre-migration backups too); default DATA_DIR/backups. */
  readonly backupDir: string;
  /** Below this much free space on the data volume, Keel refuses uploads and backups and alerts. */
  readonly diskMinFreeBytes: number;
  /** Largest file the file store takes, in bytes (FILE_MAX_MB). */
  readonly fileMaxBytes: number;
  /** On SIGTERM, exit within this bound even if something hangs. */
  readonly shutdownTimeoutMs: number;
  /**
   * A certificate the store provides. With tlsKeyFile, Keel serves it on httpsPort instead of its own
   * local CA's; alone, it is the certificate of a reverse proxy in front of Keel. `keel doctor` checks its expiry.
   */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** HTTPS for tills on the LAN (service workers and persisted storage need a secure context); null = off. */
  readonly httpsPort: number | null;
  /** Names or addresses added to the host's own in Keel's server certificate (e.g. a DNS name on the store router). */
  readonly tlsExtraNames: readonly string[];
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must use ${protocols.join(' or ')}`);
  return raw;
}

function backupKey(env: Env): Buffer | undefined {
  const raw = env.BACKUP_KEY;
  if (raw === undefined || raw === '') return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('BACKUP_KEY must be 32 bytes: 64 hex digits or base64');
  return key;
}

function timeZone(raw: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(`STORE_TIMEZONE "${raw}" is not a known IANA time zone`);
  }
  return raw;
}

function tenderKinds(raw: string): TenderKind[] {
  const kinds = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = kinds.find((k) => !(TENDER_KINDS as readonly string[]).includes(k));
  if (bad) throw new ConfigError(`TERMINAL_OFFLINE_TENDERS: unknown tender "${bad}" (use ${TENDER_KINDS.join(', ')})`);
  return kinds as TenderKind[];
}

function tlsNames(raw: string): string[] {
  const names = raw
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  const bad = names.find((n) => !/^([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$/.test(n) && !/^[0-9a-f:.]+$/.test(n));
  if (bad) throw new ConfigError(`TLS_EXTRA_NAMES: "${bad}" is not a host name or an IP address`);
  return names;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
function logLevel(raw: string): string {
  if (!LOG_LEVELS.includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw;
}

/** Read and check the configuration; throws ConfigError with the offending variable named. */
export function readConfig(env: Env, cwd: string, overrides: Partial<KeelConfig> = {}): KeelConfig {
  const prefix = env.NATS_SUBJECT_PREFIX ?? 'keel';
  if (!/^[a-zA-Z0-9_-]+$/.test(prefix)) throw new ConfigError('NATS_SUBJECT_PREFIX may hold letters, digits, - and _ only');
  const config: KeelConfig = {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    natsUrl: url(env, 'NATS_URL', ['nats:', 'tls:']),
    clickhouseUrl: url(env, 'CLICKHOUSE_URL', ['http:', 'https:']),
    dataDir: path.resolve(cwd, env.DATA_DIR || 'data'),
    storeId: int(env, 'STORE_ID', 1, 1, 4_294_967_295),
    storeName: env.STORE_NAME || 'Main store',
    timeZone: timeZone(env.STORE_TIMEZONE || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    currency: (env.CURRENCY || 'EUR').toUpperCase(),
    natsSubjectPrefix: prefix,
    natsStream: env.NATS_STREAM || 'KEEL',
    natsConsumer: env.NATS_CONSUMER || 'keel-warehouse',
    loaderBatchRows: int(env, 'LOADER_BATCH_ROWS', 250, 1, 1_000_000),
    loaderBatchMs: int(env, 'LOADER_BATCH_MS', 1000, 1, 60_000),
    // Under the JetStream consumer's 30 s ack wait, with room for the load itself.
    loaderUnwatchedMs: int(env, 'LOADER_UNWATCHED_MS', 5000, 1, 20_000),
    relayBatchRows: int(env, 'RELAY_BATCH_ROWS', 500, 1, 100_000),
    relayIdleMs: int(env, 'RELAY_IDLE_MS', 50, 1, 60_000),
    relayLingerMs: int(env, 'RELAY_LINGER_MS', 20, 0, 60_000),
    bodyLimit: int(env, 'BODY_LIMIT', 1_048_576, 1024, 1_073_741_824),
    jobsEnabled: bool(env, 'JOBS_ENABLED', true),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'Keel <keel@localhost>',
    backupDir: path.resolve(cwd, env.BACKUP_DIR || path.join(env.DATA_DIR || 'data', 'backups')),
    backupCopyDir: env.BACKUP_COPY_DIR ? path.resolve(cwd, env.BACKUP_COPY_DIR) : undefined,
    backupKey: backupKey(env),
    backupRetention: {
      daily: int(env, 'BACKUP_KEEP_DAILY', 7, 1, 366),
      weekly: int(env, 'BACKUP_KEEP_WEEKLY', 4, 0, 520),
      monthly: int(env, 'BACKUP_KEEP_MONTHLY', 12, 0, 1200),
    },
    exportDir: path.resolve(cwd, env.EXPORT_DIR || path.join(env.DATA_DIR || 'data', 'exports')),
    terminalOfflineMaxSale: int(env, 'TERMINAL_OFFLINE_MAX_SALE', 50_000, 0, 1_000_000_000),
    terminalOfflineTenders: tenderKinds(env.TERMINAL_OFFLINE_TENDERS ?? 'cash,card'),
    terminalOfflineMaxHours: int(env, 'TERMINAL_OFFLINE_MAX_HOURS', 24, 0, 24 * 30),
    terminalCashRounding: int(env, 'TERMINAL_CASH_ROUNDING', 1, 1, 100),
    trustLoopback: bool(env, 'TRUST_LOOPBACK', false),
    sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    signInRatePerMinute: int(env, 'SIGN_IN_RATE_PER_MINUTE', 30, 1, 10_000),
    logLevel: logLevel(env.LOG_LEVEL || 'info'),
    diskMinFreeBytes: int(env, 'DISK_MIN_FREE_MB', 2048, 0, 100_000_000) * 1024 * 1024,
    fileMaxBytes: int(env, 'FILE_MAX_MB', 4096, 1, 1_000_000) * 1024 * 1024,
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 8000, 100, 300_000),
    tlsCertFile: env.TLS_CERT_FILE ? path.resolve(cwd, env.TLS_CERT_FILE) : undefined,
    tlsKeyFile: env.TLS_KEY_FILE ? path.resolve(cwd, env.TLS_KEY_FILE) : undefined,
    httpsPort: /^(off)$/i.test(env.HTTPS_PORT ?? '') ? null : int(env, 'HTTPS_PORT', 8443, 0, 65535),
    tlsExtraNames: tlsNames(env.TLS_EXTRA_NAMES ?? ''),
    analystPort: /^(off|0)$/i.test(env.ANALYST_PORT ?? '') ? null : int(env, 'ANALYST_PORT', 8123, 1, 65535),
    analystMaxExecutionSeconds: int(env, 'ANALYST_MAX_EXECUTION_SECONDS', 30, 1, 86_400),
    analystMaxMemoryBytes: int(env, 'ANALYST_MAX_MEMORY_BYTES', 2_000_000_000, 10_000_000, Number.MAX_SAFE_INTEGER),
    analystMaxResultRows: int(env, 'ANALYST_MAX_RESULT_ROWS', 1_000_000, 1, 1_000_000_000),
    ...overrides,
  };
  if (config.tlsKeyFile && !config.tlsCertFile) throw new ConfigError('TLS_KEY_FILE needs TLS_CERT_FILE: the certificate that goes with the key');
  if (config.httpsPort !== null && config.httpsPort !== 0 && config.httpsPort === config.port) throw new ConfigError('HTTPS_PORT must differ from PORT');
  if (!/^[A-Z]{3}$/.test(config.currency)) throw new ConfigError('CURRENCY must be a three-letter ISO 4217 code');
  return config;
}
