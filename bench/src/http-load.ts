import autocannon from 'autocannon';

export interface HttpLoadOptions {
  readonly url: string;
  readonly path: string;
  readonly method?: 'POST' | 'PUT' | 'GET';
  readonly connections: number;
  readonly seconds: number;
  /** A fresh body for every request (called by autocannon's setupRequest). */
  readonly body: () => string;
}

export interface HttpLoadStep {
  readonly connections: number;
  readonly seconds: number;
  /** 2xx responses per second over the step. */
  readonly okPerSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Drive one endpoint with autocannon at a fixed number of connections, one request in flight each. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadStep> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'POST',
        path: options.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: options.body() }),
      },
    ],
  });
  const elapsedSeconds = result.duration > 0 ? result.duration : options.seconds;
  return {
    connections: options.connections,
    seconds: options.seconds,
    okPerSecond: result['2xx'] / elapsedSeconds,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}
