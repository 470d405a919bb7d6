/**
 * The one context every service receives: the clock, the id source, who is acting, and a logger.
 * Services never call `new Date()`, an id generator or the process logger themselves, so tests drive
 * time explicitly and every write can record its actor.
 */
import type { Logger } from 'pino';
import { v7 as timeOrderedUuid } from 'uuid';
import type { Role } from './engine/roles';
import { logger as processLogger } from './logger';

/**
 * Who is acting: a signed-in user (filled from the session by the tRPC context, with the role the
 * request was authorised under), the scheduler, or the local system user (the command line and the
 * worker). Stored on what an actor starts, cancels, imports, deletes or verifies as `actorLabel(actor)`.
 */
export type Actor =
  | { kind: 'system'; id: 'system'; name: string }
  | { kind: 'scheduler'; id: 'scheduler'; name: string }
  | { kind: 'anonymous'; id: 'anonymous'; name: string }
  | { kind: 'user'; id: string; name: string; email: string; role: Role };

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', name: 'Local system user' };
export const SCHEDULER_ACTOR: Actor = { kind: 'scheduler', id: 'scheduler', name: 'Scheduler' };
/** A request without a session: it is refused everything but the setup page, and audited as such. */
export const ANONYMOUS_ACTOR: Actor = { kind: 'anonymous', id: 'anonymous', name: 'Not signed in' };

/** What is stored in `requested_by` / `created_by` columns: stable and readable ("user:42", "system"). */
export function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.id}` : actor.id;
}

export interface ServiceContext {
  now: () => Date;
  /**
   * A new id. In production a time-ordered UUID (RFC 9562 version 7): the ids of rows written
   * together sort together, so an index keyed by them (operations, their events, the admission
   * wake-up queue, restore points) takes them on a few neighbouring pages instead of one page each.
   * With random ids, admission's first pass over 10,000 queued backups took ~40 % longer on SQLite
   * (issue 13; docs/BENCHMARKS.md).
   */
  newId: () => string;
  actor: Actor;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

/** The production context; tests override `now`/`newId`/`actor`. */
export function createServiceContext(overrides: Partial<ServiceContext> = {}): ServiceContext {
  return {
    now: () => new Date(),
    newId: () => timeOrderedUuid(),
    actor: SYSTEM_ACTOR,
    log: processLogger,
    ...overrides,
  };
}
