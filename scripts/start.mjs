// `npm start` / `npm run dev`: serves the console on the address and port of the configuration
// (server/config.ts: MIGAWKA_HOST, default 127.0.0.1 so a fresh start is reachable from this machine
// only; PORT, default 3000). `next start` alone would listen on every interface.
import { spawn } from 'node:child_process';
import { register } from 'tsx/esm/api';

register();
const { ConfigError, loadConfig } = await import('../server/config.ts');
const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['node_modules/next/dist/bin/next', mode, '-H', config.host, '-p', String(config.port)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
