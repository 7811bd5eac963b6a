import { ConfigError, readConfig } from './config.js';
import { startKeel } from './keel-server.js';

/** `npm start`: read the environment once, start everything, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(process.env, process.cwd());
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Keel cannot start: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  let server: Awaited<ReturnType<typeof startKeel>>;
  try {
    server = await startKeel(config);
  } catch (e) {
    // One plain line (no stack): systemd restarts us, the journal keeps the reason.
    console.error(JSON.stringify({ level: 50, time: Date.now(), msg: `Keel cannot start: ${(e as Error).message}` }));
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    server.app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'Keel stopping: refusing new requests, finishing those in flight');
    const force = setTimeout(() => {
      server.app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'Keel did not stop in time; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      await server.close();
    } catch (e) {
      server.app.log.error({ err: { message: (e as Error).message } }, 'error while stopping');
      process.exit(1);
    }
    server.app.log.info({ ms: Date.now() - started }, 'Keel stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
