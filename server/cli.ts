/**
 * The `migawka` command (bin/migawka.mjs runs this file through tsx).
 *
 * Each command is registered by its own small function so commands can be added without
 * touching the others. Exit codes: 0 fine, 1 the check found blockers (or the command could not
 * finish: said in a sentence, the stack trace only with LOG_LEVEL=debug), 2 invalid input (every
 * field error printed as `path: message`; a bad environment variable by name, bin/migawka.mjs).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { registerAuditCommand } from './audit-command';
import { registerCollectCommand } from './collect-command';
import { registerDbCommand } from './db-command';
import { evaluateInventory, type VmAssessment } from './engine/evaluate';
import type { Inventory } from './engine/inventory';
import { type BackupMethod, READINESS, type Readiness, SEVERITIES } from './engine/types';
import { METHOD_LABELS } from './engine/words';
import { parseInventory } from './schemas/inventory';
import { decodeTextBytes, parseJson } from './schemas/json-text';
import { registerSecretsCommand } from './secrets-command';
import { DomainError, isDomainError } from './services/errors';
import { readInventoryDocument } from './services/import/inventory-document';
import type { ReplaceConfirmation, ReplacePreview } from './services/import/replace-preview';
import { registerUserCommand } from './user-command';
import { registerWorkerCommand } from './worker-command';

export const EXIT_OK = 0;
export const EXIT_BLOCKERS = 1;
export const EXIT_INVALID_INPUT = 2;

export function buildProgram(): Command {
  const program = new Command()
    .name('migawka')
    .description('Migawka: protect VMs on Hyper-V, XenServer and storage arrays')
    .showHelpAfterError()
    .exitOverride();
  registerCheckCommand(program);
  registerCollectCommand(program);
  registerImportCommand(program);
  registerSeedLargeCommand(program);
  registerSeedRestorePointsCommand(program);
  registerWorkerCommand(program);
  registerSecretsCommand(program);
  registerAuditCommand(program);
  registerDbCommand(program);
  registerUserCommand(program);
  return program;
}

/** Runs the CLI; sets process.exitCode instead of exiting so output is flushed first. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error && typeof error === 'object' && 'exitCode' in error && typeof error.exitCode === 'number') {
    // commander already printed its message (help, version, unknown option).
    return error.exitCode === 0 ? EXIT_OK : EXIT_INVALID_INPUT;
  }
  if (isDomainError(error)) {
    printFieldErrors(error);
    return error.code === 'INVALID_INPUT' ? EXIT_INVALID_INPUT : EXIT_BLOCKERS;
  }
  // A database that cannot be reached, a file that cannot be written: a sentence, not a stack trace.
  console.error(`migawka could not finish: ${reasonOf(error)}`);
  if (isDebugLogging()) console.error(error instanceof Error ? error.stack : String(error));
  else console.error('(with LOG_LEVEL=debug it also prints where it failed)');
  return EXIT_BLOCKERS;
}

/** An error's message; an AggregateError (every address of a host refused) says each one's. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Whoever runs the command with LOG_LEVEL=debug (or trace) asked for where it failed. */
function isDebugLogging(): boolean {
  return process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
}

function printFieldErrors(error: DomainError): void {
  console.error(error.message);
  for (const fieldError of error.fieldErrors) console.error(`  ${fieldError.path}: ${fieldError.message}`);
}

function readInputFile(file: string): string {
  try {
    return decodeTextBytes(readFileSync(file));
  } catch (error) {
    const reason =
      error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'file not found' : String(error);
    throw new DomainError('INVALID_INPUT', `Cannot read ${file}`, [{ path: '(file)', message: reason }]);
  }
}

// ---------------------------------------------------------------------------------------------
// check: offline assessment, no server, no database

export interface CheckReport {
  vms: {
    vmId: string;
    name: string;
    host: string;
    readiness: Readiness;
    recommendedMethod: string | null;
    recommendationReason: string;
    findings: VmAssessment['findings'];
  }[];
  /** Facts a collector document says could not be read (host or VM, and why); none for a file. */
  unknowns: string[];
  summary: {
    vms: number;
    findings: Record<(typeof SEVERITIES)[number], number>;
    readiness: Record<Readiness, number>;
    hasBlockers: boolean;
  };
}

/** Validates and evaluates an inventory file's text. Throws DomainError INVALID_INPUT. */
export function checkInventoryText(text: string): CheckReport {
  const json = parseJson(text);
  if (!json.ok)
    throw new DomainError('INVALID_INPUT', 'The inventory file is not valid JSON:', [json.fieldError]);
  const document = readInventoryDocument(json.value);
  const parsed = parseInventory(document.data);
  if (!parsed.ok) {
    throw new DomainError(
      'INVALID_INPUT',
      `The ${document.source} has ${parsed.fieldErrors.length} problem${parsed.fieldErrors.length === 1 ? '' : 's'}:`,
      parsed.fieldErrors,
    );
  }
  return buildCheckReport(parsed.inventory, evaluateInventory(parsed.inventory), document.unknowns);
}

export function buildCheckReport(
  inventory: Inventory,
  assessments: VmAssessment[],
  unknowns: string[] = [],
): CheckReport {
  const vmsById = new Map(inventory.vms.map((vm) => [vm.id, vm]));
  const hostsById = new Map(inventory.hosts.map((host) => [host.id, host]));
  const findings = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as CheckReport['summary']['findings'];
  const readiness = Object.fromEntries(READINESS.map((r) => [r, 0])) as Record<Readiness, number>;
  const vms = assessments
    .map((assessment) => {
      const vm = vmsById.get(assessment.vmId);
      readiness[assessment.readiness]++;
      for (const finding of assessment.findings) findings[finding.severity]++;
      return {
        vmId: assessment.vmId,
        name: vm?.name ?? assessment.vmId,
        host: (vm && hostsById.get(vm.hostId)?.name) ?? '',
        readiness: assessment.readiness,
        recommendedMethod: assessment.plan.recommended,
        recommendationReason: assessment.plan.recommendationReason,
        findings: [...assessment.findings].sort(
          (a, b) =>
            SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
            a.ruleId.localeCompare(b.ruleId),
        ),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    vms,
    unknowns,
    summary: { vms: vms.length, findings, readiness, hasBlockers: findings.blocker > 0 },
  };
}

/** The method's name for people, its id beside it for scripts that grep the report. */
function recommendedInWords(method: string | null): string {
  if (method === null) return 'none';
  const label = METHOD_LABELS[method as BackupMethod];
  return label ? `${label} [${method}]` : method;
}

export function renderCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const ruleWidth = Math.max(4, ...report.vms.flatMap((vm) => vm.findings.map((f) => f.ruleId.length)));
  for (const vm of report.vms) {
    lines.push(`${vm.name}  (host ${vm.host})`);
    lines.push(`  readiness:   ${vm.readiness}`);
    lines.push(
      `  recommended: ${recommendedInWords(vm.recommendedMethod)}${vm.recommendationReason ? ` (${vm.recommendationReason})` : ''}`,
    );
    if (vm.findings.length === 0) {
      lines.push('  no findings');
    } else {
      lines.push(`  ${'SEVERITY'.padEnd(9)}${'RULE'.padEnd(ruleWidth + 2)}MESSAGE`);
      for (const finding of vm.findings) {
        lines.push(
          `  ${finding.severity.padEnd(9)}${finding.ruleId.padEnd(ruleWidth + 2)}${finding.message}`,
        );
        lines.push(`  ${''.padEnd(9 + ruleWidth + 2)}remedy: ${finding.remedy}`);
      }
    }
    lines.push('');
  }
  if (report.unknowns.length > 0) {
    lines.push('Not read (unknown, not assumed fine):');
    for (const unknown of report.unknowns) lines.push(`  ${unknown}`);
    lines.push('');
  }
  const { summary } = report;
  lines.push(
    `${summary.vms} VM${summary.vms === 1 ? '' : 's'} checked: ${summary.findings.blocker} blocker(s), ${summary.findings.warning} warning(s), ${summary.findings.info} info.`,
  );
  lines.push(`Readiness: ${READINESS.map((r) => `${r} ${summary.readiness[r]}`).join(', ')}.`);
  return lines.join('\n');
}

function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'assess an inventory file offline (no server, no database); exit 1 on blockers, 2 on invalid input',
    )
    .argument('<inventory.json>', 'inventory file (docs/inventory-format.md)')
    .option('--json', 'print the report (or, for an invalid file, the error document) as JSON on stdout')
    .action((file: string, options: { json?: boolean }) => {
      let report: CheckReport;
      try {
        report = checkInventoryText(readInputFile(file));
      } catch (error) {
        // A script asked for JSON: it gets JSON for a refused file too, not prose on stderr.
        if (!options.json || !isDomainError(error)) throw error;
        console.log(JSON.stringify(checkErrorDocument(error), null, 2));
        process.exitCode = error.code === 'INVALID_INPUT' ? EXIT_INVALID_INPUT : EXIT_BLOCKERS;
        return;
      }
      console.log(options.json ? JSON.stringify(report, null, 2) : renderCheckReport(report));
      process.exitCode = report.summary.hasBlockers ? EXIT_BLOCKERS : EXIT_OK;
    });
}

/** What `check --json` prints for a file it cannot assess: every field error with its path. */
export interface CheckErrorDocument {
  error: { code: DomainError['code']; message: string; fieldErrors: DomainError['fieldErrors'] };
}

export function checkErrorDocument(error: DomainError): CheckErrorDocument {
  return { error: { code: error.code, message: error.message, fieldErrors: error.fieldErrors } };
}

// ---------------------------------------------------------------------------------------------
// import: into the configured database (DATABASE_URL, else MIGAWKA_DB_PATH / MIGAWKA_DATA_DIR);
// seed-large and seed-restore-points: bench fixtures, written into the SQLite file only

function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'import an inventory file into the database, atomically (nothing is written if it is invalid)',
    )
    .argument('<inventory.json>', 'inventory file (docs/inventory-format.md)')
    .option(
      '--mode <mode>',
      'merge: upsert by id, delete nothing; replace: the file becomes the whole inventory',
      parseImportMode,
      'merge',
    )
    .option(
      '--confirm <words>',
      'replace only: the words the preview asks for (e.g. "remove 3 VMs"), when the replace removes anything',
    )
    .action(async (file: string, options: { mode: 'replace' | 'merge'; confirm?: string }) => {
      // The operator meant a replace, or typed the words for nothing: either way, not a silent merge.
      if (options.confirm !== undefined && options.mode !== 'replace') {
        throw new DomainError('INVALID_INPUT', 'Nothing was imported: --confirm goes with --mode replace', [
          {
            path: '--confirm',
            message:
              'a merge removes nothing, so it has nothing to confirm; add --mode replace to replace the inventory, or leave --confirm out to merge',
          },
        ]);
      }
      const text = readInputFile(file);
      const { closeProcessDatabase, describeDatabase, openProcessDatabase, storesOf } = await import(
        '../db/process-database'
      );
      const { getConfig } = await import('./config');
      const { createServiceContext } = await import('./context');
      const { importInventory, previewReplaceImport } = await import('./services/import-service');
      const config = getConfig().database;
      const database = await openProcessDatabase(config);
      const stores = storesOf(database);
      const result = await (async () => {
        const confirmation =
          options.mode === 'replace'
            ? confirmReplace(await previewReplaceImport(stores, text), options.confirm)
            : null;
        return importInventory(stores, createServiceContext(), text, options.mode, {
          ...(confirmation ? { confirmation } : {}),
        });
      })().finally(() => closeProcessDatabase(database));
      const imported = Object.entries(result.imported)
        .map(([section, n]) => `${n} ${section}`)
        .join(', ');
      console.log(`Imported (${result.mode}) into ${describeDatabase(config)}: ${imported}.`);
      console.log(
        `Stored now: ${result.stored.hosts} hosts, ${result.stored.vms} VMs; ${result.assessment.findings} findings on ${result.assessment.assessedVms} assessed VMs.`,
      );
      if (result.notRead.length > 0) {
        console.log(`Not read by the collector (imported as not read, not as absent):`);
        for (const unknown of result.notRead) console.log(`  ${unknown}`);
      }
    });
}

/**
 * A replace that removes anything runs only with --confirm naming what the preview says it removes;
 * without it, the preview is printed with the words to type (exit 1, nothing written).
 */
function confirmReplace(preview: ReplacePreview, typed: string | undefined): ReplaceConfirmation | null {
  if (!preview.confirmation) return null;
  if (typed !== undefined && typed.trim() === preview.confirmation.phrase) {
    return { phrase: typed, removalFingerprint: preview.confirmation.removalFingerprint };
  }
  const { hosts, vms } = preview.removes;
  const lines = [
    `Replacing the inventory with this file would ${preview.confirmation.phrase}:`,
    `  hosts: ${hosts.names.join(', ') || 'none'}${hosts.count > hosts.names.length ? ` (and ${hosts.count - hosts.names.length} more)` : ''}`,
    `  VMs: ${vms.names.join(', ') || 'none'}${vms.count > vms.names.length ? ` (and ${vms.count - vms.names.length} more)` : ''}`,
    ...preview.jobs.map(
      (job) =>
        `  job "${job.name}" loses ${job.lostVolume ? `its volume ${job.lostVolume}` : job.lostVms.join(', ')}`,
    ),
    `  restore points left without their VM: ${preview.restorePoints.count}`,
  ];
  throw new DomainError(
    'PRECONDITION_FAILED',
    `${lines.join('\n')}\nNothing was imported. To go ahead, add --confirm "${preview.confirmation.phrase}".`,
    [
      {
        path: '--confirm',
        message: typed === undefined ? 'missing' : `"${typed}" is not "${preview.confirmation.phrase}"`,
      },
    ],
  );
}

function parseImportMode(value: string): 'replace' | 'merge' {
  if (value !== 'replace' && value !== 'merge')
    throw new InvalidArgumentError('must be "replace" or "merge"');
  return value;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/**
 * The bench seeders write the SQLite file with prepared statements; on PostgreSQL they would seed a
 * file nobody reads, so they refuse and say how to get the same estate there.
 */
function sqliteFileOnly(config: { database: { kind: string }; dbPath: string }, command: string): string {
  if (config.database.kind !== 'sqlite') {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${command} writes the SQLite file only; unset DATABASE_URL, seed, then move it with \`migawka db copy --from ${config.dbPath} --to <postgres url>\``,
    );
  }
  return config.dbPath;
}

function registerSeedRestorePointsCommand(program: Command): void {
  program
    .command('seed-restore-points')
    .description(
      'add synthetic restore points (catalogue rows only, default 1,000,000) over the VMs in the database',
    )
    .option('--count <n>', 'number of points', parseCount)
    .option('--days <n>', 'spread them over this many days', parseCount)
    .option('--seed <n>', 'PRNG seed (same seed, same points)', parseCount)
    .action(async (options: { count?: number; days?: number; seed?: number }) => {
      const { openDatabase } = await import('../db/client');
      const { getConfig } = await import('./config');
      const { seedLargeRestorePoints } = await import('../db/seed/large-restore-points');
      const dbPath = sqliteFileOnly(getConfig(), 'seed-restore-points');
      const result = seedLargeRestorePoints(openDatabase(dbPath), options);
      console.log(
        `Added ${result.points} restore points over ${result.vms} VMs to ${dbPath} in ${(result.elapsedMs / 1000).toFixed(1)} s.`,
      );
    });
}

function registerSeedLargeCommand(program: Command): void {
  program
    .command('seed-large')
    .description(
      'replace the inventory with a synthetic large estate (default 1,000 hosts, 20,000 VMs, 60,000 disks)',
    )
    .option('--hosts <n>', 'number of hosts', parseCount)
    .option('--vms <n>', 'number of VMs', parseCount)
    .option('--disks-per-vm <n>', 'virtual disks per VM', parseCount)
    .option('--seed <n>', 'PRNG seed (same seed, same estate)', parseCount)
    .action(async (options: { hosts?: number; vms?: number; disksPerVm?: number; seed?: number }) => {
      const { openDatabase } = await import('../db/client');
      const { getConfig } = await import('./config');
      const { seedLargeEstate } = await import('../db/seed/large-estate');
      const dbPath = sqliteFileOnly(getConfig(), 'seed-large');
      const result = seedLargeEstate(openDatabase(dbPath), {
        ...(options.hosts ? { hosts: options.hosts } : {}),
        ...(options.vms ? { vms: options.vms } : {}),
        ...(options.disksPerVm ? { disksPerVm: options.disksPerVm } : {}),
        ...(options.seed ? { seed: options.seed } : {}),
      });
      const { counts, assessment } = result;
      console.log(
        `Seeded ${dbPath} in ${(result.elapsedMs / 1000).toFixed(1)} s: ${counts.hosts} hosts, ${counts.vms} VMs, ${counts.virtualDisks} disks, ${counts.hostVolumes} host volumes, ${counts.guestVolumes} guest volumes, ${counts.arrays} arrays (${counts.arrayVolumes} LUNs); ${assessment.findings} findings.`,
      );
    });
}
