import net from 'node:net';

/** How bad the network between the tills and the server is; probabilities are per connection. */
export interface NetworkFaults {
  /** Added to every chunk in each direction, plus up to `jitterMs` more (order is kept). */
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** The answer is held back for `stallMs[0]..stallMs[1]` before it flows (past the till's timeout: a cut). */
  readonly stall: number;
  readonly stallMs: readonly [number, number];
  /** The request is cut half-way: the server never gets all of it. */
  readonly cutRequest: number;
  /** The request reaches the server whole, the answer is cut (none or half of it reaches the till). */
  readonly cutResponse: number;
  /** A TCP reset (RST) to the till at a random moment of the exchange. */
  readonly reset: number;
}

export const CALM: NetworkFaults = { latencyMs: 0, jitterMs: 0, stall: 0, stallMs: [0, 0], cutRequest: 0, cutResponse: 0, reset: 0 };

type Fault = 'none' | 'stall' | 'cutRequest' | 'cutResponse' | 'reset';

/**
 * A fault-injecting TCP proxy between the simulated tills and the Keel server: latency and jitter on
 * every chunk, answers stalled, requests cut mid-way, answers cut after the server committed (the
 * dangerous case: the till never hears "recorded" and retries with the same UUID) and resets.
 * One fault at most per connection, drawn from a seeded generator; `counts` says what was injected.
 */
export class FaultProxy {
  readonly url: string;
  readonly counts: Record<Fault, number> = { none: 0, stall: 0, cutRequest: 0, cutResponse: 0, reset: 0 };
  faults: NetworkFaults = CALM;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #seed: number;

  private constructor(server: net.Server, port: number, seed: number) {
    this.#server = server;
    this.url = `http://127.0.0.1:${port}`;
    this.#seed = seed;
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `target` (an http://host:port URL). */
  static async start(target: string, seed = 11): Promise<FaultProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = net.createServer((client) => {
      if (proxy) proxy.#connection(client, hostname, Number(port));
      else client.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port, seed);
    return proxy;
  }

  #random(): number {
    this.#seed = (this.#seed * 1103515245 + 12345) & 0x7fffffff;
    return this.#seed / 0x7fffffff;
  }

  #pick(): Fault {
    const f = this.faults;
    let r = this.#random();
    for (const kind of ['stall', 'cutRequest', 'cutResponse', 'reset'] as const) {
      if (r < f[kind]) return kind;
      r -= f[kind];
    }
    return 'none';
  }

  #connection(client: net.Socket, host: string, port: number): void {
    const fault = this.#pick();
    this.counts[fault]++;
    const f = this.faults;
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    }
    let broken = false;
    const breakOff = (rst: boolean) => {
      if (broken) return;
      broken = true;
      if (rst && !client.destroyed) client.resetAndDestroy();
      else client.destroy();
      upstream.destroy();
    };
    client.on('error', () => breakOff(false));
    upstream.on('error', () => breakOff(true));
    if (fault === 'reset') setTimeout(() => breakOff(true), this.#random() * (2 * f.latencyMs + f.jitterMs + 20));
    const stallFor = fault === 'stall' ? f.stallMs[0] + this.#random() * (f.stallMs[1] - f.stallMs[0]) : 0;
    const toServer = this.#delayed(upstream, () => broken);
    const toTill = this.#delayed(client, () => broken);
    let answered = false;
    client.on('data', (chunk: Buffer) => {
      if (fault !== 'cutRequest') return toServer(chunk, 0);
      toServer(chunk.subarray(0, Math.floor(chunk.length / 2)), 0, () => breakOff(false));
    });
    upstream.on('data', (chunk: Buffer) => {
      const first = !answered;
      answered = true;
      if (fault !== 'cutResponse') return toTill(chunk, first ? stallFor : 0);
      // The server has answered, so it has committed (or refused) the sale; the till gets half or nothing.
      if (first) toTill(this.#random() < 0.5 ? chunk.subarray(0, Math.floor(chunk.length / 2)) : Buffer.alloc(0), 0, () => breakOff(true));
    });
    // Closing travels in order behind the data still on its way.
    client.on('close', () => toServer(null, 0, () => upstream.end()));
    upstream.on('close', () => toTill(null, 0, () => client.end()));
  }

  /** Writes to `to` after latency + jitter (+ `extraMs`), never out of order; `then` runs after the write. */
  #delayed(to: net.Socket, isClosed: () => boolean) {
    let lastAt = 0;
    return (chunk: Buffer | null, extraMs: number, then?: () => void) => {
      const f = this.faults;
      const at = Math.max(lastAt, Date.now() + f.latencyMs + this.#random() * f.jitterMs + extraMs);
      lastAt = at;
      const write = () => {
        if (isClosed() || to.destroyed) return;
        if (chunk && chunk.length > 0) to.write(chunk);
        then?.();
      };
      if (at <= Date.now()) write();
      else setTimeout(write, at - Date.now());
    };
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
