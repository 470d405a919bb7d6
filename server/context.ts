/**
 * The one context every service receives: the clock, the id source, who is acting, and a logger.
 * Services never call `new Date()`, `randomUUID()` or the process logger themselves, so tests drive
 * time explicitly and every write can record its actor.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
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
  newId: () => string;
  actor: Actor;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

/** The production context; tests override `now`/`newId`/`actor`. */
export function createServiceContext(overrides: Partial<ServiceContext> = {}): ServiceContext {
  return {
    now: () => new Date(),
    newId: () => randomUUID(),
    actor: SYSTEM_ACTOR,
    log: processLogger,
    ...overrides,
  };
}
