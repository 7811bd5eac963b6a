import { type KeelServer, startKeel } from '../../src/keel-server.js';
import { SessionClient } from './session-client.js';
import { createTestDatabase, tempDataDir, testConfig } from './test-env.js';

/** The four people of the file-sharing tests: the owner, store 1's manager and cashier, and store 2's manager. */
export const PEOPLE = {
  owner: { username: 'olivia', displayName: 'Olivia Owner', password: 'owner pass 1234' },
  manager: { username: 'manon', displayName: 'Manon Manager', role: 'manager', password: 'manager pass 123', storeIds: [1] },
  cashier: { username: 'carl', displayName: 'Carl Cashier', role: 'cashier', password: 'cashier pass 123', storeIds: [1] },
  otherManager: { username: 'otto', displayName: 'Otto Other', role: 'manager', password: 'other pass 1234', storeIds: [2] },
} as const;
export type Person = keyof typeof PEOPLE;

export interface FileWorld {
  readonly server: KeelServer;
  readonly dataDir: string;
  readonly clients: Record<Person, SessionClient>;
  /** Store 1's space (named after the store: "Main store"). */
  readonly storeSpaceId: string;
  close(): Promise<void>;
}

/** A server on real PostgreSQL with two stores and the four people signed in. */
export async function fileWorld(overrides: Parameters<typeof testConfig>[1] = {}, dashboardsDist: string | null = null): Promise<FileWorld> {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  const server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { signInRatePerMinute: 1000, ...overrides }), { dashboardsDist });
  await server.db.insertInto('stores').values({ id: 2, name: 'Harbour store', time_zone: 'Europe/Paris', currency: 'EUR' }).execute();
  const owner = new SessionClient(server.url);
  const setup = await owner.signIn('/api/v1/auth/setup', PEOPLE.owner);
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const clients = { owner } as Record<Person, SessionClient>;
  for (const who of ['manager', 'cashier', 'otherManager'] as const) {
    const res = await owner.post('/api/v1/users', PEOPLE[who]);
    if (res.status !== 201) throw new Error(`user ${who}: ${res.status} ${await res.text()}`);
    const c = new SessionClient(server.url);
    const s = await c.signIn('/api/v1/auth/sign-in', { username: PEOPLE[who].username, password: PEOPLE[who].password });
    if (s.status !== 200) throw new Error(`sign-in ${who}: ${s.status} ${await s.text()}`);
    clients[who] = c;
  }
  const spaces = (await (await owner.get('/api/v1/files/spaces')).json()).spaces as Array<{ id: string; storeId: number | null }>;
  const storeSpaceId = spaces.find((s) => s.storeId === 1)?.id as string;
  return {
    server,
    dataDir: dir.dir,
    clients,
    storeSpaceId,
    close: async () => {
      await server.close();
      await db.drop();
      dir.remove();
    },
  };
}

/** Upload raw bytes (or a stream) the way the files page does. */
export function upload(client: SessionClient, folderId: string, name: string, body: BodyInit): Promise<Response> {
  return fetch(`${client.base}/api/v1/files/folders/${folderId}/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      ...(client.cookie ? { cookie: client.cookie } : {}),
      ...(client.csrf ? { 'x-csrf-token': client.csrf } : {}),
    },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}
