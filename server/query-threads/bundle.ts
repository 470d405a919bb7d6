/**
 * The query thread's code: thread.ts and the server modules it imports, compiled by esbuild into
 * one ES module when the console starts (~0.3 s; server/node-bundle.ts says how). The main thread
 * runs the same sources through tsx, so the two always run the same code; compiled ahead, a thread
 * also needs no TypeScript loader of its own, which held ~60 MB a thread (docs/BENCHMARKS.md).
 * The file is written aside and renamed into place: two consoles starting from one checkout never
 * read half a file.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS, PROJECT_ROOT as ROOT } from '../node-bundle';

export async function bundleQueryThread(): Promise<URL> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'migawka');
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'query-thread.mjs');
  const written = `${target}.${process.pid}.tmp`;
  await build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: [path.join(ROOT, 'server/query-threads/thread.ts')],
    outfile: written,
  });
  renameSync(written, target);
  return pathToFileURL(target);
}
