/**
 * PowerShell on a Hyper-V host over SSH (Windows' OpenSSH server), with `ssh2`:
 * - One SSH connection per host, opened on first use and reused by every call; a dropped
 *   connection is reopened by the next call. At most `maxConcurrent` channels run at once per
 *   host (OpenSSH's MaxSessions is 10; a host also has only so much I/O for copies).
 * - Host-key pinning (ssh/ssh-connection.ts, shared with the Linux guest and Xen host transports):
 *   the first connection pins the key's SHA-256 fingerprint (trust on first use,
 *   shown to the admin on the connection); a different key is refused before authenticating — no
 *   password or signature is sent — and remembered until an admin accepts it.
 * - `run`: one repository script per call (hyperv-scripts.ts); exactly one JSON envelope is read
 *   back and checked against the caller's zod schema. Every call has a deadline and an abort
 *   signal; on either the channel is closed, which makes sshd end the remote PowerShell.
 * - `readFile` / `writeFile`: disk files through the SFTP subsystem (Windows paths `D:\x` are
 *   `/D:/x` there), counted against the same concurrency limit.
 */
import type { SFTPWrapper } from 'ssh2';
import type { z } from 'zod';
import { DriverError } from '../../engine/driver';
import { type CallOptions, callWithDeadline } from '../call';
import {
  endpointOf,
  execOnConnection,
  type HostKeyStore,
  openPinnedConnection,
  type SshClient,
  type SshCredential,
  unreachable,
} from '../ssh/ssh-connection';
import { PowerShellError, type PowerShellErrorRecord } from './hyperv-errors';
import { buildInvocation, type ScriptName } from './hyperv-scripts';

export { fingerprintOf, type HostKeyStore, type SshCredential } from '../ssh/ssh-connection';

type Client = SshClient;

export interface HypervClientOptions {
  /** How messages name the host ("Hyper-V host hv01"). */
  label: string;
  host: string;
  port: number;
  /** Read at each (re)connect, so a rotated vault secret is used without a restart. */
  credential: () => Promise<SshCredential>;
  hostKeys: HostKeyStore;
  /** Channels (scripts, transfers) at once on this host; default 4. */
  maxConcurrent?: number;
  /** Longest command line before the script goes on stdin (tests lower it); default cmd.exe's. */
  maxCommandLine?: number;
  /** How long the SSH handshake may take; default 20 s. */
  connectTimeoutMs?: number;
}

/** `D:\Hyper-V\a.vhdx` → `/D:/Hyper-V/a.vhdx` (the Windows OpenSSH SFTP server's notation). */
export function sftpPath(windowsPath: string): string {
  return `/${windowsPath.replace(/\\/g, '/')}`;
}

/** A counting semaphore whose waiters give up on abort. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(wake), 1);
          reject(signal.reason);
        };
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }

  get inUse(): number {
    return this.active;
  }
}

interface Envelope {
  ok: boolean;
  data?: unknown;
  error?: PowerShellErrorRecord;
}

/** Windows PowerShell prints a UTF-8 byte-order mark when its output encoding is UTF-8. */
export function parseEnvelope(label: string, script: string, stdout: string, stderr: string): Envelope {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const shown = (text || stderr.trim()).slice(0, 300);
    throw new Error(
      `${label} ${script}: the host did not answer one JSON envelope: ${shown || '(no output)'}`,
    );
  }
  const envelope = parsed as Envelope;
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.ok !== 'boolean') {
    throw new Error(`${label} ${script}: the answer is not an envelope: ${text.slice(0, 300)}`);
  }
  return envelope;
}

export class HypervClient {
  readonly label: string;
  private connection: Promise<{ client: Client; sftp: Promise<SFTPWrapper> | null }> | null = null;
  private readonly slots: Slots;

  constructor(private readonly options: HypervClientOptions) {
    this.label = options.label;
    this.slots = new Slots(options.maxConcurrent ?? 4);
  }

  get endpoint(): string {
    return endpointOf(this.options.host, this.options.port);
  }

  /** Channels in use right now (for tests of the concurrency limit). */
  get activeChannels(): number {
    return this.slots.inUse;
  }

  private connect(): Promise<{ client: Client; sftp: Promise<SFTPWrapper> | null }> {
    if (this.connection) return this.connection;
    const attempt = this.open();
    this.connection = attempt;
    attempt.then(
      ({ client }) =>
        client.once('close', () => {
          if (this.connection === attempt) this.connection = null;
        }),
      () => {
        if (this.connection === attempt) this.connection = null;
      },
    );
    return attempt;
  }

  private async open(): Promise<{ client: Client; sftp: Promise<SFTPWrapper> | null }> {
    const client = await openPinnedConnection({
      label: this.label,
      host: this.options.host,
      port: this.options.port,
      credential: await this.options.credential(),
      hostKeys: this.options.hostKeys,
      connectTimeoutMs: this.options.connectTimeoutMs,
    });
    return { client, sftp: null };
  }

  /** Runs one repository script and returns its `data`, checked against `schema`. */
  run<S extends z.ZodType>(
    name: ScriptName,
    params: unknown,
    schema: S,
    options: CallOptions,
  ): Promise<z.output<S>> {
    return callWithDeadline(`${this.label} ${name}`, options, async ({ signal }) => {
      const release = await this.slots.acquire(signal);
      try {
        const { client } = await this.connect();
        signal.throwIfAborted();
        const { command, stdin } = buildInvocation(name, params, this.options.maxCommandLine);
        const { stdout, stderr } = await this.exec(client, command, stdin, signal);
        const envelope = parseEnvelope(this.label, name, stdout, stderr);
        if (!envelope.ok) {
          throw new PowerShellError(
            envelope.error ?? { type: 'Unknown', message: 'no error record', fqid: '', category: '' },
            name,
          );
        }
        const checked = schema.safeParse(envelope.data);
        if (!checked.success) {
          throw new Error(
            `${this.label} ${name}: unexpected answer: ${checked.error.issues
              .slice(0, 3)
              .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
              .join('; ')}`,
          );
        }
        return checked.data;
      } finally {
        release();
      }
    });
  }

  private exec(client: Client, command: string, stdin: string, signal: AbortSignal) {
    return execOnConnection(client, this.label, command, stdin, signal);
  }

  private async sftp(signal: AbortSignal): Promise<SFTPWrapper> {
    const state = await this.connect();
    signal.throwIfAborted();
    if (!state.sftp) {
      state.sftp = new Promise<SFTPWrapper>((resolve, reject) =>
        state.client.sftp((error, sftp) =>
          error
            ? reject(unreachable(this.label, `the SFTP subsystem is not available: ${error.message}`))
            : resolve(sftp),
        ),
      );
      state.sftp.catch(() => {
        state.sftp = null;
      });
    }
    return state.sftp;
  }

  /** Streams a file of the host (a frozen VHDX) through SFTP. */
  async *readFile(windowsPath: string, signal: AbortSignal): AsyncIterable<Uint8Array> {
    const release = await this.slots.acquire(signal);
    try {
      const sftp = await this.sftp(signal);
      const stream = sftp.createReadStream(sftpPath(windowsPath), { highWaterMark: 256 * 1024 });
      // The loop below sees every error of the read itself. Closing the file's handle after the last
      // byte can still fail once the loop has let go of the stream (the connection ended meanwhile:
      // "No response from server"); with no listener left, Node would throw that out of the process.
      stream.on('error', () => {});
      const onAbort = () => stream.destroy(signal.reason instanceof Error ? signal.reason : undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw this.transferError(windowsPath, 'read', error);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } finally {
      release();
    }
  }

  /**
   * Writes a file on the host through SFTP; resolves with the bytes written. Plain open / write /
   * close rather than ssh2's write stream: the stream destroys itself on a failed write without
   * reporting the SFTP status, and the status is what tells a full volume from a lost host.
   */
  async writeFile(
    windowsPath: string,
    source: AsyncIterable<Uint8Array>,
    signal: AbortSignal,
  ): Promise<number> {
    const release = await this.slots.acquire(signal);
    try {
      const sftp = await this.sftp(signal);
      const remote = sftpPath(windowsPath);
      const fail = (error: unknown) => this.transferError(windowsPath, 'write', error);
      const handle = await new Promise<Buffer>((resolve, reject) =>
        sftp.open(remote, 'w', (error, opened) => (error ? reject(fail(error)) : resolve(opened))),
      );
      let written = 0;
      try {
        for await (const chunk of source) {
          signal.throwIfAborted();
          const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          await new Promise<void>((resolve, reject) =>
            sftp.write(handle, data, 0, data.length, written, (error) =>
              error ? reject(fail(error)) : resolve(),
            ),
          );
          written += data.length;
        }
      } finally {
        await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
      }
      return written;
    } finally {
      release();
    }
  }

  private transferError(windowsPath: string, verb: string, error: unknown): DriverError {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    // SFTP status 2 = no such file; anything else while the connection is gone is a lost host.
    if (code === 2)
      return new DriverError('not-found', `${this.label}: ${windowsPath} does not exist`, {
        isRetryable: false,
      });
    if (code === 4 && verb === 'write')
      return new DriverError(
        'invalid-state',
        `${this.label}: could not write ${windowsPath} (the volume may be full): ${message}`,
        {
          isRetryable: false,
        },
      );
    return unreachable(this.label, `could not ${verb} ${windowsPath}: ${message}`);
  }

  /** Closes the shared connection (tests, connection removed). */
  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = null;
    if (!pending) return;
    try {
      const { client } = await pending;
      client.end();
    } catch {}
  }
}
