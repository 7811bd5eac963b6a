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
  const server = await startKeel(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'Keel stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
