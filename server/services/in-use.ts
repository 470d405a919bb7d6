/**
 * Disconnecting a connection (array, Hyper-V host) while an operation queued or running touches
 * it is refused, naming those operations: their steps would find no connection behind the object
 * and fail half-way (a checkpoint left to merge, a fenced consistency group, a mapped clone).
 */
import { DomainError } from './errors';

export function refuseWhileInUse(name: string, active: readonly { title: string }[]): void {
  if (active.length === 0) return;
  const one = active.length === 1;
  const shown = active.slice(0, 3).map((operation) => `"${operation.title}"`);
  const more = active.length > 3 ? ` and ${active.length - 3} more` : '';
  throw new DomainError(
    'PRECONDITION_FAILED',
    `${name} is in use by ${one ? 'an operation' : `${active.length} operations`} ` +
      `(${shown.join(', ')}${more}): wait for ${one ? 'it' : 'them'} to end, or cancel ` +
      `${one ? 'it' : 'them'}, then disconnect it.`,
  );
}
