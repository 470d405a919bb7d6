/**
 * `migawka secrets list|rotate`: the vault from a shell, against the configured database and key
 * (MIGAWKA_SECRET_KEY, or the key file beside the database). Values are never printed; a rotation,
 * done or refused, is recorded in the audit trail.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { closeProcessDatabase, openProcessDatabase, storesOf } from '../db/process-database';
import { getConfig } from './config';
import { createServiceContext } from './context';
import { vaultKeysOf } from './database-keys';
import { createLogger } from './logger';
import { recordAudit } from './services/audit-service';
import { isDomainError } from './services/errors';
import { VaultKeyError } from './services/vault-key';
import { listSecrets, rotateVaultKey } from './services/vault-service';

/** The vault of the configured database, with its key (server/database-keys.ts). */
async function openVault() {
  const database = await openProcessDatabase(getConfig().database);
  return {
    stores: storesOf(database),
    keys: vaultKeysOf(database),
    close: () => closeProcessDatabase(database),
  };
}

/** Vault failures are the operator's to fix: the message says how; a stack trace would not help. */
async function reportingVaultErrors(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof VaultKeyError) && !isDomainError(error)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

export function registerSecretsCommand(program: Command): void {
  const secrets = program
    .command('secrets')
    .description("the connectors' credentials (values are never shown)");
  secrets
    .command('list')
    .description('list the stored secrets (name, kind, user, key, last use) and the configured key')
    .action(() =>
      reportingVaultErrors(async () => {
        const vault = await openVault();
        try {
          const list = await listSecrets(vault.stores, vault.keys);
          console.log(`Vault key: ${vault.keys.location} (key id ${vault.keys.read()?.id ?? 'none yet'})`);
          for (const secret of list) {
            console.log(
              `${secret.name}  ${secret.kind}${secret.username ? `  user ${secret.username}` : ''}  key ${secret.keyId}${secret.sealedUnderCurrentKey ? '' : ' (NOT the configured key)'}  last used ${secret.lastUsedAt?.toISOString() ?? 'never'}  used with ${secret.usedWith.join(', ') || 'no address yet'}`,
            );
          }
          console.log(`${list.length} secret${list.length === 1 ? '' : 's'}.`);
        } finally {
          await vault.close();
        }
      }),
    );
  secrets
    .command('rotate')
    .description(
      'generate a new vault key and re-encrypt every secret under it in one transaction; prints where the new key is',
    )
    .action(() =>
      reportingVaultErrors(async () => {
        const vault = await openVault();
        try {
          // The command's own lines say what happened; the process log stays for warnings.
          const ctx = createServiceContext({ log: createLogger('warn') });
          const where = `from the command line by OS user ${userInfo().username}`;
          let rotation: Awaited<ReturnType<typeof rotateVaultKey>>;
          try {
            rotation = await rotateVaultKey(vault.stores, ctx, vault.keys);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            await recordAudit(vault.stores, ctx, {
              action: 'secrets.rotateKey',
              outcome: isDomainError(error) || error instanceof VaultKeyError ? 'refused' : 'failed',
              message: `${message} (${where})`,
            });
            throw error;
          }
          await recordAudit(vault.stores, ctx, {
            action: 'secrets.rotateKey',
            outcome: 'succeeded',
            message: `Re-encrypted ${rotation.resealed} secrets under key ${rotation.keyId} (was ${rotation.previousKeyId ?? 'none'}) ${where}`,
          });
          console.log(
            `Re-encrypted ${rotation.resealed} secret${rotation.resealed === 1 ? '' : 's'} under key ${rotation.keyId} (was ${rotation.previousKeyId ?? 'none'}).`,
          );
          console.log(rotation.instructions);
        } finally {
          await vault.close();
        }
      }),
    );
}
