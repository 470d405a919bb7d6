/**
 * The PowerShell this connector runs lives in `scripts/*.ps1`, one file per query or action, so it
 * can be read, reviewed and reused by the standalone collector. A call wraps one file in the
 * envelope below and runs it as `powershell -NoProfile -NonInteractive -EncodedCommand …`
 * (CONNECTORS.md §2.1):
 * - The parameters (credentials included) travel on stdin as JSON, never on the command line,
 *   where any local user of the host could read them in the process list.
 * - A script whose encoded command line would pass cmd.exe's 8 191 characters (Windows OpenSSH's
 *   default shell) goes on stdin too, behind a small encoded bootstrap.
 * - Whatever happens, the script prints exactly one JSON envelope: `{ok:true,data}` or
 *   `{ok:false,error:{type,message,fqid,category,hresult}}` and exit code 1.
 * - The body's output is assigned as PowerShell 5.1 assigns it: one object stays an object, none is
 *   $null; the parsers (hyperv-records.ts) accept those shapes instead of assuming arrays.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SCRIPT_NAMES = [
  'host-facts',
  'list-vms',
  'guest-facts',
  'vm-state',
  'save-vm',
  'start-vm',
  'change-tracking',
  'new-checkpoint',
  'get-checkpoint',
  'remove-checkpoint',
  'restore-checkpoint',
  'run-guest-script',
  'flush-volume',
  'file-hashes',
  'prepare-folder',
  'remove-folder',
  'new-vm-from-disks',
  'prepare-in-place',
  'wsb-backup',
  'wsb-versions',
  'wsb-recover',
  'copy-files',
  'cluster-facts',
  'mount-array-copy',
  'dismount-array-copy',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

// Inside Next's server bundle `import.meta.dirname` is undefined: the server runs from the project root.
export const SCRIPTS_DIRECTORY = path.join(
  import.meta.dirname ?? path.join(process.cwd(), 'server', 'drivers', 'hyperv'),
  'scripts',
);

const cache = new Map<ScriptName, string>();

/** The body of one repository script, as committed (CRLF folded to LF so checkouts agree). */
export function readScript(name: ScriptName): string {
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(path.join(SCRIPTS_DIRECTORY, `${name}.ps1`), 'utf8')
      .replace(/\r\n/g, '\n')
      .trimEnd();
    cache.set(name, body);
  }
  return body;
}

export const ENVELOPE_HEAD = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
if ($null -eq $MigawkaInput) { $MigawkaInput = [Console]::In.ReadToEnd() | ConvertFrom-Json }
$P = $MigawkaInput.params
try {
  $data = & {`;

export const ENVELOPE_TAIL = `  }
  ConvertTo-Json -InputObject ([pscustomobject]@{ ok = $true; data = $data }) -Depth 8 -Compress
} catch {
  $e = $_
  ConvertTo-Json -Compress -InputObject ([pscustomobject]@{ ok = $false; error = [pscustomobject]@{
    type = $e.Exception.GetType().Name; message = $e.Exception.Message
    fqid = $e.FullyQualifiedErrorId; category = "$($e.CategoryInfo.Category)"
    hresult = $e.Exception.HResult } })
  exit 1
}`;

/** Reads the whole script from stdin and runs it: for scripts too long for the command line. */
export const STDIN_BOOTSTRAP =
  '$MigawkaInput = [Console]::In.ReadToEnd() | ConvertFrom-Json; . ([scriptblock]::Create($MigawkaInput.script))';

export const beginMarker = (name: string) => `# --- begin ${name}.ps1`;
export const endMarker = (name: string) => `# --- end ${name}.ps1`;

/** The full text run on the host: the envelope around one repository script. */
export function wrapScript(name: ScriptName): string {
  return [ENVELOPE_HEAD, beginMarker(name), readScript(name), endMarker(name), ENVELOPE_TAIL].join('\n');
}

/** `-EncodedCommand` takes base64 of UTF-16LE. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

const POWERSHELL = 'powershell -NoProfile -NonInteractive -EncodedCommand ';
/** cmd.exe's command-line limit (Windows OpenSSH runs commands through the default shell). */
export const MAX_COMMAND_LINE = 8191;

/** The command line and stdin for one call. */
export function buildInvocation(
  name: ScriptName,
  params: unknown,
  maxCommandLine = MAX_COMMAND_LINE,
): { command: string; stdin: string } {
  const script = wrapScript(name);
  const direct = POWERSHELL + encodeCommand(script);
  if (direct.length <= maxCommandLine) return { command: direct, stdin: JSON.stringify({ params }) };
  return {
    command: POWERSHELL + encodeCommand(STDIN_BOOTSTRAP),
    stdin: JSON.stringify({ params, script }),
  };
}
