/**
 * The lab's guest script sandbox: pre-freeze / post-thaw scripts are interpreted, never executed
 * by a shell. Statements are separated by `;`, `&&` or new lines:
 *
 *   exit N      stop with exit code N
 *   sleep S     wait S seconds (scaled by `timeScale`); exceeding the timeout fails the script
 *   echo TEXT   append TEXT to the output
 *   true/false  set the status to 0 / 1 (a script's exit code is its last status)
 *   flush       (no-op) stands for an application's "flush buffers" command
 *
 * `a && b` runs b only when a succeeded, like a shell. Anything else exits 127.
 */
export interface SandboxOptions {
  timeoutMs: number;
  /** Multiplies every `sleep` (1 = real seconds; tests use a small fraction). */
  timeScale: number;
  signal?: AbortSignal;
}

export interface SandboxResult {
  exitCode: number;
  output: string;
  /** True when the script ran past its timeout and was stopped. */
  hasTimedOut: boolean;
}

interface Statement {
  text: string;
  /** Run only if the previous statement succeeded (`&&`). */
  isConditional: boolean;
}

function parse(command: string): Statement[] {
  const statements: Statement[] = [];
  for (const line of command.split(/\n|;/)) {
    line.split('&&').forEach((part, index) => {
      const text = part.trim();
      if (text) statements.push({ text, isConditional: index > 0 });
    });
  }
  return statements;
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function runSandboxedScript(command: string, options: SandboxOptions): Promise<SandboxResult> {
  const output: string[] = [];
  let status = 0;
  let elapsedMs = 0;
  for (const statement of parse(command)) {
    if (statement.isConditional && status !== 0) continue;
    const [verb, ...args] = statement.text.split(/\s+/);
    switch (verb) {
      case 'exit': {
        const code = Number(args[0] ?? '0');
        return {
          exitCode: Number.isInteger(code) ? code & 255 : 2,
          output: output.join('\n'),
          hasTimedOut: false,
        };
      }
      case 'sleep': {
        const seconds = Number(args[0]);
        if (!Number.isFinite(seconds) || seconds < 0) {
          output.push(`sleep: invalid time interval '${args[0] ?? ''}'`);
          status = 1;
          break;
        }
        const remainingMs = options.timeoutMs - elapsedMs;
        if (seconds * 1000 > remainingMs) {
          await wait(remainingMs * options.timeScale, options.signal);
          return { exitCode: 124, output: output.join('\n'), hasTimedOut: true };
        }
        await wait(seconds * 1000 * options.timeScale, options.signal);
        elapsedMs += seconds * 1000;
        status = 0;
        break;
      }
      case 'echo':
        output.push(args.join(' '));
        status = 0;
        break;
      case 'true':
      case 'flush':
        status = 0;
        break;
      case 'false':
        status = 1;
        break;
      default:
        output.push(`${verb}: command not found`);
        status = 127;
    }
  }
  return { exitCode: status, output: output.join('\n'), hasTimedOut: false };
}
