/**
 * The query thread's code: thread.ts and the server modules it imports, compiled by esbuild into
 * one ES module when the console starts (~0.3 s). The main thread runs the same sources through
 * tsx, so the two always run the same code; compiled ahead, a thread also needs no TypeScript
 * loader of its own, which held ~60 MB a thread (docs/BENCHMARKS.md).
 *
 * As in server/jobs/process-bundle.ts: every package is left to node_modules (`packages:
 * 'external'`), so the file is written under the project's node_modules, from where those imports
 * resolve, and `import.meta.dirname` is left undefined, so the modules that locate files by it fall
 * back to the working directory (the project root, where `npm start` runs). The file is written
 * aside and renamed into place: two consoles starting from one checkout never read half a file.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');

export async function bundleQueryThread(): Promise<URL> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'migawka');
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'query-thread.mjs');
  const written = `${target}.${process.pid}.tmp`;
  await build({
    entryPoints: [path.join(ROOT, 'server/query-threads/thread.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    define: { 'import.meta.dirname': 'undefined' },
    logLevel: 'warning',
    absWorkingDir: ROOT,
    outfile: written,
  });
  renameSync(written, target);
  return pathToFileURL(target);
}
