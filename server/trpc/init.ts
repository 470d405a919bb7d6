/**
 * tRPC foundation: context (with who is signed in, read from the session cookie), transformer, the
 * one table that maps domain errors to tRPC codes, and the role-checked base procedures every
 * router builds on. Routers stay thin: validate with a shared schema, call one service, return.
 *
 * Roles are enforced here, not in pages: a procedure is built on the least role allowed to call it
 * (`viewerProcedure` … `adminProcedure`); an anonymous call gets UNAUTHORIZED (401), a role below
 * the minimum FORBIDDEN (403). `publicProcedure` is for the setup page only; sign-in and health are
 * not tRPC. The role-matrix test (role-matrix.test.ts) holds every procedure to a declared minimum.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import {
  asProcessDatabase,
  type DatabaseHandle,
  getProcessDatabase,
  reopenableConfigOf,
  storesOf,
} from '../../db/process-database';
import type { Stores } from '../../db/stores/ports';
import { authFor } from '../auth/auth';
import { type AccountDirectory, createAccountDirectory } from '../auth/directory';
import { principalFromHeaders } from '../auth/session';
import { processSessionChecks } from '../auth/session-checks';
import { type DatabaseConfig, getConfig } from '../config';
import { ANONYMOUS_ACTOR, createServiceContext, type ServiceContext } from '../context';
import { vaultKeysOf } from '../database-keys';
import { ROLE_LABELS, type Role, roleAtLeast } from '../engine/roles';
import { formatIssuePath } from '../schemas/inventory';
import { nameAuditObjects } from '../services/audit-names';
import {
  auditObjectsOf,
  NO_ORIGIN,
  originOf,
  type RequestOrigin,
  recordAudit,
} from '../services/audit-service';
import { type DomainErrorCode, type FieldError, isDomainError } from '../services/errors';
import type { VaultKeySource } from '../services/vault-key';
import { transformer } from './transformer';

type SessionLookUp = Awaited<ReturnType<AccountDirectory['findSessionByToken']>>;

/** The signed-in user a request acts for, and the session that proved it. */
export interface Principal {
  user: { id: string; name: string; email: string };
  role: Role;
  /** The session behind the request; null for server-side callers (tests) that have none. */
  session: { id: string; token: string } | null;
}

export interface Context {
  stores: Stores;
  /**
   * The database behind `stores` as another thread opens it (the SQLite file or the PostgreSQL
   * URL), for work done off the request's event loop (the import thread); null for a private
   * in-memory database no other thread can open.
   */
  importDatabase: DatabaseConfig | null;
  /** Clock, ids, the acting principal and a logger for the services this request calls. */
  service: ServiceContext;
  /** The vault key (MIGAWKA_SECRET_KEY or the key file beside the database: server/database-keys.ts). */
  vaultKeys: VaultKeySource;
  /** Where the request came from (recorded in the audit trail). */
  origin: RequestOrigin;
  /** Users, credentials and sessions (through the authentication library). */
  accounts: AccountDirectory;
  /** Who is signed in; null for an anonymous request. */
  principal: Principal | null;
  /** Four-eyes approval: how long a request waits for a second admin (MIGAWKA_APPROVAL_EXPIRY_MINUTES). */
  approvalExpiryMs: number;
  /** False once the request's session was revoked, expired or its user disabled (ends live streams). */
  sessionStillValid: () => Promise<boolean>;
}

/**
 * A context over one database, acting for `principal` (null: anonymous) from `origin`. The service
 * actor is the principal's user with its role. Tests pass an in-memory database and may override
 * clock, ids; server/test-support.ts `signedIn()` gives them a principal of any role.
 */
export function contextFor(
  database: DatabaseHandle,
  service: Partial<ServiceContext> = {},
  principal: Principal | null = null,
  origin: RequestOrigin = NO_ORIGIN,
): Context {
  const opened = asProcessDatabase(database);
  const accounts = createAccountDirectory(authFor(opened));
  const serviceContext = createServiceContext({
    ...service,
    actor: principal
      ? { kind: 'user', ...principal.user, role: principal.role }
      : (service.actor ?? ANONYMOUS_ACTOR),
  });
  return {
    stores: storesOf(opened),
    importDatabase: reopenableConfigOf(opened),
    vaultKeys: vaultKeysOf(opened),
    service: serviceContext,
    accounts,
    principal,
    origin,
    approvalExpiryMs: getConfig().approvals.expiryMs,
    sessionStillValid: async () => {
      if (!principal?.session) return principal !== null;
      // Shared by every live stream of the session (server/auth/session-checks.ts).
      const { token } = principal.session;
      const found = await processSessionChecks<SessionLookUp>().lookUp(token, () =>
        accounts.findSessionByToken(token),
      );
      return Boolean(
        found &&
          found.session.expiresAt > serviceContext.now() &&
          !found.user.disabled &&
          found.user.role === principal.role,
      );
    },
  };
}

/** The context of an HTTP request over a database: acting for the user its session cookie names, if any. */
export async function contextForRequest(database: DatabaseHandle, request: Request): Promise<Context> {
  const principal = await principalFromHeaders(authFor(database), request.headers);
  return contextFor(database, {}, principal, originOf(request));
}

/** The request context over the process-wide database (SQLite, or PostgreSQL with DATABASE_URL). */
export async function createContext(request: Request): Promise<Context> {
  return contextForRequest(await getProcessDatabase(), request);
}

export { originOf } from '../services/audit-service';

type TrpcCode = TRPCError['code'];

/** The only place where domain error codes become tRPC (and so HTTP) codes. */
export const DOMAIN_TO_TRPC_CODE: Record<DomainErrorCode, TrpcCode> = {
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  FORBIDDEN: 'FORBIDDEN',
};

/** Field errors carried by an error's cause: zod issues of the procedure input, or a DomainError's list. */
export function fieldErrorsOf(error: unknown): FieldError[] {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof ZodError) {
    return cause.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
  }
  if (isDomainError(cause)) return cause.fieldErrors;
  return [];
}

/** Issues named in an invalid input's message before "and N more" (the field list has them all). */
const ISSUES_IN_MESSAGE = 3;

function invalidInputMessage(fieldErrors: readonly FieldError[]): string {
  const messages = [...new Set(fieldErrors.map((field) => field.message))];
  const shown = messages.slice(0, ISSUES_IN_MESSAGE).join('; ');
  const more = messages.length - ISSUES_IN_MESSAGE;
  return `Invalid input: ${shown}${more > 0 ? `; and ${more} more` : ''}`;
}

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const fieldErrors = fieldErrorsOf(error);
    // A zod failure's default message is a JSON dump of issues. The schemas' own messages say what
    // is wrong in the operator's words, and a page that shows only the message (a list's error
    // state, a toast) must say it too, not merely that something was rejected.
    const message = error.cause instanceof ZodError ? invalidInputMessage(fieldErrors) : shape.message;
    return { ...shape, message, data: { ...shape.data, fieldErrors } };
  },
});

/**
 * Turns a DomainError thrown by a service into a TRPCError with the mapped code, for HTTP clients
 * and server-side callers alike (the formatter alone would leave callers an INTERNAL_SERVER_ERROR).
 * `next()` never throws: a failure comes back as `{ ok: false }` with the original error as cause.
 */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: DOMAIN_TO_TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

/** tRPC codes that mean "refused before anything changed" rather than "failed while doing it". */
const REFUSAL_CODES = new Set<TrpcCode>([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'METHOD_NOT_SUPPORTED',
  'TOO_MANY_REQUESTS',
  'UNPROCESSABLE_CONTENT',
]);

/**
 * Records every mutation in the audit trail with its outcome, after it ran (outermost, so it sees
 * the mapped error codes). Queries and subscriptions change nothing and are not recorded. A failure
 * to record is logged loudly but does not turn a mutation that happened into an error.
 */
const auditMutations = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  if (type !== 'mutation') return next();
  const result = await next();
  const input = await getRawInput().catch(() => null);
  const error = result.ok ? null : result.error;
  try {
    await recordAudit(ctx.stores, ctx.service, {
      action: path,
      objects: await nameAuditObjects(
        ctx.stores,
        auditObjectsOf(path, input, result.ok ? result.data : null),
      ),
      input,
      outcome: error === null ? 'succeeded' : REFUSAL_CODES.has(error.code) ? 'refused' : 'failed',
      message: error === null ? null : auditMessageOf(error),
      origin: ctx.origin,
    });
  } catch (auditError) {
    ctx.service.log.error({ err: auditError, action: path }, 'audit entry could not be recorded');
  }
  return result;
});

/** A refusal as the audit trail words it: an invalid input lists its fields, not zod's JSON dump. */
function auditMessageOf(error: TRPCError): string {
  if (!(error.cause instanceof ZodError)) return error.message;
  return `Invalid input: ${fieldErrorsOf(error)
    .map((field) => `${field.path}: ${field.message}`)
    .join('; ')}`;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** No sign-in needed: only the setup page's procedures (the role-matrix test holds this list). */
export const publicProcedure = t.procedure.use(auditMutations).use(mapDomainErrors);

/** Refuses an anonymous caller (401) and a role below `minimum` (403). */
export function requireRole(minimum: Role) {
  return t.middleware(({ ctx, next }) => {
    const { principal } = ctx;
    if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to use the console' });
    assertRole(principal, minimum);
    return next({ ctx: { principal } });
  });
}

/** For a check that depends on the input (a destructive restore mode): 403 below `minimum`. */
export function assertRole(principal: Principal | null, minimum: Role, what?: string): void {
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to use the console' });
  if (!roleAtLeast(principal.role, minimum)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${what ?? 'This'} needs the ${ROLE_LABELS[minimum]} role; you are signed in as ${ROLE_LABELS[principal.role]}`,
    });
  }
}

/** Reads anything. */
export const viewerProcedure = publicProcedure.use(requireRole('viewer'));
/** Backs up, verifies, restores as new or staged, runs and edits jobs, cancels and retries. */
export const operatorProcedure = publicProcedure.use(requireRole('operator'));
/** Restores over what exists (in place, snapshot revert, volume revert). */
export const restoreOperatorProcedure = publicProcedure.use(requireRole('restore-operator'));
/** Users, inventory import, deleting restore points and jobs. */
export const adminProcedure = publicProcedure.use(requireRole('admin'));
