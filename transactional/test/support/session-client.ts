/** A small HTTP client that keeps one person's session the way a browser would: cookie, CSRF token, till key. */
export class SessionClient {
  cookie: string | undefined;
  csrf: string | undefined;
  setCookie: string | null = null;

  constructor(
    readonly base: string,
    readonly opts: { tillKey?: string; token?: string } = {},
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...(this.opts.tillKey ? { 'x-keel-till': this.opts.tillKey } : {}),
        ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) {
      this.setCookie = set;
      const pair = set.split(';')[0] as string;
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    return res;
  }

  /** Sign in (or set up the owner, or PIN at a till) and keep the session. */
  async signIn(path: '/api/v1/auth/sign-in' | '/api/v1/auth/pin' | '/api/v1/auth/setup', body: Record<string, string>): Promise<Response> {
    const res = await this.request('POST', path, body);
    if (res.ok) this.csrf = (await res.clone().json()).csrfToken;
    return res;
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown, headers?: Record<string, string>) => this.request('POST', path, body, headers);
  patch = (path: string, body: unknown) => this.request('PATCH', path, body);
}
