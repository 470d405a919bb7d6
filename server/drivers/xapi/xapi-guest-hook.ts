/**
 * The Xen guest hook and host flush: what XAPI itself cannot do, done over SSH (CONNECTORS.md §4).
 * XAPI runs no command inside a guest and has no "flush this SR" call, so:
 * - **Guest scripts** (pre-freeze / post-thaw) run in the Linux guest over SSH with the pool's
 *   guest account, under `timeout` (exit 124 = it ran too long and was stopped: `script-failed`).
 * - **Guest freeze** is `fsfreeze -f` per mounted block-device file system, deepest mount first,
 *   done by one shell that stays on its channel until the thaw: a guest whose disks are frozen may
 *   not let a new login in (it writes wtmp, logs), so the thaw is a line on the channel the freeze
 *   already holds. The shell thaws by itself when that line does not come: the channel closed (the
 *   worker died or gave up) or the freeze window passed. A freeze that fails half-way thaws what it
 *   froze and is `vss-writer-timeout`, which the job's consistency policy handles.
 * - **Guest thaw** is that line; with no channel of ours (another worker froze it and died, or the
 *   channel was lost) a TERM to our freeze shell, which thaws what it froze. File systems frozen
 *   by anyone else are never thawed by Migawka.
 * - **Host flush** is `sync` in dom0 of every host that has the SR plugged, with the pool's host
 *   account: dom0's page cache is what `sync` empties before the array snapshot.
 * A VM is reached at `other_config["migawka-guest-ssh"]` (`address[:port]`, set by the admin) or
 * else the first address its guest metrics report. Host keys are pinned per endpoint like every
 * SSH transport (ssh/ssh-connection.ts). Nothing configured is `connector-missing`, as before.
 */
import type { ClientChannel } from 'ssh2';
import { DriverError, GuestThawedEarlyError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { ScriptResult, ScriptRun } from '../roles';
import {
  type ExecResult,
  endpointOf,
  type HostKeyStore,
  openChannel,
  SshCommandRunner,
  type SshCredential,
  shellQuote,
  streamStdout,
} from '../ssh/ssh-connection';

export interface XenSshAccess {
  /** The pool's account for its Linux guests (vault); null when none is set. */
  guestCredential(): Promise<SshCredential | null>;
  /** The pool's dom0 account (vault); null when none is set. */
  hostCredential(): Promise<SshCredential | null>;
  /** Pins of the guests' and hosts' SSH keys, by endpoint. */
  hostKeys: HostKeyStore;
  /** dom0's SSH port; default 22. */
  hostPort?: number;
  /** How long a guest may stay frozen before its own shell thaws it; default 15 min. */
  freezeWindowSeconds?: number;
}

/** Where a guest is reached and what it is (read from the pool at each call). */
export interface GuestTarget {
  vmName: string;
  host: string;
  port: number;
}

/** The SSH endpoint of a VM's guest, or why it has none. */
export type GuestLookup = { target: GuestTarget } | { missing: string };

export const GUEST_SSH_KEY = 'migawka-guest-ssh';
const DEFAULT_WINDOW_SECONDS = 15 * 60;
/** File systems fsfreeze can freeze (those with freeze_fs); others are left alone. */
const FREEZABLE = new Set(['ext3', 'ext4', 'xfs', 'btrfs', 'jfs', 'reiserfs', 'f2fs', 'nilfs2']);

/** `/proc/mounts` → the mount points to freeze, deepest (last mounted) first, each once. */
export function freezableMounts(procMounts: string): string[] {
  const seen = new Set<string>();
  const mounts: string[] = [];
  for (const line of procMounts.split('\n')) {
    const [device, rawPoint, type] = line.trim().split(/\s+/);
    if (!device?.startsWith('/dev/') || !FREEZABLE.has(type ?? '')) continue;
    // /proc/mounts escapes spaces and tabs as octal (\040).
    const point = (rawPoint ?? '').replace(/\\([0-7]{3})/g, (_, octal) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    );
    if (seen.has(point)) continue;
    seen.add(point);
    mounts.push(point);
  }
  return mounts.reverse();
}

/** `address[:port]` (IPv6 in brackets) → host and port. */
export function parseGuestAddress(value: string): { host: string; port: number } | null {
  const match = /^\[([^\]]+)\](?::(\d+))?$|^([^:\s]+)(?::(\d+))?$|^([0-9a-f:]+)$/i.exec(value.trim());
  if (!match) return null;
  const host = match[1] ?? match[3] ?? match[5];
  const port = Number(match[2] ?? match[4] ?? 22);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

/**
 * The freeze shell: freezes each mount given, says `frozen`, waits for `thaw` (or EOF, or the
 * window), thaws in reverse order and says how it ended. `$1` is the window in seconds.
 */
const FREEZE_SCRIPT = [
  'window=$1; shift; frozen=()',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array expansion, not a template
  'thaw() { for m in "${frozen[@]}"; do fsfreeze -u "$m" || echo "thaw-failed $m"; done; }',
  "trap 'thaw; echo thawed-by-signal; exit 0' TERM HUP",
  'for m in "$@"; do',
  '  if ! out=$(fsfreeze -f "$m" 2>&1); then echo "failed $m: $out"; thaw; exit 3; fi',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array expansion, not a template
  '  frozen=("$m" "${frozen[@]}")',
  'done',
  'echo frozen',
  'if read -r -t "$window" line && [ "$line" = thaw ]; then thaw; echo thawed; else thaw; echo thawed-by-itself; fi',
].join('\n');

/** Ends a freeze shell this connection no longer holds: its TERM trap thaws what it froze. */
export const FREEZE_SHELL_KILL = `pkill -TERM -f 'migawka-[f]reeze'`;

/** Runs as root: directly for root, else through sudo without a password prompt. */
function asRoot(credential: SshCredential, command: string): string {
  return credential.username === 'root' ? command : `sudo -n ${command}`;
}

export function freezeCommand(credential: SshCredential, windowSeconds: number, mounts: string[]): string {
  const args = [
    shellQuote(FREEZE_SCRIPT),
    'migawka-freeze',
    String(windowSeconds),
    ...mounts.map(shellQuote),
  ];
  return asRoot(credential, `bash -c ${args.join(' ')}`);
}

interface FreezeSession {
  channel: ClientChannel;
  /** Everything the shell printed so far. */
  output: () => string;
  /** Resolves when the channel closes. */
  closed: Promise<void>;
}

export interface Dom0Shell {
  label: string;
  run(command: string, options: CallOptions): Promise<ExecResult>;
  stream(command: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

const missing = (what: string) => new DriverError('connector-missing', what, { isRetryable: false });

export class XenSshHooks {
  private readonly runners = new Map<string, SshCommandRunner>();
  private readonly sessions = new Map<string, FreezeSession>();

  constructor(
    private readonly access: XenSshAccess,
    private readonly poolLabel: string,
  ) {}

  /** One connection per account kind and endpoint; the account is read again at each (re)connect. */
  private runner(host: string, port: number, label: string, kind: 'guest' | 'host'): SshCommandRunner {
    const key = `${kind}@${endpointOf(host, port)}`;
    let runner = this.runners.get(key);
    if (!runner) {
      runner = new SshCommandRunner(async () => {
        const credential =
          kind === 'guest' ? await this.access.guestCredential() : await this.access.hostCredential();
        if (!credential) throw missing(`${this.poolLabel} no longer has a ${kind} SSH account`);
        return { label, host, port, credential, hostKeys: this.access.hostKeys };
      });
      this.runners.set(key, runner);
    }
    return runner;
  }

  private async guest(lookup: GuestLookup) {
    if ('missing' in lookup) throw missing(lookup.missing);
    const credential = await this.access.guestCredential();
    if (!credential) {
      throw missing(
        `${this.poolLabel} has no guest account, so the guest hook cannot reach ${lookup.target.vmName} (set one on the pool)`,
      );
    }
    const { host, port, vmName } = lookup.target;
    const label = `guest of ${vmName} (${endpointOf(host, port)})`;
    return { credential, label, vmName, runner: this.runner(host, port, label, 'guest') };
  }

  async runScript(lookup: GuestLookup, script: ScriptRun, options: CallOptions): Promise<ScriptResult> {
    const { label, runner } = await this.guest(lookup);
    const seconds = Math.max(1, Math.ceil(script.timeoutMs / 1000));
    const command = `timeout --kill-after=5 ${seconds} sh -c ${shellQuote(script.command)}`;
    const result = await runner.run(`${label} script`, command, {
      ...options,
      timeoutMs: Math.max(options.timeoutMs, script.timeoutMs + 15_000),
    });
    if (result.code === 124 || result.code === 137) {
      throw new DriverError(
        'script-failed',
        `${script.command} in ${label} ran past ${seconds} s and was stopped`,
        { isRetryable: false },
      );
    }
    return { exitCode: result.code, output: `${result.stdout}${result.stderr}`.trim() };
  }

  async freeze(vmId: string, lookup: GuestLookup, freezeTimeoutMs: number, options: CallOptions) {
    const { credential, label, runner } = await this.guest(lookup);
    await this.endSession(vmId, options); // an earlier attempt's freeze is not this capture's
    const mounts = freezableMounts((await runner.run(`${label} mounts`, 'cat /proc/mounts', options)).stdout);
    if (mounts.length === 0)
      throw new DriverError('vss-writer-timeout', `${label} has no file system fsfreeze can freeze`, {
        isRetryable: false,
      });
    const window = this.access.freezeWindowSeconds ?? DEFAULT_WINDOW_SECONDS;
    const channel = await openChannel(
      await runner.connect(),
      label,
      freezeCommand(credential, window, mounts),
    );
    const session = watchSession(channel);
    this.sessions.set(vmId, session);
    const outcome = await waitForLine(
      session,
      /^(frozen|failed .*)$/m,
      freezeTimeoutMs,
      options.signal,
    ).catch((error: unknown) => {
      // Cancelled or out of time: closing the channel makes the shell thaw what it froze.
      this.sessions.delete(vmId);
      channel.close();
      throw error;
    });
    if (outcome !== 'frozen') {
      this.sessions.delete(vmId);
      channel.close(); // the shell thaws what it froze on EOF
      const why = outcome ?? `did not freeze within ${Math.round(freezeTimeoutMs / 1000)} s`;
      throw new DriverError('vss-writer-timeout', `${label}: fsfreeze ${why}`, { isRetryable: false });
    }
  }

  /** Thaws through the freeze's own channel; a thaw by itself means the window ran out. */
  private async endSession(vmId: string, options: CallOptions): Promise<string | null> {
    const session = this.sessions.get(vmId);
    if (!session) return null;
    this.sessions.delete(vmId);
    session.channel.write('thaw\n');
    const outcome = await waitForLine(
      session,
      /^(thawed|thawed-by-itself)$/m,
      options.timeoutMs,
      options.signal,
    );
    session.channel.close();
    return outcome;
  }

  async thaw(vmId: string, lookup: GuestLookup, options: CallOptions): Promise<void> {
    const ended = await this.endSession(vmId, options);
    if (ended === 'thawed') return;
    if (ended === 'thawed-by-itself') {
      const window = this.access.freezeWindowSeconds ?? DEFAULT_WINDOW_SECONDS;
      throw new GuestThawedEarlyError(
        `the guest thawed itself when its freeze window (${window % 60 === 0 ? `${window / 60} min` : `${window} s`}) ran out, before the thaw`,
      );
    }
    if ('missing' in lookup) return; // nothing of ours can be frozen there
    const credential = await this.access.guestCredential();
    if (!credential) return;
    // No channel of ours: signal our freeze shell, if one still runs (`[f]` keeps pkill's regex
    // from matching the shell that runs pkill itself); 1 = none runs, nothing of ours is frozen.
    const { label, runner } = await this.guest(lookup);
    const result = await runner.run(`${label} thaw`, asRoot(credential, FREEZE_SHELL_KILL), options);
    if (result.code !== 0 && result.code !== 1) {
      throw new DriverError(
        'invalid-state',
        `${label}: could not signal the freeze shell: ${result.stderr.trim()}`,
      );
    }
  }

  /** `sync` in dom0 of each host (`address`, name) that has the SR plugged. */
  async flush(srName: string, hosts: { name: string; address: string }[], options: CallOptions) {
    const credential = await this.access.hostCredential();
    if (!credential)
      throw missing(
        `${this.poolLabel} has no host SSH account, so dom0 cannot flush ${srName} (set one on the pool)`,
      );
    if (hosts.length === 0)
      throw new DriverError('invalid-state', `${srName} is plugged into no host of ${this.poolLabel}`, {
        isRetryable: false,
      });
    const port = this.access.hostPort ?? 22;
    for (const host of hosts) {
      const address = host.address.replace(/:\d+$/, ''); // XAPI's address is the host's, not a port
      const label = `dom0 of ${host.name}`;
      const result = await this.runner(address, port, label, 'host').run(
        `${label} sync`,
        asRoot(credential, 'sync'),
        options,
      );
      if (result.code !== 0)
        throw new DriverError(
          'invalid-state',
          `${label}: sync exited ${result.code}: ${result.stderr.trim()}`,
        );
    }
  }

  /**
   * A root shell in dom0 of `host` (xapi-array-copy.ts): commands run as root (`sudo -n` for
   * another account) on the flush's connection; `stream` hands back a command's stdout as it comes.
   */
  async dom0(host: { name: string; address: string }, what: string): Promise<Dom0Shell> {
    const credential = await this.access.hostCredential();
    if (!credential)
      throw missing(
        `${this.poolLabel} has no host SSH account, so dom0 cannot ${what} (set one on the pool)`,
      );
    const port = this.access.hostPort ?? 22;
    const label = `dom0 of ${host.name}`;
    const runner = this.runner(host.address.replace(/:\d+$/, ''), port, label, 'host');
    return {
      label,
      run: (command, options) =>
        runner.run(`${label} ${command.split(' ')[0]}`, asRoot(credential, command), options),
      stream: async (command, signal) =>
        streamStdout(await runner.connect(), label, asRoot(credential, command), signal),
    };
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.channel.close();
    this.sessions.clear();
    await Promise.all([...this.runners.values()].map((runner) => runner.close()));
    this.runners.clear();
  }
}

function watchSession(channel: ClientChannel): FreezeSession {
  const chunks: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => chunks.push(chunk));
  channel.stderr.on('data', () => {});
  const closed = new Promise<void>((resolve) => channel.on('close', () => resolve()));
  return { channel, closed, output: () => Buffer.concat(chunks).toString('utf8') };
}

/** The first line matching `pattern`; null when the channel closed or time ran out first. */
function waitForLine(
  session: FreezeSession,
  pattern: RegExp,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const found = () => pattern.exec(session.output())?.[1] ?? null;
    let settled = false;
    const done = (value: string | null, error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.channel.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const onData = () => {
      const line = found();
      if (line !== null) setImmediate(() => done(line));
    };
    const onAbort = () => done(null, signal.reason);
    const timer = setTimeout(() => done(null), timeoutMs);
    session.channel.on('data', onData);
    signal.addEventListener('abort', onAbort, { once: true });
    session.closed.then(() => done(found()));
    if (signal.aborted) onAbort();
    else onData();
  });
}
