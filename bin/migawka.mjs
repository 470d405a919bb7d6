#!/usr/bin/env node
// The `migawka` command: registers tsx so the TypeScript sources run as they are in a clone
// (no build step for the CLI), then hands over to server/cli.ts.
import { register } from 'tsx/esm/api';

register();
let runCli;
try {
  ({ runCli } = await import('../server/cli.ts'));
} catch (error) {
  // The configuration is read as the modules load (the logger's level): a bad variable is named in
  // words, as runCli names it, with exit 2 (invalid input), never as a stack trace.
  if (error?.name !== 'ConfigError') throw error;
  console.error(error.message);
  process.exit(2);
}
await runCli(process.argv);
