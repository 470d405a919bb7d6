/**
 * The Dell EqualLogic (PS Series) Group Manager CLI over SSH (CONNECTORS.md §3.4): there is no
 * REST API, so the connector holds one interactive shell and talks to it like an admin would.
 * - The prompt is `<group-name>> `; a command's answer is everything between its echo and the next
 *   prompt. The prompt is learnt from the first one the group prints after login.
 * - Once per shell: `stty columns 255` (long lines are not wrapped), then `cli-settings` turns off
 *   confirmation (restore and delete would otherwise wait for `y`), paging (a long listing would
 *   wait for a key), events (messages mixed into answers) and formatoutput (tables become lines).
 * - Failures have no codes: any line starting with `% Error` or `Error:` is one (EqlError), and
 *   "does not exist" means not found. The texts are kept in the fake's fixtures.
 * - One command at a time per shell (the CLI is a conversation). Every command has a deadline and
 *   a cancel; on either the shell is closed and the next command opens a fresh one.
 * - The group's SSH host key is pinned like a Hyper-V host's (trust on first use, change refused).
 */
// ssh2 is CommonJS whose exports Node's ESM loader cannot list: import the default, then pick.
import ssh2, { type ClientChannel } from 'ssh2';
import { type CallOptions, callWithDeadline } from '../call';
import {
  endpointOf,
  type HostKeyStore,
  openPinnedConnection,
  type SshCredential,
  unreachable,
} from '../ssh/ssh-connection';

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

/** A failure line the group printed. */
export class EqlError extends Error {
  readonly command: string;
  readonly line: string;

  constructor(command: string, line: string) {
    super(`${command}: ${line}`);
    this.name = 'EqlError';
    this.command = command;
    this.line = line;
  }

  get isNotFound(): boolean {
    return /does not exist|not found/i.test(this.line);
  }
}

export interface EqlClientOptions {
  label: string;
  host: string;
  port: number;
  credential: () => Promise<SshCredential>;
  hostKeys: HostKeyStore;
  connectTimeoutMs?: number;
}

const SETUP_COMMANDS = [
  'stty columns 255',
  'cli-settings confirmation off',
  'cli-settings paging off',
  'cli-settings events off',
  'cli-settings formatoutput off',
];
const ERROR_LINE = /^(% Error|Error:)/;
const PROMPT_AT_END = /(?:^|\n)([^\s>]+)> $/;

interface Shell {
  client: Client;
  channel: ClientChannel;
  prompt: string;
  buffer: string;
  /** Called whenever data arrives (the one waiter of the conversation). */
  onData: (() => void) | null;
  closed: boolean;
}

export class EqlClient {
  readonly label: string;
  private shell: Promise<Shell> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** The group name, as its prompt shows it. */
  groupName: string | null = null;

  constructor(private readonly options: EqlClientOptions) {
    this.label = options.label;
  }

  get endpoint(): string {
    return endpointOf(this.options.host, this.options.port);
  }

  /** Runs one CLI command; resolves with its answer lines, rejects with EqlError on an error line. */
  run(command: string, options: CallOptions): Promise<string[]> {
    const turn = this.queue.then(() =>
      callWithDeadline(`${this.label} ${command}`, options, ({ signal }) => this.converse(command, signal)),
    );
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    const shell = await this.shell?.catch(() => null);
    this.shell = null;
    if (shell && !shell.closed) {
      shell.channel.end('exit\n');
      shell.client.end();
    }
  }

  private async converse(command: string, signal: AbortSignal): Promise<string[]> {
    const shell = await this.openShell(signal);
    try {
      const lines = await this.exchange(shell, command, signal);
      const failure = lines.find((line) => ERROR_LINE.test(line));
      if (failure) throw new EqlError(command, failure.trim());
      return lines;
    } catch (error) {
      // A cut conversation cannot be resumed mid-answer: the next command starts a new shell.
      if (!(error instanceof EqlError)) this.drop(shell);
      throw error;
    }
  }

  private drop(shell: Shell): void {
    shell.closed = true;
    this.shell = null;
    shell.client.end();
  }

  /** Sends a line and reads up to the next prompt; returns the lines between echo and prompt. */
  private exchange(shell: Shell, command: string, signal: AbortSignal): Promise<string[]> {
    shell.buffer = '';
    shell.channel.write(`${command}\n`);
    return this.readToPrompt(shell, signal).then((text) => {
      const lines = text.replace(/\r/g, '').split('\n');
      if (lines[0]?.trim() === command.trim()) lines.shift(); // the shell echoes what it was sent
      return lines.map((line) => line.trimEnd()).filter((line) => line.length > 0);
    });
  }

  private readToPrompt(shell: Shell, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (shell.closed) {
          finish();
          reject(unreachable(this.label, 'the group closed the CLI session'));
          return;
        }
        const text = shell.buffer.replace(/\r/g, '');
        const match = PROMPT_AT_END.exec(text);
        if (match && (shell.prompt === '' || match[1] === shell.prompt)) {
          shell.prompt = match[1];
          finish();
          resolve(text.slice(0, match.index));
        }
      };
      const onAbort = () => {
        finish();
        reject(signal.reason);
      };
      const finish = () => {
        shell.onData = null;
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shell.onData = check;
      check();
    });
  }

  private openShell(signal: AbortSignal): Promise<Shell> {
    if (!this.shell) {
      const attempt = this.connect(signal);
      this.shell = attempt;
      attempt.catch(() => {
        if (this.shell === attempt) this.shell = null;
      });
    }
    return this.shell;
  }

  private async connect(signal: AbortSignal): Promise<Shell> {
    const client = await this.login();
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ term: 'vt100', cols: 255, rows: 24 }, (error, stream) =>
        error ? reject(unreachable(this.label, `no CLI shell: ${error.message}`)) : resolve(stream),
      ),
    );
    const shell: Shell = { client, channel, prompt: '', buffer: '', onData: null, closed: false };
    channel.on('data', (chunk: Buffer) => {
      shell.buffer += chunk.toString('utf8');
      shell.onData?.();
    });
    channel.on('close', () => {
      shell.closed = true;
      shell.onData?.();
    });
    try {
      await this.readToPrompt(shell, signal); // the banner, up to the first prompt
      this.groupName = shell.prompt;
      for (const setup of SETUP_COMMANDS) {
        const lines = await this.exchange(shell, setup, signal);
        const failure = lines.find((line) => ERROR_LINE.test(line));
        if (failure) throw unreachable(this.label, `${setup} was refused: ${failure}`, false);
      }
    } catch (error) {
      this.drop(shell);
      throw error;
    }
    return shell;
  }

  private async login(): Promise<Client> {
    return openPinnedConnection({
      label: this.label,
      host: this.options.host,
      port: this.options.port,
      credential: await this.options.credential(),
      hostKeys: this.options.hostKeys,
      connectTimeoutMs: this.options.connectTimeoutMs,
    });
  }
}
