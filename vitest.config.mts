import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['server/**/*.test.ts', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'app/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // One fork per core, not Vitest's default of one fewer: much of the suite waits on PostgreSQL,
    // child processes and sockets, so a 2-core machine would otherwise run one file at a time
    // (the unit stage took 21 min on one fork here and 13 on two).
    maxWorkers: availableParallelism(),
    // Generous: CLI and worker tests spawn real processes, which a loaded 2-core machine starts
    // slowly (a stalled test still fails, only later). No test measures speed with a timeout.
    testTimeout: 90_000,
    // The PostgreSQL halves create and migrate a throwaway database in their first hook.
    hookTimeout: 60_000,
  },
});
