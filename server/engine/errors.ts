/**
 * Domain errors, raised by services and stores. The tRPC layer maps `code` to a tRPC code in one place
 * (server/trpc/init.ts); the CLI maps them to exit codes. `fieldErrors` names every bad field
 * by its path ("vms[3].hostId") so the operator can fix the input.
 */
export const DOMAIN_ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'FORBIDDEN',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly fieldErrors: FieldError[];

  constructor(code: DomainErrorCode, message: string, fieldErrors: FieldError[] = []) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * An id that is not there, named in the message: for an id the operator typed or reads (an
 * import file's own ids). An id that reached the request from a list or a link means nothing to
 * the operator: goneSinceLoaded or notOnRecord say what is missing in words instead.
 */
export function notFound(what: string, id: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} "${id}" does not exist`);
}

/**
 * An object the operator acted on from a page that listed or showed it, gone when the request
 * reached it. The id is all the server has, and nobody typed it: the message says what the
 * operator was acting on and what happened (`how`, e.g. "an admin deleted it"), and the field
 * error names the input by its path. The console lists field errors under the message, so theirs
 * holds no id either; an API client knows the value it sent at that path.
 */
export function goneSinceLoaded(what: string, field: string, how = 'someone deleted it'): DomainError {
  return new DomainError(
    'NOT_FOUND',
    `This ${what} no longer exists: ${how} since this page was loaded. Reload the page.`,
    [{ path: field, message: `This ${what} no longer exists` }],
  );
}

/**
 * An object of a kind the console never deletes (an operation, an approval request, a user) that
 * is not there: the page or link that named it did not come from this console's database as it
 * is now, so "deleted since" would be untrue. Said in words, with the input named by its path
 * only, as goneSinceLoaded does.
 */
export function notOnRecord(what: string, field: string): DomainError {
  return new DomainError(
    'NOT_FOUND',
    `This console has no record of this ${what}: the page or link that named it may be from another console, or from before its database was restored.`,
    [{ path: field, message: `No such ${what} in this console` }],
  );
}

/**
 * A restore point asked for by id that is not in the catalogue. Nobody types a point's id: it came
 * from a link or a list read before retention or an admin deleted the point, so the message says
 * that, and only the field error's path says which input it was (the console lists field errors
 * under the message, so theirs holds no id either).
 */
export function pointNotFound(): DomainError {
  return new DomainError(
    'NOT_FOUND',
    'This restore point no longer exists: retention or an admin deleted it since it was listed',
    [{ path: 'restorePointId', message: 'This restore point is not in the catalogue any more' }],
  );
}

/**
 * An object the caller had read by name and that was deleted before the write reached it: named,
 * not by the id nobody typed (notFound is for an id asked for that was never there).
 */
export function deletedMeanwhile(what: string, name: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} "${name}" was deleted meanwhile`);
}
