/**
 * What a job edit changes besides its retention, in words: a retention change waiting for a second
 * admin is saved whole when approved (name, schedule, scope, settings and all), so the approver
 * must read all of it, not only the retention it was sent for.
 */

import type { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import { canonicalJson } from '../engine/audit-chain';
import { describeSchedule, MISSED_RUN_WORDS } from '../engine/schedule';
import type { BackupRequest, backupJobInput } from '../schemas/operations';
import { lastKnownVmNames } from './plans';

/** VMs named in a scope change before "and N more". */
const VMS_NAMED = 20;

/** Each change the edit makes to the saved job other than its retention (none: an empty list). */
export async function otherChangesOfEdit(
  stores: Stores,
  saved: JobRecord,
  job: z.output<typeof backupJobInput>,
  now: Date,
): Promise<string[]> {
  const changes: string[] = [];
  if (saved.name !== job.name) changes.push(`Name: "${saved.name}" → "${job.name}"`);
  if (saved.isEnabled !== job.isEnabled)
    changes.push(job.isEnabled ? 'Enabled: its schedule runs again' : 'Disabled: its schedule stops running');
  const before = scheduleWords(saved.cron, saved.timeZone, now);
  const after = scheduleWords(job.schedule?.cron ?? null, job.schedule?.timeZone ?? 'UTC', now);
  if (before !== after) changes.push(`Schedule: ${before} → ${after}`);
  if (saved.missedRunPolicy !== job.missedRunPolicy)
    changes.push(
      `Missed runs: ${MISSED_RUN_WORDS[saved.missedRunPolicy]} → ${MISSED_RUN_WORDS[job.missedRunPolicy]}`,
    );
  if (saved.rpoHours !== job.rpoHours)
    changes.push(`RPO: ${hoursWords(saved.rpoHours)} → ${hoursWords(job.rpoHours)}`);
  const savedRequest = saved.requestJson as unknown as BackupRequest;
  const scope = await scopeChange(stores, savedRequest.scope, job.request.scope);
  if (scope) changes.push(scope);
  const { scope: _savedScope, ...savedSettings } = savedRequest;
  const { scope: _scope, ...settings } = job.request;
  if (canonicalJson(savedSettings) !== canonicalJson(settings))
    changes.push('Backup settings: the methods, scripts or consistency and pass-through policies change');
  return changes;
}

function scheduleWords(cron: string | null, timeZone: string, now: Date): string {
  if (cron === null) return 'none (runs only when started by hand)';
  try {
    return describeSchedule(cron, timeZone, now);
  } catch {
    // A stored expression this version no longer reads is shown as stored.
    return `"${cron}" (${timeZone})`;
  }
}

function hoursWords(hours: number | null): string {
  return hours === null ? 'none' : `${hours} h`;
}

async function scopeChange(
  stores: Stores,
  before: BackupRequest['scope'],
  after: BackupRequest['scope'],
): Promise<string | null> {
  if (canonicalJson(before) === canonicalJson(after)) return null;
  if (before.kind !== 'vms' || after.kind !== 'vms') return 'What it backs up: another volume or VM list';
  const kept = new Set(before.vmIds);
  const added = after.vmIds.filter((id) => !kept.has(id));
  const staying = new Set(after.vmIds);
  const dropped = before.vmIds.filter((id) => !staying.has(id));
  if (added.length === 0 && dropped.length === 0) return null; // the same VMs in another order
  const named = [...added.slice(0, VMS_NAMED), ...dropped.slice(0, VMS_NAMED)];
  const names = await stores.inventory.namesOfVms(named);
  // A VM gone from the inventory by the name it last had (kept when it was removed, or its points').
  for (const [id, name] of await lastKnownVmNames(
    stores,
    named.filter((id) => !names.has(id)),
  ))
    names.set(id, name);
  const listed = (ids: string[]) => {
    const shown = ids.slice(0, VMS_NAMED).map((id) => names.get(id) ?? 'a VM Migawka has no name for');
    return ids.length > VMS_NAMED
      ? `${shown.join(', ')} and ${ids.length - VMS_NAMED} more`
      : shown.join(', ');
  };
  const parts = [
    dropped.length > 0 ? `drops ${listed(dropped)}` : null,
    added.length > 0 ? `adds ${listed(added)}` : null,
  ].filter((part): part is string => part !== null);
  return `VMs: ${before.vmIds.length} → ${after.vmIds.length}; ${parts.join('; ')}`;
}
