// Starts the built console for the Playwright suite on a fresh, throw-away data directory.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const port = process.argv[2] ?? '3100';
const dataDir = mkdtempSync(path.join(tmpdir(), 'migawka-e2e-'));
const child = spawn(
  process.execPath,
  ['node_modules/next/dist/bin/next', 'start', '-p', port, '-H', '127.0.0.1'],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      MIGAWKA_DATA_DIR: dataDir,
      MIGAWKA_DB_PATH: path.join(dataDir, 'migawka.db'),
      // Slow enough that an operator (and a test) can watch steps progress and cancel mid-way.
      MIGAWKA_LAB_STEP_DELAY_MS: process.env.MIGAWKA_LAB_STEP_DELAY_MS ?? '400',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
