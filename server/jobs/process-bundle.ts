/**
 * Tests that start real processes (the scale-out proof's workers and web nodes) compile their
 * TypeScript once, into one ES module each, instead of letting every process compile it again:
 * under `tsx` a `migawka worker` spends ~6 s of CPU loading the sources before its first query
 * (~2 s from a bundle), which on a loaded two-core machine is tens of seconds of wall time for
 * each worker a test kills and replaces.
 *
 * The bundle is the same sources, started the same way (`bin/migawka.mjs` only registers tsx and
 * calls runCli): esbuild compiles the project's own modules into one file and leaves every package
 * to node_modules (`packages: 'external'`), so the file is written under the project's
 * node_modules, from where those imports resolve. `import.meta.dirname` is left undefined, as in
 * Next's server bundle: the modules that locate files by it fall back to the working directory,
 * the project root (server/drivers/hyperv/hyperv-scripts.ts, db/client.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS, PROJECT_ROOT as ROOT } from '../node-bundle';

export interface ProcessBundles {
  /** `node <cli> worker …` runs what `node bin/migawka.mjs worker …` runs. */
  cli: string;
  /** `node <webNode> <port>` runs scripts/web-node.ts. */
  webNode: string;
  remove(): void;
}

/** Compiles the CLI and the web node into a directory of their own (one per test process). */
export async function bundleProcesses(label: string): Promise<ProcessBundles> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'migawka-process-bundles', `${label}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const common = NODE_BUNDLE_OPTIONS;
  const cli = path.join(dir, 'cli.mjs');
  const webNode = path.join(dir, 'web-node.mjs');
  await Promise.all([
    build({
      ...common,
      stdin: {
        contents: "import { runCli } from './server/cli';\nawait runCli(process.argv);\n",
        resolveDir: ROOT,
        loader: 'ts',
        sourcefile: 'bin/migawka.mjs',
      },
      outfile: cli,
    }),
    build({ ...common, entryPoints: [path.join(ROOT, 'scripts/web-node.ts')], outfile: webNode }),
  ]);
  return { cli, webNode, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
