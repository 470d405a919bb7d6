/**
 * The SSH pieces every SSH transport shares (Hyper-V PowerShell, Linux guests and Xen hosts for
 * the XAPI guest hook), on `ssh2`:
 * - `openPinnedConnection`: connect and authenticate with host-key pinning — the first connection
 *   pins the key's SHA-256 fingerprint (trust on first use, shown to the admin on the connection);
 *   a different key is refused before authenticating (no password or signature is sent) and
 *   remembered until an admin accepts it.
 * - `execOnConnection`: one command on its own channel, stdin written and closed, stdout / stderr
 *   collected; an abort closes the channel, which makes sshd end the remote process.
 * - `SshCommandRunner`: one connection per endpoint, reopened by the next call after a drop, each
 *   command under a deadline (shell commands on Linux guests and hosts).
 */
import { createHash } from 'node:crypto';
// ssh2 is CommonJS whose exports Node's ESM loader cannot list: import the default, then pick.
import ssh2, { type ClientChannel } from 'ssh2';
import { DriverError } from '../../engine/driver';
import { type CallOptions, callWithDeadline } from '../call';

const { Client } = ssh2;
export type SshClient = InstanceType<typeof Client>;

export interface SshCredential {
  username: string;
  password?: string;
  /** An OpenSSH private key (PEM / OpenSSH format). */
  privateKey?: string;
}

/** Where the pinned host-key fingerprints live (the connection's record). */
export interface HostKeyStore {
  pinned(endpoint: string): Promise<string | null>;
  pin(endpoint: string, fingerprint: string): Promise<void>;
  refused(endpoint: string, fingerprint: string): Promise<void>;
}

export interface SshEndpoint {
  /** How messages name the machine ("Hyper-V host hv01", "guest of web01"). */
  label: string;
  host: string;
  port: number;
  credential: SshCredential;
  hostKeys: HostKeyStore;
  /** How long the SSH handshake may take; default 20 s. */
  connectTimeoutMs?: number;
}

/** OpenSSH's notation: `SHA256:` + unpadded base64 of the key blob's digest. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export function unreachable(label: string, reason: string, isRetryable = true): DriverError {
  return new DriverError('host-unreachable', `${label}: ${reason}`, { isRetryable });
}

/** `host` or `host:port` as pins are keyed (the port only when it is not 22). */
export function endpointOf(host: string, port: number): string {
  return port === 22 ? host : `${host}:${port}`;
}

/** Connects and authenticates, the host key checked against its pin first. */
export async function openPinnedConnection(target: SshEndpoint): Promise<SshClient> {
  const { credential, hostKeys, label } = target;
  const endpoint = endpointOf(target.host, target.port);
  let refusal: DriverError | null = null;
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error: Error & { level?: string }) => {
      if (refusal) reject(refusal);
      else if (error.level === 'client-authentication')
        reject(
          unreachable(
            label,
            `the host refused the login of ${credential.username} (wrong password or key, or the account may not log in over SSH)`,
            false,
          ),
        );
      else reject(unreachable(label, `cannot be reached: ${error.message}`));
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: credential.username,
      password: credential.password,
      privateKey: credential.privateKey,
      readyTimeout: target.connectTimeoutMs ?? 20_000,
      hostVerifier: (key: Buffer, verify: (isValid: boolean) => void) => {
        const fingerprint = fingerprintOf(key);
        (async () => {
          const pinned = await hostKeys.pinned(endpoint);
          if (pinned === null) {
            await hostKeys.pin(endpoint, fingerprint);
            return true;
          }
          if (pinned === fingerprint) return true;
          await hostKeys.refused(endpoint, fingerprint);
          refusal = unreachable(
            label,
            `the host presented a different SSH host key (pinned ${pinned}, now ${fingerprint}); ` +
              'nothing was sent. An admin must accept the new key on the connection.',
            false,
          );
          return false;
        })().then(verify, () => verify(false));
      },
    });
    // Commands are short writes answered at once: with Nagle's algorithm on, a write that follows
    // one not yet acknowledged waits for the host's delayed ACK (~40 ms). OpenSSH turns it off too.
    client.setNoDelay(true);
  });
  client.on('error', () => {}); // later errors surface on the channels; 'close' drops the connection
  return client;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Each open channel's exit status, recorded from the moment it opens: ssh2 can hand over the exec's
 * success, the exit status and the close in one read (a quick command on a busy host), and emits
 * `exit` before a listener attached after an `await` would hear it.
 */
const exitCodes = new WeakMap<ClientChannel, { code: number | null }>();

/** The exit status the channel reported, or null (none yet, or killed by a signal). */
export function exitCodeOf(channel: ClientChannel): number | null {
  return exitCodes.get(channel)?.code ?? null;
}

/** Opens a channel for `command`; the caller reads and writes it (a long-lived conversation). */
export function openChannel(client: SshClient, label: string, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, (error, channel) => {
      if (error) {
        reject(unreachable(label, `could not open a session: ${error.message}`));
        return;
      }
      const exit = { code: null as number | null };
      exitCodes.set(channel, exit);
      channel.on('exit', (code: number | null) => {
        exit.code = code;
      });
      resolve(channel);
    }),
  );
}

/** Runs one command; resolves with its output and exit code once the channel closes. */
export async function execOnConnection(
  client: SshClient,
  label: string,
  command: string,
  stdin: string,
  signal: AbortSignal,
): Promise<ExecResult> {
  const channel = await openChannel(client, label, command);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      // Closing the channel ends the remote process (sshd kills it); the signal is a courtesy.
      try {
        channel.signal('KILL');
      } catch {}
      channel.close();
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    channel.on('data', (chunk: Buffer) => out.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    channel.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      const code = exitCodeOf(channel);
      if (code === null) {
        reject(unreachable(label, 'the connection was lost while the command ran'));
        return;
      }
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      });
    });
    channel.end(stdin);
  });
}

/**
 * Runs one command whose stdout is data (a disk's bytes): chunks are handed on as they come, with
 * the channel paused while the reader is behind. Ends with an error when the command exits non-zero
 * (its stderr in the message) or the connection drops; an abort closes the channel, as in exec.
 */
export async function streamStdout(
  client: SshClient,
  label: string,
  command: string,
  signal: AbortSignal,
): Promise<AsyncIterable<Uint8Array>> {
  signal.throwIfAborted();
  const channel = await openChannel(client, label, command);
  const chunks: Buffer[] = [];
  const err: Buffer[] = [];
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  channel.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (chunks.length > 16) channel.pause();
    notify();
  });
  channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  channel.on('close', () => {
    closed = true;
    notify();
  });
  const onAbort = () => {
    try {
      channel.signal('KILL');
    } catch {}
    channel.close();
    notify();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  channel.end();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          signal.throwIfAborted();
          const chunk = chunks.shift();
          if (chunk) {
            if (chunks.length <= 4) channel.resume();
            yield new Uint8Array(chunk);
            continue;
          }
          if (closed) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        signal.throwIfAborted();
        const code = exitCodeOf(channel);
        if (code === null) throw unreachable(label, 'the connection was lost while the command ran');
        if (code !== 0) {
          const text = Buffer.concat(err).toString('utf8').trim();
          throw new DriverError(
            'invalid-state',
            `${label}: ${command.split(' ')[0]} exited ${code}: ${text}`,
            {
              isRetryable: false,
            },
          );
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (!closed) channel.close();
      }
    },
  };
}

/** One reused connection to a Linux machine; shell commands under a deadline. */
export class SshCommandRunner {
  private connection: Promise<SshClient> | null = null;

  constructor(private readonly target: () => Promise<SshEndpoint>) {}

  /** The open connection, opened (again) when there is none. */
  connect(): Promise<SshClient> {
    if (this.connection) return this.connection;
    const attempt = this.target().then(openPinnedConnection);
    this.connection = attempt;
    attempt.then(
      (client) =>
        client.once('close', () => {
          if (this.connection === attempt) this.connection = null;
        }),
      () => {
        if (this.connection === attempt) this.connection = null;
      },
    );
    return attempt;
  }

  async run(label: string, command: string, options: CallOptions, stdin = ''): Promise<ExecResult> {
    return callWithDeadline(label, options, async ({ signal }) => {
      const client = await this.connect();
      signal.throwIfAborted();
      return execOnConnection(client, label, command, stdin, signal);
    });
  }

  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = null;
    if (!pending) return;
    try {
      (await pending).end();
    } catch {}
  }
}

/** `'…'` for a POSIX shell: the argument passes through unchanged. */
export function shellQuote(argument: string): string {
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}
