/**
 * Accounts at server start: the demo lab's admin when MIGAWKA_DEMO_ADMIN asks for one, then — if
 * still no account exists — a one-time setup token, logged with the link that uses it, so that
 * whoever can read the server's log (and only they) creates the first admin on /setup.
 */
import type { AccountDirectory } from '../auth/directory';
import { issueSetupToken } from '../auth/setup-token';
import type { AuthConfig } from '../config';
import type { ServiceContext } from '../context';
import { ensureDemoAdmin, needsSetup } from './account-service';

export async function prepareAccounts(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  options: { auth: AuthConfig; port: number },
): Promise<{ demoAdminCreated: boolean; setupToken: string | null }> {
  const demo = options.auth.demoAdmin;
  const demoAdminCreated = demo ? await ensureDemoAdmin(accounts, ctx, demo) : false;
  if (demoAdminCreated && demo)
    ctx.log.info({ email: demo.email }, 'demo admin created (MIGAWKA_DEMO_ADMIN)');
  if (!(await needsSetup(accounts))) return { demoAdminCreated, setupToken: null };
  const setupToken = issueSetupToken();
  const link = `http://localhost:${options.port}/setup?token=${setupToken}`;
  ctx.log.warn(
    { setupLink: link },
    `No account exists yet. Create the first admin: open ${link} (or run: npx migawka user add --email you@example.com --role admin)`,
  );
  return { demoAdminCreated, setupToken };
}
