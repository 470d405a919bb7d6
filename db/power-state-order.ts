/**
 * The VM list's power-state sort, the same on SQLite and PostgreSQL: a VM whose power state was not
 * read (`power_state_unknown` set) has its own place after every state that was read, never the
 * place of the state it is planned as (running, for safety), which nobody read.
 *
 * Both schemas index this very expression with the VM's id (vms_power_rank_id_idx), so a page reads
 * the index in order. Changing the order changes the index: generate a migration for both dialects
 * (server/trpc/routers/vm-power-sort-index.test.ts fails while the query and the index differ).
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { POWER_STATES, type PowerState } from '../server/engine/inventory';

/** The states read, in the order the list always showed them (their names' order), then not read. */
export const POWER_STATE_SORT_ORDER: readonly PowerState[] = [...POWER_STATES].sort();
export const NOT_READ_RANK = POWER_STATE_SORT_ORDER.length;

/**
 * The rank the list sorts by, an integer on both databases (no collation decides it), and the
 * value its keyset cursor carries: ORDER BY, the cursor's comparison and the value a page's last row
 * gives its cursor must be this one expression, or pages skip or repeat rows. Literals are written
 * into the text (they are this file's constants, not input), so the statements' expression is the
 * index's.
 */
export function powerStateRank(powerState: SQLWrapper, powerStateUnknown: SQLWrapper): SQL<number> {
  const ranks = POWER_STATE_SORT_ORDER.map(
    (state, rank) => sql`when ${powerState} = '${sql.raw(state)}' then ${sql.raw(String(rank))}`,
  );
  // Every stored state is one of POWER_STATES (imports validate it); an else keeps the key non-null
  // regardless, as a null would fall out of the cursor's row comparison.
  return sql<number>`(case when ${powerStateUnknown} is not null then ${sql.raw(String(NOT_READ_RANK))} ${sql.join(ranks, sql` `)} else ${sql.raw(String(NOT_READ_RANK + 1))} end)`;
}
