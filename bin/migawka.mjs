#!/usr/bin/env node
// The `migawka` command: registers tsx so the TypeScript sources run as they are in a clone
// (no build step for the CLI), then hands over to server/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/cli.ts');
await runCli(process.argv);
