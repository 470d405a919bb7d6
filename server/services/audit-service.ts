/**
 * The audit trail: who did what, when, from where, and how it ended — every tRPC mutation (the
 * middleware in server/trpc/init.ts), and the events other modules record with `recordAudit`
 * (sign-in, failed sign-in, role and setting changes, key rotation). Entries are hash-chained by the
 * store (server/engine/audit-chain.ts); `verifyAuditTrail` walks the chain.
 */
import type { AuditEntry, AuditFilter, Stores } from '../../db/stores/ports';
import type { Page } from '../../db/stores/ports/page';
import { type Actor, actorLabel, type ServiceContext } from '../context';
import { type AuditObject, CHAIN_START, type ChainBreak, verifyChainSegment } from '../engine/audit-chain';
import { describePlan } from '../engine/operation-rules';
import type { OperationPlan } from '../engine/plan-types';
import { describePoint } from '../engine/point-plan';
import type { AuditOutcome } from '../engine/security';
import { redactForAudit } from '../schemas/sensitive';
import { csvField } from './csv';

/** Where a request came from, as the HTTP layer saw it. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

export const NO_ORIGIN: RequestOrigin = { ip: null, userAgent: null };

/**
 * The peer address and user agent of a request. The address is the LAST `X-Forwarded-For` hop: the
 * one the server in front of us wrote (the console's own server from the socket, peer-address.ts, or
 * a trusted reverse proxy); earlier hops are whatever the client claimed and are not recorded as its
 * address.
 */
export function originOf(request: Request): RequestOrigin {
  const hops = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const ip = hops.at(-1) ?? request.headers.get('x-real-ip');
  return { ip: ip || null, userAgent: request.headers.get('user-agent')?.slice(0, 500) ?? null };
}

export interface AuditRecord {
  /** The procedure ("jobs.create") or event ("auth.sign-in"). */
  action: string;
  objects?: AuditObject[];
  /** Recorded minus secrets (redactForAudit). */
  input?: unknown;
  outcome: AuditOutcome;
  message?: string | null;
  origin?: RequestOrigin;
  /** Who acted, when not the context's actor (a failed sign-in names the account tried). */
  actor?: Actor;
}

/** The role an actor had, once principals carry one (the accounts work adds it). */
function roleOf(actor: Actor): string | null {
  const role = (actor as { role?: unknown }).role;
  return typeof role === 'string' ? role : null;
}

export async function recordAudit(
  stores: Pick<Stores, 'audit'>,
  ctx: ServiceContext,
  record: AuditRecord,
): Promise<AuditEntry> {
  const actor = record.actor ?? ctx.actor;
  const origin = record.origin ?? NO_ORIGIN;
  return stores.audit.append({
    id: ctx.newId(),
    at: ctx.now(),
    actorLabel: actorLabel(actor),
    actorName: actor.name,
    actorRole: roleOf(actor),
    action: record.action,
    objects: record.objects ?? [],
    input: record.input === undefined ? null : redactForAudit(record.input),
    outcome: record.outcome,
    message: record.message ?? null,
    ip: origin.ip,
    userAgent: origin.userAgent,
  });
}

const ID_FIELD = /^(id|([a-z]+)Ids?)$/;

/** Actions whose router is not named after the object they change (the wizard saves jobs). */
const KIND_OF_ACTION: Record<string, string> = {
  'backups.createJob': 'job',
  'backups.updateJob': 'job',
};

/**
 * What a mutation was about: objects named in its result (`{id, name}` or `{id, title}`, at the top
 * or one level down, e.g. the operation a start created) and the ids its input names (`id`,
 * `vmId`, `vmIds`, …), each once; an input id gets the name the result gave it, when it did.
 */
export function auditObjectsOf(action: string, input: unknown, output: unknown): AuditObject[] {
  const found = new Map<string, AuditObject>();
  const defaultKind = KIND_OF_ACTION[action] ?? action.split('.')[0]?.replace(/s$/, '') ?? 'object';
  const named = (value: unknown, kind: string) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    const { id, name, title } = value as Record<string, unknown>;
    const label = typeof name === 'string' ? name : typeof title === 'string' ? title : null;
    if (typeof id === 'string' && label !== null) found.set(id, { kind, id, name: label });
  };
  named(output, defaultKind);
  if (output && typeof output === 'object' && !Array.isArray(output)) {
    for (const [key, value] of Object.entries(output)) named(value, key);
    nameStartedOperation(output as Record<string, unknown>, found);
  }
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    for (const [key, value] of Object.entries(input)) {
      const match = ID_FIELD.exec(key);
      if (!match) continue;
      const kind = match[2] ?? defaultKind;
      const ids = Array.isArray(value) ? value.slice(0, 50) : [value];
      for (const id of ids) {
        if (typeof id === 'string' && !found.has(id)) found.set(id, { kind, id, name: null });
      }
    }
  }
  return [...found.values()];
}

/**
 * What a start returned (StartedOperation, StartedPointOperation): the operation it queued, by its
 * title or its plan's description; the point a verify or delete reads, by its VM and time; the VMs
 * a backup plans, by name. So "Back up now" and a point's verify are audited by names, not ids.
 */
function nameStartedOperation(output: Record<string, unknown>, found: Map<string, AuditObject>): void {
  const { operationId, title, plan, point } = output;
  if (typeof operationId !== 'string' || !plan || typeof plan !== 'object') return;
  const operationPlan = plan as OperationPlan;
  const name = typeof title === 'string' ? title : describePlan(operationPlan);
  found.set(operationId, { kind: 'operation', id: operationId, name });
  if (point && typeof point === 'object') {
    const { id, vmName, createdAt } = point as { id?: unknown; vmName?: unknown; createdAt?: unknown };
    if (typeof id === 'string' && typeof vmName === 'string' && createdAt instanceof Date)
      found.set(id, { kind: 'restorePoint', id, name: describePoint({ vmName, createdAt }) });
  }
  if (operationPlan.kind === 'backup') {
    for (const vm of operationPlan.vms) found.set(vm.vmId, { kind: 'vm', id: vm.vmId, name: vm.vmName });
  }
}

export interface AuditListInput extends AuditFilter {
  limit: number;
  cursor: string | null;
}

export async function listAuditEntries(
  stores: Pick<Stores, 'audit'>,
  input: AuditListInput,
): Promise<Page<AuditEntry>> {
  const { limit, cursor, ...filter } = input;
  return stores.audit.list(filter, { limit, cursor });
}

export async function listAuditActors(stores: Pick<Stores, 'audit'>) {
  return stores.audit.actors();
}

/** The result of walking the whole chain. */
export type AuditVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; break: ChainBreak };

const VERIFY_BATCH = 1000;

/** Walks every entry in chain order, a batch at a time; stops at the first break. */
export async function verifyAuditTrail(stores: Pick<Stores, 'audit'>): Promise<AuditVerification> {
  let cursor = CHAIN_START;
  for (;;) {
    const batch = await stores.audit.chain(cursor.lastSeq, VERIFY_BATCH);
    if (batch.length === 0) return { ok: true, checked: cursor.checked };
    const result = verifyChainSegment(cursor, batch);
    if (!result.ok) return { ok: false, checked: result.checked, break: result.break };
    cursor = result.cursor;
  }
}

const CSV_COLUMNS = [
  'seq',
  'time',
  'actor',
  'actor name',
  'role',
  'action',
  'objects',
  'outcome',
  'message',
  'ip',
  'user agent',
  'input',
  'hash',
] as const;

function csvRow(entry: AuditEntry): string {
  return [
    String(entry.seq),
    entry.at.toISOString(),
    entry.actorLabel,
    entry.actorName,
    entry.actorRole ?? '',
    entry.action,
    entry.objects.map((o) => (o.name ? `${o.kind} ${o.name} (${o.id})` : `${o.kind} ${o.id}`)).join('; '),
    entry.outcome,
    entry.message ?? '',
    entry.ip ?? '',
    entry.userAgent ?? '',
    entry.input === null ? '' : JSON.stringify(entry.input),
    entry.hash,
  ]
    .map(csvField)
    .join(',');
}

/** The entries matching a filter as CSV lines (header first), newest first, a page at a time. */
export async function* auditCsv(stores: Pick<Stores, 'audit'>, filter: AuditFilter): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: string | null = null;
  do {
    const page: Page<AuditEntry> = await stores.audit.list(filter, { limit: 500, cursor });
    for (const entry of page.items) yield `${csvRow(entry)}\r\n`;
    cursor = page.nextCursor;
  } while (cursor);
}
