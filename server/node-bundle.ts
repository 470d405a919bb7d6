/**
 * How the project compiles its own TypeScript into one ES module for Node (esbuild): the query
 * threads (server/query-threads/bundle.ts) and the processes the scale-out tests start
 * (server/jobs/process-bundle.ts). Every package is left to node_modules (`packages: 'external'`),
 * so the file must be written under the project's node_modules, from where those imports resolve;
 * `import.meta.dirname` is left undefined, as in Next's server bundle, so the modules that locate
 * files by it fall back to the working directory (the project root).
 */
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.dirname': 'undefined' },
  logLevel: 'warning',
  absWorkingDir: PROJECT_ROOT,
} as const satisfies BuildOptions;
