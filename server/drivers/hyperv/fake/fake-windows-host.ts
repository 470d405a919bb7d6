/**
 * A fake Windows host for the tests: a real SSH server (`ssh2`'s Server) on loopback, standing in
 * for Windows' OpenSSH server. It authenticates by password or public key, decodes
 * `powershell … -EncodedCommand` (UTF-16LE base64; the stdin bootstrap for long scripts), checks
 * the envelope and that the script is one the fake knows at its current text (fake-scripts.ts),
 * answers from the host model in Windows PowerShell 5.1's JSON, and serves the disk files through
 * SFTP the way Windows' sftp-server names them (`/D:/…`). Faults are switches on the fake: a
 * changed host key, a connection cut mid-copy, a script that never ends, a full volume.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ssh2, { type Connection, type ServerChannel, type SFTPWrapper } from 'ssh2';
import {
  beginMarker,
  decodeCommand,
  ENVELOPE_HEAD,
  ENVELOPE_TAIL,
  endMarker,
  SCRIPT_NAMES,
  type ScriptName,
  STDIN_BOOTSTRAP,
} from '../hyperv-scripts';
import { type FakeHypervModel, FakePsError } from './fake-hyperv-model';
import { FAKE_SCRIPT_SHA256 } from './fake-script-hashes';
import { FAKE_SCRIPTS } from './fake-scripts';
import { convertToJson } from './ps-json';

export interface FakeAccount {
  username: string;
  password?: string;
  /** OpenSSH public key line (`ssh-ed25519 AAAA…`). */
  publicKey?: string;
}

export interface FakeWindowsHostOptions {
  model: FakeHypervModel;
  accounts: FakeAccount[];
  /** Private host key (OpenSSH format); the committed test key `host-a` when absent. */
  hostKey?: string;
}

// ssh2 is CommonJS whose exports Node's ESM loader cannot list: import the default, then pick.
const { Server, utils } = ssh2;

const POWERSHELL = 'powershell -NoProfile -NonInteractive -EncodedCommand ';
const SFTP_OK = 0;
const SFTP_EOF = 1;
const SFTP_NO_SUCH_FILE = 2;
const SFTP_FAILURE = 4;

/**
 * Turns Nagle's algorithm off on an accepted SSH connection, as sshd does: an answer goes out at
 * once, not after the client's delayed ACK of the last one. ssh2 has the call; its types miss it.
 */
export function answerAtOnce(client: Connection): void {
  (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
}

/**
 * Committed test keys (fake/keys, made with ssh-keygen; they protect nothing). Committed rather
 * than generated per test: ssh2's own ed25519 generator now and then writes a key its parser
 * rejects, which would make the tests fail by chance.
 */
export function testKey(
  name: 'host-a' | 'host-b' | 'client',
  part: 'private' | 'public' = 'private',
): string {
  return readFileSync(
    path.join(import.meta.dirname, 'keys', part === 'public' ? `${name}.pub` : name),
    'utf8',
  );
}

/** The fingerprint a client computes for this host key (OpenSSH notation). */
export function hostKeyFingerprint(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

/** Which repository script a command line + stdin carry, and its parameters. */
export function identifyScript(
  command: string,
  stdin: string,
): { name: ScriptName; params: Record<string, unknown> } | { error: string } {
  if (!command.startsWith(POWERSHELL))
    return { error: `not a PowerShell invocation: ${command.slice(0, 60)}` };
  const decoded = decodeCommand(command.slice(POWERSHELL.length));
  let input: { params?: Record<string, unknown>; script?: string };
  try {
    input = JSON.parse(stdin);
  } catch {
    return { error: 'stdin is not the JSON input' };
  }
  const script = decoded === STDIN_BOOTSTRAP ? (input.script ?? '') : decoded;
  for (const name of SCRIPT_NAMES) {
    const head = `${ENVELOPE_HEAD}\n${beginMarker(name)}\n`;
    const tail = `\n${endMarker(name)}\n${ENVELOPE_TAIL}`;
    if (!script.startsWith(head) || !script.endsWith(tail)) continue;
    const body = script.slice(head.length, script.length - tail.length);
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== FAKE_SCRIPT_SHA256[name]) {
      return { error: `${name}.ps1 changed (sha256 ${digest}); update the fake host's answer for it` };
    }
    return { name, params: input.params ?? {} };
  }
  return { error: 'the envelope around the script is not the one the fake knows' };
}

export class FakeWindowsHost {
  readonly model: FakeHypervModel;
  hostKey: string;
  port = 0;
  /** Scripts that never answer (until their channel is closed). */
  readonly hangingScripts = new Set<ScriptName>();
  /** Cut every connection once this many file bytes were read through SFTP (host lost mid-copy). */
  dropAfterReadBytes: number | null = null;
  /** Scripts run, in order; `ended <name>` when a client closed a running script's channel. */
  readonly calls: ScriptName[] = [];
  readonly ended: ScriptName[] = [];
  /** Connections accepted so far (connection reuse is visible here). */
  connections = 0;
  /** Every authentication attempt, in order: who and how (never the password or key). */
  readonly logins: { username: string; method: string }[] = [];
  private server: InstanceType<typeof Server> | null = null;
  private readonly clients = new Set<Connection>();
  private readBytes = 0;

  constructor(private readonly options: FakeWindowsHostOptions) {
    this.model = options.model;
    this.hostKey = options.hostKey ?? testKey('host-a');
  }

  get fingerprint(): string {
    return hostKeyFingerprint(this.hostKey);
  }

  async start(port = 0): Promise<number> {
    const server = new Server({ hostKeys: [this.hostKey] }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stops listening and cuts every connection (the host is unreachable). */
  async stop(): Promise<void> {
    for (const client of this.clients) client.end();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The host comes back with another host key (reinstalled, or someone in the middle). */
  async restartWithNewKey(): Promise<void> {
    await this.stop();
    this.hostKey = testKey(this.hostKey === testKey('host-a') ? 'host-b' : 'host-a');
    await this.start(this.port);
  }

  private accept(client: Connection): void {
    answerAtOnce(client);
    this.connections += 1;
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      this.logins.push({ username: ctx.username, method: ctx.method });
      const account = this.options.accounts.find((candidate) => candidate.username === ctx.username);
      if (ctx.method === 'password' && account?.password !== undefined && ctx.password === account.password) {
        ctx.accept();
        return;
      }
      if (ctx.method === 'publickey' && account?.publicKey) {
        const allowed = utils.parseKey(account.publicKey);
        const key = allowed instanceof Error ? null : Array.isArray(allowed) ? allowed[0] : allowed;
        if (key && ctx.key.algo === key.type && ctx.key.data.equals(key.getPublicSSH())) {
          if (!ctx.signature || !ctx.blob) {
            ctx.accept(); // the client asks whether this key would do
            return;
          }
          if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
            ctx.accept();
            return;
          }
        }
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => this.exec(acceptExec(), info.command));
        session.on('sftp', (acceptSftp) => this.sftp(acceptSftp(), client));
      });
    });
  }

  private exec(channel: ServerChannel, command: string): void {
    const stdin: Buffer[] = [];
    let answered = false;
    let running: ScriptName | null = null;
    channel.on('data', (chunk: Buffer) => stdin.push(chunk));
    channel.on('close', () => {
      if (!answered && running) this.ended.push(running);
    });
    channel.on('end', () => {
      const found = identifyScript(command, Buffer.concat(stdin).toString('utf8'));
      if ('error' in found) {
        answered = true;
        channel.stderr.write(`fake host: ${found.error}\r\n`);
        channel.exit(1);
        channel.end();
        return;
      }
      this.calls.push(found.name);
      running = found.name;
      if (this.hangingScripts.has(found.name)) return;
      let output: string;
      let status = 0;
      try {
        output = convertToJson({ ok: true, data: FAKE_SCRIPTS[found.name](this.model, found.params) }, 8);
      } catch (error) {
        status = 1;
        const record =
          error instanceof FakePsError
            ? error
            : new FakePsError('RuntimeException', String(error), 'RuntimeException', 'NotSpecified');
        output = convertToJson(
          {
            ok: false,
            error: {
              type: record.type,
              message: record.message,
              fqid: record.fqid,
              category: record.category,
              hresult: record.hresult ?? -2146233087,
            },
          },
          2,
        );
      }
      answered = true;
      channel.write(`\uFEFF${output}\r\n`);
      channel.exit(status);
      channel.end();
    });
  }

  private sftp(sftp: SFTPWrapper, client: Connection): void {
    const handles = new Map<string, { fd: number; path: string; isWrite: boolean }>();
    let next = 0;
    const handleOf = (buffer: Buffer) => handles.get(buffer.toString('hex'));
    sftp.on('OPEN', (reqId, filename, flags) => {
      const windowsPath = filename.replace(/^\//, '');
      const isWrite = (flags & utils.sftp.OPEN_MODE.WRITE) !== 0;
      let fd: number;
      try {
        if (isWrite) {
          this.model.writeFile(windowsPath, Buffer.alloc(0));
          fd = openSync(this.model.localPath(windowsPath), 'w');
        } else fd = openSync(this.model.localPath(windowsPath), 'r');
      } catch {
        sftp.status(reqId, SFTP_NO_SUCH_FILE, 'The system cannot find the file specified.');
        return;
      }
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(next++);
      handles.set(handle.toString('hex'), { fd, path: windowsPath, isWrite });
      sftp.handle(reqId, handle);
    });
    sftp.on('READ', (reqId, handle, offset, length) => {
      const open = handleOf(handle);
      if (!open) return sftp.status(reqId, SFTP_FAILURE);
      const buffer = Buffer.alloc(length);
      const read = readSync(open.fd, buffer, 0, length, offset);
      if (read === 0) return sftp.status(reqId, SFTP_EOF);
      this.readBytes += read;
      if (this.dropAfterReadBytes !== null && this.readBytes > this.dropAfterReadBytes) {
        client.end(); // the host drops off the network mid-copy
        return;
      }
      sftp.data(reqId, buffer.subarray(0, read));
    });
    sftp.on('WRITE', (reqId, handle, offset, data) => {
      const open = handleOf(handle);
      if (!open) return sftp.status(reqId, SFTP_FAILURE);
      const volume = this.model.volumeOf(open.path);
      if (volume?.freeSpace != null && volume.freeSpace < data.length) {
        return sftp.status(reqId, SFTP_FAILURE, 'There is not enough space on the disk.');
      }
      if (volume?.freeSpace != null) volume.freeSpace -= data.length;
      writeSync(open.fd, data, 0, data.length, offset);
      sftp.status(reqId, SFTP_OK);
    });
    sftp.on('FSTAT', (reqId, handle) => {
      const open = handleOf(handle);
      if (!open) return sftp.status(reqId, SFTP_FAILURE);
      const stats = fstatSync(open.fd);
      sftp.attrs(reqId, { mode: 0o100644, uid: 0, gid: 0, size: stats.size, atime: 0, mtime: 0 });
    });
    sftp.on('CLOSE', (reqId, handle) => {
      const open = handleOf(handle);
      if (open) {
        closeSync(open.fd);
        handles.delete(handle.toString('hex'));
      }
      sftp.status(reqId, SFTP_OK);
    });
  }
}
