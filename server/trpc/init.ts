/**
 * tRPC foundation: context, transformer, the one table that maps domain errors to tRPC codes,
 * and the base procedure every router builds on. Routers stay thin: validate with a shared
 * schema, call one service, return.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { type Db, getDb, sqliteOf } from '../../db/client';
import type { Stores } from '../../db/stores/ports';
import { createSqliteStores } from '../../db/stores/sqlite';
import { getConfig } from '../config';
import { createServiceContext, type ServiceContext } from '../context';
import { formatIssuePath } from '../schemas/inventory';
import { auditObjectsOf, NO_ORIGIN, type RequestOrigin, recordAudit } from '../services/audit-service';
import { type DomainErrorCode, type FieldError, isDomainError } from '../services/errors';
import { memoryKeySource, type VaultKeySource, vaultKeySourceFor } from '../services/vault-key';

export interface Context {
  stores: Stores;
  /**
   * The SQLite file behind `stores`, for work that opens its own connection off the request's
   * event loop (the import thread); null for a private in-memory database no other thread can open.
   */
  databaseFile: string | null;
  /** Clock, ids, the acting principal and a logger for the services this request calls. */
  service: ServiceContext;
  /** The vault key (MIGAWKA_SECRET_KEY or the key file beside the database). */
  vaultKeys: VaultKeySource;
  /** Where the request came from (recorded in the audit trail). */
  origin: RequestOrigin;
}

/** A private in-memory database keeps its secrets under a key that lives exactly as long. */
const memoryKeys = new WeakMap<Db, VaultKeySource>();

function vaultKeysOf(db: Db): VaultKeySource {
  const connection = sqliteOf(db);
  if (!connection.memory) return vaultKeySourceFor(getConfig().secrets, connection.name);
  let keys = memoryKeys.get(db);
  if (!keys) {
    keys = memoryKeySource();
    memoryKeys.set(db, keys);
  }
  return keys;
}

/** A context over one database (tests pass an in-memory one and may override clock, ids or actor). */
export function contextFor(
  db: Db,
  service: Partial<ServiceContext> = {},
  origin: RequestOrigin = NO_ORIGIN,
): Context {
  const connection = sqliteOf(db);
  return {
    stores: createSqliteStores(db),
    databaseFile: connection.memory ? null : connection.name,
    service: createServiceContext(service),
    vaultKeys: vaultKeysOf(db),
    origin,
  };
}

/** The request context: the process-wide database, and where the request came from. */
export function createContext(request?: Request): Context {
  return contextFor(getDb(), {}, request ? originOf(request) : NO_ORIGIN);
}

/**
 * The peer address and user agent of a request. The address is the LAST `X-Forwarded-For` hop: the
 * one the server in front of us (Next's own server, or the reverse proxy) appended; earlier hops are
 * whatever the client claimed and are not recorded as its address.
 */
export function originOf(request: Request): RequestOrigin {
  const hops = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const ip = hops.at(-1) ?? request.headers.get('x-real-ip');
  return { ip: ip || null, userAgent: request.headers.get('user-agent')?.slice(0, 500) ?? null };
}

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

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fieldErrors = fieldErrorsOf(error);
    // A zod failure's default message is a JSON dump of issues; the field list says it better.
    const count = fieldErrors.length;
    const message =
      error.cause instanceof ZodError
        ? `Invalid input: ${count} field${count === 1 ? '' : 's'} rejected`
        : shape.message;
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
      objects: auditObjectsOf(path, input, result.ok ? result.data : null),
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
export const publicProcedure = t.procedure.use(auditMutations).use(mapDomainErrors);
