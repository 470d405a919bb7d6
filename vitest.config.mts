import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['server/**/*.test.ts', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'app/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Generous: CLI and worker tests spawn real processes, which a loaded 2-core machine starts
    // slowly (a stalled test still fails, only later). No test measures speed with a timeout.
    testTimeout: 90_000,
    // The PostgreSQL halves create and migrate a throwaway database in their first hook.
    hookTimeout: 60_000,
  },
});
