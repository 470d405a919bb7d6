/**
 * A fake Linux machine over real SSH (`ssh2`'s Server on loopback), standing in for a Xen guest or
 * a dom0 in the tests of the guest hook and the host flush. It answers the commands those send the
 * way a Linux box does:
 * - `cat /proc/mounts`: the machine's mount table (device, mount point, type, options, 0 0);
 * - `fsfreeze -f|-u <mount>` semantics (util-linux): freezing a frozen file system is "Device or
 *   resource busy", thawing one not frozen "Invalid argument", freezing a type without freeze
 *   support "Operation not supported";
 * - the freeze shell (`bash -c <script> migawka-freeze <window> <mounts…>`): freezes each mount,
 *   says `frozen`, and thaws on a `thaw` line or on EOF (the channel closed), in reverse order;
 *   the script's text itself is run by real bash in the guest hook's own test;
 * - `timeout … sh -c <command>`: a job script, recorded; its exit code is what the test set, 124
 *   for one set to hang (GNU timeout's code for a command it stopped);
 * - `pkill -TERM -f 'migawka-[f]reeze'`: each running freeze shell thaws (its TERM trap);
 * - `sync`: recorded; `true`: exits 0. `sudo -n` in front runs the same as root, unless the test
 *   took password-less sudo away (`hasSudo = false`: "sudo: a password is required", exit 1).
 * Everything it did is in `events`, in order, so a test can check the sequence.
 */
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { answerAtOnce, hostKeyFingerprint, testKey } from '../../hyperv/fake/fake-windows-host';
import type { FakeDom0Storage } from './fake-dom0-storage';

const { Server } = ssh2;

export interface FakeMount {
  device: string;
  point: string;
  type: string;
}

const FREEZABLE = new Set(['ext4', 'xfs', 'btrfs']);

/** Splits a POSIX command line (single and double quotes, backslash escapes). */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

export class FakeLinuxMachine {
  port = 0;
  readonly events: string[] = [];
  readonly frozen = new Set<string>();
  /** Exit codes of job scripts by command; 0 when unset. */
  readonly scriptExits = new Map<string, number>();
  /** Job scripts that run past their timeout (answered 124). */
  readonly hangingScripts = new Set<string>();
  /** The freeze shell freezes but never says `frozen` (a guest that hangs in the freeze). */
  withholdFrozen = false;
  /** Called on each event as it happens (tests use it to act at a precise moment). */
  onEvent: (event: string) => void = () => {};
  connections = 0;
  /** Whether the account may `sudo -n` (password-less sudo); root never needs it. */
  hasSudo = true;
  /** dom0's block devices and LVM (fake-dom0-storage.ts); none on a guest. */
  storage: FakeDom0Storage | null = null;
  /**
   * The freeze window runs out now: each waiting freeze shell's `read -t` times out, so it thaws
   * what it froze and says `thawed-by-itself` (then its channel ends) — as a guest whose window is
   * shorter than the capture.
   */
  windowRunsOut(): void {
    for (const end of [...this.freezeShells]) end('thawed-by-itself');
  }
  private server: InstanceType<typeof Server> | null = null;
  /** Freeze shells still waiting for their thaw line: each ends itself with how it ended. */
  private readonly freezeShells = new Set<(how: string) => void>();
  private readonly clients = new Set<Connection>();

  constructor(
    readonly name: string,
    private readonly account: { username: string; password: string },
    readonly mounts: FakeMount[],
    private readonly hostKey = testKey('host-a'),
  ) {}

  get fingerprint(): string {
    return hostKeyFingerprint(this.hostKey);
  }

  private record(event: string): void {
    this.events.push(event);
    this.onEvent(event);
  }

  /** Listens on a free port, or on the same port again after a stop (a machine back from a crash). */
  async start(): Promise<number> {
    const server = new Server({ hostKeys: [this.hostKey] }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.end();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Connection): void {
    answerAtOnce(client);
    if (!this.server) {
      client.end();
      return;
    }
    this.connections += 1;
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (
        ctx.method === 'password' &&
        ctx.username === this.account.username &&
        ctx.password === this.account.password
      )
        ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (acceptExec, _reject, info) => this.exec(acceptExec(), info.command));
      });
    });
  }

  private exec(channel: ServerChannel, command: string): void {
    // A machine that is down runs nothing, even a request already on its way.
    if (!this.server) {
      channel.close();
      return;
    }
    let words = splitShellWords(command);
    if (words[0] === 'sudo' && !this.hasSudo && this.account.username !== 'root') {
      channel.stderr.write('sudo: a password is required\n');
      channel.exit(1);
      channel.end();
      return;
    }
    const isRoot = this.account.username === 'root' || (words[0] === 'sudo' && words[1] === '-n');
    if (words[0] === 'sudo') words = words.slice(2);
    if (words[0] === 'bash' && words[1] === '-c' && words[3] === 'migawka-freeze') {
      this.freezeShell(channel, isRoot, words.slice(5));
      return;
    }
    let answer: { code: number; stdout?: string | Buffer; stderr?: string };
    try {
      answer = (isRoot ? this.storage?.answer(words) : null) ?? this.answer(words, isRoot);
    } catch (error) {
      // A fault of the fake itself shows in the test's failure, not as a dropped connection.
      answer = { code: 99, stderr: `fake ${this.name}: ${String(error)}\n` };
    }
    // Stopped while the command ran (the machine died): the channel ends without an exit status.
    if (!this.server) {
      channel.close();
      return;
    }
    if (answer.stdout) channel.write(answer.stdout);
    if (answer.stderr) channel.stderr.write(answer.stderr);
    channel.exit(answer.code);
    channel.end();
  }

  private answer(
    words: string[],
    isRoot: boolean,
  ): { code: number; stdout?: string | Buffer; stderr?: string } {
    if (words[0] === 'cat' && words[1] === '/proc/mounts') {
      const lines = this.mounts.map(
        (m) => `${m.device} ${m.point.replace(/ /g, '\\040')} ${m.type} rw,relatime 0 0`,
      );
      return { code: 0, stdout: `proc /proc proc rw 0 0\n${lines.join('\n')}\n` };
    }
    if (words[0] === 'fsfreeze') return this.fsfreeze(words[1] as string, words[2] as string, isRoot);
    if (
      words[0] === 'pkill' &&
      words[1] === '-TERM' &&
      words[2] === '-f' &&
      words[3] === 'migawka-[f]reeze'
    ) {
      // The TERM trap of each freeze shell thaws what it froze.
      const shells = [...this.freezeShells];
      for (const end of shells) end('thawed-by-signal');
      return { code: shells.length > 0 ? 0 : 1 };
    }
    if (words[0] === 'sync' && words.length === 1) {
      this.record(`${this.name}: sync`);
      return { code: 0 };
    }
    if (words[0] === 'true' && words.length === 1) return { code: 0 };
    if (words[0] === 'timeout' && words[3] === 'sh' && words[4] === '-c') {
      const script = words[5] as string;
      this.record(`${this.name}: script ${script}`);
      if (this.hangingScripts.has(script)) return { code: 124 };
      return { code: this.scriptExits.get(script) ?? 0, stdout: `ran ${script}\n` };
    }
    return { code: 127, stderr: `bash: ${words[0]}: command not found\n` };
  }

  private fsfreeze(flag: string, point: string, isRoot: boolean): { code: number; stderr?: string } {
    const mount = this.mounts.find((m) => m.point === point);
    if (!isRoot) return { code: 1, stderr: `fsfreeze: ${point}: freeze failed: Operation not permitted\n` };
    if (!mount) return { code: 1, stderr: `fsfreeze: cannot open ${point}: No such file or directory\n` };
    if (flag === '-f') {
      if (!FREEZABLE.has(mount.type))
        return { code: 1, stderr: `fsfreeze: ${point}: freeze failed: Operation not supported\n` };
      if (this.frozen.has(point))
        return { code: 1, stderr: `fsfreeze: ${point}: freeze failed: Device or resource busy\n` };
      this.frozen.add(point);
      this.record(`${this.name}: freeze ${point}`);
      return { code: 0 };
    }
    if (!this.frozen.has(point))
      return { code: 1, stderr: `fsfreeze: ${point}: unfreeze failed: Invalid argument\n` };
    this.frozen.delete(point);
    this.record(`${this.name}: thaw ${point}`);
    return { code: 0 };
  }

  /** The freeze shell's protocol, as the script does it (see the file's comment). */
  private freezeShell(channel: ServerChannel, isRoot: boolean, points: string[]): void {
    const done: string[] = [];
    const thawAll = () => {
      for (const point of done) this.fsfreeze('-u', point, isRoot);
      done.length = 0;
    };
    for (const point of points) {
      const result = this.fsfreeze('-f', point, isRoot);
      if (result.code !== 0) {
        channel.write(`failed ${point}: ${result.stderr?.trim()}\n`);
        thawAll();
        channel.exit(3);
        channel.end();
        return;
      }
      done.unshift(point);
    }
    if (!this.withholdFrozen) channel.write('frozen\n');
    let input = '';
    let ended = false;
    const finish = (how: string) => {
      if (ended) return;
      ended = true;
      this.freezeShells.delete(finish);
      thawAll();
      try {
        channel.write(`${how}\n`);
        channel.exit(0);
        channel.end();
      } catch {}
    };
    this.freezeShells.add(finish);
    channel.on('data', (chunk: Buffer) => {
      input += chunk.toString('utf8');
      if (/^thaw$/m.test(input)) finish('thawed');
    });
    // EOF or a closed channel: `read` fails and the shell thaws by itself.
    channel.on('end', () => finish('thawed-by-itself'));
    channel.on('close', () => finish('thawed-by-itself'));
  }
}

/** A guest with a root file system and a data volume (ext4 and xfs), and a tmpfs left alone. */
export function linuxGuestMounts(): FakeMount[] {
  return [
    { device: '/dev/xvda1', point: '/', type: 'ext4' },
    { device: 'tmpfs', point: '/run', type: 'tmpfs' },
    { device: '/dev/xvdb1', point: '/var/lib/mysql', type: 'xfs' },
  ];
}
