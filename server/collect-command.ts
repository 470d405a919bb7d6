/**
 * `migawka collect hyperv`: reads one Hyper-V host over SSH with the connector's own discovery
 * scripts and writes the collector document (server/drivers/hyperv/hyperv-collection.ts), for an
 * estate the console does not reach or before a connection is added. No database is touched.
 *
 * Secrets never go on the command line (any local user can read the process list): passwords come
 * from files. The host's SSH key is not trusted on first use here: without `--host-key` the command
 * stops before sending anything and prints the fingerprint the host presented, to be compared with
 * the host's own (`ssh-keygen -lf C:\ProgramData\ssh\ssh_host_ed25519_key.pub` on the host).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { type HostKeyStore, HypervClient, type SshCredential } from './drivers/hyperv/hyperv-client';
import { readClusterFacts } from './drivers/hyperv/hyperv-cluster';
import {
  hypervCollectionOf,
  readHypervCollection,
  unknownsOfCollection,
} from './drivers/hyperv/hyperv-collection';
import type { GuestCredential } from './drivers/hyperv/hyperv-discovery';
import { readHostRecords } from './drivers/hyperv/hyperv-discovery';
import type { FieldError } from './engine/errors';
import { parseInventory } from './schemas/inventory';
import { secretFileText } from './secret-file-text';
import { connectionLabel } from './services/connection-labels';
import { DomainError } from './services/errors';

export interface CollectHypervOptions {
  host: string;
  port: number;
  user: string;
  /** SHA256:… fingerprint the host's SSH key must have; absent: refuse and say which key was seen. */
  hostKey?: string;
  passwordFile?: string;
  identity?: string;
  guestUser?: string;
  guestPasswordFile?: string;
  output: string;
  /** Deadline of each script on the host. */
  timeoutMs: number;
}

export interface CollectSummary {
  output: string;
  computerName: string;
  vms: number;
  unknowns: string[];
}

function readSecretFile(file: string, what: string): string {
  try {
    return secretFileText(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new DomainError('INVALID_INPUT', `Cannot read ${what}`, [{ path: file, message: reason }]);
  }
}

function credentialOf(options: CollectHypervOptions): SshCredential {
  if (options.identity) {
    return { username: options.user, privateKey: readSecretFile(options.identity, 'the SSH private key') };
  }
  if (options.passwordFile) {
    return { username: options.user, password: readSecretFile(options.passwordFile, 'the password file') };
  }
  throw new DomainError('INVALID_INPUT', 'No credential for the host:', [
    { path: '--password-file / --identity', message: 'give a password file or an SSH private key' },
  ]);
}

function guestCredentialOf(options: CollectHypervOptions): GuestCredential | null {
  if (!options.guestUser) return null;
  if (!options.guestPasswordFile) {
    throw new DomainError('INVALID_INPUT', 'No password for the guest credential:', [
      { path: '--guest-password-file', message: `needed with --guest-credential ${options.guestUser}` },
    ]);
  }
  return {
    user: options.guestUser,
    password: readSecretFile(options.guestPasswordFile, 'the guest password file'),
  };
}

/** The one key this run accepts; records a different one so the refusal can name it. */
function expectedHostKey(expected: string | undefined): HostKeyStore & { seen: string | null } {
  const store = {
    seen: null as string | null,
    // Never null: a null pin would make the client trust whatever key it meets first.
    pinned: async () => expected ?? '(no --host-key given)',
    pin: async () => {},
    refused: async (_endpoint: string, fingerprint: string) => {
      store.seen = fingerprint;
    },
  };
  return store;
}

export async function collectHyperv(options: CollectHypervOptions): Promise<CollectSummary> {
  const credential = credentialOf(options);
  const guestCredential = guestCredentialOf(options);
  const hostKeys = expectedHostKey(options.hostKey);
  const client = new HypervClient({
    label: connectionLabel('hyperv', options.host),
    host: options.host,
    port: options.port,
    credential: async () => credential,
    hostKeys,
  });
  try {
    const callOptions = { signal: new AbortController().signal, timeoutMs: options.timeoutMs };
    const records = await readHostRecords(client, guestCredential, callOptions).catch((error: unknown) => {
      if (hostKeys.seen) throw hostKeyRefusal(options.hostKey, hostKeys.seen);
      throw error;
    });
    // A cluster node's document carries cluster-facts, as a sync reads them (only on a usable host,
    // as the sync: one that is not elevated or lacks the module already says why).
    const cluster =
      records.host.IsElevated && records.host.HasHyperVModule
        ? await readClusterFacts(client, callOptions)
        : null;
    const document = hypervCollectionOf(records, new Date(), cluster);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    // Read back through the importer's own path, so what is printed is what `check` will see; and
    // before writing, so a document nobody could import never replaces a good one of an earlier run.
    const read = readHypervCollection(JSON.parse(text));
    const fieldErrors = read.ok ? inventoryErrorsOf(read.inventory) : read.fieldErrors;
    if (!read.ok || fieldErrors.length > 0)
      throw new DomainError(
        'INVALID_INPUT',
        `The host answered facts Migawka cannot read; ${options.output} was not written:`,
        fieldErrors,
      );
    writeFileSync(options.output, text);
    return {
      output: options.output,
      computerName: read.facts.computerName,
      vms: read.inventory.vms.length,
      unknowns: unknownsOfCollection(read.facts, read.cluster),
    };
  } finally {
    await client.close();
  }
}

/** What `check` and an import would refuse in the inventory the document maps to (none: it imports). */
function inventoryErrorsOf(inventory: unknown): FieldError[] {
  const parsed = parseInventory(inventory);
  return parsed.ok ? [] : parsed.fieldErrors;
}

function hostKeyRefusal(expected: string | undefined, seen: string): DomainError {
  return expected
    ? new DomainError('INVALID_INPUT', 'The host presented another SSH host key; nothing was sent:', [
        { path: '--host-key', message: `expected ${expected}, the host presented ${seen}` },
      ])
    : new DomainError('INVALID_INPUT', 'The host key must be confirmed first; nothing was sent:', [
        {
          path: '--host-key',
          message: `the host presented ${seen}: compare it with the host's own key, then run again with --host-key ${seen}`,
        },
      ]);
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new InvalidArgumentError('must be a port number (1–65535)');
  }
  return number;
}

function seconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new InvalidArgumentError('must be a number of seconds > 0');
  return number;
}

export function registerCollectCommand(program: Command): void {
  const collect = program
    .command('collect')
    .description('read a host the console cannot reach into a document `check` and the import page accept');
  collect
    .command('hyperv')
    .description('read one Hyper-V host over SSH (PowerShell), with its guests through PowerShell Direct')
    .requiredOption('--host <address>', 'host name or address of the Hyper-V host (Windows OpenSSH server)')
    .option('--port <n>', 'SSH port', port, 22)
    .requiredOption(
      '--user <name>',
      'an account in Administrators or Hyper-V Administrators, e.g. HV01\\migawka',
    )
    .option(
      '--host-key <fingerprint>',
      "the host's SSH key fingerprint (SHA256:…); without it, the key is shown",
    )
    .option('--password-file <file>', "a file holding the account's password")
    .option('--identity <file>', 'an OpenSSH private key file (instead of a password)')
    .option(
      '--guest-credential <user>',
      'a guest account for PowerShell Direct (guest facts are unknown without)',
    )
    .option('--guest-password-file <file>', "a file holding the guest account's password")
    .option('-o, --output <file>', 'where to write the document', 'inventory.json')
    .option('--timeout <seconds>', 'deadline of each script on the host', seconds, 120)
    .action(
      async (
        options: Omit<CollectHypervOptions, 'timeoutMs' | 'guestUser'> & {
          timeout: number;
          guestCredential?: string;
        },
      ) => {
        const summary = await collectHyperv({
          ...options,
          guestUser: options.guestCredential,
          timeoutMs: options.timeout * 1000,
        });
        console.log(`Wrote ${summary.output}: host ${summary.computerName}, ${summary.vms} VM(s).`);
        if (summary.unknowns.length > 0) {
          console.log('Not read (unknown, not assumed fine):');
          for (const unknown of summary.unknowns) console.log(`  ${unknown}`);
        }
        console.log(`Next: npx migawka check ${summary.output}, or import it on the console's Import page.`);
      },
    );
}
