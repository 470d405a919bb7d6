/**
 * `migawka user add|list`: accounts from a shell, against the configured database — the way in
 * for a console whose setup page nobody can reach, and for scripts. The password comes from a file
 * (`--password-file`), from piped standard input, or is typed at a prompt that does not echo it; it
 * is never taken from an argument (shell history, `ps`) and never printed.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { closeProcessDatabase, openProcessDatabase, storesOf } from '../db/process-database';
import { authFor } from './auth/auth';
import { createAccountDirectory } from './auth/directory';
import { getConfig } from './config';
import { createServiceContext } from './context';
import type { AuditObject } from './engine/audit-chain';
import { isRole, ROLES, type Role } from './engine/roles';
import type { AuditOutcome } from './engine/security';
import { secretFileText } from './secret-file-text';
import { createAccount, listAccounts } from './services/account-service';
import { recordAudit } from './services/audit-service';
import { DomainError } from './services/errors';

function parseRole(value: string): Role {
  if (!isRole(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return value;
}

/** Reads a password from the file, else standard input: piped whole, or typed without echo. */
async function readPassword(file: string | undefined): Promise<string> {
  if (file) {
    try {
      return secretFileText(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new DomainError('INVALID_INPUT', `Cannot read ${file}`, [
        { path: '--password-file', message: (error as Error).message },
      ]);
    }
  }
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return secretFileText(Buffer.concat(chunks).toString('utf8'));
  }
  return promptWithoutEcho('Password (not shown): ');
}

function promptWithoutEcho(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}

/** The accounts of the configured database (PostgreSQL when DATABASE_URL is set, else the SQLite file). */
async function openAccounts() {
  const database = await openProcessDatabase(getConfig().database);
  return {
    accounts: createAccountDirectory(authFor(database)),
    stores: storesOf(database),
    close: () => closeProcessDatabase(database),
  };
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('console accounts (passwords are never shown)');
  user
    .command('add')
    .description('create a user; the password is read from --password-file, piped stdin, or a prompt')
    .requiredOption('--email <email>', 'the sign-in email')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, parseRole)
    .option('--name <name>', 'the name the console shows (default: the part of the email before @)')
    .option('--password-file <file>', 'read the password from this file (a trailing newline is dropped)')
    .action(async (options: { email: string; role: Role; name?: string; passwordFile?: string }) => {
      const password = await readPassword(options.passwordFile);
      const { accounts, stores, close } = await openAccounts();
      const ctx = createServiceContext();
      // Accounts made from a shell are in the audit trail like those made in the console.
      const audit = (outcome: AuditOutcome, message: string, objects: AuditObject[] = []) =>
        recordAudit(stores, ctx, {
          action: 'cli.user.add',
          outcome,
          message,
          objects,
          input: { email: options.email, role: options.role },
        });
      try {
        const created = await createAccount(accounts, ctx, {
          email: options.email,
          name: options.name ?? options.email.split('@')[0],
          role: options.role,
          password,
        });
        await audit('succeeded', `Created ${created.email} (${created.roleLabel}) from a shell`, [
          { kind: 'user', id: created.id, name: created.email },
        ]);
        console.log(`Created ${created.email} (${created.roleLabel}).`);
      } catch (error) {
        await audit('refused', (error as Error).message);
        throw error;
      } finally {
        await close();
      }
    });
  user
    .command('list')
    .description('list the users with their role and whether they are disabled')
    .action(async () => {
      const { accounts, close } = await openAccounts();
      try {
        const users = await listAccounts(accounts, createServiceContext());
        for (const account of users) {
          console.log(`${account.email}  ${account.roleLabel}${account.disabled ? '  (disabled)' : ''}`);
        }
        console.log(`${users.length} user${users.length === 1 ? '' : 's'}.`);
      } finally {
        await close();
      }
    });
}
